"""The server without a browser: the page and its files, the WebSocket's messages, a closed tab.

Starlette's TestClient talks to the app in-process (it needs httpx); skipped without the
``playground`` extra. The missing-extra message is tested without it.
"""

from __future__ import annotations

import argparse
import base64
import builtins
import fnmatch
import json
import time
import tomllib
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
