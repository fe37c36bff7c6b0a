"""Serving a studio on a free loopback port in a background thread (tests, benches, screenshots)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Callable

from dreamvid.errors import DreamvidError
from dreamvid.studio.app import create_app
from dreamvid.studio.service import Studio


def serve_in_background(studio: Studio, start_timeout: float = 20.0) -> tuple[str, Callable[[], None]]:
    """Start the studio's server on a free 127.0.0.1 port; returns its address and a function that stops it."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(studio), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise DreamvidError(f"the studio server did not start on port {port}")
        time.sleep(0.05)

    def stop() -> None:
        server.should_exit = True
        thread.join(10)

    return f"http://127.0.0.1:{port}", stop
