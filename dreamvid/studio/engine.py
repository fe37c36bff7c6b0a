"""The studio's one loaded model, shared by previews and the render in turns.

Each model of the registry is loaded once and kept; each objective (its layers and loss) gets its
compiled ascent step once (a `Dreamer`), so a preview after the first costs only the dream. Every
call into an effect (a preview, a variant, one frame of a render) takes the model in turn: `Turns`
is a first-come, first-served lock, so a render waiting for its next frame goes right after the
preview running now, and a stream of previews can never keep it from the model (nor it them).
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any, Iterator, Mapping

import numpy as np

from dreamvid.dream.models import MODELS, ModelSpec
from dreamvid.effect import CarryingEffect, Effect, Guide
from dreamvid.errors import DreamvidError
from dreamvid.events import Progress
from dreamvid.settings import DreamSettings, LayerTerm, VideoSettings, ZoomSettings

if TYPE_CHECKING:
    import keras

    from dreamvid.dream.ascent import Dreamer


class Turns:
    """A lock taken in the order it was asked for (a ticket queue)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._issued = 0
        self._serving = 0

    @property
    def issued(self) -> int:
        """Turns asked for so far (taken, being taken, or waiting)."""
        with self._condition:
            return self._issued

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        with self._condition:
            ticket = self._issued
            self._issued += 1
            while ticket != self._serving:
                self._condition.wait()
        try:
            yield
        finally:
            with self._condition:
                self._serving += 1
                self._condition.notify_all()


class TakingTurns:
    """An effect whose every call waits for its turn at the model."""

    def __init__(self, effect: Effect, turns: Turns) -> None:
        self.effect = effect
        self.turns = turns

    def first(self, image: np.ndarray, *, seed: int, time: float = 0.0, progress: Progress | None = None,
              steps: int | None = None, **options: Any) -> np.ndarray:
        with self.turns.turn():
            return self.effect.first(image, seed=seed, time=time, progress=progress, steps=steps, **options)

    def refine(self, image: np.ndarray, *, seed: int, time: float = 0.0, progress: Progress | None = None,
               guide: Guide | None = None) -> np.ndarray:
        with self.turns.turn():
            return self.effect.refine(image, seed=seed, time=time, progress=progress, guide=guide)


class CarryingTakingTurns(TakingTurns):
    """TakingTurns for an effect that carries state of its own from frame to frame (style transfer)."""

    def first_carrying(self, image: np.ndarray, *, seed: int, time: float = 0.0,
                       progress: Progress | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        with self.turns.turn():
            return self.effect.first_carrying(image, seed=seed, time=time, progress=progress)

    def refine_carrying(self, image: np.ndarray, *, seed: int, time: float = 0.0, progress: Progress | None = None,
                        guide: Guide) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        with self.turns.turn():
            return self.effect.refine_carrying(image, seed=seed, time=time, progress=progress, guide=guide)


def taking_turns(effect: Effect, turns: Turns) -> TakingTurns:
    return CarryingTakingTurns(effect, turns) if isinstance(effect, CarryingEffect) else TakingTurns(effect, turns)


class Engine:
    """Models loaded once, compiled steps built once per objective, effects that take turns.

    `models` is the registry the studio offers (dreamvid's own by default; tests pass a tiny model).
    Style transfer builds its own network from dreamvid's registry, once per style setting.
    """

    def __init__(self, models: Mapping[str, ModelSpec] | None = None) -> None:
        self.models = dict(MODELS if models is None else models)
        self.turns = Turns()
        self._building = threading.Lock()
        self._networks: dict[tuple, keras.Model] = {}
        self._dreamers: dict[tuple, Dreamer] = {}
        self._layers: dict[str, tuple[tuple[str, int], ...]] = {}
        self._styles: dict[tuple, Effect] = {}

    def spec(self, model: str) -> ModelSpec:
        if model not in self.models:
            raise DreamvidError(f"unknown model {model!r}: choose one of {', '.join(self.models)}")
        return self.models[model]

    def layers(self, model: str) -> tuple[tuple[str, int], ...]:
        """The model's dreamable layers and their channels (the registry's list, or read off the loaded model)."""
        spec = self.spec(model)
        if spec.known_layers:
            return spec.known_layers
        if model not in self._layers:
            from dreamvid.dream.models import dreamable_layers

            network = self.network(model, None)
            self._layers[model] = tuple((name, int(shape[-1])) for name, shape in dreamable_layers(spec, network))
        return self._layers[model]

    def check(self, dream: DreamSettings, extra: tuple[LayerTerm, ...] = ()) -> None:
        """The objective's layers and channels (and a schedule's) checked against the model's, before any dream."""
        from dreamvid.dream.objective import build_objective

        spec = self.spec(dream.model)
        available = {name: (None, None, None, channels) for name, channels in self.layers(dream.model)}
        build_objective((tuple(dream.layers) or spec.default_layers) + tuple(extra), dream.loss, available)

    def network(self, model: str, weights: str | None) -> keras.Model:
        key = (model, weights)
        with self._building:
            if key not in self._networks:
                from dreamvid.runtime import start_tensorflow

                start_tensorflow()
                spec = self.spec(model)
                self._networks[key] = spec.builder(weights)
            return self._networks[key]

    def dreamer(self, dream: DreamSettings, extra: tuple[LayerTerm, ...] = ()) -> Dreamer:
        """The compiled step for the settings' objective, built the first time it is asked for."""
        from dreamvid.dream.ascent import Dreamer
        from dreamvid.dream.models import dreamable_layers
        from dreamvid.dream.objective import build_objective

        spec = self.spec(dream.model)
        terms = tuple(dream.layers or spec.default_layers) + tuple(extra)
        key = (dream.model, dream.weights, terms, dream.loss)
        network = self.network(dream.model, dream.weights)
        with self._building:
            if key not in self._dreamers:
                objective = build_objective(terms, dream.loss, dict(dreamable_layers(spec, network)))
                self._dreamers[key] = Dreamer(network, spec, objective)
            return self._dreamers[key]

    def video_effect(self, settings: VideoSettings, schedule=None) -> TakingTurns:
        """The effect of a still, a preview or a video render (the dream, or style transfer); a clip's
        schedule (bound to the clip) moves its weights, step size and steps, or the style's weight."""
        if settings.style is not None:
            effect = self._style(settings.dream, settings.style)
            if schedule is not None:
                import dataclasses

                effect = dataclasses.replace(effect, schedule=schedule)
            return taking_turns(effect, self.turns)
        from dreamvid.dream.deepdream import DeepDream

        dreamer = self.dreamer(settings.dream, self.schedule_terms(settings.dream, schedule))
        return taking_turns(DeepDream.for_video(settings, dreamer, schedule=schedule), self.turns)

    def zoom_effect(self, dream: DreamSettings, zoom: ZoomSettings, style=None, schedule=None) -> TakingTurns:
        """The effect of a zoom: its schedule's layers are terms of the one compiled step (weight 0 until
        the schedule turns them up)."""
        if style is not None:
            return taking_turns(self._style(dream, style), self.turns)
        from dreamvid.dream.deepdream import DeepDream

        dreamer = self.dreamer(dream, self.schedule_terms(dream, schedule))
        return taking_turns(DeepDream.for_zoom(dream, zoom, schedule, dreamer), self.turns)

    def schedule_terms(self, dream: DreamSettings, schedule) -> tuple[LayerTerm, ...]:
        """The terms a schedule names beyond the dream's own, at weight 0 (as the library's zoom does)."""
        base = {(term.layer, term.channel) for term in (dream.layers or self.spec(dream.model).default_layers)}
        extra = []
        for name in schedule.layer_names if schedule is not None else ():
            term = LayerTerm.parse(name)
            if (term.layer, term.channel) not in base:
                extra.append(LayerTerm(term.layer, 0.0, term.channel))
                base.add((term.layer, term.channel))
        return tuple(extra)

    def _style(self, dream: DreamSettings, style) -> Effect:
        if style.model not in MODELS:
            raise DreamvidError(f"style transfer needs one of dreamvid's models: {', '.join(MODELS)}")
        key = (style, tuple(term.layer for term in dream.layers))
        with self._building:
            if key not in self._styles:
                from dreamvid.factory import effect_for_still

                self._styles[key] = effect_for_still(dream, style)
            return self._styles[key]
