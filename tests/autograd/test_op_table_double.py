"""Every core op, second order: double backward against finite differences of the first
derivative (float64 `gradgradcheck`) and against PyTorch's double backward (float32)."""
import numpy as np
import pytest

from xarxa.testing import assert_double_backward_matches_torch, gradgradcheck

from op_table import OPS, sample

CASES = [pytest.param(op, shapes, id=f"{op.name}-{'x'.join(map(str, shapes))}")
         for op in OPS for shapes in op.shapes]


def _inputs(op, shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [sample(s, op.domain, rng) for s in shapes]


@pytest.mark.parametrize("op, shapes", CASES)
def test_gradgradcheck_float64(op, shapes):
    assert gradgradcheck(op.xarxa, _inputs(op, shapes))


@pytest.mark.parametrize("op, shapes", CASES)
def test_double_backward_matches_torch_float32(op, shapes):
    assert_double_backward_matches_torch(op.xarxa, op.torch, _inputs(op, shapes, seed=1),
                                         rtol=1e-3, atol=1e-4)
