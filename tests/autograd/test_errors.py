"""Bad input raises clear errors that name the op and the expected vs actual values."""
import numpy as np
import pytest

import xarxa as xa
import xarxa.nn.functional as F


def test_matmul_shape_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"matmul.*\[2, 3\].*\[4, 5\]"):
        xa.randn(2, 3) @ xa.randn(4, 5)


def test_matmul_batch_mismatch():
    with pytest.raises(ValueError, match="matmul: batch dimensions"):
        xa.randn(2, 2, 3) @ xa.randn(3, 3, 4)


def test_broadcast_mismatch_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"add: shapes torch.Size\(\[2, 3\]\) and "
                                         r"torch.Size\(\[4\]\)"):
        xa.ones(2, 3) + xa.ones(4)
    with pytest.raises(ValueError, match=r"mul: shapes"):
        xa.ones(2, 3) * xa.ones(2)


def test_backward_on_non_scalar_requires_gradient():
    x = xa.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"non-scalar output of shape torch.Size\(\[3\]\)"):
        (x * 2).backward()


def test_backward_gradient_shape_checked():
    x = xa.ones(3, requires_grad=True)
    with pytest.raises(ValueError, match=r"gradient of shape \(2,\).*torch.Size\(\[3\]\)"):
        (x * 2).backward(xa.ones(2))


def test_second_backward_through_freed_graph():
    x = xa.ones(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="freed"):
        y.backward()


def test_backward_without_graph():
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        xa.ones(3).sum().backward()


def test_requires_grad_on_integer_tensor():
    with pytest.raises(TypeError, match="only floating-point.*int64"):
        xa.tensor([1, 2], requires_grad=True)


def test_unknown_dtype():
    with pytest.raises(TypeError, match="unknown or unsupported dtype 'complex64'"):
        xa.zeros(2, dtype="complex64")
    with pytest.raises(TypeError, match="unsupported dtype"):
        xa.tensor(np.array(["a", "b"]))


def test_reshape_and_dim_errors():
    with pytest.raises(ValueError, match=r"reshape: cannot reshape .*\[2, 3\].*\(4, -1\)"):
        xa.ones(2, 3).reshape(4, -1)
    with pytest.raises(IndexError, match="sum: dim 2 is out of range"):
        xa.ones(2, 3).sum(dim=2)
    with pytest.raises(ValueError, match="cat: shapes"):
        xa.cat([xa.ones(2, 3), xa.ones(3, 3)], dim=1)
    with pytest.raises(ValueError, match=r"permute: dims \(0, 0\) are not a permutation of the 2 "
                                         r"dimensions"):
        xa.ones(2, 3).permute(0, 0)


def test_item_and_softmax_errors():
    with pytest.raises(ValueError, match=r"item: only one-element.*torch.Size\(\[2\]\)"):
        xa.ones(2).item()
    with pytest.raises(ValueError, match="temperature must be positive"):
        xa.softmax(xa.ones(2), dim=0, temperature=0)
    with pytest.raises(TypeError, match="mean: expected a floating tensor"):
        xa.arange(3).mean()


def test_linear_dtype_mismatch_is_an_error_not_an_upcast():
    with pytest.raises(TypeError, match="linear: input dtype float64 does not match the "
                                        "weight dtype float32"):
        F.linear(xa.zeros(2, 3, dtype=xa.float64), xa.zeros(4, 3))
