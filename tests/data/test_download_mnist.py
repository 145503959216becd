"""download_mnist against a local HTTP server on 127.0.0.1 that serves files made by the test:
a good file, a hash mismatch that falls over to the next mirror, a 404, a body cut short, all
mirrors failing, and the atomic write that leaves no partial file behind."""

import hashlib
import http.server
import socket
import threading

import pytest

from deltanet.data import MNIST_MIRRORS, MNIST_SHA256, DownloadError, download_mnist, sha256_file

FILES = {"train-labels-idx1-ubyte.gz": b"labels " * 100, "t10k-labels-idx1-ubyte.gz": b"test labels " * 50}
HASHES = {name: hashlib.sha256(data).hexdigest() for name, data in FILES.items()}


class Handler(http.server.BaseHTTPRequestHandler):
    requests = []

    def do_GET(self):  # noqa: N802 - http.server's name
        Handler.requests.append(self.path)
        _, mirror, name = self.path.split("/", 2)
        if mirror == "missing" or name not in FILES:
            self.send_error(404, "File not found")
            return
        body = FILES[name]
        if mirror == "corrupt":
            body = body[:-1] + b"!"
        if mirror == "partial":  # promise the whole file, send half, hang up
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def clear_requests():
    Handler.requests.clear()


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


def fetch(folder, mirrors, **kwargs):
    kwargs.setdefault("log", None)
    kwargs.setdefault("backoff", 0)
    kwargs.setdefault("timeout", 5)
    return download_mnist(folder, mirrors=mirrors, files=HASHES, **kwargs)


def test_the_real_mirrors_and_digests_are_the_known_ones():
    assert MNIST_MIRRORS[0] == "https://ossci-datasets.s3.amazonaws.com/mnist/"
    assert "http://yann.lecun.com/exdb/mnist/" in MNIST_MIRRORS
    assert (
        MNIST_SHA256["train-images-idx3-ubyte.gz"] == "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
    )
    assert (
        MNIST_SHA256["t10k-labels-idx1-ubyte.gz"] == "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
    )
    assert len(MNIST_SHA256) == 4


def test_good_mirror(server, tmp_path):
    paths = fetch(tmp_path, [f"{server}/good/"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    for name, data in FILES.items():
        assert paths[name].read_bytes() == data
        assert sha256_file(paths[name]) == HASHES[name]


def test_hash_mismatch_falls_over_to_the_next_mirror(server, tmp_path):
    messages = []
    fetch(tmp_path, [f"{server}/corrupt", f"{server}/good"], log=messages.append)
    assert (tmp_path / "train-labels-idx1-ubyte.gz").read_bytes() == FILES["train-labels-idx1-ubyte.gz"]
    # each file: one request to the corrupt mirror (a digest mismatch is not retried), one to the good one
    assert Handler.requests.count("/corrupt/train-labels-idx1-ubyte.gz") == 1
    assert Handler.requests.count("/good/train-labels-idx1-ubyte.gz") == 1
    assert any("downloaded from " + server + "/good/" in m for m in messages)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)  # no temporary files left


def test_404_and_refused_connection_fall_over(server, tmp_path):
    dead = f"http://127.0.0.1:{closed_port()}/"
    fetch(tmp_path, [dead, f"{server}/missing/", f"{server}/good/"], retries=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    assert Handler.requests.count("/missing/train-labels-idx1-ubyte.gz") == 1  # a 404 is not retried


def test_all_mirrors_failing_is_one_clear_error_and_leaves_nothing(server, tmp_path):
    dead = f"http://127.0.0.1:{closed_port()}/"
    with pytest.raises(DownloadError) as info:
        fetch(tmp_path, [f"{server}/corrupt/", f"{server}/missing/", f"{server}/partial/", dead], retries=2)
    message = str(info.value)
    name = next(iter(FILES))
    assert message.startswith(f"could not download {name} with the expected SHA-256: ")
    assert f"{server}/corrupt/{name}: SHA-256 mismatch" in message
    assert f"{server}/missing/{name}: HTTP Error 404" in message
    assert f"{server}/partial/{name} (attempt 1/2): ConnectionError: the connection closed after" in message
    assert f"{dead}{name} (attempt 2/2)" in message
    assert list(tmp_path.iterdir()) == []  # no partial file under any name
    assert isinstance(info.value, OSError)


def test_cut_off_download_leaves_no_partial_file_and_keeps_the_old_one(server, tmp_path):
    old = tmp_path / "train-labels-idx1-ubyte.gz"
    old.write_bytes(b"an older, damaged copy")
    with pytest.raises(DownloadError, match=r"closed after 350 of 700 bytes"):
        fetch(tmp_path, [f"{server}/partial/"], retries=1)
    assert old.read_bytes() == b"an older, damaged copy"  # replaced only by a verified file
    assert [p.name for p in tmp_path.iterdir()] == [old.name]
    fetch(tmp_path, [f"{server}/good/"])
    assert old.read_bytes() == FILES[old.name]


def test_verified_files_are_not_downloaded_again(server, tmp_path):
    fetch(tmp_path, [f"{server}/good/"])
    Handler.requests.clear()
    messages = []
    fetch(tmp_path, [f"{server}/good/"], log=messages.append)
    assert Handler.requests == []
    assert all("present, SHA-256 verified" in m for m in messages)


def test_max_bytes(server, tmp_path):
    with pytest.raises(DownloadError, match="more than max_bytes=10 bytes"):
        fetch(tmp_path, [f"{server}/good/"], max_bytes=10)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"mirrors": ["file:///etc/"]}, "mirrors must be http:// or https:// URLs, got 'file:///etc/'"),
        ({"mirrors": []}, "no mirrors given"),
        ({"retries": 0}, "download_mnist: retries must be a positive integer, got 0"),
        ({"files": {"../evil": "0" * 64}}, "file names must be plain names, got '../evil'"),
        ({"files": {"x.gz": "abc"}}, "expected a 64-digit SHA-256 hex digest for 'x.gz', got 'abc'"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, message):
    args = {"mirrors": ["http://127.0.0.1:9/"], "files": HASHES, "log": None, **kwargs}
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        download_mnist(tmp_path / "d", **args)
