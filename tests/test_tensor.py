"""Tensor creation, dtypes, conversion, repr and randomness."""
import numpy as np

import xarxa as xa


def test_dtype_rules_follow_pytorch():
    assert xa.tensor(1.5).dtype == xa.float32
    assert xa.tensor([1, 2]).dtype == xa.int64
    assert xa.tensor([True]).dtype == xa.bool
    assert xa.tensor(np.zeros(2, np.float64)).dtype == xa.float64
    assert xa.tensor(np.zeros(2, np.float64), dtype=xa.float32).dtype == xa.float32
    assert xa.zeros(2, 3).dtype == xa.float32 and xa.arange(3).dtype == xa.int64
    assert xa.randn(2).dtype == xa.float32 and xa.rand(2, dtype=xa.float64).dtype == xa.float64


def test_no_silent_upcast_with_python_scalars():
    x = xa.ones(3)
    for y in (x * 2.5, 2.5 * x, x + 1, x / 3, 1 - x, x ** 2, 2.0 ** x, xa.exp(x)):
        assert y.dtype == xa.float32


def test_numpy_shares_memory_and_data_has_no_history():
    x = xa.ones(3, requires_grad=True)
    assert np.shares_memory(x.numpy(), (x.data).numpy())
    assert x.data.grad_fn is None and not x.data.requires_grad
    y = x * 2
    assert y.detach().grad_fn is None


def test_creation_functions():
    assert xa.full((2, 2), 7.0).numpy().tolist() == [[7.0, 7.0], [7.0, 7.0]]
    assert xa.eye(3).numpy().trace() == 3
    assert xa.ones_like(xa.zeros(2, 3, dtype=xa.float64)).dtype == xa.float64
    assert xa.zeros_like(xa.zeros(4)).shape == (4,)
    assert xa.arange(0, 1, 0.25).dtype == xa.float32


def test_manual_seed_reproduces_every_random_function():
    def draw():
        return [xa.rand(3).numpy(), xa.randn(2, 2).numpy(), xa.randint(0, 9, (4,)).numpy(),
                xa.randperm(5).numpy(), xa.randn_like(xa.zeros(2)).numpy()]
    xa.manual_seed(123)
    first = draw()
    xa.manual_seed(123)
    for a, b in zip(first, draw()):
        np.testing.assert_array_equal(a, b)


def test_repr_and_name():
    w = xa.tensor([1.0, 2.0], requires_grad=True, name="w")
    assert repr(w) == "tensor([1., 2.], requires_grad=True, name='w')"
    assert repr(w * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    assert repr(xa.zeros(1, dtype=xa.float64)) == "tensor([0.], dtype=torch.float64)"


def test_item_len_iter_and_comparisons():
    x = xa.tensor([1.0, 2.0, 3.0])
    assert len(x) == 3 and [t.item() for t in x] == [1.0, 2.0, 3.0]
    assert (x > 1.5).numpy().tolist() == [False, True, True]
    assert (x == 2.0).dtype == xa.bool
    assert not (x > 1.5).requires_grad


def test_indexing_and_setitem():
    x = xa.arange(6).reshape(2, 3)
    assert x[1, 2].item() == 5
    assert x[:, xa.tensor([0, 2])].numpy().tolist() == [[0, 2], [3, 5]]
    x[0, 0] = 10
    assert x[0, 0].item() == 10


def test_mixed_int_float_operands_promote_like_pytorch():
    # float ⊕ int keeps the float dtype; int / int is the default float (no float64 leak)
    i, f = xa.tensor([1, 2]), xa.ones(2)
    for y in (f / i, i / f, f * i, i + f, f - i, i * 0.5, 0.5 * i, i / 2, i / i,
              xa.maximum(f, i), f * xa.tensor([True, False]),
              xa.where(i > 1, f, i), xa.where(i > 1, 0, f)):
        assert y.dtype == xa.float32, y
    assert (xa.ones(2, dtype=xa.float64) * i).dtype == xa.float64
    assert (i * 2).dtype == xa.int64 and (i + i).dtype == xa.int64
    w = xa.ones(2, requires_grad=True)
    (w / i).sum().backward()
    assert w.grad.dtype == xa.float32 and w.grad.numpy().tolist() == [1.0, 0.5]


def test_float_valued_ops_on_integer_tensors_give_the_default_float():
    # as in PyTorch: exp/log/sqrt/sigmoid/tanh and fractional powers of ints are float32
    i = xa.tensor([1, 2])
    for y, expected in ((xa.exp(i), np.exp([1, 2])), (xa.log(i), np.log([1, 2])),
                        (xa.sqrt(i), np.sqrt([1, 2])), (xa.sigmoid(i), 1 / (1 + np.exp([-1, -2]))),
                        (xa.tanh(i), np.tanh([1, 2])), (i ** 0.5, np.sqrt([1, 2])),
                        (xa.clamp(i, 0.5, 1.5), [1.0, 1.5])):
        assert y.dtype == xa.float32
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6)
    assert (i ** 2).dtype == xa.int64 and xa.relu(i).dtype == xa.int64
