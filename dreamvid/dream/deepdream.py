"""DeepDream as an effect: the octave dream for a first frame, a few fine steps for later ones.

Mordvintsev et al. 2015; the octave loop and re-injection of lost detail follow keras-io's
`deep_dream.py`. `DeepDream` holds the compiled step (built once per model and objective) and the
settings of both treatments; a schedule (zoom or video) may move its layer weights, step size and
steps per frame over time without retracing the step.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from dreamvid.dream.ascent import Dreamer
from dreamvid.dream.models import dreamable_layers, get_spec, load_model
from dreamvid.dream.objective import build_objective
from dreamvid.dream.octaves import dream, dream_at_scale
from dreamvid.effect import Guide
from dreamvid.events import Progress
from dreamvid.runtime import start_tensorflow
from dreamvid.settings import DreamSettings, LayerTerm, VideoSettings, WarmStart, ZoomSettings
from dreamvid.zoom.schedule import Schedule


def build_dreamer(settings: DreamSettings, extra_layers: tuple[LayerTerm, ...] = ()) -> Dreamer:
    """Load the model once and compile its step for the settings' objective.

    `extra_layers` adds terms (at weight 0 by default use) that a schedule may turn up later,
    so changing layer weights over time never retraces the step. TensorFlow starts here, quietly.
    """
    start_tensorflow()
    spec = get_spec(settings.model)
    model = load_model(settings.model, settings.weights)
    available = dict(dreamable_layers(spec, model))
    terms = settings.layers or spec.default_layers
    objective = build_objective(tuple(terms) + tuple(extra_layers), settings.loss, available)
    return Dreamer(model, spec, objective)


def schedule_terms(settings: DreamSettings, schedule: Schedule | None) -> tuple[LayerTerm, ...]:
    """Objective terms a schedule needs beyond the settings' own, at weight 0 until it turns them up."""
    base = {(term.layer, term.channel) for term in (settings.layers or get_spec(settings.model).default_layers)}
    extra = []
    for name in schedule.layer_names if schedule else ():
        term = LayerTerm.parse(name)
        if (term.layer, term.channel) not in base:
            extra.append(LayerTerm(term.layer, 0.0, term.channel))
            base.add((term.layer, term.channel))
    return tuple(extra)


@dataclass(frozen=True)
class DeepDream:
    """The DeepDream effect.

    `first` dreams through all octaves; with `scale` below 1 it dreams a shrunk copy, upsamples the
    change and finishes with `finish_steps` full-size steps so the picture stays crisp. `refine`
    gives a warm start (`warm`: a few steps on the finest octaves) at the same scale.
    """

    settings: DreamSettings
    dreamer: Dreamer
    warm: WarmStart = WarmStart()
    scale: float = 1.0
    finish_steps: int = 0
    schedule: Schedule | None = None
    fps: float | None = None  # frames per second of a schedule's time, for formulas in f (the frame)

    @classmethod
    def create(cls, settings: DreamSettings, *, dreamer: Dreamer | None = None, **options: Any) -> "DeepDream":
        """Build the effect, loading the model unless a `dreamer` is given (a schedule's layers included)."""
        if dreamer is None:
            dreamer = build_dreamer(settings, schedule_terms(settings, options.get("schedule")))
        return cls(settings, dreamer, **options)

    @classmethod
    def for_video(cls, settings: VideoSettings, dreamer: Dreamer | None = None,
                  schedule: Schedule | None = None) -> "DeepDream":
        """The effect of a video render: warm starts, working scale and finishing steps from its coherence;
        a schedule (bound to the clip's fps) moves weights, step size and steps of later frames."""
        coherence = settings.coherence
        return cls.create(settings.dream, dreamer=dreamer, warm=coherence.warm, scale=coherence.dream_scale,
                          finish_steps=coherence.finish_steps, schedule=schedule,
                          fps=schedule.fps if schedule is not None else None)

    @classmethod
    def for_zoom(cls, settings: DreamSettings, zoom: ZoomSettings, schedule: Schedule | None = None,
                 dreamer: Dreamer | None = None) -> "DeepDream":
        """The effect of a zoom render: warm starts from the zoom settings, weights and step size scheduled."""
        return cls.create(settings, dreamer=dreamer, warm=zoom.warm, schedule=schedule, fps=zoom.fps)

    def weights(self, time: float) -> np.ndarray:
        """The objective's term weights at `time`: the settings' own, or the schedule's there."""
        weights = self.dreamer.default_weights()
        layers = self.schedule.value("layers", time, None, frame=self._frame(time)) if self.schedule else None
        if layers is None:
            return weights
        by_term = {(t.layer, t.channel): w for t, w in ((LayerTerm.parse(k), w) for k, w in layers.items())}
        return np.asarray([by_term.get((t.layer, t.channel), 0.0) for t in self.dreamer.objective.terms],
                          dtype=np.float32)

    def warm_settings(self, time: float) -> DreamSettings:
        """The dream settings of the warm start at `time`: the schedule's step size and steps there."""
        settings = self.warm.applied_to(self.settings)
        if self.schedule is None:
            return settings
        step_size = self.schedule.value("step_size", time, settings.step_size, frame=self._frame(time))
        return dataclasses.replace(settings, step_size=step_size, steps=max(self.warm_steps(time), 1))

    def warm_steps(self, time: float) -> int:
        """Ascent steps per octave of the warm start at `time` (0: the carried frame is kept as it is)."""
        if self.schedule is None:
            return self.warm.steps
        return round(self.schedule.value("steps", time, float(self.warm.steps), frame=self._frame(time)))

    def _frame(self, time: float) -> int | None:
        return round(time * self.fps) if self.fps else None

    def first(self, image: np.ndarray, *, seed: int, time: float = 0.0, progress: Progress | None = None,
              steps: int | None = None, on_octave: Callable[[int, np.ndarray], None] | None = None) -> np.ndarray:
        """The octave dream (`steps` per octave instead of the settings' own, when given);
        `on_octave(index, image)` sees each octave's result (at the working scale).

        A lighter dream of fewer steps takes them proportionally longer (at most 255), so it climbs as far
        as the full one: a re-dreamed crop otherwise grows fainter, smaller motifs than the frame's own
        dream, which the strength match can only scale up (issue 21, docs/measurements.md)."""
        weights = self.weights(time)
        settings = self.settings
        if steps is not None:
            longer = settings.step_size * max(1.0, settings.steps / steps)
            settings = dataclasses.replace(settings, steps=steps, step_size=min(longer, 255.0))
        result = dream_at_scale(image, settings, self.dreamer, self.scale, seed,
                                progress=progress, weights=weights, on_octave=on_octave)
        if self.scale < 1 and self.finish_steps > 0:
            finish = dataclasses.replace(self.warm.applied_to(self.settings), octaves=1, steps=self.finish_steps,
                                         step_size=self.settings.step_size)
            result = dream(result, finish, self.dreamer, seed, progress=progress, weights=weights)
        return result

    def refine(self, image: np.ndarray, *, seed: int, time: float = 0.0, progress: Progress | None = None,
               guide: Guide | None = None) -> np.ndarray:
        """A few ascent steps on the finest octaves (the guide is not needed: the dream grows from the image)."""
        if self.warm_steps(time) == 0:
            return np.asarray(image, dtype=np.float32)
        return dream_at_scale(image, self.warm_settings(time), self.dreamer, self.scale, seed,
                              progress=progress, weights=self.weights(time))
