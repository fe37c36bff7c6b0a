import h5py
import numpy as np
import pytest

from dreamvid.dream.models import MODELS, dreamable_layers, get_spec, hed_weights_file, load_model
from dreamvid.errors import DreamvidError


def test_default_model_weights_are_bundled():
    spec = get_spec("vgg16")
    assert spec.bundled and spec.weights_path() is not None


def test_vgg16_takes_the_hed_weights():
    model = load_model("vgg16")
    with h5py.File(hed_weights_file(), "r") as stored:
        kernel = stored["block3/layers/conv2d_2/vars/0"][()]
    np.testing.assert_array_equal(model.get_layer("block3_conv3").get_weights()[0], kernel)


def test_vgg16_dreamable_layers_keep_their_names():
    spec = get_spec("vgg16")
    names = [name for name, _ in dreamable_layers(spec, load_model("vgg16"))]
    assert names[:3] == ["block1_conv1", "block1_conv2", "block1_pool"]
    assert "block5_conv3" in names and len(names) == 18
    assert all(term.layer in names for term in spec.default_layers)


def test_unknown_model_names_the_known_ones():
    with pytest.raises(DreamvidError, match="unknown model 'alexnet'.*vgg16.*inception_v3"):
        get_spec("alexnet")


def test_missing_weights_file():
    with pytest.raises(DreamvidError, match="weights file not found"):
        load_model("inception_v3", "/nonexistent/weights.h5")


def test_bad_weights_file_is_one_error(tmp_path):
    bogus = tmp_path / "bogus.h5"
    bogus.write_bytes(b"not hdf5")
    with pytest.raises(DreamvidError, match="cannot load VGG16 weights"):
        load_model("vgg16", str(bogus))


def test_offline_without_cache_says_how_to_get_weights(monkeypatch):
    """Keras's download fails offline; the error must say so and name --weights. Nothing is fetched."""
    import keras

    def no_network(**kwargs):
        raise Exception("URL fetch failure: no network")

    monkeypatch.setattr(keras.applications, "InceptionV3", no_network)
    with pytest.raises(DreamvidError, match="not cached.*could not be downloaded.*--weights"):
        load_model("inception_v3")


def test_imagenet_models_are_registered():
    assert {"vgg16", "inception_v3", "vgg19", "resnet50", "xception"} <= set(MODELS)
    assert get_spec("inception_v3").default_layers[0].layer == "mixed4"


def test_bundled_vgg16_dream_raises_objective_and_changes_image(vgg16_dreamer):
    from conftest import textured_image

    from dreamvid.dream.octaves import dream
    from dreamvid.settings import DreamSettings

    image = textured_image(96, 128, seed=4)
    settings = DreamSettings(octaves=2, steps=4)
    result = dream(image, settings, vgg16_dreamer)
    assert vgg16_dreamer.loss(result) > 1.5 * vgg16_dreamer.loss(image)
    assert np.abs(result - image).mean() > 3.0


def test_known_layers_match_the_built_models_and_are_checked_before_loading(vgg16_dreamer):
    from dreamvid.dream.models import VGG16_LAYERS, check_layers, dreamable_layers, get_spec, load_model
    from dreamvid.settings import LayerTerm

    spec = get_spec("vgg16")
    built = dreamable_layers(spec, load_model("vgg16"))
    assert [(name, shape[-1]) for name, shape in built] == list(VGG16_LAYERS)
    with pytest.raises(DreamvidError, match="unknown layer 'block9_conv9'"):
        check_layers("vgg19", (LayerTerm("block9_conv9"),), "l2")
    with pytest.raises(DreamvidError, match="channel 512 is out of range"):
        check_layers("vgg16_imagenet", (LayerTerm("block5_conv3", channel=512),), "l2")
    check_layers("vgg19", (LayerTerm("block5_conv4"),), "l2")
