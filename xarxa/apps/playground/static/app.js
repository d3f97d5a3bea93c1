// The xarxa playground page: settings <-> URL, one run on the server per configuration,
// frames from server-sent events drawn with draw.js. Plain browser JavaScript, no build step.
"use strict";

const LABELS = {
  dataset: {xor: "XOR", moons: "two moons", circles: "circles", spirals: "spirals",
            blobs: "Gaussian blobs", regression: "regression (1-D, outliers)"},
  activation: {step: "step", sigmoid: "sigmoid", tanh: "tanh", relu: "ReLU"},
  init: {zeros: "zeros", constant: "constant", notes: "notes (randn/√n)", xavier: "Xavier",
         he: "He"},
  loss: {mse: "MSE (L2)", l1: "L1", huber: "Huber", hinge: "hinge",
         cross_entropy: "cross-entropy", weighted_cross_entropy: "weighted cross-entropy",
         focal: "focal"},
  optimizer: {gd: "GD (full batch)", sgd: "SGD", momentum: "momentum", nesterov: "Nesterov",
              adagrad: "AdaGrad", rmsprop: "RMSprop", adam: "Adam"},
  schedule: {constant: "constant", step: "step decay", exponential: "exponential",
             cosine: "cosine"},
  batch: {full: "full batch", mini: "mini-batch of n", one: "one sample"},
};
const SPEEDS = [1, 2, 5, 10, 25, 50, 100];
const LOGIT_LOSSES = ["cross_entropy", "weighted_cross_entropy", "focal"];
const $ = id => document.getElementById(id);

const app = {
  options: null, state: null, runId: null, source: null, ready: Promise.resolve(),
  hello: null, frame: null, drawPending: false, playing: false, selected: null,
  history: [], hessian: [], landscape: null, nodes: [], markdown: "", timer: null,
  pending: 0, acked: 0,  // control requests in flight; the count the server last confirmed
};

// -- server ----------------------------------------------------------------------------
async function api(method, path, body) {
  const init = {method, headers: {}};
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function message(text, kind = "error") {
  const el = $("message");
  el.hidden = !text;
  el.textContent = text || "";
  el.className = "message" + (kind === "info" ? " info" : "");
}

// -- settings and the URL ---------------------------------------------------------------
function fromURL(defaults) {
  const state = JSON.parse(JSON.stringify(defaults));
  for (const [key, value] of new URLSearchParams(location.search)) {
    if (!(key in defaults)) continue;
    const d = defaults[key];
    if (Array.isArray(d)) {
      const items = value === "" ? [] : value.split(",");
      state[key] = key === "hidden" ? items.map(Number) : items;
    } else state[key] = typeof d === "number" ? Number(value) : value;
  }
  return state;
}

function toURL(state) {
  const params = new URLSearchParams(), d = app.options.defaults;
  for (const key of Object.keys(d)) {
    if (JSON.stringify(state[key]) === JSON.stringify(d[key])) continue;
    params.set(key, Array.isArray(state[key]) ? state[key].join(",") : state[key]);
  }
  const query = params.toString();
  history.replaceState(null, "", query ? "?" + query : location.pathname);
}

function fillSelect(select, values, labels) {
  select.textContent = "";
  for (const v of values) {
    const o = document.createElement("option");
    o.value = v; o.textContent = labels ? labels[v] || v : v;
    select.appendChild(o);
  }
}

function buildControls() {
  const ch = app.options.choices;
  for (const key of ["dataset", "activation", "init", "optimizer", "schedule", "batch"])
    fillSelect($(key), ch[key], LABELS[key]);
  fillSelect($("speed"), SPEEDS);
  const box = $("features");
  for (const [name, label] of Object.entries(app.options.features)) {
    const l = document.createElement("label"), c = document.createElement("input");
    c.type = "checkbox"; c.value = name; c.id = "feature-" + name;
    c.addEventListener("change", () => {
      app.state.features = [...box.querySelectorAll("input:checked")].map(i => i.value);
      changed();
    });
    l.append(c, " " + label);
    box.appendChild(l);
  }
  for (const el of document.querySelectorAll("[data-key]")) {
    el.addEventListener("change", () => { app.state[el.dataset.key] = readControl(el); changed(); });
    if (el.type === "range") el.addEventListener("input", () => showOutput(el));
  }
}

function readControl(el) {
  const t = el.dataset.type, v = el.value;
  if (t === "int" || t === "float") return v.trim() === "" ? null : Number(v);
  if (t === "list") return v.trim() === "" ? [] : v.split(",").map(s => Number(s.trim()));
  return v;
}

function showOutput(el) {
  const out = document.querySelector(`output[for="${el.id}"]`);
  if (out) out.textContent = Number(el.value).toFixed(2);
}

function showState() {
  const s = app.state, regression = s.dataset === "regression";
  const losses = regression ? app.options.choices.regression_loss : app.options.choices.loss;
  fillSelect($("loss"), losses, LABELS.loss);
  for (const el of document.querySelectorAll("[data-key]")) {
    const v = s[el.dataset.key];
    el.value = Array.isArray(v) ? v.join(",") : v;
    showOutput(el);
  }
  $("speed").value = s.speed;
  for (const c of $("features").querySelectorAll("input")) {
    c.checked = s.features.includes(c.value);
    c.disabled = regression && c.value.includes("2");
    c.parentElement.classList.toggle("hidden-by-choice", c.disabled);
  }
  const show = {
    "only-blobs": s.dataset === "blobs", "only-regression": regression,
    "only-constant": s.init === "constant", "only-huber": s.loss === "huber",
    "only-focal": s.loss === "focal",
    "only-momentum": s.optimizer === "momentum" || s.optimizer === "nesterov",
    "only-rmsprop": s.optimizer === "rmsprop", "only-adam": s.optimizer === "adam",
    "only-step-schedule": s.schedule === "step",
    "only-gamma-schedule": s.schedule === "step" || s.schedule === "exponential",
    "only-cosine": s.schedule === "cosine",
    "only-mini": s.batch === "mini" && s.optimizer !== "gd",
  };
  for (const [cls, visible] of Object.entries(show))
    for (const el of document.getElementsByClassName(cls))
      el.classList.toggle("hidden-by-choice", !visible);
  $("batch").disabled = s.optimizer === "gd";
  for (const el of document.getElementsByClassName("acc")) el.classList.toggle("hidden-by-choice", regression);
}

// keep the settings consistent before asking the server (it would refuse the rest)
function normalise(s) {
  if (s.dataset === "regression") {
    s.features = s.features.filter(f => !f.includes("2"));
    if (!s.features.length) s.features = ["x1"];
    if (!app.options.choices.regression_loss.includes(s.loss)) s.loss = "mse";
  } else if (!s.features.length) s.features = ["x1", "x2"];
}

function changed() {
  const s = app.state;
  normalise(s);
  showState();
  toURL(s);
  clearTimeout(app.timer);
  app.timer = setTimeout(() => newRun(app.playing), 200);
}

// -- runs and their events ----------------------------------------------------------------
function newRun(play = false) {
  const previous = app.runId;
  app.ready = (async () => {
    if (app.source) { app.source.close(); app.source = null; }
    if (previous) api("DELETE", `/api/runs/${previous}`).catch(() => {});
    app.runId = null;
    let created;
    try {
      created = await api("POST", "/api/runs", app.state);
    } catch (error) {
      message(error.message);
      return;
    }
    message("");
    app.runId = created.id;
    app.history = []; app.hessian = []; app.landscape = null; app.selected = null;
    startHello(created.hello);
    $("export").href = `/api/runs/${created.id}/export`;
    connect();
    app.acked = 0;
    if (play) await send({action: "play", speed: app.state.speed});
  })();
  return app.ready;
}

// a button's request to the current run (once it exists)
// frames of the current run; a hidden tab lets go of its stream (browsers allow six
// connections to a server), and a playing run nobody watches pauses after a few seconds
function connect() {
  if (app.source) app.source.close();
  const source = new EventSource(`/api/runs/${app.runId}/events`);
  source.addEventListener("frame", e => onFrame(JSON.parse(e.data)));
  source.addEventListener("closed", () => source.close());
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) message("lost the server: is `xarxa playground` still running?");
  };
  app.source = source;
}

function onVisibility() {
  if (document.hidden) {
    if (app.source) { app.source.close(); app.source = null; }
  } else if (app.runId && !app.source) {
    app.history = []; app.hessian = [];  // the new stream sends them again
    connect();
  }
}

async function control(body) {
  await app.ready;
  return send(body);
}

async function send(body) {
  if (!app.runId) return null;
  app.pending++;
  try {
    const result = await api("POST", `/api/runs/${app.runId}/control`, body);
    app.acked = Math.max(app.acked, result.controls);
    return result;
  } catch (error) {
    message(error.message);
    return null;
  } finally {
    app.pending--;
  }
}

function startHello(hello) {
  app.hello = hello;
  const s = hello.config, logits = LOGIT_LOSSES.includes(s.loss);
  $("output-kind").textContent = hello.regression ? "regression fit" :
    logits ? "colour: P(class 1) from σ(s)" : "colour: the score s, clipped to ±1";
  buildNetwork(hello);
}

function onFrame(msg) {
  if (msg.reset) { app.history = []; app.hessian = []; app.landscape = null; }
  app.history.push(...msg.history);
  app.hessian.push(...msg.hessian);
  if (msg.landscape) app.landscape = msg.landscape;
  app.frame = msg;
  // the server says whether it plays, once it has seen the page's last button press
  if (app.pending === 0 && msg.controls >= app.acked) setPlaying(msg.playing);
  if (msg.error) message(msg.error);
  if (!app.drawPending) {
    app.drawPending = true;
    requestAnimationFrame(() => { app.drawPending = false; draw(); });
  }
}

function setPlaying(playing) {
  app.playing = playing;
  $("play").textContent = playing ? "❚❚ pause" : "▶ play";
  $("play").classList.toggle("playing", playing);
}

// -- drawing --------------------------------------------------------------------------------
// the plane's frame (axes, title, legend) and its map from data to canvas pixels
function planeFrame(hello, canvas) {
  const R = hello.domain, [y0, y1] = hello.regression ? hello.yrange : [-R, R];
  const ring = $("show-test").checked;
  const legend = hello.regression ?
    [{label: "network's output", colour: Draw.rgb(Draw.BLUE)}, {label: "train", dot: "#333", ring: "#fff"},
     ...(ring ? [{label: "test", dot: "#333", ring: "#000"}] : [])] :
    [{label: "class 0", dot: Draw.rgb(Draw.ORANGE)}, {label: "class 1", dot: Draw.rgb(Draw.BLUE)},
     ...(ring ? [{label: "test point (dark ring)", dot: "#bbb", ring: "#000"}] : [])];
  const logits = LOGIT_LOSSES.includes(hello.config.loss);
  const f = Draw.frame(canvas, {
    title: hello.regression ? "The network's fit y = f(x)" :
      logits ? "Decision regions: P(class 1)" : "Decision regions: score s",
    xlabel: hello.regression ? "x" : "x₁", ylabel: hello.regression ? "y" : "x₂",
    square: !hello.regression, legend,
    x: {lo: -R, hi: R, ticks: Draw.niceTicks(-R, R, 5)},
    y: {lo: y0, hi: y1, ticks: Draw.niceTicks(y0, y1, 5)}});
  f.toPx = p => [f.px(p[0]), f.py(p[1])];
  return f;
}

function planeToPx(hello) {
  return app.plane ? app.plane.toPx : planeFrame(hello, $("plane")).toPx;
}

function drawPlane() {
  const canvas = $("plane"), hello = app.hello, f = app.frame;
  const frame = app.plane = planeFrame(hello, canvas), ctx = frame.ctx, toPx = frame.toPx;
  if (hello.regression) {
    const R = hello.domain, n = f.plane.curve.length;
    ctx.save(); ctx.beginPath(); ctx.rect(frame.box.x, frame.box.y, frame.box.w, frame.box.h);
    ctx.clip();
    ctx.strokeStyle = Draw.rgb(Draw.BLUE); ctx.lineWidth = 2; ctx.beginPath();
    f.plane.curve.forEach((y, i) => {
      const [X, Y] = toPx([-R + 2 * R * i / (n - 1), y]);
      i ? ctx.lineTo(X, Y) : ctx.moveTo(X, Y);
    });
    ctx.stroke();
    ctx.restore();
  } else {
    Draw.heatmap(canvas, Draw.decode(f.plane.values), hello.grid, hello.grid, Draw.diverging,
                 255, frame.box);
  }
  Draw.points(ctx, hello.train, toPx, hello.regression, false, null);
  if ($("show-test").checked) Draw.points(ctx, hello.test, toPx, hello.regression, true, null);
  if (app.selected) Draw.points(ctx, [], toPx, hello.regression, false, app.selected.point);
}

function buildNetwork(hello) {
  const box = $("network"), s = hello.config;
  for (const el of [...box.children]) if (el.id !== "edges") el.remove();
  const labels = app.options.features;
  const columns = [s.features.map(f => labels[f]), ...s.hidden.map(w => Array(w).fill("")), [""]];
  const most = Math.max(...columns.map(c => c.length));
  const width = box.clientWidth || 480, top = 18;
  const size = Math.max(10, Math.min(34, Math.floor(300 / most) - 6)), gap = size + 6;
  const height = Math.max(200, top + most * gap + 10);
  box.style.height = height + "px";
  const edges = $("edges");
  edges.width = width; edges.height = height;
  const unitGrid = hello.regression ? 2 * hello.grid : hello.unit_grid;
  app.nodes = columns.map((col, c) => {
    const x = 20 + c * (width - 40 - size) / (columns.length - 1);
    const label = document.createElement("div");
    label.className = "col-label";
    label.style.left = (x + size / 2) + "px"; label.style.top = "0px";
    label.textContent = c === 0 ? "features" : c === columns.length - 1 ? "output" :
      `${col.length} unit${col.length > 1 ? "s" : ""}`;
    box.appendChild(label);
    const y0 = top + (most - col.length) * gap / 2;
    return col.map((text, i) => {
      const el = document.createElement("div"), canvas = document.createElement("canvas");
      el.className = "node" + (c === columns.length - 1 ? " output" : "");
      el.style.left = x + "px"; el.style.top = (y0 + i * gap) + "px";
      el.style.width = el.style.height = size + "px";
      el.title = c === 0 ? `feature ${text}` : c === columns.length - 1 ? "output score s" :
        `hidden layer ${c}, unit ${i + 1}`;
      canvas.width = hello.regression ? 60 : unitGrid; canvas.height = hello.regression ? 30 : unitGrid;
      el.appendChild(canvas);
      if (c === 0) {
        const tag = document.createElement("div");
        tag.className = "col-label"; tag.textContent = text;
        tag.style.left = (x - 16) + "px"; tag.style.top = (y0 + i * gap + size / 2 - 7) + "px";
        box.appendChild(tag);
      }
      box.appendChild(el);
      return {canvas, x, y: y0 + i * gap, size};
    });
  });
}

function drawNetwork() {
  const f = app.frame, hello = app.hello, n = hello.unit_grid;
  f.plane.units.forEach((layer, c) => layer.forEach((unit, i) => {
    const node = app.nodes[c] && app.nodes[c][i];
    if (!node) return;
    const values = Draw.decode(unit.map);
    hello.regression ? Draw.curve(node.canvas, values) :
      Draw.heatmap(node.canvas, values, n, n, Draw.diverging);
  }));
  const out = app.nodes[app.nodes.length - 1][0];
  if (hello.regression) {
    const c = f.plane.curve, m = Math.max(...c.map(Math.abs), 1e-6);
    Draw.curve(out.canvas, c.map(v => v / m));
  } else {
    Draw.heatmap(out.canvas, Draw.decode(f.plane.values), hello.grid, hello.grid, Draw.diverging);
  }
  const edges = $("edges"), ctx = edges.getContext("2d");
  ctx.clearRect(0, 0, edges.width, edges.height);
  let most = 1e-9;
  for (const l of f.weights) for (const row of l.W) for (const w of row) most = Math.max(most, Math.abs(w));
  f.weights.forEach((layer, l) => layer.W.forEach((row, j) => row.forEach((w, i) => {
    const a = app.nodes[l][i], b = app.nodes[l + 1][j];
    if (!a || !b) return;
    const t = Math.abs(w) / most;
    ctx.strokeStyle = Draw.rgb(w >= 0 ? Draw.BLUE : Draw.ORANGE);
    ctx.globalAlpha = 0.25 + 0.75 * t;
    ctx.lineWidth = 0.3 + 4 * t;
    ctx.beginPath();
    ctx.moveTo(a.x + a.size, a.y + a.size / 2);
    ctx.lineTo(b.x, b.y + b.size / 2);
    ctx.stroke();
  })));
  ctx.globalAlpha = 1;
}

function setNumber(id, value, percent = false) {
  const el = $(id);
  el.dataset.value = value === null || value === undefined ? "" : value;
  el.textContent = value === null || value === undefined ? "–" :
    percent ? (100 * value).toFixed(1) + " %" : Draw.formatNumber(value);
}

function drawCurves() {
  const h = app.history, last = h[h.length - 1] || [];
  setNumber("train-loss", last[1]); setNumber("test-loss", last[2]);
  setNumber("train-acc", last[3], true); setNumber("test-acc", last[4], true);
  const xs = h.map(r => r[0]), log = $("log-loss").checked;
  const lossName = $("loss").selectedOptions[0] ? $("loss").selectedOptions[0].textContent : "";
  const TRAIN = "#183d4e", TEST = "#c0392b";
  Draw.chart($("loss-chart"), [
    {xs, ys: h.map(r => r[1]), label: "train", colour: TRAIN},
    {xs, ys: h.map(r => r[2]), label: "test", colour: TEST, dash: [5, 3]}],
    {log, title: `Loss${lossName ? ` (${lossName})` : ""}`, xlabel: "update",
     ylabel: log ? "loss (log scale)" : "loss"});
  if (!app.hello.regression)
    Draw.chart($("acc-chart"), [
      {xs, ys: h.map(r => r[3]), label: "train", colour: TRAIN},
      {xs, ys: h.map(r => r[4]), label: "test", colour: TEST, dash: [5, 3]}],
      {ymin: 0, ymax: 1, yticks: [0, 0.5, 1], title: "Accuracy", xlabel: "update", ylabel: "accuracy",
       ytext: v => Math.round(100 * v) + " %"});
}

function drawViews() {
  const land = app.landscape, h = app.hello;
  const on = h.view_points < h.train.length ? ` (on its first ${h.view_points} points)` : "";
  if (land) {
    Draw.landscape($("landscape"), land, `Training loss at update ${land.step}`);
    $("landscape-note").textContent = `Training loss${on} (log colour, dark = low) at ` +
      `update ${land.step} on the plane of ${land.note}; white: the weights' path, red: now.`;
  }
  const hs = app.hessian, xs = hs.map(r => r[0]);
  Draw.chart($("hessian"), [{xs, ys: hs.map(r => r[1]), label: "λmax", colour: "#183d4e"},
                            {xs, ys: hs.map(r => r[2]), label: "λmin", colour: "#c0392b", dash: [5, 3]}],
             {title: "Hessian eigenvalues", xlabel: "update", ylabel: "eigenvalue"});
  if (hs.length) {
    const [step, lam, low] = hs[hs.length - 1], lr = app.frame.lr;
    $("hessian-note").textContent = `Training loss${on} at update ${step}: λmax (solid) = ` +
      `${Draw.formatNumber(lam)}, α·λmax = ${Draw.formatNumber(lr * lam)} (plain gradient ` +
      `descent on a quadratic diverges above 2); λmin (dashed) = ${Draw.formatNumber(low)}` +
      (low < -1e-6 * Math.max(1, Math.abs(lam)) ? ": the loss bends down along some " +
       "direction — where the gradient is zero, a saddle." : ".");
  }
}

function draw() {
  const f = app.frame;
  if (!f || !app.hello) return;
  $("step-count").textContent = f.step;
  $("epoch").textContent = f.epoch.toFixed(1);
  $("lr-now").textContent = Draw.formatNumber(f.lr);
  drawPlane(); drawNetwork(); drawCurves(); drawViews();
}

// -- the forward/backward table -------------------------------------------------------------
function showTable(table) {
  $("trace-title").textContent = table.title;
  const t = document.createElement("table"), head = t.createTHead().insertRow();
  for (const h of table.header) { const th = document.createElement("th"); th.textContent = h; head.appendChild(th); }
  const body = t.createTBody();
  for (const row of table.rows) {
    const tr = body.insertRow();
    if (row[1] === "leaf") tr.className = "leaf";
    for (const cell of row) tr.insertCell().textContent = cell;
  }
  const sample = document.createElement("button");  // a batch's table: offer one sample's
  sample.textContent = `show one sample of the batch of ${table.batch}`;
  sample.addEventListener("click", () => showTable(table.sample));
  $("trace").replaceChildren(...(table.sample ? [sample] : []), t);
  app.markdown = table.markdown;
  $("copy-markdown").hidden = false;
}

async function clickPlane(event) {
  if (!app.hello || !app.runId) return;
  const canvas = $("plane"), rect = canvas.getBoundingClientRect();
  const mx = (event.clientX - rect.left) * canvas.width / rect.width;
  const my = (event.clientY - rect.top) * canvas.height / rect.height;
  const toPx = planeToPx(app.hello, canvas);
  let best = null;
  const sets = $("show-test").checked ? ["train", "test"] : ["train"];
  for (const set of sets) app.hello[set].forEach((p, index) => {
    const [X, Y] = toPx(p), d = (X - mx) ** 2 + (Y - my) ** 2;
    if (!best || d < best.d) best = {d, set, index, point: p};
  });
  if (!best) return;
  app.selected = best;
  if (app.frame) drawPlane();
  try {
    showTable(await api("POST", `/api/runs/${app.runId}/trace`, {set: best.set, index: best.index}));
  } catch (error) {
    message(error.message);
  }
}

// -- buttons ----------------------------------------------------------------------------------
function wireButtons() {
  $("play").addEventListener("click", () => {
    const play = !app.playing;
    setPlaying(play);
    control(play ? {action: "play", speed: app.state.speed} : {action: "pause"});
  });
  $("step").addEventListener("click", async () => {
    setPlaying(false);
    const result = await control({action: "step", steps: 1});
    if (result && result.table) showTable(result.table);
  });
  $("reset").addEventListener("click", () => { setPlaying(false); control({action: "reset"}); });
  $("speed").addEventListener("change", () => {  // faster or slower, without starting over
    app.state.speed = Number($("speed").value);
    toURL(app.state);
    control({action: app.playing ? "play" : "pause", speed: app.state.speed});
  });
  $("new-seed").addEventListener("click", () => {
    app.state.seed = (app.state.seed + 1) % 2147483647;
    changed();
  });
  $("add-layer").addEventListener("click", () => {
    if (app.state.hidden.length < app.options.max_layers) { app.state.hidden.push(4); changed(); }
  });
  $("remove-layer").addEventListener("click", () => {
    if (app.state.hidden.length) { app.state.hidden.pop(); changed(); }
  });
  $("plane").addEventListener("click", clickPlane);
  $("show-test").addEventListener("change", () => app.frame && drawPlane());
  $("log-loss").addEventListener("change", () => app.frame && drawCurves());
  $("copy-link").addEventListener("click", () => copy(location.href, "link copied"));
  $("copy-markdown").addEventListener("click", () => copy(app.markdown, "table copied as Markdown"));
  document.addEventListener("visibilitychange", onVisibility);
  window.addEventListener("pagehide", () => {
    if (app.source) app.source.close();
    if (app.runId) fetch(`/api/runs/${app.runId}`, {method: "DELETE", keepalive: true}).catch(() => {});
  });
}

function copy(text, done) {
  if (!navigator.clipboard) { message("this browser does not allow copying here"); return; }
  navigator.clipboard.writeText(text).then(() => message(done, "info"),
    () => message("the browser refused to copy; select the text by hand"));
}

async function main() {
  try {
    app.options = await api("GET", "/api/options");
  } catch (error) {
    message("cannot reach the playground server: " + error.message);
    return;
  }
  app.state = fromURL(app.options.defaults);
  normalise(app.state);
  buildControls();
  wireButtons();
  showState();
  await newRun();
  if (!app.runId && location.search) {  // the link's settings were refused: keep the message
    const why = $("message").textContent;
    app.state = JSON.parse(JSON.stringify(app.options.defaults));
    showState(); toURL(app.state);
    await newRun();
    message(`the link's settings were refused (${why}); showing the defaults`);
  }
}

document.addEventListener("DOMContentLoaded", main);
