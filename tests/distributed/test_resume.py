"""Checkpoints of a data-parallel run: rank 0 writes them, a run resumed in the middle of an
epoch at the same world size ends bit for bit as the uninterrupted run, and another world size
is refused with a clear error; rank 0 alone prints and fills the run folder."""

import json

import pytest
from tests.distributed import mpi_resume
from tests.distributed.launch import run


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("resume")
    done = run("mpi_resume.py", str(folder))
    assert done.returncode == 0, done.stdout + done.stderr
    folder.joinpath("stdout.txt").write_text(done.stdout)
    return folder


def test_resumed_mid_epoch_equals_uninterrupted(folder):
    results = json.loads((folder / "results.json").read_text())
    assert results == {"equal": True, "ranks_equal": True, "epochs": 4}


def test_rank_zero_alone_prints_and_writes_the_run_folder(folder):
    stdout = (folder / "stdout.txt").read_text()
    assert stdout.count("Epoch 1/4") == 1, stdout  # one progress line per epoch, from rank 0
    config = json.loads((folder / "run" / "config.json").read_text())
    assert config["world_size"] == 2
    history = (folder / "run" / "history.csv").read_text().splitlines()
    assert len(history) == 1 + 4


def test_another_world_size_is_refused(folder):
    dn = pytest.importorskip("deltanet")
    model, opt = mpi_resume.build(0)
    with pytest.raises(dn.io.CheckpointError, match=r"world_size: the checkpoint was written by a run on 2 rank"):
        mpi_resume.train(model, opt, resume_from=folder / "a" / "last.dnet", verbose=0, distributed=False)
