"""The studio's web routes (FastAPI): thin wrappers over `Studio`, errors as one line of JSON.

Every answer to a bad request is `{"error": "one line", "field": "the form field or null"}` with
status 400 (413 for an upload over the limit); the page shows the line beside the field. Files are
served only from the studio's own areas by generated name, or from FOLDER by a listed name.
"""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Any

import cv2
from fastapi import Body, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from dreamvid.errors import DreamvidError
from dreamvid.studio.page import page
from dreamvid.studio.service import Studio
from dreamvid.studio.storage import UploadWriter

STATIC = {"studio.js": "text/javascript", "studio.css": "text/css"}
MEDIA_TYPES = {".png": "image/png", ".mp4": "video/mp4", ".jpg": "image/jpeg", ".webm": "video/webm"}


def create_app(studio: Studio) -> FastAPI:
    app = FastAPI(title="dreamvid studio", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(DreamvidError)
    async def bad_input(request: Request, error: DreamvidError) -> JSONResponse:
        status = 413 if "upload limit" in str(error) else 400
        return JSONResponse({"error": str(error), "field": getattr(error, "field", None)}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, error: RequestValidationError) -> JSONResponse:
        """A request FastAPI cannot read (a query number that is not one, a body that is not the form):
        one line naming the first bad part, as every other error."""
        problems = error.errors()
        first = problems[0] if problems else {}
        where = [str(part) for part in first.get("loc", ()) if part not in ("query", "body", "path")]
        field = where[-1] if where else None
        message = str(first.get("msg", "the request is not valid")).splitlines()[0]
        return JSONResponse({"error": f"{field}: {message}" if field else message, "field": field}, status_code=400)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        """Not found, a method not allowed, a body that does not parse: the same one line of JSON."""
        message = str(error.detail).splitlines()[0] if error.detail else "the request failed"
        return JSONResponse({"error": message, "field": None}, status_code=error.status_code,
                            headers=getattr(error, "headers", None))

    @app.exception_handler(OSError)
    async def os_error(request: Request, error: OSError) -> JSONResponse:
        where = f" ({error.filename})" if error.filename else ""
        return JSONResponse({"error": f"{error.strerror or error}{where}", "field": None}, status_code=500)

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return page(studio)

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in STATIC:
            raise DreamvidError(f"no such file: {name[:40]!r}")
        text = resources.files("dreamvid.studio").joinpath("static", name).read_text()
        return Response(text, media_type=STATIC[name])

    async def receive(request: Request, name: str, then: Any) -> Any:
        """Stream the request body into a generated name in the uploads area, then hand its path on."""
        writer = UploadWriter(studio.store, name)
        try:
            length = int(request.headers.get("content-length") or 0)
            writer.check_size(length)
            async for chunk in request.stream():
                writer.write(chunk)
            path = writer.finish()
        finally:
            writer.abort()
        return await run_in_threadpool(then, path)

    @app.post("/api/upload")
    async def upload(request: Request, name: str) -> dict:
        return await receive(request, name, lambda path: studio.describe_upload(path, name))

    @app.post("/api/settings-from")
    async def settings_from(request: Request, name: str) -> dict:
        return {"form": await receive(request, name, lambda path: studio.settings_of(path, name))}

    @app.get("/api/folder")
    def folder() -> list[dict]:
        return studio.folder()

    @app.get("/api/source")
    def source(source: str) -> dict:
        return studio.source(source).as_dict()

    @app.get("/api/frame")
    def frame(source: str, index: int = 0, side: int = 320) -> Response:
        pixels = studio.frame(source, index, max(32, min(side, 1024)))
        ok, encoded = cv2.imencode(".png", cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR))
        return Response(encoded.tobytes(), media_type="image/png")

    @app.get("/api/layers")
    def layers(model: str) -> dict:
        spec = studio.engine.spec(model)
        return {"model": model, "default": [str(term) for term in spec.default_layers],
                "layers": [{"name": name, "channels": channels} for name, channels in studio.engine.layers(model)]}

    @app.get("/api/thumb")
    def thumb(model: str, layer: str) -> FileResponse:
        return FileResponse(studio.thumbnail(model, layer), media_type="image/png")

    @app.post("/api/command")
    def command(form: Annotated[dict, Body(embed=True)]) -> dict:
        return {"command": studio.command(form)}

    @app.post("/api/preview")
    def preview(form: Annotated[dict, Body(embed=True)]) -> dict:
        return studio.preview(form)

    @app.post("/api/variants")
    def variants(form: Annotated[dict, Body()], vary: Annotated[str, Body()], values: Annotated[str, Body()]) -> dict:
        return {"variants": studio.variants(form, vary, values)}

    @app.post("/api/clip")
    def clip(form: Annotated[dict, Body(embed=True)]) -> dict:
        return studio.clip(form)

    @app.post("/api/render")
    def render(form: Annotated[dict, Body(embed=True)]) -> dict:
        return studio.render(form).as_dict()

    @app.get("/api/jobs")
    def jobs() -> list[dict]:
        return [job.as_dict() for job in studio.jobs.jobs()]

    @app.post("/api/jobs/{job_id}/cancel")
    def cancel(job_id: str) -> dict:
        return studio.jobs.cancel(job_id).as_dict()

    @app.post("/api/jobs/{job_id}/resume")
    def resume(job_id: str) -> dict:
        return studio.jobs.resume(job_id).as_dict()

    @app.get("/api/jobs/{job_id}/frame")
    def newest_frame(job_id: str) -> Response:
        path = studio.jobs.get(job_id).newest_frame()
        if path is None:
            return Response(status_code=204)
        return Response(path.read_bytes(), media_type="image/png", headers={"Cache-Control": "no-store"})

    @app.get("/files/{area}/{name}")
    def files(area: str, name: str, download: bool = False) -> FileResponse:
        path = studio.store.path(area, name)
        if not path.is_file():
            raise DreamvidError(f"no such studio file: {name!r}")
        media_type = MEDIA_TYPES.get(path.suffix, "application/octet-stream")
        return FileResponse(path, media_type=media_type, filename=f"dreamvid-{name}" if download else None)

    @app.get("/folder/{name}")
    def folder_file(name: str) -> FileResponse:
        return FileResponse(studio.store.folder_path(name))

    return app
