"""The convolution's algorithm paths (issue 9's speed and memory work, issue 23's per-shape
choice) against PyTorch and against each other. `forward_path` and `grad_path` choose, from
the shapes and options alone: forward by Winograd, by shifted tap products (stride 1, K < C)
or by the input's windows (im2col); dx and dW by Winograd, from the gradient's windows
(stride 1, K ≤ C, or K ≤ 2C with dx) or by the input's windows and col2im. One table routes
a case to every path; each case is checked to reach it, and to match PyTorch and the im2col
path on the same inputs (float32 and float64, input stored NCHW or CHWN). Also: the choice
is deterministic, what a Conv2d node keeps for backward, and the (switched-off) Winograd
F(2×2, 3×3) rule."""
import threading

import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa.autograd.ops import _conv_kernels as kernels
from xarxa.autograd.ops import conv as conv_ops
from xarxa.autograd.ops import winograd as winograd_ops


def _conv_both(n, c, k, size, kernel, stride, padding, chwn_input=False, dtype="float64",
               input_grad=True, dilation=1, groups=1):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, size, size)).astype(dtype)
    w = rng.standard_normal((k, c // groups, *kernel)).astype(dtype)
    b = rng.standard_normal(k).astype(dtype)
    g = None
    xx = xa.tensor(x, requires_grad=input_grad)
    xw, xb = xa.tensor(w, requires_grad=True), xa.tensor(b, requires_grad=True)
    inp = xa.conv2d(xx, xa.tensor(np.eye(c, dtype=dtype).reshape(c, c, 1, 1))) \
        if chwn_input else xx          # a 1×1 identity conv: the input stored CHWN
    y = xa.conv2d(inp, xw, xb, stride=stride, padding=padding, dilation=dilation,
                  groups=groups)
    g = rng.standard_normal(y.shape).astype(dtype)
    (y * xa.tensor(g)).sum().backward()
    tx = torch.tensor(x, requires_grad=input_grad)
    tw, tb = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
    tpad = padding
    if padding == "same" and kernel[0] % 2 == 0:   # torch pads the odd pixel after, too
        tpad = 0
        tin = torch.nn.functional.pad(tx, (0, kernel[1] - 1, 0, kernel[0] - 1))
    else:
        tin = tx
    ty = torch.nn.functional.conv2d(tin, tw, tb, stride=stride, padding=tpad,
                                    dilation=dilation, groups=groups)
    (ty * torch.tensor(g)).sum().backward()
    return (y, xx, xw, xb), (ty, tx, tw, tb)


def _grads(ours):
    y, x, w, b = ours
    return [y.numpy()] + [None if t.grad is None else t.grad.numpy() for t in (x, w, b)]


# -- the routing table: (forward path, gradient path) for each case ---------------------------

def _case(fwd, grad, c, k, kernel=(3, 3), stride=1, padding=1, n=3, size=7, dilation=1,
          groups=1, input_grad=True, winograd=False, why=""):
    conv = dict(n=n, c=c, k=k, size=size, kernel=kernel, stride=stride, padding=padding,
                dilation=dilation, groups=groups, input_grad=input_grad)
    return pytest.param(fwd, grad, conv, winograd, id=f"{fwd}-{grad}-{why}")


ROUTES = [
    _case("shifted_taps", "gradient_windows", 6, 3, why="K<C"),
    _case("im2col", "gradient_windows", 6, 6, padding=0, why="K=C"),
    _case("im2col", "gradient_windows", 4, 7, why="C<K<=2C-with-dx"),
    _case("shifted_taps", "gradient_windows", 6, 3, (3, 2), padding=(1, 0), why="3x2-kernel"),
    _case("shifted_taps", "gradient_windows", 5, 2, (2, 2), padding="same",
          why="asymmetric-same"),
    _case("im2col", "gradient_windows", 4, 4, (1, 1), padding=0, why="1x1-column-view"),
    _case("im2col", "gradient_windows", 3, 1, (1, 1), padding=0, why="1x1-K<C"),
    _case("im2col", "im2col", 3, 7, why="K>2C"),
    _case("im2col", "im2col", 6, 3, stride=2, why="stride-2"),
    _case("im2col", "im2col", 3, 2, stride=3, padding=2, n=1, size=9,
          why="stride-3-batch-1"),
    _case("shifted_taps", "gradient_windows", 5, 3, (5, 5), padding=4,
          why="padding=kernel-1"),
    _case("shifted_taps", "im2col", 5, 3, padding=3, why="padding>=kernel"),
    _case("shifted_taps", "gradient_windows", 3, 1, n=1, size=5, why="batch-1-C3-odd"),
    _case("im2col", "gradient_windows", 1, 2, padding=2, n=1, size=9, why="C1-K=2C"),
    _case("im2col", "im2col", 3, 2, padding=2, dilation=2, n=2, size=9, why="dilated"),
    _case("im2col", "im2col", 3, 3, n=1, groups=3, why="depthwise"),
    _case("im2col", "im2col", 4, 7, n=2, size=6, input_grad=False, why="C<K-no-dx"),
    _case("shifted_taps", "gradient_windows", 6, 3, n=2, size=6, input_grad=False,
          why="K<C-no-dx"),
    _case("im2col", "im2col", 1, 4, n=2, size=6, input_grad=False, why="C1-no-dx"),
    # Winograd, switched on (and its channel floor lowered) for these cases only
    _case("winograd", "winograd", 1, 1, padding=0, n=1, size=5, winograd=True,
          why="batch-1-C1-odd"),
    _case("winograd", "winograd", 3, 4, n=1, size=7, winograd=True, why="batch-1-C3-odd"),
    _case("winograd", "winograd", 3, 1, n=2, size=6, winograd=True, why="even-K<C"),
    _case("winograd", "winograd", 1, 3, padding=0, size=9, winograd=True, why="C1-odd"),
    _case("winograd", "winograd", 5, 6, n=2, size=8, winograd=True, why="even-K>C"),
    _case("winograd", "winograd", 3, 3, padding=0, n=2, size=3, winograd=True,
          why="one-pixel"),
    _case("winograd", "winograd", 4, 4, padding=0, n=2, size=4, winograd=True,
          why="one-tile"),
    _case("winograd", "winograd", 3, 2, n=2, input_grad=False, winograd=True, why="no-dx"),
    _case("winograd", "winograd", 1, 4, n=2, input_grad=False, winograd=True,
          why="C1-no-dx"),
]


def _switch_winograd(monkeypatch, on):
    monkeypatch.setattr(winograd_ops, "ENABLED", on)
    if on:
        monkeypatch.setattr(winograd_ops, "MIN_CHANNELS", 1)   # route channels 1 and 3 too


def _chooser_args(conv):
    """(x_shape, w_shape, stride, padding, dilation, groups) as the kernels see them."""
    op = "test"
    stride = conv_ops.check_stride(conv["stride"], op)
    dilation = conv_ops.check_dilation(conv["dilation"], op)
    kh, kw = conv["kernel"]
    extent = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
    size = (conv["size"], conv["size"])
    padding = conv_ops.conv_padding(conv["padding"], size, extent, stride, op)
    return ((conv["n"], conv["c"], *size), (conv["k"], conv["c"] // conv["groups"], kh, kw),
            stride, padding, dilation, conv["groups"])


def test_the_table_routes_a_case_to_every_path():
    fwd = {p.values[0] for p in ROUTES}
    grad = {p.values[1] for p in ROUTES}
    assert fwd == set(kernels.FORWARD_PATHS) and grad == set(kernels.GRAD_PATHS)


# the kernel each path calls, and only it: so the op is seen to take the path it was given
FORWARD_MARKS = {"winograd": "winograd.conv", "shifted_taps": "_add_shifted_taps",
                 "im2col": "_columns"}
GRAD_MARKS = {"winograd": "winograd.weight_grad", "gradient_windows": "_gradient_windows",
              "im2col": "_columns"}


@pytest.mark.parametrize("fwd, grad, conv, winograd", ROUTES)
def test_each_case_takes_its_path(monkeypatch, fwd, grad, conv, winograd):
    _switch_winograd(monkeypatch, winograd)
    args = _chooser_args(conv)
    need = (conv["input_grad"], True)
    # the exported choosers, read as the docs say
    assert conv_ops.forward_path(*args) == fwd
    assert conv_ops.grad_path(*args, need) == grad
    log = []
    for module, name, mark in [(kernels, "_columns", "_columns"),
                               (kernels, "_add_shifted_taps", "_add_shifted_taps"),
                               (kernels, "_gradient_windows", "_gradient_windows"),
                               (winograd_ops, "conv", "winograd.conv"),
                               (winograd_ops, "weight_grad", "winograd.weight_grad")]:
        def spy(*a, _real=getattr(module, name), _mark=mark, **kw):
            log.append(_mark)
            return _real(*a, **kw)
        monkeypatch.setattr(module, name, spy)
    rng = np.random.default_rng(0)
    x = xa.tensor(rng.standard_normal(args[0]), requires_grad=conv["input_grad"])
    w = xa.tensor(rng.standard_normal(args[1]), requires_grad=True)
    y = xa.conv2d(x, w, stride=conv["stride"], padding=conv["padding"],
                  dilation=conv["dilation"], groups=conv["groups"])
    assert {m for m in log if m in FORWARD_MARKS.values()} == {FORWARD_MARKS[fwd]}
    log.clear()
    y.sum().backward()
    assert {m for m in log if m in GRAD_MARKS.values()} == {GRAD_MARKS[grad]}


def _force_im2col(monkeypatch):
    """Route every conv to the im2col paths, whatever its shape: always correct, the
    reference the other paths are held to."""
    monkeypatch.setattr(kernels, "forward_path", lambda *args: "im2col")
    monkeypatch.setattr(kernels, "grad_path", lambda *args: "im2col")


@pytest.mark.parametrize("dtype, rtol, atol", [("float64", 1e-10, 1e-10), ("float32", 1e-4, 1e-5)])
@pytest.mark.parametrize("chwn_input", [False, True])
@pytest.mark.parametrize("blocks", ["whole", "row-by-row"])
@pytest.mark.parametrize("fwd, grad, conv, winograd", ROUTES)
def test_every_path_matches_torch_and_im2col(monkeypatch, fwd, grad, conv, winograd,
                                             blocks, chwn_input, dtype, rtol, atol):
    """Each path against PyTorch and against im2col; window matrices made whole (these
    sizes fit one block) and one output row per block (every block boundary exercised)."""
    _switch_winograd(monkeypatch, winograd)
    if blocks == "row-by-row":
        monkeypatch.setattr(kernels, "BLOCK_BYTES", 1)
    c = dict(conv, chwn_input=chwn_input, dtype=dtype)
    ours, theirs = _conv_both(**c)
    got = _grads(ours)
    want = [theirs[0].detach().numpy()] + [None if t.grad is None else t.grad.numpy()
                                           for t in theirs[1:]]
    assert (got[1] is None) == (want[1] is None) == (not conv["input_grad"])
    scale = max(1.0, float(np.abs(want[0]).max()))
    for a, b in zip(got, want):
        if b is not None:
            assert a.dtype == np.dtype(dtype)
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol * scale)
    _force_im2col(monkeypatch)                                 # the same inputs, im2col
    for a, b in zip(got, _grads(_conv_both(**c)[0])):
        if b is not None:
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol * scale)


def test_the_path_choice_is_deterministic(monkeypatch):
    """Pure functions of the arguments: the same path on every call and in another thread
    (no state, no timing), and the same for equal arguments given as lists."""
    for on in (False, True):
        _switch_winograd(monkeypatch, on)
        calls = []
        for p in ROUTES:
            args = _chooser_args(p.values[2])
            for need in ((True, True), (False, True), (True, False)):
                calls.append((args, need))

        def choose():
            return [(kernels.forward_path(*a), kernels.grad_path(*a, need)) for a, need in calls]

        first = choose()
        assert all(choose() == first for _ in range(3))
        in_thread = []
        t = threading.Thread(target=lambda: in_thread.append(choose()))
        t.start()
        t.join()
        assert in_thread == [first]
        as_lists = [(kernels.forward_path(x, list(w), list(s), list(p), list(d), g),
                     kernels.grad_path(x, list(w), list(s), list(p), list(d), g, list(need)))
                    for (x, w, s, p, d, g), need in calls]
        assert as_lists == first


@pytest.mark.parametrize("ho, row_bytes, block_bytes", [
    (28, 144 * 28 * 64 * 4, 1 << 22),    # ResNet-8's 16-channel layer: 4 rows a block
    (7, 576 * 7 * 64 * 4, 1 << 22),      # 64 channels at 7×7: 3 rows, then 3, then 1
    (5, 10 ** 9, 1 << 22),               # one row larger than a block: a row each
    (3, 8, 1 << 22),                     # all of it fits: one block
    (9, 4, 1),                           # the row-by-row setting of the test above
])
def test_blocks_cover_every_output_row_once(monkeypatch, ho, row_bytes, block_bytes):
    """`row_blocks` splits 0..Ho into consecutive blocks, the same for the same shapes, each
    of at most BLOCK_BYTES of window columns unless a single row is larger."""
    monkeypatch.setattr(kernels, "BLOCK_BYTES", block_bytes)
    blocks = kernels.row_blocks(ho, row_bytes)
    assert blocks == kernels.row_blocks(ho, row_bytes)
    assert blocks[0][0] == 0 and blocks[-1][1] == ho
    assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:]))
    for i0, i1 in blocks:
        assert i1 > i0 and ((i1 - i0) * row_bytes <= block_bytes or i1 - i0 == 1)


def test_column_blocks_are_the_window_matrix(monkeypatch):
    """The blocks, side by side, are im2col's whole (C·FH·FW, Ho·Wo·N) matrix, strided and
    dilated, when a block holds one row and when it holds them all."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 2, 9, 8))                 # (N, C, Hp, Wp), padded already
    fh, fw, sh, sw, dh, dw = 3, 2, 2, 1, 2, 3
    ho, wo = (9 - dh * (fh - 1) - 1) // sh + 1, (8 - dw * (fw - 1) - 1) // sw + 1
    want = np.empty((2, fh, fw, ho, wo, 3))
    for p in range(fh):
        for q in range(fw):
            win = x[:, :, p * dh::sh, q * dw::sw][:, :, :ho, :wo]     # (N, C, Ho, Wo)
            want[:, p, q] = win.transpose(1, 2, 3, 0)
    chwn = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    for block_bytes in (1, 1 << 30):
        monkeypatch.setattr(kernels, "BLOCK_BYTES", block_bytes)
        got = np.concatenate([cols.copy() for _, _, cols in kernels.column_blocks(
            np, chwn, fh, fw, sh, sw, ho, wo, (dh, dw))], axis=1)
        np.testing.assert_array_equal(got, want.reshape(2 * fh * fw, -1))


def test_conv2d_keeps_its_input_not_the_windows():
    x = xa.randn(4, 8, 16, 16, requires_grad=True)
    w = xa.randn(8, 8, 3, 3, requires_grad=True)
    y = xa.conv2d(x, w, padding=1)
    saved = sum(a.nbytes for a in y.grad_fn.saved if hasattr(a, "nbytes"))
    # the 3×3 windows would be 9× the input; the input and the weight are what is kept
    assert saved == x.numpy().nbytes + w.numpy().nbytes


# -- Winograd F(2×2, 3×3) (issue 23): measured slower than the im2col paths on this 2-core
# CPU (benchmarks/RESULTS.md), so autograd/ops/winograd.py's ENABLED is off; the table's
# Winograd cases switch it on and hold the path to PyTorch and to the im2col paths, so that
# it stays correct for a later rule.

def test_winograd_rule_is_a_deterministic_per_shape_choice(monkeypatch):
    rule = winograd_ops.applies
    assert not winograd_ops.ENABLED                           # off: measured slower here
    assert not rule((8, 8, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1)
    assert conv_ops.forward_path((2, 8, 6, 6), (8, 8, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1),
                                 1) == "im2col"
    monkeypatch.setattr(winograd_ops, "ENABLED", True)
    assert rule((8, 8, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1)
    assert conv_ops.forward_path((2, 8, 6, 6), (8, 8, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1),
                                 1) == "winograd"
    assert not rule((16, 1, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1)  # a stem: below the floor
    assert not rule((4, 16, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1)
    assert rule((8, 8, 3, 3), (1, 1), (0, 0, 0, 0), (1, 1), 1)
    assert rule((8, 8, 3, 3), (1, 1), (0, 1, 0, 1), (1, 1), 1)     # 'same'-style asymmetric
    for args in [((8, 8, 5, 5), (1, 1), (1, 1, 1, 1), (1, 1), 1),   # not 3×3
                 ((8, 8, 3, 3), (2, 2), (1, 1, 1, 1), (1, 1), 1),   # strided
                 ((8, 8, 3, 3), (1, 1), (2, 2, 2, 2), (1, 1), 1),   # padding 2
                 ((8, 8, 3, 3), (1, 1), (1, 1, 1, 1), (2, 2), 1),   # dilated
                 ((8, 4, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 2)]:  # grouped
        assert not rule(*args)


# -- ConvTranspose2d's own kernels (scatter forward, the gradient's windows backward) in
# blocks: whole and one row per block, against PyTorch
TRANSPOSED = {
    "2x2-stride-2-tiles": dict(c=3, k=2, kernel=2, stride=2, padding=0, output_padding=0),
    "3x3-stride-2-overlap": dict(c=2, k=3, kernel=3, stride=2, padding=1, output_padding=1),
    "3x3-stride-1-groups-2": dict(c=4, k=2, kernel=3, stride=1, padding=1, output_padding=0,
                                  groups=2),
    "3x3-dilation-2": dict(c=1, k=3, kernel=3, stride=1, padding=0, output_padding=0,
                           dilation=2),
}


@pytest.mark.parametrize("dtype, rtol, atol", [("float64", 1e-10, 1e-10), ("float32", 1e-4, 1e-5)])
@pytest.mark.parametrize("blocks", ["whole", "row-by-row"])
@pytest.mark.parametrize("case", sorted(TRANSPOSED))
def test_conv_transpose_blocks_match_torch(monkeypatch, case, blocks, dtype, rtol, atol):
    if blocks == "row-by-row":
        monkeypatch.setattr(kernels, "BLOCK_BYTES", 1)
    p = dict(TRANSPOSED[case])
    c, k, f, groups = p.pop("c"), p.pop("k"), p.pop("kernel"), p.get("groups", 1)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, c, 5, 4)).astype(dtype)
    w = rng.standard_normal((c, k, f, f)).astype(dtype)
    b = rng.standard_normal(k * groups).astype(dtype)
    ours = [xa.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = xa.conv_transpose2d(*ours, **p)
    yt = torch.nn.functional.conv_transpose2d(*theirs, **p)
    g = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    y.backward(xa.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=rtol, atol=atol)
    for a, t in zip(ours, theirs):
        assert a.grad.numpy().dtype == np.dtype(dtype)
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol * 10)
