"""Every core op, second order: double backward against finite differences of the first
derivative (float64 `gradgradcheck`) and against PyTorch's double backward (float32)."""
import pytest

from xarxa.testing import assert_double_backward_matches_torch, gradgradcheck

from op_table import cases, inputs as _inputs

CASES = cases()


@pytest.mark.parametrize("op, shapes", CASES)
def test_gradgradcheck_float64(op, shapes):
    assert gradgradcheck(op.xarxa, _inputs(op, shapes))


@pytest.mark.parametrize("op, shapes", CASES)
def test_double_backward_matches_torch_float32(op, shapes):
    assert_double_backward_matches_torch(op.xarxa, op.torch, _inputs(op, shapes, seed=1),
                                         rtol=1e-3, atol=1e-4)
