// dreamvid studio: the page's few behaviours, in plain JavaScript. Everything is served by the studio.
"use strict";

const $ = (selector) => document.querySelector(selector);
const state = { source: "", kind: "", name: "", frames: 1, polling: false };

function setStatus(text) { $("#status").textContent = text; }

function clearErrors() {
  document.querySelectorAll(".field-error, #action-error").forEach((node) => { node.textContent = ""; });
}

function showError(error) {
  // One line next to what caused it: the field the studio names, else the actions.
  const line = String(error.message || error).split("\n")[0];
  const target = error.field && document.querySelector(`.field-error[data-for="${error.field}"]`);
  (target || $("#action-error")).textContent = line;
  setStatus("error");
}

async function call(method, path, body, raw) {
  const options = { method, headers: {} };
  if (raw !== undefined) {
    options.body = raw;
  } else if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, options);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (ignored) { data = null; }
  if (!response.ok) {
    const error = new Error((data && (data.error || (data.detail && JSON.stringify(data.detail)))) || `${response.status} ${response.statusText}`);
    error.field = data && data.field;
    throw error;
  }
  return data;
}

function formValues() {
  const values = { source: state.source, frame: $("#frame").value };
  for (const element of $("#look").elements) {
    if (!element.name) continue;
    values[element.name] = element.type === "checkbox" ? (element.checked ? "on" : "") : element.value;
  }
  return values;
}

function fillForm(values) {
  for (const [name, value] of Object.entries(values)) {
    const element = $("#look").elements.namedItem(name);
    if (!element || element instanceof RadioNodeList) continue;
    if (element.type === "checkbox") element.checked = value === "on";
    else element.value = value;
  }
  showStyle();
  refreshCommand();
}

async function useSource(info) {
  state.source = info.source; state.kind = info.kind; state.name = info.name; state.frames = info.frames;
  $("#source-info").textContent = `${info.name}: ${info.width}×${info.height}` +
    (info.kind === "video" ? `, ${info.frames} frames at ${info.fps.toFixed(2)} fps` : "");
  $("#scrub").hidden = info.kind !== "video";
  $("#frame").max = Math.max(info.frames - 1, 0);
  $("#frame").value = 0;
  document.querySelectorAll("fieldset[data-kind]").forEach((node) => { node.hidden = node.dataset.kind !== info.kind; });
  showFrame();
  refreshCommand();
  setStatus(`loaded ${info.name}`);
}

function showFrame() {
  const index = $("#frame").value;
  $("#frame-number").textContent = String(Number(index) + 1);
  const side = $("#look").elements.namedItem("preview_side").value || 320;
  const view = $("#frame-view");
  view.src = `/api/frame?source=${encodeURIComponent(state.source)}&index=${index}&side=${side}`;
  view.alt = `frame ${Number(index) + 1} of ${state.name}`;
  view.hidden = false;
}

async function upload(file, path) {
  return call("POST", `${path}?name=${encodeURIComponent(file.name)}`, undefined, file);
}

async function refreshCommand() {
  if (!state.source) return;
  try {
    const data = await call("POST", "/api/command", { form: formValues() });
    $("#command").textContent = data.command;
  } catch (error) {
    $("#command").textContent = "";
  }
}

async function busy(button, label, work) {
  clearErrors();
  button.disabled = true;
  setStatus(label);
  const started = performance.now();
  try {
    await work();
    setStatus(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
  }
}

function figure(result, alt) {
  const node = document.createElement("figure");
  const image = document.createElement("img");
  image.src = `/files/previews/${result.image}`;
  image.alt = alt;
  const caption = document.createElement("figcaption");
  caption.textContent = `${result.label} (${result.seconds.toFixed(1)} s)`;
  node.append(image, caption);
  return node;
}

async function preview() {
  const result = await call("POST", "/api/preview", { form: formValues() });
  const image = $("#preview-image");
  await new Promise((resolve) => {
    image.onload = resolve; image.onerror = resolve;
    image.src = `/files/previews/${result.image}`;
  });
  image.alt = `preview of ${state.name}, frame ${Number($("#frame").value) + 1}`;
  $("#preview-caption").textContent = `${result.seconds.toFixed(1)} s`;
  $("#preview").hidden = false;
  $("#command").textContent = result.command;
}

async function variants() {
  const data = await call("POST", "/api/variants", { form: formValues(), vary: $("#vary").value, values: $("#values").value });
  const grid = $("#variants");
  grid.replaceChildren(...data.variants.map((result) => figure(result, `preview: ${result.label}`)));
}

async function clip() {
  const data = await call("POST", "/api/clip", { form: formValues() });
  $("#clip-video").src = `/files/previews/${data.video}`;
  $("#clip-caption").textContent = `${data.frames} frames in ${data.seconds.toFixed(1)} s`;
  $("#clip").hidden = false;
}

async function render() {
  await call("POST", "/api/render", { form: formValues() });
  await pollJobs();
}

function jobLine(job) {
  const done = job.total ? `${job.frames_done} of ${job.total} frames` : `${job.frames_done} frames`;
  const left = job.seconds_left != null && job.status === "running" ? `, about ${Math.ceil(job.seconds_left)} s left` : "";
  return `${job.status}: ${done}${left}${job.error ? ` — ${job.error}` : ""}`;
}

function jobItem(job) {
  let item = document.getElementById(`job-${job.id}`);
  if (!item) {
    item = document.createElement("li");
    item.id = `job-${job.id}`;
    item.innerHTML = `<p class="job-label"></p><progress max="1" value="0"></progress>
      <p class="job-state" role="status"></p><img class="job-frame" alt="newest finished frame" hidden>
      <div class="job-actions"><button type="button" class="cancel">Cancel</button>
      <button type="button" class="resume">Resume</button></div><div class="job-result"></div>`;
    item.querySelector(".cancel").addEventListener("click", () => jobAction(job.id, "cancel"));
    item.querySelector(".resume").addEventListener("click", () => jobAction(job.id, "resume"));
    $("#jobs").prepend(item);
  }
  item.dataset.status = job.status;
  item.querySelector(".job-label").textContent = job.label;
  const bar = item.querySelector("progress");
  bar.max = job.total || 1; bar.value = job.frames_done;
  bar.setAttribute("aria-label", `render progress of ${job.label}`);
  item.querySelector(".job-state").textContent = jobLine(job);
  item.querySelector(".cancel").hidden = !(job.status === "queued" || job.status === "running");
  item.querySelector(".resume").hidden = !job.resumable && !(job.status === "cancelled" || job.status === "stopped");
  const frame = item.querySelector(".job-frame");
  if (job.status === "running" && job.frames_done > 0 && frame.dataset.shown !== String(job.frames_done)) {
    frame.dataset.shown = String(job.frames_done);
    frame.src = `/api/jobs/${job.id}/frame?n=${job.frames_done}`;
    frame.hidden = false;
  }
  const result = item.querySelector(".job-result");
  if (job.status === "done" && job.output && !result.dataset.output) {
    result.dataset.output = job.output;
    frame.hidden = true;
    const url = `/files/renders/${job.output}`;
    const media = job.output.endsWith(".png") ? document.createElement("img") : document.createElement("video");
    media.src = url;
    if (media.tagName === "VIDEO") { media.controls = true; media.setAttribute("aria-label", `render of ${job.label}`); }
    else media.alt = `render of ${job.label}`;
    const link = document.createElement("a");
    link.href = `${url}?download=true`;
    link.download = `dreamvid-${job.output}`;
    link.textContent = "Download";
    result.replaceChildren(media, link);
  }
}

async function jobAction(id, action) {
  clearErrors();
  try {
    jobItem(await call("POST", `/api/jobs/${id}/${action}`));
    await pollJobs();
  } catch (error) { showError(error); }
}

async function pollJobs() {
  const jobs = await call("GET", "/api/jobs");
  jobs.forEach(jobItem);
  const active = jobs.some((job) => job.status === "queued" || job.status === "running");
  if (active && !state.polling) {
    state.polling = true;
    setTimeout(() => { state.polling = false; pollJobs().catch(showError); }, 400);
  }
}

async function loadLayers() {
  const model = $("#model").value;
  try {
    const data = await call("GET", `/api/layers?model=${encodeURIComponent(model)}`);
    $("#layer-names").replaceChildren(...data.layers.map((layer) => {
      const option = document.createElement("option");
      option.value = layer.name;
      option.label = `${layer.channels} channels`;
      return option;
    }));
    $("#layers").placeholder = `the model's defaults: ${data.default.join(", ")}`;
    const thumbs = $("#layer-thumbs .thumbs");
    thumbs.replaceChildren(...data.layers.map((layer) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "thumb";
      button.dataset.src = `/api/thumb?model=${encodeURIComponent(model)}&layer=${encodeURIComponent(layer.name)}`;
      button.innerHTML = `<img alt="what ${layer.name} dreams"><span>${layer.name}</span>`;
      button.addEventListener("click", () => { $("#layers").value = layer.name; refreshCommand(); });
      return button;
    }));
    if ($("#layer-thumbs").open) showThumbs();
  } catch (error) { showError(error); }
}

function showThumbs() {
  // Made once per layer and kept; loaded only when asked for, as each costs a short dream.
  document.querySelectorAll("#layer-thumbs .thumb").forEach((button) => {
    const image = button.querySelector("img");
    if (!image.src) image.src = button.dataset.src;
  });
}

$("#input").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  clearErrors();
  setStatus(`uploading ${file.name}`);
  try { await useSource(await upload(file, "/api/upload")); } catch (error) { showError(error); }
});

$("#pick").addEventListener("change", async (event) => {
  if (!event.target.value) return;
  clearErrors();
  try { await useSource(await call("GET", `/api/source?source=${encodeURIComponent(event.target.value)}`)); }
  catch (error) { error.field = error.field || "input"; showError(error); }
});

$("#style-input").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  clearErrors();
  try {
    const info = await upload(file, "/api/upload");
    const option = document.createElement("option");
    option.value = info.source; option.textContent = info.name;
    $("#style").append(option);
    $("#style").value = info.source;
    refreshCommand();
  } catch (error) { error.field = "style"; showError(error); }
});

$("#frame").addEventListener("input", showFrame);
const showStyle = () => { $("#style-settings").hidden = $("#effect").value === "dream"; };
$("#effect").addEventListener("change", showStyle);
$("#look").elements.namedItem("preview_side").addEventListener("change", () => { if (state.source) showFrame(); });
$("#model").addEventListener("change", loadLayers);
$("#layer-thumbs").addEventListener("toggle", () => { if ($("#layer-thumbs").open) showThumbs(); });
$("#look").addEventListener("change", refreshCommand);
$("#preview-button").addEventListener("click", (event) => busy(event.target, "dreaming the preview…", preview));
$("#variants-button").addEventListener("click", (event) => busy(event.target, "dreaming the variants…", variants));
$("#clip-button").addEventListener("click", (event) => busy(event.target, "dreaming a preview clip…", clip));
$("#render-button").addEventListener("click", (event) => busy(event.target, "queueing the render…", render));
$("#copy-button").addEventListener("click", () => navigator.clipboard && navigator.clipboard.writeText($("#command").textContent));

document.addEventListener("dragover", (event) => { event.preventDefault(); });
document.addEventListener("drop", async (event) => {
  event.preventDefault();
  const file = event.dataTransfer && event.dataTransfer.files[0];
  if (!file) return;
  clearErrors();
  try {
    const data = await upload(file, "/api/settings-from");
    fillForm(data.form);
    setStatus(`loaded the settings of ${file.name}`);
  } catch (error) { error.field = error.field || "drop"; showError(error); }
});

loadLayers();
pollJobs().catch(showError);
