"""Tensor.register_hook: when hooks run, what they see, and replacing the gradient — as
in PyTorch."""
import numpy as np
import pytest
import torch

import xarxa as xa

X = np.array([1.0, -2.0, 3.0], dtype=np.float32)


def _program(lib):
    seen = []
    x = lib.tensor(X, requires_grad=True)
    x.register_hook(lambda g: seen.append(("x", g.numpy().copy())))
    x.register_hook(lambda g: g * 10)                   # replaces the leaf's gradient
    h = x * 3
    h.register_hook(lambda g: seen.append(("h", g.numpy().copy())))
    h.register_hook(lambda g: g + 1)
    h.retain_grad()
    out = (h * h).sum() + (x * x).sum()                 # x is used twice
    out.backward()
    return seen, x.grad.numpy().copy(), h.grad.numpy().copy()


def test_hooks_run_in_order_once_and_replace_the_gradient_like_torch():
    (seen, xg, hg), (tseen, txg, thg) = _program(xa), _program(torch)
    assert [name for name, _ in seen] == [name for name, _ in tseen] == ["h", "x"]
    for (_, a), (_, b) in zip(seen, tseen):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(xg, txg, rtol=1e-6)
    np.testing.assert_allclose(hg, thg, rtol=1e-6)      # .grad shows the hooked value


def test_remove_and_errors_like_torch():
    for lib in (xa, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        handle = x.register_hook(lambda g: g * 0)
        handle.remove()
        handle.remove()
        (x * 2).sum().backward()
        assert x.grad.tolist() == [2.0, 2.0]
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            lib.tensor([1.0]).register_hook(lambda g: g)


def test_a_hook_returning_the_wrong_shape_is_an_error():
    x = xa.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: xa.zeros(3))
    with pytest.raises(ValueError, match=r"shape torch.Size\(\[3\]\), expected \(2,\)"):
        (x * 2).sum().backward()


def test_a_hook_on_the_root_of_backward():
    x = xa.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 5)
    x.backward(xa.ones(2))
    assert x.grad.tolist() == [5.0, 5.0]
