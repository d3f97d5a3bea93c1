"""`scatter`/`scatter_`/`gather` with 0-d tensors, which PyTorch treats as 1-d of one element:
the one-hot idiom `torch.zeros(10).scatter_(0, torch.tensor(y), value=1)`, against PyTorch."""
import numpy as np
import pytest
import torch

import xarxa as xa

CASES = {
    "one-hot, value keyword": lambda L: L.zeros(10).scatter_(0, L.tensor(3), value=1),
    "one-hot, value positional": lambda L: L.zeros(10).scatter_(0, L.tensor(7), 1),
    "0-d src": lambda L: L.zeros(5).scatter(0, L.tensor(2), L.tensor(5.0)),
    "0-d index, 1-d src": lambda L: L.zeros(5).scatter(0, L.tensor(4), L.tensor([5.0, 6.0])),
    "0-d input and index": lambda L: L.zeros(()).scatter(0, L.tensor(0), 1.0),
    "0-d input, 1-d index": lambda L: L.zeros(()).scatter(0, L.tensor([0]), 2.0),
    "negative dim": lambda L: L.zeros(4).scatter(-1, L.tensor(1), 3.0),
    "gather 0-d index": lambda L: L.arange(5.0).gather(0, L.tensor(3)),
    "gather 0-d input": lambda L: L.tensor(2.5).gather(0, L.tensor(0)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_0d_scatter_and_gather_match_pytorch(case):
    ours, theirs = CASES[case](xa), CASES[case](torch)
    assert ours.shape == theirs.shape and str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_one_hot_labels_in_a_loop_as_tutorials_build_them():
    labels = [3, 0, 9]
    for L in (xa, torch):
        rows = [L.zeros(10).scatter_(0, L.tensor(y), value=1) for y in labels]
        assert L.stack(rows).argmax(1).tolist() == labels


def test_0d_scatter_gradients_match_pytorch():
    grads = []
    for L in (xa, torch):
        x = L.tensor(np.arange(6.0), requires_grad=True)
        s = L.tensor(np.array(2.0), requires_grad=True)
        y = x.scatter(0, L.tensor(3), s) * L.tensor(np.arange(1.0, 7.0))
        y.sum().backward()
        grads.append((x.grad.numpy().copy(), s.grad.numpy().copy()))
    for ours, theirs in zip(*grads):
        np.testing.assert_array_equal(ours, theirs)


def test_0d_index_errors_as_pytorch_refuses():
    for L, error in ((xa, (ValueError, IndexError)), (torch, RuntimeError)):
        with pytest.raises(error):
            L.zeros(2, 3).scatter(0, L.tensor(1), 1.0)   # 0-d index for a 2-d input
        with pytest.raises(error):
            L.zeros(3).scatter(0, L.tensor(5), 1.0)      # out of range
