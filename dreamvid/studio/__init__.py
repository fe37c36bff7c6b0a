"""The studio: a local web app to find a look on one's own picture or clip in seconds, then render it.

`Studio` does the work over the library (previews, variants, preview clips, renders in a queue);
`create_app` puts its web routes in front of it (FastAPI, from the `studio` extra).
"""

from dreamvid.exports import lazy_exports

EXPORTS = {
    "Studio": "dreamvid.studio.service",
    "create_app": "dreamvid.studio.app",
    "Engine": "dreamvid.studio.engine",
}
__all__ = sorted(EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)
