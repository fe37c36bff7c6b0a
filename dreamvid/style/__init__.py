"""Neural style transfer: the Gram-matrix losses and Adam optimiser (optimiser), and the effect (transfer)."""

from dreamvid.exports import lazy_exports

EXPORTS = {
    "StyleTransfer": "dreamvid.style.transfer",
    "Stylist": "dreamvid.style.optimiser",
    "build_stylist": "dreamvid.style.optimiser",
    "stylise": "dreamvid.style.optimiser",
    "read_styles": "dreamvid.style.optimiser",
    "gram_matrix": "dreamvid.style.losses",
}
__all__ = sorted(EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)
