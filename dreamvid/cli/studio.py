"""`dreamvid studio [FOLDER]`: the local web app, served on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import ipaddress
import math
import threading
from pathlib import Path
from typing import Annotated, Optional

import typer

from dreamvid.cli.boundary import error_boundary
from dreamvid.errors import DreamvidError

LOOPBACK = "127.0.0.1"
MEGABYTE = 1 << 20


def studio(
    folder: Annotated[Path, typer.Argument(help="The folder whose images and clips the studio offers (the only one it reads).")] = Path("."),
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8765,
    host: Annotated[str, typer.Option(help="Address to serve on (anything but loopback lets others on the network in).")] = LOOPBACK,
    store: Annotated[Optional[Path], typer.Option(help="The studio's own folder for uploads, previews and renders (default: FOLDER/dreamvid-studio).")] = None,
    max_upload: Annotated[float, typer.Option(help="Largest upload, in MB.")] = 500.0,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser.")] = False,
) -> None:
    """Find a look in the browser: preview a frame in seconds, compare variants, then render."""
    with error_boundary(resumable=False):
        try:
            import fastapi  # noqa: F401
            import uvicorn
        except ImportError:
            raise DreamvidError("the studio needs its extra: pip install 'dreamvid[studio]'") from None
        if not folder.is_dir():
            raise DreamvidError(f"not a folder: {folder}")
        if not 0 < port < 65536:
            raise DreamvidError(f"port must be between 1 and 65535, got {port}")
        if not (math.isfinite(max_upload) and max_upload * MEGABYTE >= 1):
            raise DreamvidError(f"max upload must be a positive number of MB, got {max_upload:g}")
        _check_free(host, port)  # before the warning: a failing command prints one line
        if not _is_loopback(host):
            typer.echo(f"dreamvid: warning: serving on {host}: anyone who can reach this machine can use the "
                       "studio and read the folder's files", err=True)
        from dreamvid.studio import Studio, create_app

        studio_app = Studio(store if store is not None else folder / "dreamvid-studio", folder,
                            max_upload_mb=max_upload)
        server = uvicorn.Server(uvicorn.Config(create_app(studio_app), host=host, port=port, log_level="warning"))
        address = f"http://{LOOPBACK if host in ('0.0.0.0', '::') else host}:{port}/"
        threading.Thread(target=studio_app.warm_up, name="dreamvid-studio-warm-up", daemon=True).start()
        typer.echo(f"dreamvid studio: {address} (folder {folder.resolve()}; Ctrl-C stops it)", err=True)
        if not no_browser:
            threading.Timer(1.0, _open_browser, [address]).start()
        try:
            server.run()
        finally:
            studio_app.close()


def _check_free(host: str, port: int) -> None:
    """Fail in one line before anything loads when the address cannot be served on (a port in use, say)."""
    import socket

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        raise DreamvidError(f"cannot serve on {host}:{port}: {error.strerror or error} (try another --port)") from None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _open_browser(address: str) -> None:
    import webbrowser

    webbrowser.open(address)
