"""The dream: models, objectives, the compiled ascent step, the octave loop and the DeepDream effect."""

from dreamvid.exports import lazy_exports

EXPORTS = {
    "DeepDream": "dreamvid.dream.deepdream",
    "build_dreamer": "dreamvid.dream.deepdream",
    "MODELS": "dreamvid.dream.models",
    "ModelSpec": "dreamvid.dream.models",
    "check_layers": "dreamvid.dream.models",
    "get_spec": "dreamvid.dream.models",
    "load_model": "dreamvid.dream.models",
    "dreamable_layers": "dreamvid.dream.models",
    "Objective": "dreamvid.dream.objective",
    "build_objective": "dreamvid.dream.objective",
    "Dreamer": "dreamvid.dream.ascent",
    "dream": "dreamvid.dream.octaves",
    "octave_shapes": "dreamvid.dream.octaves",
}
__all__ = sorted(EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)
