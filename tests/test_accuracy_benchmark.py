"""benchmarks/accuracy.py on a tiny subset: the MLP trains step for step the same in xarxa
and in PyTorch (same initial weights, same batches), so both score the same test accuracy,
and the table has the row with both libraries' times."""
import os

import pytest

torch = pytest.importorskip("torch")

needs_fashion = pytest.mark.skipif(not os.path.exists("/usr/share/datasets/fashion-mnist"),
                                   reason="the Fashion-MNIST IDX files are not installed")


@needs_fashion
def test_the_mlp_trains_the_same_in_both_libraries(load_benchmark, capsys):
    load_benchmark("accuracy").main(["--models", "mlp", "--subset", "512", "--test-subset",
                                     "500", "--epochs", "2", "--no-memory"])
    printed = capsys.readouterr().out
    epochs = [line for line in printed.splitlines() if " mlp epoch " in line]
    assert len(epochs) == 2
    for line in epochs:   # "xarxa 0.1 s loss 1.2345, torch 0.1 s loss 1.2345" in either order
        losses = dict(part.strip().split(" ", 1)[0:1] + [part.split("loss ")[1]]
                      for part in line.split(": ", 1)[1].split(", "))
        assert float(losses["xarxa"]) == pytest.approx(float(losses["torch"]), abs=2e-4)
    row = next(line for line in printed.splitlines() if line.startswith("| MLP"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[2] == cells[3]          # the same test accuracy, to 4 digits
    # seconds per epoch (0.0 on a fast machine: 4 batches, one decimal), their ratio (from
    # the unrounded times), no memory probes
    assert float(cells[6]) >= 0 and float(cells[7]) >= 0 and float(cells[8]) > 0
    assert cells[9:] == ["-", "-", "-"]
