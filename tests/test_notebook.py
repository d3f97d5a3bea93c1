"""The lab notebook (docs/lab.ipynb) runs, top to bottom, in a real Jupyter kernel, and what
xarxa returns shows there as tables and pictures (issue 19, "in a notebook").

The kernel is described by a kernel spec written for this test (this interpreter, running
ipykernel) and found first through $JUPYTER_PATH, so that the test neither needs
`ipykernel install` nor picks up a user's "python3" kernel that points at another Python.
"""
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import xarxa as xa
import xarxa.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "docs" / "lab.ipynb"
KERNEL = "xarxa-test"


@pytest.fixture
def kernel_spec(tmp_path, monkeypatch):
    """A kernel spec for this interpreter, found before any other by Jupyter."""
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "xarxa test", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))   # no user profile
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    return KERNEL


def _tagged(nb, tag):
    cells = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"one cell tagged {tag!r} in {LAB.name}"
    return cells[0]


def _shown(cell) -> dict:
    """The MIME bundle of the cell's result (its last line's value)."""
    results = [o for o in cell.outputs if o.output_type == "execute_result"]
    assert results, f"the cell {cell.source[:60]!r}… shows no result"
    return results[-1].data


def test_lab_notebook_runs_and_shows_tables_and_pictures(kernel_spec, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(LAB, as_version=4)
    nbclient.NotebookClient(nb, kernel_name=kernel_spec, timeout=300,
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{cell.source[:60]!r}…: {errors[0].ename}: {errors[0].evalue}"
        for o in cell.outputs:   # stderr may carry a text progress bar, never a warning
            if o.output_type == "stream" and o.name == "stderr":
                assert "Warning" not in o.text, o.text
    trace = _shown(_tagged(nb, "trace"))
    assert "text/markdown" in trace or "text/html" in trace
    assert "x1" in trace.get("text/html", trace.get("text/markdown"))
    assert "text/plain" in trace                         # the aligned text table too
    drawing = _shown(_tagged(nb, "draw")) if _tagged(nb, "draw").outputs else {}
    if drawing.get("text/plain", "None") != "None":      # Graphviz was there
        assert drawing["image/svg+xml"].lstrip().startswith(("<?xml", "<svg"))
    for tag in ("hessian", "landscape"):                 # a summary and an embedded figure
        shown = _shown(_tagged(nb, tag))["text/html"]
        assert "<pre" in shown and "data:image/png;base64," in shown
    trained = _tagged(nb, "train")                       # fit's bar: a widget or text
    assert any(o.output_type == "display_data" and "application/vnd.jupyter.widget-view+json"
               in o.data for o in trained.outputs) or any(
        o.output_type == "stream" and "epoch 1/1" in o.text for o in trained.outputs)


# -- the rich display of each result, without a kernel ------------------------------------
def _ex_1_1_tape():
    w = xa.tensor(2.0, requires_grad=True, name="w")
    b = xa.tensor(0.0, requires_grad=True, name="b")
    with xa.inspect.record() as tape:
        loss = xa.abs(xa.tensor(1.0, name="y") - xa.relu(w * xa.tensor(1.0, name="x") + b))
        loss.backward()
    return tape


def test_trace_shows_as_a_table():
    table = xa.inspect.trace(_ex_1_1_tape())
    assert table._repr_markdown_() == table.to_markdown()
    page = table._repr_html_()
    assert page.startswith("<table>") and page.count("<tr>") == len(table) + 1
    assert "<td" in page and ">x1<" in page and ">Mul<" in page


def test_trace_html_escapes_and_keeps_a_matrix_on_lines():
    a = xa.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True, name="a<b>")
    with xa.inspect.record() as tape:
        (a * a).sum().backward()
    page = xa.inspect.trace(tape)._repr_html_()
    assert "a&lt;b&gt;" in page and "<b>" not in page
    assert "[[1, -2],<br> [3,  4]]" in page      # a matrix row per line


def test_draw_without_a_path_is_an_inline_svg(tmp_path):
    if not __import__("shutil").which("dot"):
        pytest.skip("Graphviz's dot is not installed")
    tape = _ex_1_1_tape()
    svg = xa.inspect.draw(tape, rankdir="LR")
    assert isinstance(svg, str) and svg._repr_svg_() == str(svg) and "<svg" in svg
    assert svg._repr_png_() is None
    path = xa.inspect.draw(tape, tmp_path / "g.png")
    assert path == str(tmp_path / "g.png") and path._repr_svg_() is None
    assert path._repr_png_() == (tmp_path / "g.png").read_bytes()[:len(path.data)]
    assert path._repr_png_().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="svg"):
        xa.inspect.draw(tape, format="png")


def test_hessian_and_landscape_show_summary_and_figure():
    theta = xa.tensor([0.0, 0.0], dtype=xa.float64, requires_grad=True)
    H = xa.inspect.hessian(lambda: theta[0] ** 2 - theta[1] ** 2, [theta])
    page = H._repr_html_()
    assert "saddle" in page and "data:image/png;base64," in page
    fig = H.plot()
    ax = fig.axes[0]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert len(ax.get_legend().get_texts()) == 3
    w = xa.tensor([1.0, 1.0], dtype=xa.float64, requires_grad=True)
    path = xa.inspect.trajectory(lambda: (w ** 2).sum(), [w], xa.optim.SGD([w], lr=0.1), 5)
    surface = xa.inspect.landscape(lambda: (w ** 2).sum(), [w], axes=[(w, 0), (w, 1)],
                                   trajectories=[path], resolution=9)
    page = surface._repr_html_()
    assert page.startswith("<pre") and "Landscape(9×9 grid" in page
    assert "data:image/png;base64," in page


def test_progress_bar_is_shown_in_a_notebook_kernel(monkeypatch):
    from xarxa.train import progress

    assert not progress.in_notebook()            # pytest is no Jupyter kernel
    bar = progress.ProgressBar(3, "epoch 1/1", enabled=None)
    assert bar.shown == sys.stderr.isatty()
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    bar = progress.ProgressBar(3, "epoch 1/1", enabled=None)
    assert bar.shown
    bar.update(4, float(F.mse_loss(xa.zeros(2), xa.ones(2)).item()))
    bar.finish({"loss": float(np.float32(1.0))})
