"""Module system: registration, dotted names, traversal, modes, gradients, state_dict, repr,
Sequential and ModuleList."""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.scale = nn.Parameter(xa.ones(2))
        self.register_buffer("count", xa.zeros(1))
        self.register_buffer("scratch", xa.zeros(1), persistent=False)
        self.plain = [1, 2]   # not registered

    def forward(self, x):
        return self.fc(x) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(Block(), nn.ReLU())
        self.heads = nn.ModuleList([nn.Linear(2, 1), nn.Linear(2, 1)])

    def forward(self, x):
        h = self.body(x)
        return sum((head(h) for head in self.heads[1:]), self.heads[0](h))


def test_parameter_is_a_tensor_that_requires_grad():
    p = nn.Parameter(xa.zeros(2, 3))
    assert isinstance(p, xa.Tensor) and p.requires_grad and p.is_leaf
    assert nn.Parameter([1.0, 2.0]).dtype == np.float32
    arr = np.ones(3)
    assert nn.Parameter(arr).numpy() is arr
    assert repr(p).startswith("Parameter containing:")
    assert type(p * 2) is xa.Tensor


def test_dotted_names_and_traversal():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["body.0.scale", "body.0.fc.weight", "body.0.fc.bias",   # PyTorch's order
                     "heads.0.weight", "heads.0.bias", "heads.1.weight", "heads.1.bias"]
    assert [n for n, _ in net.named_children()] == ["body", "heads"]
    assert [n for n, _ in net.named_modules()] == ["", "body", "body.0", "body.0.fc",
                                                   "body.1", "heads", "heads.0", "heads.1"]
    assert [n for n, _ in net.named_buffers()] == ["body.0.count", "body.0.scratch"]
    assert len(list(net.parameters(recurse=False))) == 0


def test_shared_parameters_are_listed_once():
    fc = nn.Linear(2, 2)
    seq = nn.Sequential(fc, fc)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.modules())) == 2
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]  # as torch


def test_reassignment_and_deletion_update_the_registries():
    m = Block()
    m.fc = nn.Linear(3, 2, bias=False)
    assert [n for n, _ in m.named_parameters()] == ["scale", "fc.weight"]
    m.scale = None
    assert [n for n, _ in m.named_parameters()] == ["fc.weight"]
    with pytest.raises(TypeError, match="parameter 'scale'"):
        m.scale = xa.ones(2)
    del m.fc
    with pytest.raises(AttributeError, match="fc"):
        m.fc


def test_assigning_before_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(xa.ones(1))
    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Bad()


def test_train_eval_zero_grad_apply_requires_grad():
    net = Net()
    assert net.training and net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net(xa.randn(4, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen[-1] == "Net" and seen[0] == "Linear"
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_double_casts_in_place():
    net = Net().double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net(xa.randn(2, 3).double()).dtype == np.float64


def test_state_dict_shares_arrays_and_round_trips():
    xa.manual_seed(0)
    a, b = Net(), Net()
    state = a.state_dict()
    assert list(state) == ["body.0.scale", "body.0.count", "body.0.fc.weight",
                           "body.0.fc.bias", "heads.0.weight", "heads.0.bias",
                           "heads.1.weight", "heads.1.bias"]   # no non-persistent buffer
    assert state["body.0.scale"].numpy() is a.body[0].scale.numpy()
    weight = b.body[0].fc.weight
    result = b.load_state_dict({k: v.numpy().astype(np.float64) for k, v in state.items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert b.body[0].fc.weight is weight and weight.dtype == np.float32   # copied in
    x = xa.randn(2, 3)
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())


def test_load_state_dict_names_every_bad_key():
    net = Net()
    state = net.state_dict()
    del state["heads.1.bias"]
    state["extra.weight"] = xa.zeros(1)
    state["body.0.fc.weight"] = xa.zeros(3, 3)
    before = net.body[0].scale.numpy().copy()
    state["body.0.scale"] = xa.full((2,), 7.0)
    with pytest.raises(ValueError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    for text in ("missing keys: 'heads.1.bias'", "unexpected keys: 'extra.weight'",
                 "size mismatch for 'body.0.fc.weight'", "(3, 3)", "torch.Size([2, 3])"):
        assert text in message
    np.testing.assert_array_equal(net.body[0].scale.numpy(), before)   # nothing loaded
    del state["body.0.fc.weight"]
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["body.0.fc.weight", "heads.1.bias"]  # in model order
    assert result.unexpected_keys == ["extra.weight"]
    np.testing.assert_array_equal(net.body[0].scale.numpy(), [7.0, 7.0])


def test_load_state_dict_refuses_a_different_kind_of_dtype():
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    state = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    state["0.weight"] = state["0.weight"].astype(np.int64)
    state["1.num_batches_tracked"] = np.array(1.5)
    with pytest.raises(ValueError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    assert "dtype mismatch for '0.weight': the checkpoint has int64, the model expects " \
        "torch.float32" in message
    assert "dtype mismatch for '1.num_batches_tracked'" in message


def test_state_dict_keys_match_pytorch():
    ours = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                         nn.Linear(8, 3))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2),
                                 torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8, 3))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert all(tuple(v.shape) == tuple(theirs.state_dict()[k].shape)
               for k, v in ours.state_dict().items())


def test_nested_repr():
    net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Softmax(dim=1)))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Softmax(dim=1)\n"
        "  )\n"
        ")")


def test_sequential_and_module_list_behave_like_lists():
    layers = [nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and seq[0] is layers[0] and seq[-1] is layers[2]
    assert list(seq) == layers and isinstance(seq[1:], nn.Sequential) and len(seq[1:]) == 2
    named = nn.Sequential(OrderedDict(first=nn.Linear(2, 2), act=nn.Tanh()))
    assert [n for n, _ in named.named_children()] == ["first", "act"]
    x = xa.randn(3, 2)
    np.testing.assert_array_equal(seq(x).numpy(), layers[2](layers[1](layers[0](x))).numpy())
    with pytest.raises(TypeError, match="argument 1"):
        nn.Sequential(nn.ReLU(), lambda x: x)
    with pytest.raises(IndexError, match="out of range"):
        seq[5]
    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml.append(nn.Linear(1, 2)).extend([nn.ReLU()])
    ml.insert(0, nn.Tanh())
    assert [type(m).__name__ for m in ml] == ["Tanh", "Linear", "Linear", "ReLU"]
    assert [n for n, _ in ml.named_parameters()][:2] == ["1.weight", "1.bias"]
    ml[0] = nn.Sigmoid()
    assert isinstance(ml[0], nn.Sigmoid) and len(ml) == 4
    with pytest.raises(TypeError, match="expected a Module"):
        ml.append(3)


def test_deepcopy_gives_an_independent_model():
    # `best = copy.deepcopy(model)` is everyday PyTorch: new arrays, same values and types
    import copy
    net = Net()
    net.body[0].fc.weight.grad = xa.ones(2, 3)
    twin = copy.deepcopy(net)
    for (name, p), (_, q) in zip(net.named_parameters(), twin.named_parameters()):
        assert type(q) is nn.Parameter and q.requires_grad, name
        assert q is not p and not np.shares_memory(p.numpy(), q.numpy())
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    assert twin.body[0].fc.weight.grad.numpy().tolist() == [[1.0] * 3] * 2
    assert twin.body[0].count is not net.body[0].count
    shared = nn.Linear(2, 2)
    pair = copy.deepcopy(nn.Sequential(shared, shared))
    assert pair[0].weight is pair[1].weight          # sharing survives the copy
    with pytest.raises(RuntimeError, match="deepcopy: only leaf tensors"):
        copy.deepcopy(net.body[0].fc.weight * 2)


def test_batch_norm_records_its_in_place_writes_in_the_version_counter():
    bn = nn.BatchNorm1d(2)
    count = bn.num_batches_tracked
    before = count._version
    bn(xa.randn(4, 2))
    assert count._version > before and int(count.item()) == 1
    before = (bn.running_mean._version, count._version)
    bn.reset_running_stats()
    assert bn.running_mean._version > before[0] and count._version > before[1]
