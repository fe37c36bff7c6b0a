"""Local re-dreaming: give the regions a carried-over dream left short a full multi-octave dream of their own.

A coherent video dream carries the previous frame's detail along the optical flow and refines it with
one light step. Where the flow cannot be trusted (content entering, uncovered background, non-rigid
motion) or the carried detail is weak, that light step cannot grow large motifs, so moving subjects
and their wakes stay plain. This module finds those regions (a deficit map), crops their bounding
boxes with some context, dreams each crop through the full octave pyramid with any effect's own
`dream_full` callable, and blends the crop's change back under a feathered mask that follows the
deficit. Where there is no deficit nothing is dreamed, so a still clip costs what it cost before.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import cv2
import numpy as np

from dreamvid.dream.octaves import resize
from dreamvid.errors import DreamvidError
from dreamvid.settings import RedreamSettings
from dreamvid.video.strength import local_strength

Box = tuple[int, int, int, int]  # top, left, bottom, right (exclusive)

CONTEXT_WEIGHT = 0.05  # a crop's context: pixels it blends into by under this weight ...
CONTEXT_RELIABLE = 0.9  # ... whose flow reliability is over this, and that moved under min_motion ...
CONTEXT_SHARE = 0.4  # ... matched to when they are at least this share of the crop (not a tile of a large
# short region, whose context is a thin rim: bikes.mp4's tiles of the sliding roof 0.16-0.26, vtest.avi's walkers 0.46-0.63)
SUBJECT_MASS = 16.0  # a context-matched crop's moving subject (summed blend weight) gets a gain of its own when
# it weighs at least this; else the whole crop is held to its context
MERGE_WASTE = 1.3  # near crops merge when their union is at most this multiple of their summed areas
TILE_SIDES = 2  # a region over the area budget is split into tiles of this many minimum sides a side


class Redream(NamedTuple):
    """A start image with its short regions re-dreamed, and where: `weight` (H, W) in 0..1 is how much
    of each pixel is the fresh dream (0 where nothing was dreamed)."""

    image: np.ndarray
    weight: np.ndarray


def deficit_map(carried_detail: np.ndarray, reliable: np.ndarray, reference_strength: float | np.ndarray,
                settings: RedreamSettings, backward: np.ndarray | None = None) -> np.ndarray:
    """(H, W) float32 in 0..1: how far each pixel falls short of a fresh dream.

    The larger of two: the shortfall, carried local strength below threshold x reference (0 at the
    threshold, 1 with no detail at all), counted only where the backward flow is longer than
    min_motion (everywhere when `backward` is None); the doubt: flow reliability below
    `reliability` (1 where the forward-backward check fails outright). The reference is one strength for the whole
    frame or an (H, W) map of what a fresh dream gave each place (a subject the network likes is
    dreamed harder than a wall, and should be held to its own strength).
    """
    reference = np.asarray(reference_strength, dtype=np.float32)
    if not np.all(reference > 0):
        raise DreamvidError(f"the reference strength must be positive, got {float(reference.min())}")
    detail = np.asarray(carried_detail, dtype=np.float32)
    reliable = np.asarray(reliable, dtype=np.float32)
    if detail.ndim != 3 or reliable.shape != detail.shape[:2]:
        raise DreamvidError(f"detail {detail.shape} and reliability {reliable.shape} do not match")
    if reference.ndim and reference.shape != reliable.shape:
        raise DreamvidError(f"reference strength map {reference.shape} does not match detail {detail.shape}")
    strength = local_strength(detail, settings.window)
    expected = settings.threshold * reference
    if settings.threshold > 0:
        shortfall = np.clip(1.0 - strength / expected, 0.0, 1.0)
    else:
        shortfall = np.zeros_like(strength)
    if backward is not None:
        if backward.shape != detail.shape[:2] + (2,):
            raise DreamvidError(f"flow {backward.shape} does not match detail {detail.shape}")
        moved = np.hypot(backward[..., 0], backward[..., 1]) > settings.min_motion
        shortfall *= cv2.dilate(moved.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(np.float32)
    if settings.reliability > 0:
        doubt = np.clip(1.0 - reliable / settings.reliability, 0.0, 1.0)
    else:
        doubt = np.zeros_like(strength)
    return np.maximum(shortfall, doubt).astype(np.float32)


def deficit_boxes(deficit: np.ndarray, settings: RedreamSettings) -> list[Box]:
    """Crops to re-dream: boxes of the short regions with margin, merged, largest deficit first,
    within the area budget. Empty when nothing is short."""
    height, width = deficit.shape
    short = (deficit > settings.trigger).astype(np.uint8)
    # fragments of one subject (a walker's legs and arms, a broken contour) count together: components
    # of the short mask grown by half the merge gap, their area the short pixels they hold
    reach = settings.merge_gap // 2
    joined = cv2.dilate(short, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1,) * 2)) if reach else short
    count, labels = cv2.connectedComponents(joined, connectivity=8)
    areas = np.bincount(labels[short.astype(bool)], minlength=count)
    boxes = []
    for label in range(1, count):
        if areas[label] < settings.min_area:
            continue
        left, top, box_width, box_height = cv2.boundingRect(((labels == label) & short.astype(bool)).astype(np.uint8))
        boxes.append(_grown((top - settings.margin, left - settings.margin,
                             top + box_height + settings.margin, left + box_width + settings.margin),
                            settings.min_side, height, width))
    budget = settings.max_share * height * width
    boxes = _merged(boxes, settings.merge_gap, settings.min_side, height, width, budget)
    # a region too large for the budget (a moving camera leaves the whole frame short) is split into
    # tiles, the shortest dreamed first: left whole it would never fit, and nothing would be dreamed
    boxes = [tile for box in boxes for tile in (_tiles(box, TILE_SIDES * settings.min_side, deficit, settings.trigger)
                                                 if _area(box) > budget else [box])]
    boxes.sort(key=lambda box: -float(deficit[box[0]:box[2], box[1]:box[3]].sum()))
    chosen = []
    for box in boxes:
        area = _area(box)
        if area <= budget:
            chosen.append(box)
            budget -= area
    return chosen


def redream_deficit(start: np.ndarray, current: np.ndarray, carried_detail: np.ndarray, reliable: np.ndarray,
                    reference_strength: float | np.ndarray, dream_full: Callable[[np.ndarray], np.ndarray],
                    settings: RedreamSettings, backward: np.ndarray | None = None,
                    target_strength: float | None = None, gain: LightGain | None = None,
                    subject: np.ndarray | None = None) -> Redream:
    """The start image with its short regions re-dreamed through the full octave pyramid.

    start: current input plus carried detail (what the light step would refine), float 0..255.
    current: the input frame. carried_detail: the detail carried onto it, start - current before
    clipping. reliable: the flow's forward-backward reliability, (H, W) in 0..1. reference_strength:
    the local |detail| a fresh dream gives, one figure or an (H, W) map (see deficit_map). dream_full: dreams an RGB float crop
    with the effect's full settings and returns the dreamed crop, same shape. backward: the flow from
    this frame to the previous one; weak detail counts as short only where it moved (None: anywhere).
    target_strength: scale each crop's change so that its mean |change| over the pixels it is blended
    into is this, within settings.max_gain (None: keep the crop's own). A dream of fewer steps is
    weaker in proportion (measured on cup.mp4's arm: 9.5 after 5 steps, 17.4 after 10), and so is
    one of a shrunk crop; held to the clip's fresh strength, a re-dreamed subject is as vivid as
    the frame around it. gain: instead, scale each crop's change by what a light dream of its size
    lacks against the full one (see light_gain), so a place keeps its own strength.

    With settings.match_context, a crop whose context (pixels it blends into by under CONTEXT_WEIGHT,
    reliability over CONTEXT_RELIABLE, moved under min_motion) is at least CONTEXT_SHARE of it is dreamed
    from its input alone, at settings.context_crop_scale of its size, and scaled so that its change over
    that context is as strong as the detail carried there (the context gain). When its moving subject (pixels that moved at least min_motion,
    weighted by `subject`: where the flow carries the picture, not the ground it bled onto) weighs at
    least SUBJECT_MASS, the subject takes the stronger of the context gain and the target_strength
    gain, the rest of the crop (the ground the subject uncovered) the weaker, faded over a Gaussian of
    `feather` px: the walker is as vivid as a fresh dream or as the crop dreams it against its ground,
    and leaves no imprint (issue 21, docs/measurements.md round six: vtest.avi's ghost 1.61 -> 1.23 with
    moving coverage 0.84 -> 0.89).

    Each other crop is dreamed from the input plus the carried detail faded out where the deficit is
    (so misplaced detail is not grown), and its change is blended back under the feathered mask of
    the short regions (`blend` "full") or the feathered deficit ("deficit").
    Returns the new float32 image (start itself when nothing is short) and the blend weight.
    """
    start = np.asarray(start, dtype=np.float32)
    current = np.asarray(current, dtype=np.float32)
    if start.shape != current.shape:
        raise DreamvidError(f"start {start.shape} and input {current.shape} differ in shape")
    deficit = deficit_map(carried_detail, reliable, reference_strength, settings, backward)
    boxes = deficit_boxes(deficit, settings)
    if not boxes:
        return Redream(start, np.zeros(start.shape[:2], np.float32))
    short = deficit > settings.trigger
    weight = short.astype(np.float32) if settings.blend == "full" else deficit * short
    if settings.feather > 0:
        weight = np.maximum(cv2.GaussianBlur(weight, (0, 0), settings.feather), weight)
    fade = deficit
    if settings.feather > 0:  # the carried detail a crop's dream starts without
        fade = np.maximum(cv2.GaussianBlur(fade, (0, 0), settings.feather), fade)
    fade = fade[..., None]
    weight = weight[..., None]
    result = start.copy()
    blended = np.zeros(start.shape[:2], np.float32)
    height, width = start.shape[:2]
    still = carried_strength = moving = None
    if settings.match_context and gain is None and target_strength is not None:
        still = np.asarray(reliable) > CONTEXT_RELIABLE
        if backward is not None:
            moved = np.hypot(backward[..., 0], backward[..., 1]) >= settings.min_motion
            still &= ~moved
            moving = moved.astype(np.float32)
            if subject is not None:  # moved, and with the picture: not the ground the flow bled onto
                moving *= np.asarray(subject, np.float32)
        carried_strength = np.abs(np.asarray(carried_detail, np.float32)).mean(axis=2)
    for top, left, bottom, right in boxes:
        crop_weight = weight[top:bottom, left:right] * _edge_taper((top, left, bottom, right), height, width,
                                                                   max(1.0, settings.margin / 2))
        crop_start = start[top:bottom, left:right]
        crop_input = current[top:bottom, left:right]
        context = None
        if still is not None:
            context = still[top:bottom, left:right] & (crop_weight[..., 0] < CONTEXT_WEIGHT)
            if context.mean() < CONTEXT_SHARE:
                context = None
        if context is not None:  # dreamed from the input alone, its change comparable to the carried detail
            base = crop_input
        else:
            crop_fade = np.minimum(fade[top:bottom, left:right], crop_weight)
            base = np.clip(crop_input + (crop_start - crop_input) * (1.0 - crop_fade), 0.0, 255.0)
        scale = settings.crop_scale if context is None else settings.context_crop_scale
        dreamed = _dreamed_at(base, dream_full, scale, settings.min_side)
        if context is not None:  # as strong as the dream the still context around it has kept
            change = dreamed - base
            magnitude = np.abs(change).mean(axis=2)
            have = float(carried_strength[top:bottom, left:right][context].mean())
            matched = _bounded(have / max(float(magnitude[context].mean()), 1e-3), settings.max_gain)
            gain_map = np.full(magnitude.shape, matched, np.float32)
            crop_subject = None if moving is None else moving[top:bottom, left:right]
            if crop_subject is not None and float((crop_weight[..., 0] * crop_subject).sum()) >= SUBJECT_MASS:
                # the subject at the stronger of the two gains (a fresh dream's mean, or as the crop dreams
                # it against its ground), the ground it uncovers at the weaker (no imprint)
                held = _bounded(target_strength / max(_weighted_mean(magnitude, crop_weight[..., 0]), 1e-3),
                                settings.max_gain)
                soft = np.maximum(cv2.GaussianBlur(crop_subject, (0, 0), max(settings.feather, 1.0)), crop_subject)
                gain_map = min(held, matched) + abs(held - matched) * soft
            dreamed = np.clip(base + gain_map[..., None] * change, 0.0, 255.0)
        elif gain is not None:
            dreamed = np.clip(base + gain.at(min(bottom - top, right - left)) * (dreamed - base), 0.0, 255.0)
        elif target_strength is not None:  # the crop's change as strong as a fresh dream's, where it lands
            achieved = _weighted_mean(np.abs(dreamed - base).mean(axis=2), crop_weight[..., 0])
            matched = _bounded(target_strength / max(achieved, 1e-3), settings.max_gain)
            dreamed = np.clip(base + matched * (dreamed - base), 0.0, 255.0)
        result[top:bottom, left:right] = crop_start + crop_weight * (dreamed - crop_start)
        blended[top:bottom, left:right] = crop_weight[..., 0]
    return Redream(np.clip(result, 0.0, 255.0), blended)


CALIBRATION_CROPS = (2, 3)  # rows x columns of min_side crops the light dream is calibrated on


class LightGain(NamedTuple):
    """How much weaker a crop's light dream is than the full dream of the frame at its place: `small`
    for a crop of `min_side` px a side, `large` for one of the whole frame (`frame_side`, its short
    side); between the two, interpolated on the log of the crop's short side."""

    small: float
    large: float
    min_side: int
    frame_side: int

    def at(self, side: int) -> float:
        """The gain for a crop whose short side is `side` px."""
        if side <= self.min_side or self.frame_side <= self.min_side:
            return self.small
        if side >= self.frame_side:
            return self.large
        share = float(np.log(side / self.min_side) / np.log(self.frame_side / self.min_side))
        return self.small + share * (self.large - self.small)


def light_gain(image: np.ndarray, dreamed: np.ndarray, dream_light: Callable[[np.ndarray], np.ndarray],
               settings: RedreamSettings) -> LightGain:
    """Calibrate the crops' light dream against the full one on a fresh frame: mean |change| of the full
    dream `dreamed` of `image` over that of the light dream, on a 2 x 3 grid of `min_side` crops
    (dreamed as re-dreamed crops are) and on the whole frame at the crops' scale, each within
    [1/max_gain, max_gain].

    Applied to every crop, the gain keeps what varies from place to place (a subject the network likes
    is dreamed harder than the wall behind it, as in the per-frame dream) and corrects what the light
    dream loses: fewer steps, a shrunk picture, and a small crop's lack of context (issue 21,
    docs/measurements.md: on tiled.mp4's first frame the whole frame's ratio was 1.70, single 64 px
    crops 1.2-2.6). Cost: the light dream of the frame and of six small crops, once.
    """
    image = np.asarray(image, dtype=np.float32)
    dreamed = np.asarray(dreamed, dtype=np.float32)
    height, width = image.shape[:2]
    side = min(settings.min_side, height, width)
    full = light = 0.0
    rows, columns = CALIBRATION_CROPS
    for top in np.linspace(0, height - side, rows).round().astype(int):
        for left in np.linspace(0, width - side, columns).round().astype(int):
            crop = image[top:top + side, left:left + side]
            full += float(np.abs(dreamed[top:top + side, left:left + side] - crop).mean())
            light += float(np.abs(_dreamed_at(crop, dream_light, settings.crop_scale, settings.min_side) - crop).mean())
    whole = float(np.abs(dreamed - image).mean())
    whole_light = float(np.abs(_dreamed_at(image, dream_light, settings.crop_scale) - image).mean())
    return LightGain(_bounded(full / max(light, 1e-3), settings.max_gain),
                     _bounded(whole / max(whole_light, 1e-3), settings.max_gain), side, min(height, width))


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """Mean of (H, W) `values` under (H, W) `weights` (0 when they weigh nothing)."""
    return float((values * weights).sum() / max(float(weights.sum()), 1e-6))


def _bounded(ratio: float, max_gain: float) -> float:
    """A gain within [1/max_gain, max_gain]."""
    return min(max(ratio, 1.0 / max_gain), max_gain)


def _dreamed_at(base: np.ndarray, dream_full: Callable[[np.ndarray], np.ndarray], scale: float,
                min_side: int = 0) -> np.ndarray:
    """The crop dreamed at `scale` of its size, but not with its short side under `min_side` px: the
    change is upsampled onto the crop (the frame's warm step that follows sharpens it), at a fraction
    of the cost of dreaming the full-size crop. A small subject shrunk further is too small for the
    network's deeper layers, which see in steps of 8-16 px, and comes back nearly plain."""
    height, width = base.shape[:2]
    scale = max(scale, min(1.0, min_side / max(1, min(height, width))))
    size = (max(1, round(height * scale)), max(1, round(width * scale)))
    small = resize(base, size)
    dreamed = np.asarray(dream_full(small), dtype=np.float32)
    if dreamed.shape != small.shape:
        raise DreamvidError(f"the dream of a {small.shape} crop came back as {dreamed.shape}")
    if scale >= 1.0:
        return dreamed
    change = resize(dreamed - small, (height, width))
    return np.clip(base + change, 0.0, 255.0)


def _edge_taper(box: Box, height: int, width: int, reach: float) -> np.ndarray:
    """(h, w, 1) weights rising from 0 at the crop's inner edges to 1 `reach` px inside; sides on the
    frame's edge stay 1. A region the crop cuts through then blends in without a seam."""
    top, left, bottom, right = box

    def ramp(length: int, open_start: bool, open_end: bool) -> np.ndarray:
        position = np.arange(length, dtype=np.float32) + 0.5
        rising = np.ones(length, np.float32) if open_start else np.clip(position / reach, 0.0, 1.0)
        falling = np.ones(length, np.float32) if open_end else np.clip((length - position) / reach, 0.0, 1.0)
        return np.minimum(rising, falling)

    rows = ramp(bottom - top, top == 0, bottom == height)
    columns = ramp(right - left, left == 0, right == width)
    return (rows[:, None] * columns[None, :])[..., None]


def _grown(box: Box, min_side: int, height: int, width: int) -> Box:
    """box clipped to the frame and widened around its centre to at least min_side a side."""
    top, left, bottom, right = box
    top, left, bottom, right = max(top, 0), max(left, 0), min(bottom, height), min(right, width)
    top, bottom = _widened(top, bottom, min(min_side, height), height)
    left, right = _widened(left, right, min(min_side, width), width)
    return top, left, bottom, right


def _widened(low: int, high: int, side: int, limit: int) -> tuple[int, int]:
    """The interval [low, high) grown to at least side, kept inside [0, limit)."""
    missing = side - (high - low)
    if missing <= 0:
        return low, high
    low -= missing // 2
    high = low + side
    if low < 0:
        low, high = 0, side
    if high > limit:
        low, high = limit - side, limit
    return low, high


def _tiles(box: Box, side: int, deficit: np.ndarray, trigger: float) -> list[Box]:
    """The box split into a grid of tiles at most `side` px a side (even shares of it), keeping the tiles
    that hold short pixels."""
    top, left, bottom, right = box
    rows = max(1, -(-(bottom - top) // side))
    columns = max(1, -(-(right - left) // side))
    tops = np.linspace(top, bottom, rows + 1).round().astype(int)
    lefts = np.linspace(left, right, columns + 1).round().astype(int)
    tiles = []
    for row in range(rows):
        for column in range(columns):
            tile = (int(tops[row]), int(lefts[column]), int(tops[row + 1]), int(lefts[column + 1]))
            if (deficit[tile[0]:tile[2], tile[1]:tile[3]] > trigger).any():
                tiles.append(tile)
    return tiles


def _area(box: Box) -> int:
    """Pixels in a box."""
    return (box[2] - box[0]) * (box[3] - box[1])


def _merged(boxes: list[Box], gap: int, min_side: int, height: int, width: int, budget: float) -> list[Box]:
    """Union boxes that lie within gap pixels of each other, until none do, unless the union would
    dream much more than the two boxes (scattered regions stay separate crops) or exceed the budget."""
    boxes = list(boxes)
    merged = True
    while merged:
        merged = False
        for first in range(len(boxes)):
            for second in range(first + 1, len(boxes)):
                a, b = boxes[first], boxes[second]
                near = a[0] - gap < b[2] and b[0] - gap < a[2] and a[1] - gap < b[3] and b[1] - gap < a[3]
                union = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
                if near and _area(union) <= min(MERGE_WASTE * (_area(a) + _area(b)), budget):
                    boxes[first] = _grown(union, min_side, height, width)
                    del boxes[second]
                    merged = True
                    break
            if merged:
                break
    return boxes
