"""The version counter: backward refuses values that were written in place after the graph
saved them, as PyTorch does, and accepts writes to values no node saved."""
import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa import nn

MODIFIED = "modified by an inplace operation"


def _both(build):
    """Run `build(lib)` for xarxa and torch; return the exception each raised (or None)."""
    raised = []
    for lib in (xa, torch):
        try:
            build(lib)
            raised.append(None)
        except RuntimeError as e:
            raised.append(e)
    return raised


def test_the_issue_example_raises_like_torch():
    def build(lib):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x = lib.tensor([4.0, 5.0, 6.0])
        y = (w * x).sum()
        x += 10
        y.backward()

    ours, theirs = _both(build)
    assert theirs is not None and ours is not None
    assert MODIFIED in str(ours) and "Mul" in str(ours)


def test_error_names_the_tensor_when_it_has_a_name():
    w = xa.tensor([1.0, 2.0], requires_grad=True)
    x = xa.tensor([3.0, 4.0], name="x")
    y = (w * x).sum()
    x.mul_(2)
    with pytest.raises(RuntimeError, match=r"'x' of Mul .*version 1"):
        y.backward()


def test_a_write_to_a_value_no_node_saved_is_fine_like_torch():
    def build(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        x = lib.tensor([3.0, 4.0])
        y = (w + x).sum()  # add saves neither operand
        x += 1
        y.backward()
        assert w.grad.tolist() == [1.0, 1.0]

    assert _both(build) == [None, None]


def test_optimizer_step_before_backward_raises_like_torch():
    def build(lib):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 1))
        opt = lib.optim.SGD(model.parameters(), lr=0.1)
        x = lib.randn(5, 3)
        model(x).sum().backward()  # gradients exist, so step() writes the weights
        loss = model(x).sum()
        opt.step()
        loss.backward()

    ours, theirs = _both(build)
    assert theirs is not None
    assert ours is not None and MODIFIED in str(ours)


def test_the_right_order_still_works_after_many_steps():
    """zero_grad, forward, backward, step, again: every step writes the parameters in place
    (their versions grow), yet no backward is refused, and the steps are PyTorch's, loss
    for loss and weight for weight."""
    xa.manual_seed(0)
    ours = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32)
    losses = {}
    for lib, model in ((xa, ours), (torch, theirs)):
        opt = lib.optim.Adam(model.parameters(), lr=0.01)
        losses[lib] = []
        for _ in range(5):
            opt.zero_grad()
            loss = (model(lib.tensor(x)) ** 2).mean()
            loss.backward()
            opt.step()
            losses[lib].append(loss.item())
    np.testing.assert_allclose(losses[xa], losses[torch], rtol=1e-5)
    assert all(b < a for a, b in zip(losses[xa], losses[xa][1:]))
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=name)
        assert p._version >= 5, name                    # one in-place update per step at least


@pytest.mark.parametrize("write", ["data", "detach", "setitem", "fill", "copy"])
def test_writes_through_shared_storage_are_seen(write):
    w = xa.tensor([1.0, 2.0], requires_grad=True)
    x = xa.tensor([3.0, 4.0])
    y = (w * x).sum()
    if write == "data":
        x.data += 1
    elif write == "detach":
        x.detach().mul_(3)
    elif write == "setitem":
        x[0] = 7.0
    elif write == "fill":
        x.fill_(0.5)
    else:
        x.copy_(xa.tensor([9.0, 9.0]))
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_writes_to_a_leaf_parameter_under_no_grad_are_seen():
    def build(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (w * w).sum()
        with lib.no_grad():
            w -= 0.1
        y.backward()

    ours, theirs = _both(build)
    assert theirs is not None and ours is not None


def test_a_write_through_a_view_is_seen():
    def build(lib):
        w = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        x = lib.tensor([[1.0, 1.0], [2.0, 2.0]])
        y = (w * x).sum()
        v = x.reshape(4)
        v[0] = 5.0
        y.backward()

    ours, theirs = _both(build)
    assert theirs is not None and ours is not None


def test_a_write_to_a_saved_output_is_seen():
    def build(lib):
        x = lib.tensor([0.5, 1.0], requires_grad=True)
        y = x.exp()  # exp saves its output
        with lib.no_grad():
            y.mul_(2)
        y.sum().backward()

    ours, theirs = _both(build)
    assert theirs is not None and ours is not None
    assert "output of Exp" in str(ours)


def test_a_retained_graph_refuses_a_second_backward_after_a_write():
    w = xa.tensor([1.0, 2.0], requires_grad=True)
    x = xa.tensor([3.0, 4.0])
    y = (w * x).sum()
    y.backward(retain_graph=True)
    x += 1
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_version_counts_writes_and_is_shared_by_views():
    x = xa.tensor([1.0, 2.0, 3.0])
    assert x._version == 0
    x += 1
    x.mul_(2)
    assert x._version == 2
    d = x.detach()
    d.zero_()
    assert x._version == 3 and d._version == 3
    assert np.all(x.numpy() == 0)
    x.data = xa.tensor([5.0, 6.0, 7.0])
    assert x._version == 4


def test_a_write_in_another_graph_does_not_disturb_this_one():
    # a write anywhere advances the global epoch; only overlapping saved storages count
    w = xa.tensor([1.0, 2.0], requires_grad=True)
    x = xa.tensor([3.0, 4.0])
    y = (w * x).sum()
    other = xa.tensor([0.0])
    other += 1
    y.backward()
    assert w.grad.tolist() == [3.0, 4.0]
