"""The server without a browser: the page and its files, the WebSocket's messages, a closed tab, and
the command itself (127.0.0.1, --port, --no-browser, a port that is taken, Ctrl+C).

Starlette's TestClient talks to the app in-process (it needs httpx); skipped without the
``playground`` extra. The missing-extra message is tested without it.
"""

from __future__ import annotations

import argparse
import base64
import builtins
import fnmatch
import json
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
import warnings
from pathlib import Path

import pytest

from deltanet.cli import main as cli_main


def test_missing_extra_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from deltanet.playground import server

    real_import = builtins.__import__

    def no_starlette(name: str, *args, **kwargs):
        if name == "starlette" or name.startswith("starlette."):
            raise ImportError("No module named 'starlette'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_starlette)
    with pytest.raises(ImportError, match=r"pip install 'deltanet\[playground\]'"):
        server.require()


def test_bad_port_is_one_line(capsys: pytest.CaptureFixture) -> None:
    assert cli_main(["playground", "--port", "70000", "--no-browser"]) == 1
    assert "--port must be an integer in [1, 65535], got 70000" in capsys.readouterr().err
    from deltanet import playground

    with pytest.raises(ValueError, match="--port"):
        playground.main(argparse.Namespace(port=0, no_browser=True))


def test_the_pages_files_are_served_and_ship_in_the_wheel() -> None:
    """Every file of static/ is package data (pyproject.toml), and the server serves each one."""
    from deltanet.playground import server

    root = Path(__file__).resolve().parents[2]
    static = root / "src" / "deltanet" / "playground" / "static"
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["deltanet"]
    files = sorted(p.name for p in static.iterdir())
    assert files == sorted(["index.html", *server.STATIC_TYPES])
    for name in files:
        assert any(fnmatch.fnmatch(f"playground/static/{name}", pattern) for pattern in patterns), name


@pytest.fixture
def client():
    pytest.importorskip("starlette")
    pytest.importorskip("httpx")
    with warnings.catch_warnings():  # newer Starlette would rather have httpx2; httpx works the same here
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from deltanet.playground.server import create_app

    sessions = []
    app = create_app({"publish_interval": 0.02}, on_session=sessions.append)
    with TestClient(app) as test_client:
        test_client.sessions = sessions
        yield test_client


def _next(socket, kind: str, limit: int = 200) -> dict:
    for _ in range(limit):
        message = json.loads(socket.receive_text())
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind!r} message")


def test_page_and_files(client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "<title>deltanet playground</title>" in page.text
    assert "http" not in page.text.replace("http-equiv", "")  # nothing from elsewhere: works offline
    script = client.get("/static/playground.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "https://" not in script.text and "https://" not in client.get("/static/playground.css").text
    assert client.get("/static/../server.py").status_code == 404
    assert client.get("/static/secret.txt").status_code == 404


def test_socket_commands_and_messages(client) -> None:
    with client.websocket_connect("/ws") as socket:
        hello = _next(socket, "hello")
        assert "xor" in hello["choices"]["dataset"] and hello["config"]["dataset"] == "xor"
        state = _next(socket, "state")
        assert state["epoch"] == 0 and state["layers"] == [2, 4, 4, 2]

        socket.send_text(json.dumps({"type": "config", "fields": {"lr": "abc"}}))
        invalid = _next(socket, "invalid")
        assert invalid["field"] == "lr" and "got 'abc'" in invalid["message"]
        socket.send_text("not json")
        assert "JSONDecodeError" in _next(socket, "invalid")["message"]
        socket.send_text(json.dumps({"type": "fly"}))
        assert "unknown message type 'fly'" in _next(socket, "invalid")["message"]

        socket.send_text(json.dumps({"type": "config", "fields": {"hidden": [3], "n": 60}}))
        assert _next(socket, "accepted")["config"]["hidden"] == [3]
        socket.send_text(json.dumps({"type": "step"}))
        while _next(socket, "state")["epoch"] < 1:
            pass
        socket.send_text(json.dumps({"type": "explain", "index": "2"}))
        assert "δ[1]" in _next(socket, "explain")["text"]
        socket.send_text(json.dumps({"type": "explain", "index": "two"}))
        assert "integer" in _next(socket, "invalid")["message"]
        socket.send_text(json.dumps({"type": "download", "what": "script"}))
        script = _next(socket, "file")
        assert script["name"] == "playground_xor.py" and b"epochs=1" in base64.b64decode(script["base64"])
        socket.send_text(json.dumps({"type": "download", "what": "model"}))
        model = _next(socket, "file")
        assert base64.b64decode(model["base64"])[:2] == b"PK"  # a .dnet file is a zip
    session = client.sessions[0]
    deadline = time.monotonic() + 30  # a bound, not a timing: the thread ends at its next epoch boundary
    while session.alive and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not session.alive  # the tab closed: its training thread ended


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("browser", [False, True])
def test_the_command_serves_on_localhost_and_opens_the_browser(tmp_path: Path, browser: bool) -> None:
    """``deltanet playground --port P [--no-browser]`` in a real process: the page is served on
    127.0.0.1:P, the browser ($BROWSER, which webbrowser honours) is opened only without
    --no-browser, a second server on the same port gets the one-line error, and Ctrl+C ends it."""
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    port, opened = _free_port(), tmp_path / "opened.txt"
    fake = tmp_path / "browser.sh"
    fake.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    fake.chmod(0o755)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "BROWSER": str(fake), "PYTHONPATH": src}
    command = [sys.executable, "-m", "deltanet", "playground", "--port", str(port)]
    process = subprocess.Popen(
        command + ([] if browser else ["--no-browser"]),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline, page = time.monotonic() + 30, None
        while page is None and time.monotonic() < deadline and process.poll() is None:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read().decode()
            except OSError:
                time.sleep(0.1)
        assert page is not None and "<title>deltanet playground</title>" in page, "no page served"
        if not browser:  # a second server on the same port
            second = subprocess.run(
                command + ["--no-browser"], env=env, capture_output=True, text=True, timeout=30, check=False
            )
            assert second.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in second.stderr
            assert "choose another port with --port" in second.stderr and "Traceback" not in second.stderr
        if browser:
            while not opened.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert opened.read_text().strip() == f"http://127.0.0.1:{port}/"
        else:
            time.sleep(1.5)  # the browser would be opened 1 s after the start
            assert not opened.exists()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert f"deltanet playground: http://127.0.0.1:{port}/" in out
