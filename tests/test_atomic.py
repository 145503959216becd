"""The one atomic writer: whole files or nothing, normal permissions, errors that name the user's file."""

import os

import pytest

from deltanet._atomic import atomic_replace, atomic_write, atomic_write_bytes, normal_mode


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield 0o640
    os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path, umask_027):
    atomic_write_bytes(tmp_path / "a.bin", b"x")
    atomic_replace(tmp_path / "b.txt", lambda tmp: open(tmp, "w").write("y"))
    assert normal_mode() == umask_027
    assert {(tmp_path / n).stat().st_mode & 0o777 for n in ("a.bin", "b.txt")} == {umask_027}


def test_a_failing_writer_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "model.bin"
    target.write_bytes(b"old")

    def fail(handle):
        handle.write(b"half")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        atomic_write(target, fail)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]


def test_an_error_names_the_users_file_not_the_temporary_one(tmp_path):
    missing = tmp_path / "no-such-folder" / "model.bin"
    with pytest.raises(FileNotFoundError) as caught:
        atomic_write_bytes(missing, b"x")
    assert str(missing) in str(caught.value) and ".tmp" not in str(caught.value)
