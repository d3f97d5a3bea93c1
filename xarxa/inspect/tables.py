"""Tables and short documents in three formats: aligned text, Markdown and LaTeX.

`trace` tables and `xarxa solve` use it, so that one layout serves the terminal, a notebook
or a report. A document is a list of blocks:

    ("heading", text)                 a title line
    ("lines", [text, ...])            one statement per line (equations of the notes)
    ("table", header, rows)           a table; every row has one cell per header column
    ("raw", {format: text})           something already rendered in each format (a trace)

Cells and lines are written in plain Unicode (x₁ is written "x1", ∂, θ, α, −, ·); `latex`
turns them into LaTeX (`latex_text`), so callers never write a format's escapes themselves.

Values (`fmt_array`, `latex_array`) are printed in full up to the size a student can read —
every element of a vector of up to 16 and of a matrix of up to 8×8 (`FULL`, or `full=` per
call) — and summarised by shape, mean and norm beyond. A matrix takes one line per row: the
text table makes that row as tall as the matrix, Markdown separates the lines with <br>, and
LaTeX writes a bmatrix.
"""
from __future__ import annotations

import re

import numpy as np

FORMATS = ("text", "markdown", "latex")

# Unicode the tables and solver write, and its LaTeX (math mode; `latex_text` wraps it).
_SYMBOLS = {
    "∂": r"\partial ", "θ": r"\theta", "α": r"\alpha", "β": r"\beta", "γ": r"\gamma",
    "δ": r"\delta", "ε": r"\varepsilon", "λ": r"\lambda", "ρ": r"\rho", "σ": r"\sigma",
    "∇": r"\nabla ", "Σ": r"\sum ", "√": r"\surd ", "·": r"\cdot ", "×": r"\times ",
    "−": "-", "→": r"\to ", "←": r"\leftarrow ", "≈": r"\approx ", "⊙": r"\odot ",
    "‖": r"\|", "ᵀ": r"^{\top}", "²": "^{2}", "½": r"\tfrac{1}{2}", "ŷ": r"\hat{y}",
    "₁": "_{1}", "₂": "_{2}", "ᵏ": "^{k}", "≥": r"\geq ", "≤": r"\leq ", "∈": r"\in ",
}
_TEXT_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                 "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                 "^": r"\textasciicircum{}"}
_LABEL = re.compile(r"^([A-Za-zθŷ])(\d+)$")
_TEXT_LABEL = re.compile(r"^[xzvuθ]\d+$")   # in running text only the trace's node labels
_ACCENT = re.compile("(\\w)([\u0302\u0303])")  # m̂, θ̃: a letter and a combining accent


def fmt_number(value) -> str:
    """A scalar as the notes print it: 6 significant digits, no trailing zeros, no −0."""
    value = float(value)
    text = f"{value:.6g}"
    return "0" if text == "-0" else text


# What a student can read in full (module-wide default of `full=`): every element of a vector
# of up to 16 and of a matrix of up to 8×8; larger arrays are summarised by shape, mean, norm.
FULL = (16, 8)


def shown_in_full(shape, full=None) -> bool:
    """Whether an array of `shape` is printed element by element under `full` = (longest
    vector, largest matrix side) (None: the module's `FULL`). Size-1 dimensions do not count:
    a (1, 16) row is a vector, a (1, 3, 3) stack a matrix; three or more dimensions longer
    than 1 are always summarised."""
    vector, side = FULL if full is None else full
    dims = [d for d in shape if d != 1]
    if len(dims) <= 1:
        return not dims or dims[0] <= vector
    return len(dims) == 2 and max(dims) <= side


def fmt_array(array, full=None, one_line: bool = False) -> str:
    """A value for a table cell: a number, a small array in full or a summary (shape, mean
    and norm) of one too large to read (`shown_in_full`); "—" for None. A matrix in full
    takes one line per row, its columns aligned, unless `one_line`."""
    if array is None:
        return "—"
    array = np.asarray(array)
    if array.size == 1 and array.dtype.kind in "fiub":
        value = array.reshape(())
        return str(bool(value)) if array.dtype.kind == "b" else fmt_number(value)
    if not shown_in_full(array.shape, full):
        return summary(array)
    dims = [d for d in array.shape if d != 1]
    if one_line or len(dims) < 2:
        return _nested(array)
    cells = [[_element(v) for v in row] for row in array.reshape(dims)]
    widths = [max(len(row[j]) for row in cells) for j in range(dims[1])]
    lines = ["[" + ", ".join(c.rjust(w) for c, w in zip(row, widths)) + "]" for row in cells]
    return "[" + ",\n ".join(lines) + "]"


def _element(value) -> str:
    """One element of an array in full: 4 significant digits, no trailing zeros, no −0."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    text = f"{value:.4g}"
    return "0" if text == "-0" else text


def _nested(array) -> str:
    """An array on one line as nested lists: [[1, -2], [3, 4]]."""
    if array.ndim == 0:
        return _element(array.item())
    return "[" + ", ".join(_nested(a) for a in array) + "]"


def summary(array, shape: bool = True) -> str:
    """"shape 10×10, mean m, norm n" of a large array (its Frobenius norm); without the shape
    when `shape` is False (a drawing that shows it on a line of its own)."""
    array = np.asarray(array, dtype=np.float64)
    head = f"shape {shape_text(array.shape)}, " if shape else ""
    return (f"{head}mean {fmt_number(array.mean())}, "
            f"norm {fmt_number(np.linalg.norm(array.ravel()))}")


def shape_text(shape) -> str:
    """A shape as the notes write it: 4×5 (a vector: 8; a scalar: ())."""
    return "×".join(str(n) for n in shape) if shape else "()"


def latex_text(text: str) -> str:
    """Plain Unicode text as LaTeX: specials escaped, symbols and x1-style labels in math."""
    out = []
    for word in re.split(r"(\s+)", text):
        match = _TEXT_LABEL.match(word.strip(",:;()"))
        if match and word:  # a node label: x1 -> $x_{1}$ (keeping the punctuation around it)
            core = match.group(0)
            head, _, tail = word.partition(core)
            out.append(_escape(head) + "$" + latex_label(core)[1:-1] + "$" + _escape(tail))
        else:
            out.append(_escape(word))
    return "".join(out)


def _escape(text: str) -> str:
    out, last = [], 0
    for match in _ACCENT.finditer(text):  # m̂ -> \ensuremath{\hat{m}}
        accent = "hat" if match.group(2) == "\u0302" else "tilde"
        out.append(_escape_plain(text[last:match.start()]))
        letter = _SYMBOLS.get(match.group(1), match.group(1))
        out.append(r"\ensuremath{\%s{%s}}" % (accent, letter))
        last = match.end()
    out.append(_escape_plain(text[last:]))
    return "".join(out)


def _escape_plain(text: str) -> str:
    parts = []
    for ch in text:
        if ch in _TEXT_ESCAPES:
            parts.append(_TEXT_ESCAPES[ch])
        elif ch in _SYMBOLS:
            parts.append(r"\ensuremath{" + _SYMBOLS[ch].strip() + "}" if _SYMBOLS[ch] else "")
        else:
            parts.append(ch)
    return "".join(parts)


def latex_label(label: str) -> str:
    """A node label in math mode: x1 -> $x_{1}$, θ2 -> $\\theta_{2}$, w -> $w$; other names
    (fc1.weight) in typewriter type."""
    match = _LABEL.match(label)
    if match:
        head = _SYMBOLS.get(match.group(1), match.group(1))
        return f"${head}_{{{match.group(2)}}}$"
    if re.fullmatch(r"[A-Za-z]", label) or label in _SYMBOLS:
        return f"${_SYMBOLS.get(label, label)}$"
    if re.fullmatch(r"[A-Za-z]\w*", label) and len(label) <= 3 and "_" not in label:
        return f"$\\mathit{{{label}}}$"
    return r"\texttt{" + _escape(label) + "}"


def latex_array(array, full=None) -> str:
    """A value in LaTeX: a number, a bmatrix for an array shown in full (`shown_in_full`),
    or the summary in text."""
    if array is None:
        return "---"
    array = np.asarray(array)
    if array.size == 1:
        return f"${fmt_number(array.reshape(()))}$"
    if not shown_in_full(array.shape, full):
        return latex_text(summary(array))
    dims = [d for d in array.shape if d != 1]
    rows = array.reshape(1, -1) if len(dims) < 2 or array.ndim == 1 else array.reshape(dims)
    body = r" \\ ".join(" & ".join(fmt_number(v) for v in row) for row in rows)
    return r"$\begin{bmatrix}" + body + r"\end{bmatrix}$"


def render_table(header, rows, fmt: str = "text") -> str:
    """`rows` (lists of cell strings, already written for `fmt` when it is 'latex') under
    `header`, laid out as aligned text, a Markdown pipe table or a LaTeX tabular."""
    check_format(fmt)
    rows = [list(r) for r in rows]
    for r in rows:
        if len(r) != len(header):
            raise ValueError(f"render_table: a row has {len(r)} cells for {len(header)} "
                             "columns")
    if fmt == "markdown":
        def cell(s):  # a matrix's rows on lines of their own in the rendered cell
            return str(s).replace("|", "\\|").replace("\n", "<br>")
        lines = ["| " + " | ".join(cell(h) for h in header) + " |",
                 "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
        return "\n".join(lines)
    if fmt == "latex":
        lines = [r"\begin{tabular}{" + "l" * len(header) + "}", r"\hline",
                 " & ".join(header) + r" \\", r"\hline"]
        lines += [" & ".join(r) + r" \\" for r in rows]
        lines += [r"\hline", r"\end{tabular}"]
        return "\n".join(lines)
    # a cell may hold several lines (a matrix's rows): its row is as tall as its tallest
    # cell, and a blank line after it keeps it apart from the next row
    split = [[str(c).split("\n") for c in r] for r in rows]
    widths = [max([len(str(h))] + [len(line) for r in split for line in r[i]])
              for i, h in enumerate(header)]
    line_fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line_fmt.format(*header), line_fmt.format(*("-" * w for w in widths))]
    for k, r in enumerate(split):
        height = max(len(c) for c in r)
        for j in range(height):
            out.append(line_fmt.format(*(c[j] if j < len(c) else "" for c in r)))
        if height > 1 and k < len(split) - 1:
            out.append("")
    return "\n".join(line.rstrip() for line in out)


def render_document(blocks, fmt: str = "text") -> str:
    """The blocks of a document (module docstring) in `fmt`."""
    check_format(fmt)
    out = []
    for block in blocks:
        kind = block[0]
        if kind == "heading":
            text = block[1]
            out.append({"text": f"== {text} ==", "markdown": f"### {text}",
                        "latex": r"\paragraph{" + latex_text(text) + "}"}[fmt])
        elif kind == "lines":
            if fmt == "latex":
                out.append("\n".join((r"\quad " if t.startswith("  ") else "")
                                      + latex_text(t.strip()) + r"\\" for t in block[1]))
            elif fmt == "markdown":  # an indented line is an item of the list above it
                out.append("\n".join(f"  - {t.strip()}" if t.startswith("  ") else f"- {t}"
                                      for t in block[1]))
            else:
                out.append("\n".join(block[1]))
        elif kind == "raw":  # already rendered, one text per format
            out.append(block[1][fmt])
        elif kind == "table":
            header, rows = block[1], block[2]
            if fmt == "latex":
                header = [latex_text(h) for h in header]
                rows = [[latex_text(c) for c in r] for r in rows]
            out.append(render_table(header, rows, fmt))
        else:
            raise ValueError(f"render_document: unknown block kind {kind!r}")
    return "\n\n".join(out) + "\n"


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
