"""How `inspect`'s results show in a Jupyter notebook (IPython's rich display protocol).

A cell whose last line is one of them shows, besides its plain-text `repr`:

* a `trace` — the table as HTML (`table_html`) and as Markdown (`Trace._repr_markdown_`);
* a drawing of `draw` — the SVG (or PNG) inline (`dot.Drawing`);
* a `Hessian` or a `Landscape` — its short summary in words and its figure as an embedded
  PNG (`summary_html`): the eigenvalue spectrum (`spectrum_figure`), the contours with the
  optimizer's paths (`Landscape.plot`).

Nothing here imports IPython: the protocol is a set of `_repr_*_` methods that IPython looks
up, so the terminal pays nothing. matplotlib is imported only when a figure is shown.
"""
from __future__ import annotations

import base64
import html
import io

import numpy as np

#: The resolution of the figures embedded in a notebook (the figures are drawn for a slide;
#: 80 dpi keeps a landscape's PNG at about 60 kB).
DPI = 80


def table_html(header, rows) -> str:
    """A table of plain-Unicode cells (a trace's) as HTML: a cell's lines (a matrix's rows)
    stay lines, values keep their columns in a fixed-width font, everything is escaped."""
    def cell(tag: str, text: str, style: str = "") -> str:
        body = "<br>".join(html.escape(line) for line in str(text).split("\n"))
        return f"<{tag} style=\"text-align:left;{style}\">{body}</{tag}>"
    mono = "font-family:monospace;white-space:pre;"
    lines = ["<table>", "<thead><tr>" + "".join(cell("th", h) for h in header)
             + "</tr></thead>", "<tbody>"]
    for row in rows:
        lines.append("<tr>" + "".join(cell("td", c, mono if k >= 3 else "")
                                      for k, c in enumerate(row)) + "</tr>")
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


def figure_png(fig) -> bytes:
    """A matplotlib Figure as PNG bytes (at `DPI`)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def summary_html(summary: str, fig=None, alt: str = "figure") -> str:
    """A result's summary (plain text, kept as written) above its figure, embedded as a PNG
    so that the notebook file carries it."""
    out = f"<pre style=\"white-space:pre-wrap\">{html.escape(summary)}</pre>"
    if fig is not None:
        data = base64.b64encode(figure_png(fig)).decode("ascii")
        out += f'\n<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'
    return out


def spectrum_figure(hessian, title: str | None = None):
    """The eigenvalues of a `Hessian` as a stem plot, ascending, with the band |λ| ≤ tol of
    the near-zero (flat) directions shaded: positive stems curve up, negative ones down.
    Returns the matplotlib Figure (Agg canvas, no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    lam = np.asarray(hessian.eigenvalues, dtype=np.float64)
    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    index = np.arange(1, len(lam) + 1)
    flat = np.asarray(hessian.near_zero)
    ax.axhspan(-hessian.tol, hessian.tol, color="#dddddd", label=f"near zero (|λ| ≤ "
               f"{hessian.tol:.2g}): flat")
    ax.axhline(0.0, color="black", linewidth=0.8)
    colours = np.where(flat, "grey", np.where(lam > 0, "tab:blue", "tab:red"))
    ax.vlines(index, 0.0, lam, colors=colours, linewidth=2)
    ax.scatter(index[lam > 0], lam[lam > 0], color="tab:blue", zorder=3,
               label="λ > 0: curves up")
    ax.scatter(index[lam < 0], lam[lam < 0], color="tab:red", zorder=3,
               label="λ < 0: curves down")
    ax.set_xlabel("eigenvalue number (ascending)")
    ax.set_ylabel("eigenvalue λ of the Hessian")
    if len(lam) <= 20:
        ax.set_xticks(index)
    ax.legend(loc="best", fontsize=9)
    ax.set_title(title or f"Hessian spectrum: {hessian.kind}, ‖∇L‖ = "
                 f"{hessian.gradient_norm:.3g}", fontsize=12)
    return fig
