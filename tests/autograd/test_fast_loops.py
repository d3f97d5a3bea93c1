"""The two faster NumPy loops of the CNN passes (issue 23): ReLU's max(x, 0) against a
block of zeros (`activation.relu_array`) and batch norm's per-channel sums by a BLAS
matrix–vector product (`norm._channel_sum` for long runs). Both must give what the plain
NumPy calls give: the ReLU bit for bit, the sums to float64 accuracy (they are partial
sums of 256 values in float32, then float64)."""
import numpy as np
import pytest

import importlib

from xarxa.autograd.ops._layout import channel_first

# the modules (the package `ops` exports functions of the same names)
activation = importlib.import_module("xarxa.autograd.ops.activation")
norm = importlib.import_module("xarxa.autograd.ops.norm")

BIG = 2 * activation._ZERO_BLOCK + 1234            # past the fast path's threshold, a tail


def _specials(rng, shape, dtype):
    x = rng.standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    flat[:8] = [-0.0, 0.0, np.nan, -np.nan, np.inf, -np.inf, 1.0, -1.0]
    flat[-3:] = [-0.0, np.nan, -2.0]                # in the tail too
    return x


def _bits(a):
    return np.ascontiguousarray(a).view(np.uint8)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["C", "CHWN", "strided"])
def test_relu_array_is_numpys_maximum_bit_for_bit(dtype, layout):
    rng = np.random.default_rng(0)
    base = _specials(rng, (3, 7, 11, BIG // 77 + 1), dtype)
    x = {"C": base, "CHWN": base.transpose(3, 0, 1, 2),     # dense, axes permuted
         "strided": base[:, :, ::2]}[layout]                # not dense: the plain loop
    want = np.maximum(x, 0)
    got = activation.relu_array(np, x)
    assert got.shape == x.shape and got.strides == want.strides
    assert np.array_equal(_bits(got), _bits(want))          # signed zeros and NaNs too
    inplace = x.copy(order="K")
    assert activation.relu_array(np, inplace, out=inplace) is inplace
    assert np.array_equal(_bits(inplace), _bits(want))


def test_relu_of_a_big_tensor_and_its_gradient():
    import xarxa as xa
    rng = np.random.default_rng(1)
    x = xa.tensor(_specials(rng, (4, 8, 33, 33), np.float32)[..., :32], requires_grad=True)
    y = xa.relu(x)
    assert np.array_equal(y.numpy(), np.maximum(x.numpy(), 0), equal_nan=True)
    y.sum().backward()
    assert np.array_equal(x.grad.numpy(), (x.numpy() > 0).astype(np.float32))


@pytest.mark.parametrize("shape, layout", [((64, 16, 28, 28), "CHWN"),
                                           ((8, 3, 70, 70), "NCHW"),     # B = 4900: a tail
                                           ((128, 5, 8, 8), "CHWN"),     # B = 8192
                                           ((32, 6, 9, 9), "NCHW")])     # short B: pairwise
def test_channel_sum_to_float64_accuracy(shape, layout):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal(shape) * 3 + 40).astype(np.float32)    # a mean far from 0
    if layout == "CHWN":
        x = x.transpose(1, 2, 3, 0).copy().transpose(3, 0, 1, 2)
    x3, _ = channel_first(x)
    exact = x3.astype(np.float64).sum(axis=(1, 2))
    got = norm._channel_sum(np, x3)
    assert got.dtype == np.float64 and got.shape == (shape[1],)
    # float32 partial sums of 256 values: relative error ~ 256·ε at worst, far below the
    # 1e-6 a float32 mean is stored to
    assert np.max(np.abs(got - exact) / np.abs(exact)) < 2e-7


def test_batch_norm_relu_on_a_chwn_batch_matches_torch():
    """The fused op at a network's size and memory order (the fast loops on), against
    torch's BatchNorm2d + ReLU, forward and backward, float32."""
    torch = pytest.importorskip("torch")
    import xarxa as xa
    from xarxa.autograd.ops.norm import batch_norm
    rng = np.random.default_rng(3)
    n, c, h, w = 64, 8, 14, 14
    x = (rng.standard_normal((c, h, w, n)) * 2 + 1).astype(np.float32).transpose(3, 0, 1, 2)
    g = rng.standard_normal((n, c, h, w)).astype(np.float32)
    gamma = (rng.random(c) + 0.5).astype(np.float32)
    beta = rng.standard_normal(c).astype(np.float32)
    xx = xa.tensor(x, requires_grad=True)
    wx, bx = xa.tensor(gamma, requires_grad=True), xa.tensor(beta, requires_grad=True)
    y = batch_norm(xx, None, None, wx, bx, True, activation="relu")
    y.backward(xa.tensor(g))
    xt = torch.tensor(np.ascontiguousarray(x), requires_grad=True)
    wt, bt = torch.tensor(gamma, requires_grad=True), torch.tensor(beta, requires_grad=True)
    yt = torch.relu(torch.nn.functional.batch_norm(xt, None, None, wt, bt, True))
    yt.backward(torch.tensor(g))
    assert np.allclose(y.numpy(), yt.detach().numpy(), atol=2e-5)
    for ours, theirs in ((xx, xt), (wx, wt), (bx, bt)):
        assert np.allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-4, atol=2e-4)
