"""Second order through the indexing ops beyond the op table: their in-place forms inside a
graph (masked_fill_, scatter_ rebase the tensor) and a float32 graph that stays float32."""
import numpy as np
import torch

import xarxa as xa
from xarxa.autograd import tensor_xp
from xarxa.testing import assert_double_backward_matches_torch, gradgradcheck

MASK = np.array([[True, False, True], [False, True, False]])
INDEX = np.array([[1, 0, 1]])


def _inplace(lib):
    tensor = xa.tensor if lib is xa else torch.tensor

    def fn(a):
        y = a * a
        y.masked_fill_(tensor(MASK), 0.5)
        y.scatter_(0, tensor(INDEX), a[:1] * 3)
        return y * a
    return fn


def test_masked_fill_and_scatter_in_place_at_second_order():
    a = np.random.default_rng(0).standard_normal((2, 3))
    assert gradgradcheck(_inplace(xa), [a])
    assert_double_backward_matches_torch(_inplace(xa), _inplace(torch), [a])


def test_indexing_second_order_keeps_float32():
    x = xa.tensor(np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32),
                  requires_grad=True)
    picked = x[xa.tensor([0, 2, 2])]
    gathered = xa.gather(x, 0, xa.tensor([[3, 1, 1]]))
    selected = x.index_select(1, xa.tensor([2]))
    y = (picked ** 2).sum() + (gathered ** 2).sum() + (selected ** 3).sum()
    (g,) = xa.autograd.grad([y], [x], create_graph=True)
    (h,) = xa.autograd.grad([g.sum()], [x])
    assert g.dtype == np.float32 and h.dtype == np.float32


def test_tensor_xp_take_is_numpy_take():
    a = np.arange(60.0).reshape(3, 4, 5)
    for index, axis in [(1, 0), (2, -1), (np.array([[0, 2], [1, 1]]), 1),
                        (np.array([3, 0]), None), (7, None)]:
        np.testing.assert_array_equal(tensor_xp.take(xa.tensor(a), index, axis=axis).numpy(),
                                      np.take(a, index, axis=axis))
