"""experiments/notes_figures.py: the notes' figures regenerate (--quick, seconds), the loss
curves are the notes' formulas, the activations' autograd derivatives are the notes'
derivatives, and the batch table measures what §1.4.3 compares."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "experiments" / "notes_figures.py"


@pytest.fixture(scope="module")
def figures():
    spec = importlib.util.spec_from_file_location("notes_figures", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_loss_curves_are_the_notes_formulas(figures):
    f = np.linspace(-3.0, 4.0, 141)
    e = 1.0 - f                                   # y = 1: the error y − f
    huber = np.where(np.abs(e) < 1.0, 0.5 * e ** 2, np.abs(e) - 0.5)   # §1.3.5, δ = 1
    expected = [np.abs(e), e ** 2, huber, np.maximum(0.0, 1.0 - f), np.log1p(np.exp(-f))]
    for got, want in zip(figures.loss_curves(f).values(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_activation_derivatives_from_autograd_are_the_notes(figures):
    x = np.linspace(-4.0, 4.0, 161)[np.abs(np.linspace(-4.0, 4.0, 161)) > 1e-9]  # not at 0
    curves = figures.activation_curves(x)
    s = 1.0 / (1.0 + np.exp(-x))
    np.testing.assert_allclose(curves["sigmoid"][1], (1.0 - s) * s, rtol=1e-12)  # Fig. 1.5
    np.testing.assert_allclose(curves["tanh"][1], 1.0 - np.tanh(x) ** 2, rtol=1e-12)
    np.testing.assert_array_equal(curves["relu"][1], (x > 0).astype(float))
    np.testing.assert_array_equal(curves["step"][1], np.zeros_like(x))  # Dirac: 0 away from 0
    np.testing.assert_array_equal(curves["step"][0], (x >= 0).astype(float))


def test_quick_run_writes_every_figure_and_the_table(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    for name in ("losses.png", "activations.png", "batch_vs_minibatch.png"):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and imread(tmp_path / name).std() > 0
    rows = json.loads((tmp_path / "batch_vs_minibatch.json").read_text())
    n = rows[0]["samples"]
    assert [r["batch_size"] for r in rows] == [n, 32, 1]
    assert [r["updates_per_epoch"] for r in rows] == [1, -(-n // 32), n]   # §1.4.1–1.4.3
    for r in rows:
        assert r["seconds_per_epoch"] > 0 and r["peak_memory_kib"] > 0
        assert np.isfinite(r["final_loss"]) and 0 <= r["final_accuracy"] <= 1
    # the full batch holds every sample's activations at once: the largest peak
    assert rows[0]["peak_memory_kib"] > rows[2]["peak_memory_kib"]
    # same epochs, same rate: more updates go further (the notes' trade-off)
    assert rows[2]["final_loss"] < rows[0]["final_loss"]
    table = (tmp_path / "batch_vs_minibatch.md").read_text()
    assert "| batch GD | 1 |" in table and table in done.stdout
