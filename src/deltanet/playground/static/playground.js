// deltanet playground: the page. It draws what the server computes and sends the form's fields
// back as they are typed; the server checks them (deltanet's own argument checks) and answers
// with a message when one is wrong. Plain DOM, canvas and SVG: no library, nothing from a CDN.
"use strict";

const BLUE = [8, 119, 189];
const ORANGE = [245, 147, 34];
const GREEN = [47, 158, 68];
const CLASS_COLOURS = [ORANGE, BLUE, GREEN];
const UNIT = 38; // the side of a unit's picture, px
const GAP = 14; // between two units of a layer, px

const $ = (id) => document.getElementById(id);
let socket = null;
let choices = null;
let config = null; // the fields as the server last accepted them
let hidden = []; // the hidden widths being edited
let state = null;
let lastExplain = null;

// -- colours -------------------------------------------------------------------------------
function mix(colour, t) {
  // white to `colour` as t goes from 0 to 1
  const k = Math.max(0, Math.min(1, t));
  return colour.map((c) => Math.round(255 + (c - 255) * k));
}

function diverging(v, scale) {
  if (v === null || Number.isNaN(v)) return [220, 220, 220];
  const t = scale > 0 ? v / scale : 0;
  return t >= 0 ? mix(BLUE, t) : mix(ORANGE, -t);
}

function paint(canvas, size, colourAt) {
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const [r, g, b] = colourAt(i);
    image.data.set([r, g, b, 255], 4 * i);
  }
  canvas.width = size;
  canvas.height = size;
  ctx.putImageData(image, 0, 0);
}

// -- the socket ----------------------------------------------------------------------------
function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws`);
  socket.onmessage = (event) => receive(JSON.parse(event.data));
  socket.onclose = () => setStatus("disconnected: the server stopped (restart it and reload the page)", true);
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function receive(message) {
  if (message.type === "hello") {
    choices = message.choices;
    config = message.config;
    hidden = config.hidden.slice();
    fillForm();
  } else if (message.type === "state") {
    state = message;
    draw();
  } else if (message.type === "accepted") {
    config = message.config;
    hidden = config.hidden.slice();
    clearError();
    fillForm();
  } else if (message.type === "invalid") {
    showError(message.field, message.message);
  } else if (message.type === "explain") {
    lastExplain = message;
    const target = Array.isArray(message.y) ? message.y.join(", ") : message.y;
    const text = $("explain-text");
    text.textContent = `sample ${message.index}: x = (${message.x.map((v) => v.toFixed(3)).join(", ")}), target ${target}\n\n${message.text}`;
    text.hidden = false;
  } else if (message.type === "file") {
    const bytes = Uint8Array.from(atob(message.base64), (c) => c.charCodeAt(0));
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([bytes], { type: message.mime }));
    link.download = message.name;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }
}

// -- the form ------------------------------------------------------------------------------
function options(select, values) {
  const current = Array.from(select.options).map((o) => o.value).join();
  if (current === values.join()) return;
  select.innerHTML = "";
  for (const value of values) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = value.replaceAll("_", " ");
    select.appendChild(option);
  }
}

function fillForm() {
  if (!choices || !config) return;
  options($("f-dataset"), choices.dataset);
  options($("f-function"), choices.function);
  options($("f-activation"), choices.activation);
  options($("f-init"), choices.init);
  options($("f-optimizer"), choices.optimizer);
  options($("f-regularization"), choices.regularization);
  const task = config.dataset === "regression" ? "regression" : "classification";
  options($("f-loss"), choices.loss[task]);
  for (const element of document.querySelectorAll("[data-field]")) {
    if (element === document.activeElement && element.type === "text") continue;
    element.value = config[element.dataset.field];
  }
  $("v-noise").textContent = Number(config.noise).toFixed(2);
  $("v-test_ratio").textContent = `${Math.round(config.test_ratio * 100)} %`;
  $("row-function").hidden = task !== "regression";
  $("row-momentum").hidden = config.optimizer !== "sgd";
  $("row-lam").hidden = config.regularization === "none";
  $("accuracy-row").hidden = task !== "classification";
}

function fields() {
  const out = { hidden: hidden.slice() };
  for (const element of document.querySelectorAll("[data-field]")) out[element.dataset.field] = element.value;
  return out;
}

function submit() {
  send({ type: "config", fields: fields() });
}

function showError(field, message) {
  const banner = $("error");
  banner.textContent = message;
  banner.hidden = false;
  for (const element of document.querySelectorAll(".invalid")) element.classList.remove("invalid");
  const input = field ? document.querySelector(`[data-field="${field}"]`) : null;
  if (input) input.classList.add("invalid");
}

function clearError() {
  $("error").hidden = true;
  for (const element of document.querySelectorAll(".invalid")) element.classList.remove("invalid");
}

function setStatus(text, bad) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("bad", Boolean(bad));
}

// -- drawing -------------------------------------------------------------------------------
function draw() {
  const s = state;
  $("epoch").textContent = s.epoch.toLocaleString("en-US");
  const playing = s.status === "training";
  $("play").textContent = playing ? "❚❚" : "▶";
  $("play").title = playing ? "Pause (space)" : "Train (space)";
  const words = { training: "training", paused: "paused", finished: "finished", diverged: "diverged", error: "error" };
  setStatus(`${words[s.status] || s.status} · ${s.data.description}${s.message ? " · " + s.message : ""}`,
    s.status === "diverged" || s.status === "error");
  const last = (key) => (s.history[key] && s.history[key].length ? s.history[key][s.history[key].length - 1] : null);
  const fmt = (v) => (v === null || v === undefined ? "–" : v.toFixed(3));
  $("test-loss").textContent = fmt(last("val_loss"));
  $("train-loss").textContent = fmt(last("loss"));
  $("test-accuracy").textContent = last("val_accuracy") === null ? "–" : `${(100 * last("val_accuracy")).toFixed(1)} %`;
  drawNetwork(s);
  drawOutput(s);
  drawCurves(s);
  drawWarnings(s.events);
}

function unitPicture(canvas, values, s, layer, unit, layers) {
  const isOutput = layer === layers - 1;
  if (s.grid) {
    if (isOutput && s.data.task === "classification") {
      const colour = CLASS_COLOURS[unit % CLASS_COLOURS.length];
      paint(canvas, s.grid, (i) => mix(colour, values[i]));
    } else {
      const scale = Math.max(1e-9, ...values.map((v) => Math.abs(v || 0)));
      paint(canvas, s.grid, (i) => diverging(values[i], scale));
    }
    return;
  }
  // 1-D input: the unit's output along x, as a small curve
  canvas.width = UNIT * 2;
  canvas.height = UNIT * 2;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  ctx.strokeStyle = "#0877bd";
  ctx.lineWidth = 3;
  ctx.beginPath();
  values.forEach((v, i) => {
    const x = (i / (values.length - 1)) * canvas.width;
    const y = canvas.height - 6 - ((v - lo) / span) * (canvas.height - 12);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
}

function layout(widths, box) {
  // the centre of every unit: columns spread over the width, units centred vertically
  const columns = widths.length;
  const left = 100; // room for the inputs' names
  const right = box.width - 90; // and for the classes'

  const top = 40;
  const tallest = Math.max(...widths);
  const height = tallest * UNIT + (tallest - 1) * GAP;
  return widths.map((units, l) => {
    const x = columns === 1 ? box.width / 2 : left + ((right - left) * l) / (columns - 1);
    const own = units * UNIT + (units - 1) * GAP;
    const y0 = top + (height - own) / 2 + UNIT / 2;
    return Array.from({ length: units }, (_, j) => ({ x, y: y0 + j * (UNIT + GAP) }));
  });
}

function drawNetwork(s) {
  const box = $("network");
  const widths = s.layers;
  const tallest = Math.max(...widths);
  box.style.height = `${80 + tallest * UNIT + (tallest - 1) * GAP}px`;
  const centres = layout(widths, { width: box.clientWidth });
  const key = JSON.stringify(widths) + box.clientWidth;
  if (box.dataset.key !== key) {
    // a new shape: rebuild the unit canvases and the layer titles
    for (const element of box.querySelectorAll(".unit, .layer-title, .unit-label")) element.remove();
    widths.forEach((units, l) => {
      const title = document.createElement("div");
      title.className = "layer-title";
      title.style.left = `${centres[l][0].x}px`;
      title.style.top = "0px";
      if (l === 0) title.textContent = "inputs";
      else if (l === widths.length - 1) title.textContent = "output";
      else {
        title.innerHTML = `<button data-layer="${l - 1}" data-delta="-1" title="fewer units">−</button>` +
          `<button data-layer="${l - 1}" data-delta="1" title="more units">+</button><br>${units} units`;
      }
      box.appendChild(title);
      centres[l].forEach((c, j) => {
        const canvas = document.createElement("canvas");
        canvas.className = "unit";
        canvas.id = `unit-${l}-${j}`;
        canvas.style.left = `${c.x - UNIT / 2}px`;
        canvas.style.top = `${c.y - UNIT / 2}px`;
        canvas.style.width = `${UNIT}px`;
        canvas.style.height = `${UNIT}px`;
        box.appendChild(canvas);
        if (l === 0 || l === widths.length - 1) {
          const label = document.createElement("div");
          label.className = "unit-label";
          label.style.left = `${l === 0 ? c.x - UNIT / 2 - 6 : c.x + UNIT / 2 + 6}px`;
          label.style.top = `${c.y}px`;
          label.textContent = l === 0 ? s.data.features[j] : (s.data.classes[j] || "ŷ");
          if (l === widths.length - 1) label.style.transform = "translate(0, -50%)";
          box.appendChild(label);
        }
      });
    });
    box.dataset.key = key;
  }
  s.units.forEach((layer, l) => layer.forEach((values, j) => {
    const canvas = $(`unit-${l}-${j}`);
    if (canvas) unitPicture(canvas, values, s, l, j, widths.length);
  }));
  // the weights as curves from unit i of layer l to unit j of layer l + 1
  const svg = $("edges");
  // thickness against |w| = 1 at least: tiny weights (a normal(0, 0.01) start) look tiny
  const biggest = Math.max(1, ...s.weights.flatMap((w) => w.W.flat().map((v) => Math.abs(v || 0))));
  const paths = [];
  s.weights.forEach((w, l) => {
    w.W.forEach((row, j) => row.forEach((v, i) => {
      const a = centres[l][i];
      const b = centres[l + 1][j];
      if (!a || !b) return;
      const x0 = a.x + UNIT / 2;
      const x1 = b.x - UNIT / 2;
      const mid = (x0 + x1) / 2;
      const colour = (v || 0) >= 0 ? "#0877bd" : "#f59322";
      const width = 0.5 + 5 * Math.min(1, Math.abs(v || 0) / biggest);
      paths.push(`<path d="M${x0},${a.y} C${mid},${a.y} ${mid},${b.y} ${x1},${b.y}" stroke="${colour}" ` +
        `stroke-width="${width.toFixed(2)}" stroke-opacity="0.75"><title>W[${l + 1}][${j},${i}] = ${v}</title></path>`);
    }));
  });
  svg.innerHTML = paths.join("");
}

function drawOutput(s) {
  const canvas = $("output");
  const ctx = canvas.getContext("2d");
  const size = canvas.width;
  const extent = 1.2;
  const toPx = (v) => ((v + extent) / (2 * extent)) * size;
  const showTest = $("show-test").checked;
  if (s.data.task === "classification" && s.grid) {
    const grid = s.output.grid;
    const probs = s.output.probs;
    const classes = probs.length;
    const off = document.createElement("canvas");
    paint(off, grid, (i) => {
      let best = 0;
      for (let c = 1; c < classes; c++) if (probs[c][i] > probs[best][i]) best = c;
      const confidence = (probs[best][i] - 1 / classes) / (1 - 1 / classes);
      return mix(CLASS_COLOURS[best % CLASS_COLOURS.length], 0.15 + 0.6 * confidence);
    });
    ctx.imageSmoothingEnabled = true;
    ctx.clearRect(0, 0, size, size);
    ctx.drawImage(off, 0, 0, size, size);
    const dot = (p, test) => {
      const colour = CLASS_COLOURS[p[2] % CLASS_COLOURS.length];
      ctx.beginPath();
      ctx.arc(toPx(p[0]), size - toPx(p[1]), 3.2, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${colour.join(",")})`;
      ctx.fill();
      ctx.lineWidth = test ? 1.6 : 1;
      ctx.strokeStyle = test ? "#000" : "#fff";
      ctx.stroke();
    };
    s.points.train.forEach((p) => dot(p, false));
    if (showTest) s.points.test.forEach((p) => dot(p, true));
    return;
  }
  // the regression: points and the fitted curve over x
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, size, size);
  const all = s.points.train.concat(s.points.test).map((p) => p[1]).concat(s.output.y || []);
  const lo = Math.min(...all) - 0.1;
  const hi = Math.max(...all) + 0.1;
  const toPy = (v) => size - ((v - lo) / (hi - lo)) * size;
  ctx.strokeStyle = "#e9ecef";
  ctx.beginPath();
  ctx.moveTo(0, toPy(0));
  ctx.lineTo(size, toPy(0));
  ctx.stroke();
  const dot = (p, test) => {
    ctx.beginPath();
    ctx.arc(toPx(p[0]), toPy(p[1]), 3, 0, 2 * Math.PI);
    ctx.fillStyle = test ? "#fff" : "#f59322";
    ctx.strokeStyle = test ? "#000" : "#f59322";
    ctx.fill();
    ctx.stroke();
  };
  s.points.train.forEach((p) => dot(p, false));
  if (showTest) s.points.test.forEach((p) => dot(p, true));
  if (s.output.x) {
    ctx.strokeStyle = "#0877bd";
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    s.output.x.forEach((x, i) => (i ? ctx.lineTo(toPx(x), toPy(s.output.y[i])) : ctx.moveTo(toPx(x), toPy(s.output.y[i]))));
    ctx.stroke();
    ctx.lineWidth = 1;
  }
}

function drawCurves(s) {
  const canvas = $("curves");
  const ctx = canvas.getContext("2d");
  const w = canvas.width;
  const h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  ctx.strokeStyle = "#e9ecef";
  ctx.strokeRect(0.5, 0.5, w - 1, h - 1);
  const epochs = s.history.epoch || [];
  if (epochs.length < 1) return;
  const series = [["loss", "#adb5bd"], ["val_loss", "#212529"]];
  const values = series.flatMap(([k]) => (s.history[k] || []).filter((v) => v !== null));
  const top = Math.max(1e-9, ...values);
  const last = epochs[epochs.length - 1];
  for (const [key, colour] of series) {
    const ys = s.history[key] || [];
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    ys.forEach((v, i) => {
      const x = last > 1 ? ((epochs[i] - 1) / (last - 1)) * (w - 8) + 4 : w / 2;
      const y = h - 4 - ((v || 0) / top) * (h - 8);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }
}

function drawWarnings(events) {
  const list = $("warnings");
  const key = JSON.stringify(events);
  if (list.dataset.key === key) return;
  list.dataset.key = key;
  list.innerHTML = "";
  if (!events.length) {
    const item = document.createElement("li");
    item.className = "quiet";
    item.textContent = "no warnings";
    list.appendChild(item);
    return;
  }
  for (const e of events.slice().reverse()) {
    const item = document.createElement("li");
    const head = document.createElement("div");
    const kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = e.kind.replaceAll("_", " ");
    head.appendChild(kind);
    head.appendChild(document.createTextNode(` · epoch ${e.epoch ?? "–"}${e.layer ? " · layer " + e.layer : ""}: ${e.message}`));
    const advice = document.createElement("div");
    advice.className = "advice";
    advice.textContent = e.advice || "";
    item.appendChild(head);
    item.appendChild(advice);
    list.appendChild(item);
  }
}

// -- wiring --------------------------------------------------------------------------------
function wire() {
  $("play").onclick = () => send({ type: state && state.status === "training" ? "pause" : "play" });
  $("step").onclick = () => send({ type: "step" });
  $("reset").onclick = () => send({ type: "reset" });
  $("download-model").onclick = () => send({ type: "download", what: "model" });
  $("download-script").onclick = () => send({ type: "download", what: "script" });
  $("explain").onclick = () => send({ type: "explain", index: $("explain-index").value });
  $("show-test").onchange = () => state && drawOutput(state);
  $("add-layer").onclick = () => {
    if (hidden.length < choices.max_layers) hidden.push(hidden.length ? hidden[hidden.length - 1] : 4);
    submit();
  };
  $("remove-layer").onclick = () => {
    hidden.pop();
    submit();
  };
  $("network").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-layer]");
    if (!button) return;
    const l = Number(button.dataset.layer);
    hidden[l] = Math.max(1, Math.min(choices.max_units, hidden[l] + Number(button.dataset.delta)));
    submit();
  });
  for (const element of document.querySelectorAll("[data-field]")) {
    element.addEventListener("change", submit);
    if (element.type === "range") {
      element.addEventListener("input", () => {
        if (element.dataset.field === "noise") $("v-noise").textContent = Number(element.value).toFixed(2);
        else $("v-test_ratio").textContent = `${Math.round(element.value * 100)} %`;
      });
    }
  }
  document.addEventListener("keydown", (event) => {
    if (event.code === "Space" && !["INPUT", "SELECT", "BUTTON"].includes(document.activeElement.tagName)) {
      event.preventDefault();
      $("play").click();
    }
  });
  window.addEventListener("resize", () => state && draw());
}

wire();
connect();
