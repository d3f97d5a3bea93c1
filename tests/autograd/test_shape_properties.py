"""The shape algebra against PyTorch, on shapes and sizes Hypothesis draws: broadcasting of
the binary ops (the result's shape, and gradients summed back to each input's shape),
reshape / view / permute / flatten / unsqueeze round trips, and the output sizes of conv2d,
conv_transpose2d, max_pool2d and avg_pool2d for any stride, padding and kernel — where
PyTorch refuses a combination, xarxa refuses it too, with a ValueError. Values and
gradients are compared in float64, so that a wrong index cannot hide in a tolerance."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import xarxa as xa
import xarxa.nn.functional as F


def values(shape, rng, positive=False):
    """Distinct magnitudes in [0.5, 1.5), random signs unless `positive`: away from zero
    (div, pow) and from ties (maximum, max pooling)."""
    n = math.prod(shape)
    out = 0.5 + rng.permutation(n) / max(n, 1)
    if not positive:
        out = out * rng.choice([-1.0, 1.0], n)
    return out.reshape(shape)


def both(fn_x, fn_t, arrays, grad=None):
    """Run `fn` on float64 copies of `arrays` in xarxa and in torch, backward from
    (out * v).sum() for one random v; return ((out, grads) of xarxa, (out, grads) of
    torch) as arrays. `grad` marks which arrays require a gradient (default all)."""
    grad = [True] * len(arrays) if grad is None else grad
    xs = [xa.tensor(a.copy(), requires_grad=g) for a, g in zip(arrays, grad)]
    ts = [torch.tensor(a.copy(), requires_grad=g) for a, g in zip(arrays, grad)]
    out_x, out_t = fn_x(*xs), fn_t(*ts)
    v = np.random.default_rng(1).standard_normal(tuple(out_t.shape))
    if any(grad):
        (out_x * xa.tensor(v)).sum().backward()
        (out_t * torch.tensor(v)).sum().backward()
    grads_x = [x.grad.numpy() if g else None for x, g in zip(xs, grad)]
    grads_t = [t.grad.numpy() if g else None for t, g in zip(ts, grad)]
    return (out_x.numpy(), grads_x), (out_t.detach().numpy(), grads_t)


def assert_same(ours, theirs, shapes):
    """Outputs of the same shape and values; each gradient of its input's shape, equal."""
    (out_x, grads_x), (out_t, grads_t) = ours, theirs
    assert out_x.shape == out_t.shape
    np.testing.assert_allclose(out_x, out_t, rtol=1e-10, atol=1e-12)
    for gx, gt, shape in zip(grads_x, grads_t, shapes):
        if gt is not None:
            assert gx.shape == shape                    # unbroadcast to the input's shape
            np.testing.assert_allclose(gx, gt, rtol=1e-10, atol=1e-12)


def refused_alike(fn_x, fn_t):
    """Run both; True when both refused. xarxa's refusal must be a ValueError where
    torch's is any error, and one library may not refuse what the other accepts."""
    try:
        fn_t()
        torch_refused = False
    except (RuntimeError, ValueError):
        torch_refused = True
    try:
        fn_x()
        ours_refused = False
    except ValueError:
        ours_refused = True
    assert ours_refused == torch_refused, f"torch refused: {torch_refused}, xarxa: {ours_refused}"
    event("refused by both" if torch_refused else "accepted by both")   # see the statistics
    return torch_refused


# -- broadcasting ---------------------------------------------------------------------------

BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "rsub": (lambda a, b: 2.0 - a + b, lambda a, b: 2.0 - a + b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / b, lambda a, b: a / b),
    "pow": (lambda a, b: a.abs() ** b, lambda a, b: a.abs() ** b),
    "maximum": (xa.maximum, torch.maximum),
    "minimum": (xa.minimum, torch.minimum),
    "atan2": (xa.atan2, torch.atan2),
}
pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3)


@given(pair=pairs, op=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2**16))
def test_binary_ops_broadcast_and_unbroadcast(pair, op, seed):
    rng = np.random.default_rng(seed)
    a, b = (values(s, rng) for s in pair.input_shapes)
    fx, ft = BINARY[op]
    ours, theirs = both(fx, ft, [a, b * 1.01])   # * 1.01: no ties between a and b
    assert ours[0].shape == pair.result_shape
    assert_same(ours, theirs, pair.input_shapes)


@given(pair=pairs, seed=st.integers(0, 2**16))
def test_comparisons_broadcast(pair, seed):
    rng = np.random.default_rng(seed)
    a, b = (values(s, rng) for s in pair.input_shapes)
    for fx, ft in ((lambda p, q: p < q, lambda p, q: p < q),
                   (lambda p, q: p == q, lambda p, q: p == q)):
        out = fx(xa.tensor(a), xa.tensor(b))
        np.testing.assert_array_equal(out.numpy(), ft(torch.tensor(a), torch.tensor(b)))
        assert out.shape == pair.result_shape and out.dtype == xa.bool


@given(triple=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3,
                                                 max_side=3),
       seed=st.integers(0, 2**16))
def test_where_broadcasts_three_ways(triple, seed):
    rng = np.random.default_rng(seed)
    condition = rng.random(triple.input_shapes[0]) < 0.5
    x, y = (values(s, rng) for s in triple.input_shapes[1:])
    ours, theirs = both(lambda c, p, q: xa.where(c, p, q), lambda c, p, q: torch.where(c, p, q),
                        [condition, x, y], grad=[False, True, True])
    assert ours[0].shape == triple.result_shape
    assert_same(ours, theirs, triple.input_shapes)


@given(pair=pairs, seed=st.integers(0, 2**16))
def test_in_place_add_unbroadcasts_its_operand(pair, seed):
    rng = np.random.default_rng(seed)
    a = values(pair.result_shape, rng)              # the target keeps its shape
    b = values(pair.input_shapes[1], rng)

    def add_into(lib):
        def fn(p, q):
            out = p * 1.0                               # a non-leaf, written in place
            out += q
            return out
        return fn
    ours, theirs = both(add_into(xa), add_into(torch), [a, b])
    assert_same(ours, theirs, [pair.result_shape, pair.input_shapes[1]])


@given(shapes=st.tuples(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4),
                        hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4)),
       op=st.sampled_from(sorted(set(BINARY) - {"rsub"})))
def test_incompatible_shapes_are_refused_naming_the_op(shapes, op):
    a, b = (np.ones(s) for s in shapes)
    fx, ft = BINARY[op]
    if refused_alike(lambda: fx(xa.tensor(a), xa.tensor(b)),
                     lambda: ft(torch.tensor(a), torch.tensor(b))):
        try:
            fx(xa.tensor(a), xa.tensor(b))
        except ValueError as e:
            assert str(e).startswith(f"{op}:") and str(xa.Size(shapes[0])) in str(e)


# -- reshape, view, permute -----------------------------------------------------------------

def prime_factors(n):
    out, p = [], 2
    while n > 1:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out


@st.composite
def reshapes(draw):
    """(shape, another shape of as many elements, possibly with one -1 in it)."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4))
    factors = draw(st.permutations(prime_factors(math.prod(shape))))
    cuts = sorted(draw(st.lists(st.integers(0, len(factors)), max_size=3)))
    bounds = [0, *cuts, len(factors)]
    target = [math.prod(factors[i:j]) for i, j in zip(bounds, bounds[1:])]
    for _ in range(draw(st.integers(0, 2))):           # size-1 dimensions anywhere
        target.insert(draw(st.integers(0, len(target))), 1)
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return shape, tuple(target)


@given(case=reshapes(), seed=st.integers(0, 2**16))
def test_reshape_and_view_round_trip(case, seed):
    shape, target = case
    x = values(shape, np.random.default_rng(seed))
    for name in ("reshape", "view"):
        ours, theirs = both(lambda t: getattr(t, name)(*target),
                            lambda t: getattr(t, name)(*target), [x])
        assert_same(ours, theirs, [shape])
        back = getattr(getattr(xa.tensor(x), name)(*target), name)(*shape)
        assert back.shape == shape
        np.testing.assert_array_equal(back.numpy(), x)


@given(case=reshapes(), data=st.data())
def test_permute_round_trips_and_reshapes_like_torch(case, data):
    shape, target = case
    x = values(shape, np.random.default_rng(0))
    ndim = len(shape)
    perm = data.draw(st.permutations(range(ndim)))
    # PyTorch also takes negative dimensions
    dims = tuple(d - ndim if data.draw(st.booleans()) else d for d in perm)
    inverse = tuple(int(i) for i in np.argsort(perm))
    ours, theirs = both(lambda t: t.permute(dims), lambda t: t.permute(dims), [x])
    assert_same(ours, theirs, [shape])
    back = xa.tensor(x).permute(dims).permute(inverse)
    assert back.shape == shape
    np.testing.assert_array_equal(back.numpy(), x)
    # a reshape of the permuted (no longer contiguous) tensor takes its logical order
    ours, theirs = both(lambda t: t.permute(dims).reshape(target),
                        lambda t: t.permute(dims).reshape(target), [x])
    assert_same(ours, theirs, [shape])


@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=3), data=st.data())
def test_flatten_unsqueeze_squeeze_transpose(shape, data):
    x = values(shape, np.random.default_rng(0))
    ndim = len(shape)
    start = data.draw(st.integers(-ndim, ndim - 1))
    end = data.draw(st.integers(start % ndim, ndim - 1))
    dim = data.draw(st.integers(-ndim - 1, ndim))
    d0, d1 = data.draw(st.integers(-ndim, ndim - 1)), data.draw(st.integers(-ndim, ndim - 1))
    for fn in (lambda t: t.flatten(start, end),
               lambda t: t.unsqueeze(dim),
               lambda t: t.unsqueeze(dim).squeeze(dim),
               lambda t: t.squeeze(),
               lambda t: t.transpose(d0, d1)):
        assert_same(*both(fn, fn, [x]), [shape])
    np.testing.assert_array_equal(xa.tensor(x).transpose(d0, d1).transpose(d0, d1).numpy(), x)


# -- convolution and pooling output sizes ---------------------------------------------------

sizes = st.integers(1, 7)
pairs_of = lambda low, high: st.tuples(st.integers(low, high), st.integers(low, high))  # noqa: E731


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # torch's copy
@settings(max_examples=40)
@given(n=st.integers(1, 2), c=st.integers(1, 3), k=st.integers(1, 3), h=sizes, w=sizes,
       kernel=pairs_of(1, 5), stride=pairs_of(1, 3),
       padding=st.one_of(pairs_of(0, 2), st.sampled_from(["valid", "same"])),
       bias=st.booleans())
def test_conv2d_sizes(n, c, k, h, w, kernel, stride, padding, bias):
    if padding == "same":
        stride = (1, 1)                                 # PyTorch's 'same' takes stride 1 only
    rng = np.random.default_rng(0)
    arrays = [values((n, c, h, w), rng), values((k, c, *kernel), rng)]
    arrays += [values((k,), rng)] if bias else []

    def call(lib):
        fn = F.conv2d if lib is xa else TF.conv2d
        return lambda *ts: fn(*ts, stride=stride, padding=padding)
    shapes = [a.shape for a in arrays]
    if refused_alike(lambda: call(xa)(*map(xa.tensor, arrays)),
                     lambda: call(torch)(*map(torch.tensor, arrays))):
        return
    ours, theirs = both(call(xa), call(torch), arrays)
    if padding != "same":
        ph, pw = (0, 0) if padding == "valid" else padding
        assert ours[0].shape == (n, k, (h + 2 * ph - kernel[0]) // stride[0] + 1,
                                 (w + 2 * pw - kernel[1]) // stride[1] + 1)
    assert_same(ours, theirs, shapes)


@settings(max_examples=40)
@given(n=st.integers(1, 2), c=st.integers(1, 3), k=st.integers(1, 3), h=sizes, w=sizes,
       kernel=pairs_of(1, 4), stride=pairs_of(1, 3), padding=pairs_of(0, 2),
       output_padding=pairs_of(0, 2), bias=st.booleans())
def test_conv_transpose2d_sizes(n, c, k, h, w, kernel, stride, padding, output_padding, bias):
    rng = np.random.default_rng(0)
    arrays = [values((n, c, h, w), rng), values((c, k, *kernel), rng)]
    arrays += [values((k,), rng)] if bias else []

    def call(lib):
        fn = F.conv_transpose2d if lib is xa else TF.conv_transpose2d
        return lambda *ts: fn(*ts, stride=stride, padding=padding,
                              output_padding=output_padding)
    if refused_alike(lambda: call(xa)(*map(xa.tensor, arrays)),
                     lambda: call(torch)(*map(torch.tensor, arrays))):
        return
    ours, theirs = both(call(xa), call(torch), arrays)
    assert ours[0].shape == (n, k, *((size - 1) * s - 2 * p + f + o for size, s, p, f, o in
                                     zip((h, w), stride, padding, kernel, output_padding)))
    assert_same(ours, theirs, [a.shape for a in arrays])


@settings(max_examples=60)
@given(pool=st.sampled_from(["max_pool2d", "avg_pool2d"]), n=st.integers(1, 2),
       c=st.integers(1, 2), h=sizes, w=sizes, kernel=pairs_of(1, 5),
       stride=st.one_of(st.none(), pairs_of(1, 3)), padding=pairs_of(0, 2))
def test_pool_sizes(pool, n, c, h, w, kernel, stride, padding):
    x = values((n, c, h, w), np.random.default_rng(0))
    fx, ft = getattr(F, pool), getattr(TF, pool)
    if refused_alike(lambda: fx(xa.tensor(x), kernel, stride, padding),
                     lambda: ft(torch.tensor(x), kernel, stride, padding)):
        return
    ours, theirs = both(lambda t: fx(t, kernel, stride, padding),
                        lambda t: ft(t, kernel, stride, padding), [x])
    s = kernel if stride is None else stride
    assert ours[0].shape == (n, c, *((size + 2 * p - f) // st_ + 1 for size, p, f, st_ in
                                     zip((h, w), padding, kernel, s)))
    assert_same(ours, theirs, [x.shape])
