"""Writes into parameters that are not graph ops — `load_state_dict`, `nn.init.*`,
`Embedding`'s max_norm — are recorded by the version counter, so that a backward through
a graph that saved the old values refuses, as PyTorch's does."""
import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa import nn


def _forward_then(write, lib, layer):
    x = lib.ones(2, 3, requires_grad=True)
    y = layer(x)              # Linear saved its weight (for x's gradient)
    write(layer)
    y.sum().backward()


@pytest.mark.parametrize("write", [
    lambda m, lib: m.load_state_dict({k: v * 2 for k, v in m.state_dict().items()}),
    lambda m, lib: (lib.nn.init.normal_(m.weight) if lib is torch
                    else nn.init.normal_(m.weight)),
    lambda m, lib: (lib.nn.init.xavier_uniform_(m.weight) if lib is torch
                    else nn.init.xavier_uniform_(m.weight)),
])
def test_writes_after_the_forward_make_backward_refuse_as_in_torch(write):
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        _forward_then(lambda m: write(m, torch), torch, torch.nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        _forward_then(lambda m: write(m, xa), xa, nn.Linear(3, 2))


def test_load_state_dict_counts_one_write_per_tensor():
    layer = nn.Linear(3, 2)
    before = [p._version for p in layer.parameters()]
    layer.load_state_dict(nn.Linear(3, 2).state_dict())
    assert [p._version for p in layer.parameters()] == [v + 1 for v in before]
    np.testing.assert_array_equal(layer(xa.ones(1, 3)).shape, (1, 2))
