"""The playground's web server: one page, its static files, and one WebSocket per tab.

Why a WebSocket rather than server-sent events: the page both commands (play, pause, step, a new
network, explain, download) and watches (the pictures, ten times a second), and a WebSocket
carries both ways on one connection. Its closing is the tab's closing: the handler's
``receive`` ends at once, and the handler closes the tab's ``Session``, which ends its training
thread. With server-sent events the commands would need requests of their own, tied to the stream
by a session id, and a closed tab would be noticed only at the next failed write.

Starlette serves it (a small ASGI framework; uvicorn runs it), bound to 127.0.0.1: the page
trains networks on this computer for the person sitting at it, and nobody else can reach it.
The page's JavaScript and CSS are package data of ``deltanet.playground`` (``static/``); they
load nothing from the network, so the playground works offline.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import math
import socket
import threading
import time
from collections.abc import Callable
from importlib import resources
from typing import Any

from deltanet.playground.config import CHOICES, ConfigError
from deltanet.playground.network import script_name
from deltanet.playground.session import Session

INSTALL = "pip install 'deltanet[playground]'"
HOST = "127.0.0.1"
PUSH_INTERVAL = 0.05  # seconds between two looks at a session's state
logger = logging.getLogger("deltanet.playground")


def require() -> None:
    """Import Starlette, uvicorn and websockets, or raise an ImportError that names the pip command."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
        import websockets  # noqa: F401
    except ImportError as error:
        raise ImportError(
            f"the deltanet playground needs starlette, uvicorn and websockets, which are not all installed "
            f"({error}); run: {INSTALL}"
        ) from None


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinity replaced by None (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _static(name: str) -> bytes:
    return resources.files("deltanet.playground").joinpath("static", name).read_bytes()


STATIC_TYPES = {
    "playground.js": "text/javascript; charset=utf-8",
    "playground.css": "text/css; charset=utf-8",
}


def create_app(
    session_options: dict[str, Any] | None = None, on_session: Callable[[Session], None] | None = None
) -> Any:
    """The Starlette application of the playground.

    Args:
        session_options: keyword arguments for every tab's ``Session`` (e.g. ``max_epochs``).
        on_session: called with each new ``Session`` (the tests keep them to look inside).

    Returns:
        A Starlette app: ``/`` the page, ``/static/...`` its files, ``/ws`` the tab's socket.

    Examples:
        >>> from deltanet.playground.server import create_app
        >>> [route.path for route in create_app().routes]
        ['/', '/static/{name}', '/ws']
    """
    require()
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    options = dict(session_options or {})
    no_cache = {"Cache-Control": "no-store"}

    async def page(request: Request) -> Response:
        return Response(_static("index.html"), media_type="text/html; charset=utf-8", headers=no_cache)

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC_TYPES:  # a closed list: no path from the request reaches the disk
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(_static(name), media_type=STATIC_TYPES[name], headers=no_cache)

    async def tab(websocket: WebSocket) -> None:
        await websocket.accept()
        session = await asyncio.to_thread(Session, **options)
        if on_session is not None:
            on_session(session)
        sending = asyncio.Lock()

        async def send(message: dict[str, Any]) -> None:
            text = json.dumps(_finite(message), separators=(",", ":"))
            async with sending:
                await websocket.send_text(text)

        async def push() -> None:
            shown = -1
            while True:
                version, state = session.state()
                if version != shown and state.get("units") is not None:
                    shown = version
                    await send({"type": "state", **state})
                await asyncio.sleep(PUSH_INTERVAL)

        await send({"type": "hello", "choices": CHOICES, "config": session.config.to_dict()})
        pusher = asyncio.create_task(push())
        try:
            while True:
                text = await websocket.receive_text()
                reply = await _handle(session, text)
                if reply is not None:
                    await send(reply)
        except WebSocketDisconnect:
            pass
        finally:
            pusher.cancel()
            # Told at once, not awaited: when the handler is cancelled (the client vanished, the
            # server shuts down) an await here would raise before the session heard of it.
            session.stop()
            await asyncio.to_thread(session.close)

    return Starlette(
        routes=[Route("/", page), Route("/static/{name}", static), WebSocketRoute("/ws", tab)],
    )


async def _handle(session: Session, text: str) -> dict[str, Any] | None:
    """Carry out one message of the page; the reply (if any) says what happened."""
    try:
        message = json.loads(text)
        if not isinstance(message, dict):
            raise ValueError(f"a message must be a JSON object, got {text[:80]!r}")
        kind = message.get("type")
        if kind == "config":
            config = session.configure(message.get("fields", {}))
            return {"type": "accepted", "config": config.to_dict()}
        if kind in ("play", "pause", "step", "reset"):
            getattr(session, kind)()
            return None
        if kind == "explain":
            return {"type": "explain", **await asyncio.to_thread(session.explain, _index(message.get("index", 0)))}
        if kind == "download":
            what = message.get("what")
            if what == "model":
                data = await asyncio.to_thread(session.model_file)
                name, mime = "playground-model.dnet", "application/zip"
            elif what == "script":
                data = (await asyncio.to_thread(session.script)).encode()
                name, mime = script_name(session.config), "text/x-python"
            else:
                raise ValueError(f"download: 'what' must be 'model' or 'script', got {what!r}")
            return {"type": "file", "name": name, "mime": mime, "base64": base64.b64encode(data).decode()}
        raise ValueError(f"unknown message type {kind!r}")
    except ConfigError as error:
        return {"type": "invalid", "field": error.field, "message": str(error)}
    except Exception as error:  # the page shows it; the server and the session go on
        logger.debug("playground: message refused", exc_info=True)
        return {"type": "invalid", "field": None, "message": f"{type(error).__name__}: {error}"}


def _index(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"explain: the sample number must be an integer, got {value!r}") from None


class BackgroundServer:
    """The playground served from a thread, on a free port of 127.0.0.1 (tests, notebooks).

    Args:
        port: the port (0: a free one).
        session_options: passed to ``create_app``.
        on_session: passed to ``create_app``.

    Attributes:
        url: ``http://127.0.0.1:PORT/``.
    """

    def __init__(self, port: int = 0, session_options: dict[str, Any] | None = None, on_session: Any = None) -> None:
        import uvicorn

        listener = _listen(port)
        self.url = f"http://{HOST}:{listener.getsockname()[1]}/"
        self._socket = listener
        config = uvicorn.Config(create_app(session_options, on_session), log_level="warning", ws="auto")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [listener]}, name="deltanet-playground-server", daemon=True
        )

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the playground server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()


def _listen(port: int) -> socket.socket:
    """A socket bound to 127.0.0.1:``port`` (0: a free port), or an OSError that says what to do."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((HOST, port))
    except OSError as error:
        listener.close()
        raise OSError(f"cannot listen on {HOST}:{port} ({error.strerror}); choose another port with --port") from None
    return listener


def serve(port: int = 8765, open_browser: bool = True) -> None:
    """Serve the playground on ``http://127.0.0.1:PORT/`` until Ctrl+C.

    Args:
        port: the port to listen on.
        open_browser: open the page in the default browser once the server is up.

    Raises:
        OSError: the port is taken (the message says to choose another with ``--port``).
    """
    require()
    import uvicorn

    listener = _listen(port)
    url = f"http://{HOST}:{port}/"
    print(f"deltanet playground: {url}  (Ctrl+C stops it)", flush=True)
    if open_browser:
        import webbrowser

        threading.Timer(1.0, webbrowser.open, [url]).start()
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning", ws="auto"))
    try:
        server.run(sockets=[listener])
    finally:
        listener.close()


__all__ = ["BackgroundServer", "create_app", "require", "serve"]
