// Drawing for the xarxa playground on plain canvases: colour scales, heat maps, line charts,
// the data plane, the network and the loss landscape. No library: it must work offline.
"use strict";

const Draw = (() => {
  const ORANGE = [245, 147, 34], WHITE = [232, 234, 235], BLUE = [8, 119, 189];
  const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  const mix = (a, b, t) => [0, 1, 2].map(i => Math.round(a[i] + (b[i] - a[i]) * t));

  // v in [-1, 1]: orange (negative) - white - blue (positive), as the TensorFlow Playground
  function diverging(v) {
    v = clamp(v, -1, 1);
    return v < 0 ? mix(WHITE, ORANGE, -v) : mix(WHITE, BLUE, v);
  }

  // t in [0, 1]: viridis, dark (low) to yellow (high)
  function sequential(t) {
    t = clamp(t, 0, 1) * (VIRIDIS.length - 1);
    const i = Math.min(Math.floor(t), VIRIDIS.length - 2);
    return mix(VIRIDIS[i], VIRIDIS[i + 1], t - i);
  }

  const rgb = c => `rgb(${c[0]},${c[1]},${c[2]})`;

  // base64 bytes (the server's quantised values) -> values in [-1, 1]
  function decode(b64) {
    const s = atob(b64), out = new Float32Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) / 127.5 - 1;
    return out;
  }

  // a rows x cols grid of values (row 0 on top) painted over the whole canvas, smoothed
  const scratch = document.createElement("canvas");
  function heatmap(canvas, values, rows, cols, colour, alpha = 255) {
    scratch.width = cols; scratch.height = rows;
    const sctx = scratch.getContext("2d"), img = sctx.createImageData(cols, rows);
    for (let i = 0; i < rows * cols; i++) {
      const c = colour(values[i]);
      img.data[4 * i] = c[0]; img.data[4 * i + 1] = c[1]; img.data[4 * i + 2] = c[2];
      img.data[4 * i + 3] = alpha;
    }
    sctx.putImageData(img, 0, 0);
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = true;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(scratch, 0, 0, canvas.width, canvas.height);
  }

  // a 1-D curve of values in [-1, 1] (a unit of a regression network)
  function curve(canvas, values) {
    const ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, w, h);
    ctx.strokeStyle = "#ccc"; ctx.beginPath(); ctx.moveTo(0, h / 2); ctx.lineTo(w, h / 2); ctx.stroke();
    ctx.strokeStyle = rgb(BLUE); ctx.lineWidth = 1.5; ctx.beginPath();
    values.forEach((v, i) => {
      const x = i / (values.length - 1) * w, y = (1 - v) / 2 * h;
      i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
    });
    ctx.stroke();
  }

  // line chart: series [{xs, ys, colour, dash, width}], ys may hold nulls (gaps)
  function chart(canvas, series, opts = {}) {
    const ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
    const pad = {l: 38, r: 6, t: 6, b: 16};
    ctx.clearRect(0, 0, w, h);
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    const f = opts.log ? (v => Math.log10(Math.max(v, 1e-12))) : (v => v);
    for (const s of series) {
      s.xs.forEach((x, i) => {
        const y = s.ys[i];
        if (y === null || y === undefined || !isFinite(y)) return;
        x0 = Math.min(x0, x); x1 = Math.max(x1, x);
        y0 = Math.min(y0, f(y)); y1 = Math.max(y1, f(y));
      });
    }
    if (!isFinite(x0)) return;
    if (opts.ymin !== undefined) y0 = opts.ymin;
    if (opts.ymax !== undefined) y1 = opts.ymax;
    if (!opts.log && opts.ymin === undefined) y0 = Math.min(0, y0);
    if (y1 - y0 < 1e-9) { y1 += 0.5; y0 -= 0.5; }
    if (x1 === x0) x1 = x0 + 1;
    const px = x => pad.l + (x - x0) / (x1 - x0) * (w - pad.l - pad.r);
    const py = y => h - pad.b - (y - y0) / (y1 - y0) * (h - pad.t - pad.b);
    ctx.strokeStyle = "#ccc"; ctx.lineWidth = 1; ctx.beginPath();
    ctx.moveTo(pad.l, pad.t); ctx.lineTo(pad.l, h - pad.b); ctx.lineTo(w - pad.r, h - pad.b);
    ctx.stroke();
    ctx.fillStyle = "#777"; ctx.font = "10px system-ui, sans-serif"; ctx.textAlign = "right";
    const label = v => opts.log ? "1e" + v.toFixed(1) : formatNumber(v);
    ctx.fillText(label(y1), pad.l - 3, pad.t + 8);
    ctx.fillText(label(y0), pad.l - 3, h - pad.b);
    ctx.textAlign = "left"; ctx.fillText(String(x0), pad.l, h - 3);
    ctx.textAlign = "right"; ctx.fillText(String(x1), w - pad.r, h - 3);
    for (const s of series) {
      ctx.strokeStyle = s.colour; ctx.lineWidth = s.width || 1.5;
      ctx.setLineDash(s.dash || []); ctx.beginPath();
      let pen = false;
      s.xs.forEach((x, i) => {
        const y = s.ys[i];
        if (y === null || y === undefined || !isFinite(y)) { pen = false; return; }
        const X = px(x), Y = py(clamp(f(y), y0, y1));
        pen ? ctx.lineTo(X, Y) : ctx.moveTo(X, Y);
        pen = true;
      });
      ctx.stroke();
    }
    ctx.setLineDash([]);
  }

  function formatNumber(v) {
    if (v === null || v === undefined || !isFinite(v)) return "–";
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e4)) return v.toExponential(2);
    return String(Number(v.toPrecision(3)));
  }

  // the data points on the plane: [x1, x2, label] (classification) or [x, y] (regression)
  function points(ctx, pts, toPx, regression, test, selected) {
    for (const p of pts) {
      const [X, Y] = toPx(p);
      ctx.beginPath(); ctx.arc(X, Y, regression ? 2.5 : 3.2, 0, 2 * Math.PI);
      ctx.fillStyle = regression ? "#333" : rgb(p[2] === 1 ? BLUE : ORANGE);
      ctx.fill();
      ctx.lineWidth = 1; ctx.strokeStyle = test ? "#000" : "#fff"; ctx.stroke();
    }
    if (selected) {
      const [X, Y] = toPx(selected);
      ctx.beginPath(); ctx.arc(X, Y, 7, 0, 2 * Math.PI);
      ctx.lineWidth = 2; ctx.strokeStyle = "#d0021b"; ctx.stroke();
    }
  }

  // the landscape: log10 loss on an n x n grid (row 0 = lowest direction-2 value), the path
  function landscape(canvas, land) {
    const n = land.n, vals = new Float32Array(n * n);
    const lo = Math.log10(Math.max(land.lo, 1e-12)), hi = Math.log10(Math.max(land.hi, 1e-12));
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const v = land.loss[i * n + j];
      const t = v === null ? 1 : (Math.log10(Math.max(v, 1e-12)) - lo) / Math.max(hi - lo, 1e-9);
      vals[(n - 1 - i) * n + j] = t;  // row 0 drawn at the bottom
    }
    heatmap(canvas, vals, n, n, sequential);
    const ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height, s = land.span;
    const toPx = ([a, b]) => [(a + s) / (2 * s) * w, (s - b) / (2 * s) * h];
    ctx.strokeStyle = "rgba(255,255,255,0.9)"; ctx.lineWidth = 1.5; ctx.beginPath();
    land.path.forEach((p, i) => { const [X, Y] = toPx(p); i ? ctx.lineTo(X, Y) : ctx.moveTo(X, Y); });
    ctx.stroke();
    ctx.fillStyle = "#fff";
    land.path.forEach(p => { const [X, Y] = toPx(p); ctx.fillRect(X - 1, Y - 1, 2, 2); });
    const [cx, cy] = toPx(land.path[land.path.length - 1]);
    ctx.beginPath(); ctx.arc(cx, cy, 4, 0, 2 * Math.PI); ctx.fillStyle = "#d0021b"; ctx.fill();
    ctx.fillStyle = "#fff"; ctx.font = "10px system-ui, sans-serif"; ctx.textAlign = "left";
    ctx.fillText(`±${formatNumber(s)} along each direction`, 4, h - 4);
  }

  return {diverging, sequential, rgb, decode, heatmap, curve, chart, points, landscape,
          formatNumber, ORANGE, BLUE};
})();
