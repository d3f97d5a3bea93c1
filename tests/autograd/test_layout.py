"""autograd/ops/_layout.py: the memory orders of 4-D image arrays that the CNN ops use. A
logical (N, C, H, W) array may be stored in any of the 24 orders; each helper must keep the
logical values whatever the order, put them in the order it promises, and copy only where
its docstring says it may."""
import itertools

import numpy as np
import pytest

from xarxa.autograd.ops import _layout as L

SHAPE = (2, 3, 4, 5)   # all sizes distinct, so a wrong permutation changes the shape
ORDERS = list(itertools.permutations(range(4)))


def stored(order, shape=SHAPE, seed=0):
    """A logical `shape` array, values all distinct, stored in memory `order`."""
    values = np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape)
    out = np.empty([shape[i] for i in order]).transpose(np.argsort(order))
    out[...] = values
    return out


@pytest.mark.parametrize("order", ORDERS)
def test_layout_of_reads_the_memory_order(order):
    a = stored(order)
    assert a.shape == SHAPE
    assert L.layout_of(a) == order
    assert L.layout_of(np.ascontiguousarray(a)) == (0, 1, 2, 3)
    assert L.layout_of(np.asfortranarray(a)) == (3, 2, 1, 0)


@pytest.mark.parametrize("order", ORDERS)
def test_size_one_axes_keep_the_values(order):
    # A size-1 axis has no place of its own in memory (its stride ties with a neighbour's):
    # whatever order is read, the values come out right.
    shape = (1, 3, 1, 2)
    x = stored(order, shape)
    assert sorted(L.layout_of(x)) == [0, 1, 2, 3]
    np.testing.assert_array_equal(L.to_chwn(np, x, (1, 0, 0, 1)),
                                  np.pad(x, ((0, 0), (0, 0), (1, 0), (0, 1))))
    a3, perm = L.channel_first(x)
    np.testing.assert_array_equal(a3.sum(axis=(1, 2)), x.sum(axis=(0, 2, 3)))
    np.testing.assert_array_equal(L.restore(a3, perm, shape), x)


@pytest.mark.parametrize("order", ORDERS)
def test_inverse_undoes_the_permutation(order):
    a = np.empty(SHAPE)
    assert a.transpose(order).transpose(L.inverse(order)).shape == SHAPE
    assert tuple(np.array(order)[list(L.inverse(order))]) == (0, 1, 2, 3)


@pytest.mark.parametrize("order", ORDERS)
def test_arrays_made_in_a_layout(order):
    for make in (L.empty_in_layout, L.zeros_in_layout):
        a = make(np, SHAPE, order, np.float32)
        assert a.shape == SHAPE and a.dtype == np.float32 and L.layout_of(a) == order
        assert a.base is not None and a.base.flags.c_contiguous   # one block, no gaps
    assert not L.zeros_in_layout(np, SHAPE, order, np.float64).any()


@pytest.mark.parametrize("order", [(0, 1, 2, 3), L.CHWN, (0, 2, 3, 1), (3, 1, 0, 2)])
def test_same_layout_copies_only_when_the_orders_differ(order):
    like = stored(order, seed=1)
    same = stored(order)
    assert L.same_layout(np, same, like) is same
    other = stored((2, 0, 3, 1) if order != (2, 0, 3, 1) else (0, 1, 2, 3))
    out = L.same_layout(np, other, like)
    assert L.layout_of(out) == order and not np.shares_memory(out, other)
    np.testing.assert_array_equal(out, other)


@pytest.mark.parametrize("order", [(0, 1, 2, 3), L.CHWN, (0, 2, 3, 1)])
@pytest.mark.parametrize("padding", [(0, 0, 0, 0), (1, 1, 1, 1), (0, 2, 1, 0)])
def test_to_chwn_pads_and_reorders(order, padding):
    x = stored(order)
    out = L.to_chwn(np, x, padding)
    pt, pb, pl, pr = padding
    np.testing.assert_array_equal(out, np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr))))
    assert L.layout_of(out) == L.CHWN
    if order == L.CHWN and not any(padding):
        assert out is x                                      # nothing to do: no copy
    else:
        assert not np.shares_memory(out, x)


@pytest.mark.parametrize("order", [(0, 1, 2, 3), L.CHWN])
def test_chwn_matrix_and_back(order):
    x = stored(order)
    n, c, h, w = SHAPE
    m = L.chwn_matrix(x)
    # column j of channel k is the pixel (h, w, n) at position j in C order over (H, W, N)
    np.testing.assert_array_equal(m, x.transpose(1, 2, 3, 0).reshape(c, h * w * n))
    assert np.shares_memory(m, x) == (order == L.CHWN)        # a view when stored CHWN
    back = L.from_chwn(m, n, c, h, w)
    np.testing.assert_array_equal(back, x)
    assert np.shares_memory(back, m)


@pytest.mark.parametrize("order", ORDERS)
def test_channel_first_groups_each_channel(order):
    x = stored(order)
    a3, perm = L.channel_first(x)
    assert a3.ndim == 3 and a3.shape[0] == SHAPE[1]
    # per-channel reductions over (A, B) are the reductions over (N, H, W)
    np.testing.assert_array_equal(a3.sum(axis=(1, 2)), x.sum(axis=(0, 2, 3)))
    np.testing.assert_array_equal(np.sort(a3[1].ravel()), np.sort(x[:, 1].ravel()))
    np.testing.assert_array_equal(L.restore(a3, perm, SHAPE), x)
    # an elementwise result written in the (C, A, B) view lands where x's element was
    np.testing.assert_array_equal(L.restore(a3 * 2 + 1, perm, SHAPE), x * 2 + 1)
    # another array of the same logical shape, stored otherwise, lines up element by element
    y = stored((3, 2, 1, 0), seed=2)
    y3 = L.channel_first_like(y, perm, a3.shape)
    np.testing.assert_array_equal(L.restore(a3 * y3, perm, SHAPE), x * y)


@pytest.mark.parametrize("order, shape3", [((0, 1, 2, 3), (3, 2, 20)), (L.CHWN, (3, 1, 40))])
def test_channel_first_of_the_ops_layouts_is_a_view(order, shape3):
    # NCHW gives (C, N, H·W), CHWN gives (C, 1, H·W·N): no copy in either
    x = stored(order)
    a3, _ = L.channel_first(x)
    assert a3.shape == shape3 and np.shares_memory(a3, x)
