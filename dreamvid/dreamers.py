"""Build the Dreamer a settings object asks for: model, checked objective, compiled step."""

from __future__ import annotations

from dreamvid.ascent import Dreamer
from dreamvid.models import dreamable_layers, get_spec, load_model
from dreamvid.objective import build_objective
from dreamvid.settings import DreamSettings, LayerTerm


def build_dreamer(settings: DreamSettings, extra_layers: tuple[LayerTerm, ...] = ()) -> Dreamer:
    """Load the model once and compile its step for the settings' objective.

    `extra_layers` adds terms (at weight 0 by default use) that a schedule may turn up later,
    so changing layer weights over time never retraces the step.
    """
    spec = get_spec(settings.model)
    model = load_model(settings.model, settings.weights)
    available = dict(dreamable_layers(spec, model))
    terms = settings.layers or spec.default_layers
    objective = build_objective(tuple(terms) + tuple(extra_layers), settings.loss, available)
    return Dreamer(model, spec, objective)
