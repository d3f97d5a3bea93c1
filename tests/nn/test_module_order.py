"""Re-assigning a registered name keeps its place, as in PyTorch: a child module, a
Parameter, a buffer. Before, `m.a = nn.Linear(...)` moved `a` to the end of the children,
silently reordering a Sequential (a different function) and the state_dict keys."""
import numpy as np
import torch

import xarxa as xa
from xarxa import nn


def _build(lib):
    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.a = lib.Linear(3, 4)
            self.b = lib.Linear(4, 4)
            self.w = lib.Parameter(lib_ones(lib, 2))
            self.v = lib.Parameter(lib_ones(lib, 2))
            self.register_buffer("s", lib_ones(lib, 1))
            self.register_buffer("t", lib_ones(lib, 1))
    return Net()


def lib_ones(lib, n):
    return torch.ones(n) if lib is torch.nn else xa.ones(n)


def _orders(m):
    return ([n for n, _ in m.named_children()], [n for n, _ in m.named_parameters()],
            [n for n, _ in m.named_buffers()], list(m.state_dict()))


STEPS = [   # each re-registers a name that is not the last of its kind
    lambda m, lib: setattr(m, "a", lib.Linear(3, 4, bias=False)),          # a child
    lambda m, lib: setattr(m, "w", lib.Parameter(lib_ones(lib, 2) * 2)),   # a parameter
    lambda m, lib: setattr(m, "s", lib_ones(lib, 1) * 3),                  # a buffer
    lambda m, lib: m.register_buffer("s", lib_ones(lib, 1), persistent=False),
    lambda m, lib: m.register_parameter("w", lib.Parameter(lib_ones(lib, 2))),
    lambda m, lib: m.add_module("a", lib.Linear(3, 4)),
]


def test_reassignment_keeps_the_order_of_children_parameters_buffers_and_state_dict():
    ours, theirs = _build(nn), _build(torch.nn)
    assert _orders(ours) == _orders(theirs)
    for i, step in enumerate(STEPS):
        step(ours, nn)
        step(theirs, torch.nn)
        assert _orders(ours) == _orders(theirs), f"step {i}"
    assert _orders(ours) == (["a", "b"], ["w", "v", "a.weight", "a.bias", "b.weight",
                                          "b.bias"], ["s", "t"],
                             ["w", "v", "t", "a.weight", "a.bias", "b.weight", "b.bias"])


def test_reassigning_a_sequential_slot_keeps_what_it_computes():
    xa.manual_seed(0)
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    tseq = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    setattr(seq, "0", nn.Linear(2, 3))           # replace the first layer
    setattr(tseq, "0", torch.nn.Linear(2, 3))
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    assert [n for n, _ in seq.named_children()] == [n for n, _ in tseq.named_children()]
    tseq.load_state_dict({k: torch.tensor(v.numpy()) for k, v in seq.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32)
    np.testing.assert_allclose(seq(xa.tensor(x)).numpy(),
                               tseq(torch.tensor(x)).detach().numpy(), rtol=1e-6)


def test_a_name_that_changes_kind_moves_as_in_torch():
    ours, theirs = _build(nn), _build(torch.nn)
    ours.a, theirs.a = nn.Parameter(xa.ones(1)), torch.nn.Parameter(torch.ones(1))
    del ours.v
    del theirs.v
    assert _orders(ours) == _orders(theirs)
