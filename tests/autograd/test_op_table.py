"""Every core op: float64 finite-difference gradcheck and float32 parity with PyTorch."""
import inspect

import numpy as np
import pytest

import xarxa.autograd.ops as ops
from xarxa.testing import assert_matches_torch, gradcheck

from op_table import ALIASES, NOT_DIFFERENTIABLE, OPS, cases, inputs as _inputs

CASES = cases()


@pytest.mark.parametrize("op, shapes", CASES)
def test_gradcheck_float64(op, shapes):
    assert gradcheck(op.xarxa, _inputs(op, shapes))


@pytest.mark.parametrize("op, shapes", CASES)
def test_matches_torch_float32(op, shapes):
    assert_matches_torch(op.xarxa, op.torch, _inputs(op, shapes, seed=1))


@pytest.mark.parametrize("op, shapes", CASES)
def test_float32_in_float32_out(op, shapes):
    import xarxa as xa
    xs = [xa.tensor(a.astype(np.float32)) for a in _inputs(op, shapes)]
    out = op.xarxa(*xs)
    if op.name != "cast":
        assert out.dtype == np.float32, f"{op.name} returned {out.dtype} for float32 inputs"


def test_every_public_op_is_in_the_table():
    public = {name for name, fn in vars(ops).items()
              if inspect.isfunction(fn) and not name.startswith("_")}
    covered = {op.name for op in OPS}

    def is_covered(name):
        name = ALIASES.get(name, name)
        return name in covered or any(c.startswith(name + "_") for c in covered)

    missing = sorted(n for n in public - NOT_DIFFERENTIABLE if not is_covered(n))
    assert not missing, f"public ops missing from tests/op_table.py: {missing}"
