"""benchmarks/second_order.py --quick: xarxa's Hessian-vector product of an MLP's loss equals
PyTorch's double backward on the same weights and batch (the script asserts it before timing),
and the report line has both times and the ratio. No time is asserted."""
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "second_order.py"


def test_quick_run_agrees_with_torch_and_reports_a_ratio():
    out = subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    line = out.stdout.strip().splitlines()[-1]
    assert line.startswith("H·v mlp") and "ratio" in line and "max |Δ|/max|Hv|" in line
    error = float(line.rsplit(" ", 1)[-1])
    assert error < 1e-3
