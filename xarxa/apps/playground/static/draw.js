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

  // a rows x cols grid of values (row 0 on top) painted over the canvas (or over `box`,
  // {x, y, w, h}, the plot area that frame() lays out), smoothed
  const scratch = document.createElement("canvas");
  function heatmap(canvas, values, rows, cols, colour, alpha = 255, box = null) {
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
    if (!box) ctx.clearRect(0, 0, canvas.width, canvas.height);
    const b = box || {x: 0, y: 0, w: canvas.width, h: canvas.height};
    ctx.drawImage(scratch, b.x, b.y, b.w, b.h);
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

  // -- axes, ticks, titles and legends: one helper for every chart of the page -------------
  const FONT = "12px system-ui, sans-serif", TITLE_FONT = "600 13px system-ui, sans-serif";
  const INK = "#222", MUTED = "#555", GRID = "#e6e6e6";

  // about `count` round values (1, 2 or 5 times a power of ten) covering [lo, hi]
  function niceTicks(lo, hi, count = 5, integer = false) {
    if (!(hi > lo)) return [lo];
    let step = Math.pow(10, Math.floor(Math.log10((hi - lo) / count)));
    for (const m of [1, 2, 5, 10]) if ((hi - lo) / (m * step) <= count) { step *= m; break; }
    if (integer) step = Math.max(1, Math.round(step));
    const out = [];
    for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
      out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
    return out;
  }

  // a tick's text: short, never "-0"
  function tickText(v) {
    if (v === 0) return "0";
    const a = Math.abs(v);
    if (a < 1e-3 || a >= 1e5) {
      const e = Math.floor(Math.log10(a)), m = Number((v / Math.pow(10, e)).toPrecision(2));
      return (m === 1 ? "" : m === -1 ? "−" : m + "×") + "10" + superscript(e);
    }
    return String(Number(v.toPrecision(4))).replace("-", "−");
  }
  const SUP = {"-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹"};
  const superscript = e => String(e).split("").map(c => SUP[c]).join("");

  // one legend entry's swatch: a line (colour, dash, outline) or a dot (fill, ring)
  function swatch(ctx, e, x, y) {
    if (e.dot) {
      ctx.beginPath(); ctx.arc(x + 9, y, 4.5, 0, 2 * Math.PI);
      ctx.fillStyle = e.dot; ctx.fill();
      ctx.lineWidth = 1.5; ctx.strokeStyle = e.ring || "#fff"; ctx.stroke();
      return;
    }
    ctx.setLineDash(e.dash || []);
    if (e.outline) {
      ctx.strokeStyle = e.outline; ctx.lineWidth = (e.width || 2) + 2.5;
      ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 18, y); ctx.stroke();
    }
    ctx.strokeStyle = e.colour; ctx.lineWidth = e.width || 2;
    ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 18, y); ctx.stroke();
    ctx.setLineDash([]);
  }

  // Lays out and draws a plot's frame on a white canvas: the title, the legend (one entry per
  // series, beside the title or on rows below it), the axis labels, the tick values and the
  // axis lines; returns the plot area {x, y, w, h} and the maps px(x), py(y) into it.
  // spec: {title, xlabel, ylabel, x: {lo, hi, ticks}, y: {lo, hi, ticks, text},
  //        legend: [{label, colour, dash, dot, ring, outline}], square, grid,
  //        colourbar: {colour(t), lo, hi, label}}
  // Every text drawn is recorded on the canvas (data-title, data-xlabel, data-ylabel,
  // data-legend, data-xticks, data-yticks) so that tests can read what a student sees.
  function frame(canvas, spec) {
    const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
    ctx.setLineDash([]);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
    const legend = spec.legend || [];
    const ytext = spec.y.text || tickText, xtext = spec.x.text || tickText;
    const yt = spec.y.ticks.map(v => [v, ytext(v)]), xt = spec.x.ticks.map(v => [v, xtext(v)]);
    ctx.font = FONT;
    const tickW = Math.max(0, ...yt.map(([, t]) => ctx.measureText(t).width));
    const entryW = legend.map(e => 26 + ctx.measureText(e.label).width);
    ctx.font = TITLE_FONT;
    const titleW = spec.title ? ctx.measureText(spec.title).width : 0;
    // the legend: beside the title when it fits, else on rows of its own
    const legendW = entryW.reduce((a, b) => a + b + 10, 0);
    const rows = [];
    let row = [], used = 0, beside = titleW + 16 + legendW <= W - 8;
    legend.forEach((e, i) => {
      if (!beside && row.length && used + entryW[i] > W - 8) { rows.push(row); row = []; used = 0; }
      row.push(i); used += entryW[i] + 10;
    });
    if (row.length) rows.push(row);
    let top = spec.title ? 20 : 6;
    const legendTop = beside ? 11 : top + 7;
    if (!beside) top += 16 * rows.length;
    top += 6;
    const left = (spec.ylabel ? 18 : 4) + tickW + 8, right = 10;
    const bottom = 18 + (spec.xlabel ? 16 : 0) + (spec.colourbar ? 36 : 0);
    const box = {x: left, y: top, w: W - left - right, h: H - top - bottom};
    if (spec.square) {
      const s = Math.min(box.w, box.h);
      box.x += (box.w - s) / 2; box.w = s; box.h = s;
    }
    const {lo: x0, hi: x1} = spec.x, {lo: y0, hi: y1} = spec.y;
    const px = x => box.x + (x - x0) / (x1 - x0) * box.w;
    const py = y => box.y + box.h - (y - y0) / (y1 - y0) * box.h;
    const drawn = {title: spec.title || "", xlabel: spec.xlabel || "", ylabel: spec.ylabel || "",
                   legend: legend.map(e => e.label), xticks: [], yticks: []};
    // title and legend
    ctx.textBaseline = "middle"; ctx.fillStyle = INK;
    if (spec.title) { ctx.font = TITLE_FONT; ctx.textAlign = "left"; ctx.fillText(spec.title, 4, 10); }
    ctx.font = FONT;
    rows.forEach((r, k) => {
      const width = r.reduce((a, i) => a + entryW[i] + 10, -10);
      let x = beside ? W - 6 - width : 4;
      for (const i of r) {
        swatch(ctx, legend[i], x, legendTop + 16 * k);
        ctx.fillStyle = INK; ctx.textAlign = "left";
        ctx.fillText(legend[i].label, x + 24, legendTop + 16 * k);
        x += entryW[i] + 10;
      }
    });
    // grid, ticks and their values
    ctx.lineWidth = 1; ctx.fillStyle = MUTED;
    ctx.textAlign = "right";
    for (const [v, t] of yt) {
      const Y = Math.round(py(v)) + 0.5;
      if (Y < box.y - 1 || Y > box.y + box.h + 1) continue;
      if (spec.grid) { ctx.strokeStyle = v === 0 ? "#bbb" : GRID; ctx.beginPath();
                       ctx.moveTo(box.x, Y); ctx.lineTo(box.x + box.w, Y); ctx.stroke(); }
      ctx.strokeStyle = "#888"; ctx.beginPath(); ctx.moveTo(box.x - 4, Y); ctx.lineTo(box.x, Y);
      ctx.stroke();
      ctx.fillText(t, box.x - 6, Y); drawn.yticks.push(t);
    }
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const [v, t] of xt) {
      const X = Math.round(px(v)) + 0.5;
      if (X < box.x - 1 || X > box.x + box.w + 1) continue;
      if (spec.grid) { ctx.strokeStyle = GRID; ctx.beginPath();
                       ctx.moveTo(X, box.y); ctx.lineTo(X, box.y + box.h); ctx.stroke(); }
      ctx.strokeStyle = "#888"; ctx.beginPath(); ctx.moveTo(X, box.y + box.h);
      ctx.lineTo(X, box.y + box.h + 4); ctx.stroke();
      ctx.fillText(t, X, box.y + box.h + 5); drawn.xticks.push(t);
    }
    // axis labels
    ctx.fillStyle = INK;
    if (spec.xlabel) {
      ctx.textBaseline = "top"; ctx.fillText(spec.xlabel, box.x + box.w / 2, box.y + box.h + 20);
    }
    if (spec.ylabel) {
      ctx.save(); ctx.translate(2, box.y + box.h / 2); ctx.rotate(-Math.PI / 2);
      ctx.textAlign = "center"; ctx.textBaseline = "top"; ctx.fillText(spec.ylabel, 0, 0);
      ctx.restore();
    }
    // a colour bar under the plot, its ends valued, its name between them
    if (spec.colourbar) {
      const cb = spec.colourbar, by = box.y + box.h + 18 + (spec.xlabel ? 18 : 0);
      for (let i = 0; i < box.w; i++) {
        ctx.fillStyle = rgb(cb.colour(i / (box.w - 1)));
        ctx.fillRect(box.x + i, by, 1, 9);
      }
      ctx.strokeStyle = "#888"; ctx.strokeRect(box.x + 0.5, by + 0.5, box.w - 1, 8);
      ctx.fillStyle = MUTED; ctx.textBaseline = "top";
      const lo = tickText(Number(cb.lo.toPrecision(2))), hi = tickText(Number(cb.hi.toPrecision(2)));
      ctx.textAlign = "left"; ctx.fillText(lo, box.x, by + 11);
      ctx.textAlign = "right"; ctx.fillText(hi, box.x + box.w, by + 11);
      ctx.textAlign = "center"; ctx.fillStyle = INK; ctx.fillText(cb.label || "", box.x + box.w / 2, by + 11);
      drawn.colourbar = [lo, hi, cb.label || ""];
    }
    ctx.textBaseline = "alphabetic"; ctx.textAlign = "left";
    ctx.strokeStyle = "#888"; ctx.lineWidth = 1; ctx.beginPath();
    ctx.moveTo(box.x - 0.5, box.y); ctx.lineTo(box.x - 0.5, box.y + box.h + 0.5);
    ctx.lineTo(box.x + box.w, box.y + box.h + 0.5); ctx.stroke();
    for (const [k, v] of Object.entries(drawn))
      canvas.dataset[k] = typeof v === "string" ? v : JSON.stringify(v);
    return {ctx, box, px, py};
  }

  // line chart: series [{xs, ys, label, colour, dash, width}], ys may hold nulls (gaps);
  // opts: {title, xlabel, ylabel, log, ymin, ymax, yticks, ytext}; a legend when several series
  function chart(canvas, series, opts = {}) {
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
    if (!isFinite(x0)) { x0 = 0; x1 = 1; y0 = 0; y1 = 1; }  // no data yet: the frame alone
    if (opts.ymin !== undefined) y0 = opts.ymin;
    if (opts.ymax !== undefined) y1 = opts.ymax;
    if (!opts.log && opts.ymin === undefined) y0 = Math.min(0, y0);
    if (y1 - y0 < 1e-9) { y1 += 0.5; y0 -= 0.5; }
    if (x1 === x0) x1 = x0 + 1;
    let yticks, ytext = opts.ytext;
    if (opts.log) {  // whole decades when the range spans one or more, else round values
      const d0 = Math.floor(y0 + 1e-9), d1 = Math.ceil(y1 - 1e-9);
      if (d1 - d0 >= 2) {
        const every = Math.ceil((d1 - d0) / 5);
        yticks = niceTicks(d0, d1, 99, true).filter(e => (e - d0) % every === 0 && e >= y0 - 1e-9 && e <= y1 + 1e-9);
      } else {
        yticks = niceTicks(Math.pow(10, y0), Math.pow(10, y1), 4).filter(v => v > 0).map(Math.log10);
      }
      ytext = e => tickText(Number(Math.pow(10, e).toPrecision(6)));
    } else {
      yticks = opts.yticks || niceTicks(y0, y1, 5);
    }
    const {ctx, box, px, py} = frame(canvas, {
      title: opts.title, xlabel: opts.xlabel, ylabel: opts.ylabel, grid: true,
      x: {lo: x0, hi: x1, ticks: niceTicks(x0, x1, 5, true)},
      y: {lo: y0, hi: y1, ticks: yticks, text: ytext},
      legend: series.length > 1 ? series.map(s => ({label: s.label, colour: s.colour, dash: s.dash,
                                                     width: s.width})) : []});
    ctx.save(); ctx.beginPath(); ctx.rect(box.x, box.y - 2, box.w + 2, box.h + 4); ctx.clip();
    for (const s of series) {
      ctx.strokeStyle = s.colour; ctx.lineWidth = s.width || 2;
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
    ctx.restore();
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
  function landscape(canvas, land, title = "Loss around the weights") {
    const n = land.n, vals = new Float32Array(n * n), s = land.span;
    const lo = Math.log10(Math.max(land.lo, 1e-12)), hi = Math.log10(Math.max(land.hi, 1e-12));
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const v = land.loss[i * n + j];
      const t = v === null ? 1 : (Math.log10(Math.max(v, 1e-12)) - lo) / Math.max(hi - lo, 1e-9);
      vals[(n - 1 - i) * n + j] = t;  // row 0 drawn at the bottom
    }
    const ticks = niceTicks(-s, s, 4);
    const {ctx, box, px, py} = frame(canvas, {
      title, xlabel: "direction 1", ylabel: "direction 2", square: true,
      x: {lo: -s, hi: s, ticks}, y: {lo: -s, hi: s, ticks},
      legend: [{label: "path", colour: "#fff", outline: "#222"},
               {label: "start", dot: "#fff", ring: "#222"},
               {label: "now", dot: "#d0021b", ring: "#fff"}],
      colourbar: {colour: sequential, lo: land.lo, hi: land.hi, label: "loss (log scale)"}});
    heatmap(canvas, vals, n, n, sequential, 255, box);
    const toPx = ([a, b]) => [px(a), py(b)];
    ctx.save(); ctx.beginPath(); ctx.rect(box.x, box.y, box.w, box.h); ctx.clip();
    for (const [colour, width] of [["rgba(0,0,0,0.55)", 3.5], ["#fff", 1.8]]) {
      ctx.strokeStyle = colour; ctx.lineWidth = width; ctx.beginPath();
      land.path.forEach((p, i) => { const [X, Y] = toPx(p); i ? ctx.lineTo(X, Y) : ctx.moveTo(X, Y); });
      ctx.stroke();
    }
    const mark = (p, fill, ring) => {
      const [X, Y] = toPx(p);
      ctx.beginPath(); ctx.arc(X, Y, 4.5, 0, 2 * Math.PI); ctx.fillStyle = fill; ctx.fill();
      ctx.lineWidth = 1.5; ctx.strokeStyle = ring; ctx.stroke();
    };
    mark(land.path[0], "#fff", "#222");
    mark(land.path[land.path.length - 1], "#d0021b", "#fff");
    ctx.restore();
  }

  return {diverging, sequential, rgb, decode, heatmap, curve, frame, niceTicks, tickText, chart,
          points, landscape, formatNumber, ORANGE, BLUE};
})();
