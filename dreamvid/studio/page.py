"""The studio's one page, rendered on the server: the controls with their defaults and accessible names.

Plain HTML with a small script (static/studio.js) and style sheet, both served by the studio itself:
nothing is fetched from the internet.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from dreamvid.studio.forms import EFFECTS, FIELDS, MAX_VARIANTS, RENDER_SIDE, VARIED

if TYPE_CHECKING:
    from dreamvid.studio.service import Studio


def _default(name: str) -> str:
    value = FIELDS[name][1]
    return f"{value:g}" if isinstance(value, float) else str(value)


def _number(name: str, label: str, step: str = "any", hint: str = "") -> str:
    title = f' title="{escape(hint)}"' if hint else ""
    return (f'<label{title}>{escape(label)} <input name="{name}" inputmode="decimal" value="{escape(_default(name))}" '
            f'data-step="{step}"></label><span class="field-error" data-for="{name}" role="alert"></span>')


def _check(name: str, label: str) -> str:
    checked = " checked" if _default(name) == "on" else ""
    return (f'<label class="check"><input type="checkbox" name="{name}"{checked}> {escape(label)}</label>'
            f'<span class="field-error" data-for="{name}" role="alert"></span>')


def _options(values, selected: str = "") -> str:
    return "".join(f'<option value="{escape(value)}"{" selected" if value == selected else ""}>{escape(text)}</option>'
                   for value, text in values)


def page(studio: Studio) -> str:
    models = list(studio.engine.models)
    folder = studio.folder()
    picks = _options([("", "choose a file…")] + [(item["source"], item["name"]) for item in folder
                                                 if item["kind"] in ("image", "video")])
    schedules = _options([("", "none")] + [(item["source"], item["name"]) for item in folder if item["kind"] == "schedule"])
    sounds = _options([("", "none")] + [(item["source"], item["name"]) for item in folder if item["kind"] == "audio"])
    styles = _options([("", "none")] + [(item["source"], item["name"]) for item in folder if item["kind"] == "image"])
    varied = _options([(name, FIELDS[name][0]) for name in VARIED], "layers")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dreamvid studio</title>
<link rel="stylesheet" href="/static/studio.css">
</head>
<body>
<header><h1>dreamvid studio</h1><p id="status" role="status" aria-live="polite">ready</p></header>
<main>
<section class="controls" aria-label="Input and settings">
  <h2>Input</h2>
  <label for="input">Input</label>
  <input type="file" id="input" accept="image/*,video/*,.mkv,.mov,.webm">
  <span class="field-error" data-for="input" role="alert"></span>
  <label for="pick">or from the folder</label>
  <select id="pick">{picks}</select>
  <p id="source-info"></p>
  <div id="scrub" hidden>
    <label for="frame">Frame <output id="frame-number">1</output></label>
    <input type="range" id="frame" min="0" max="0" value="0">
  </div>
  <img id="frame-view" alt="the chosen frame" hidden>

  <form id="look" autocomplete="off">
  <h2>Settings</h2>
  <fieldset><legend>Effect</legend>
    <label>Effect <select name="effect" id="effect">{_options([(name, name) for name in EFFECTS], "dream")}</select></label>
    <span class="field-error" data-for="effect" role="alert"></span>
    <label>Model <select name="model" id="model">{_options([(name, name) for name in models], models[0])}</select></label>
    <span class="field-error" data-for="model" role="alert"></span>
    <label>Layers <input name="layers" id="layers" list="layer-names" placeholder="the model's defaults"></label>
    <datalist id="layer-names"></datalist>
    <span class="field-error" data-for="layers" role="alert"></span>
    <details id="layer-thumbs"><summary>What each layer dreams</summary><div class="thumbs"></div></details>
  </fieldset>
  <fieldset><legend>Dream</legend>
    {_number("steps", "Steps per octave", "1")}
    {_number("step_size", "Step size")}
    {_number("octaves", "Octaves", "1")}
    {_number("octave_scale", "Octave scale")}
    {_number("seed", "Seed", "1")}
    {_number("tv_weight", "Smoothing (tv weight)")}
    <label>Loss <select name="loss">{_options([("l2", "l2"), ("mean", "mean")], "l2")}</select></label>
    {_number("preview_side", "Preview size (px)", "1")}
    {_number("max_side", "Render size (px, 0: full)", "1", f"empty: {RENDER_SIDE['video']} for a clip, {RENDER_SIDE['still']} for a still")}
  </fieldset>
  <fieldset id="style-settings" hidden><legend>Style</legend>
    <label>Style image <select name="style" id="style">{styles}</select></label>
    <label for="style-input">Upload a style image</label>
    <input type="file" id="style-input" accept="image/*">
    <span class="field-error" data-for="style" role="alert"></span>
    {_number("style_weight", "Style weight")}
    {_number("content_weight", "Content weight")}
    {_number("style_scale", "Style scale")}
    {_number("style_steps", "Style steps", "1")}
  </fieldset>
  <fieldset data-kind="video"><legend>Video coherence</legend>
    {_number("blend", "Blend")}
    {_number("steps_next", "Steps for later frames", "1")}
    {_number("octaves_next", "Octaves for later frames", "1")}
    {_number("dream_scale", "Dream scale")}
    {_check("redream", "Re-dream moving regions")}
    {_check("independent", "Independent frames (flickers)")}
    {_number("start", "Start (s)")}
    {_number("end", "End (s)")}
    {_number("frames", "Frames (empty: all)", "1")}
    {_check("audio", "Keep the audio")}
  </fieldset>
  <fieldset data-kind="image"><legend>A still renders to</legend>
    <label>Output <select name="output">{_options([("still", "a still"), ("zoom", "an infinite zoom")], "still")}</select></label>
    {_number("zoom", "Zoom per second")}
    {_number("rotate", "Rotation (degrees per second)")}
    {_number("zoom_frames", "Zoom frames", "1")}
    {_number("fps", "Frames per second")}
    {_number("zoom_steps", "Steps per zoom frame", "1")}
    <label>Pan X,Y per second <input name="pan" value="0,0"></label><span class="field-error" data-for="pan" role="alert"></span>
    <label>Zoom into X,Y <input name="center" value="0.5,0.5"></label><span class="field-error" data-for="center" role="alert"></span>
    <label>Layer cycle <input name="layer_cycle" placeholder="e.g. block3_conv3, block4_conv3"></label>
    <span class="field-error" data-for="layer_cycle" role="alert"></span>
    {_number("cycle_seconds", "Seconds per layer of the cycle")}

    {_check("loop", "Loop")}
  </fieldset>
  <fieldset><legend>Schedule and sound (a clip, or a still rendered as a zoom)</legend>
    <label>Schedule (keyframes; formulas may use the sound's loud, beat, bass, …) <select name="schedule">{schedules}</select></label>
    <span class="field-error" data-for="schedule" role="alert"></span>
    <label>Soundtrack (empty: a clip's own sound) <select name="soundtrack">{sounds}</select></label>
    <span class="field-error" data-for="soundtrack" role="alert"></span>
  </fieldset>
  </form>
</section>

<section class="results" aria-label="Previews and renders">
  <div class="actions">
    <button type="button" id="preview-button">Preview</button>
    <label>Vary <select id="vary">{varied}</select></label>
    <label>Values <input id="values" placeholder="up to {MAX_VARIANTS}, e.g. 1.5, 3, 6"></label>
    <button type="button" id="variants-button">Variants</button>
    <button type="button" id="clip-button">Preview clip</button>
    <button type="button" id="render-button">Render</button>
  </div>
  <span class="field-error" data-for="vary" role="alert"></span>
  <span class="field-error" data-for="values" role="alert"></span>
  <p class="error" id="action-error" role="alert"></p>
  <figure id="preview" hidden><img id="preview-image" alt="preview"><figcaption id="preview-caption"></figcaption></figure>
  <div id="variants" class="grid" aria-label="Variants"></div>
  <figure id="clip" hidden><video id="clip-video" controls loop muted aria-label="preview clip"></video>
    <figcaption id="clip-caption"></figcaption></figure>
  <h2>Command</h2>
  <div class="command"><pre id="command">choose an input</pre><button type="button" id="copy-button">Copy</button></div>
  <p class="hint">Drop a dreamvid output (PNG or video) anywhere on the page to load the settings that made it.</p>
  <span class="field-error" data-for="drop" role="alert"></span>
  <h2>Renders</h2>
  <ul id="jobs" aria-label="Renders"></ul>
</section>
</main>
<script src="/static/studio.js"></script>
</body>
</html>
"""
