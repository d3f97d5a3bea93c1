"""Module.to / float / double / half / type / cpu / cuda, as PyTorch's: in place (the same
Parameter objects, so an optimizer built before keeps working), floating tensors only
(except `type`), the device checked."""
import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa import nn


def _net(lib):
    return lib.Sequential(lib.Linear(2, 3), lib.BatchNorm1d(3))


def _dtypes(model):
    return {k: str(v.dtype) for k, v in model.state_dict().items()}


@pytest.mark.parametrize("call", [
    lambda m, lib: m.to(lib.float64), lambda m, lib: m.to("cpu"),
    lambda m, lib: m.to("cpu", lib.float64), lambda m, lib: m.to(device="cpu", dtype=lib.float16),
    lambda m, lib: m.to(lib.device("cpu")), lambda m, lib: m.to(lib.ones(1, dtype=lib.float64)),
    lambda m, lib: m.double(), lambda m, lib: m.double().float(), lambda m, lib: m.half(),
    lambda m, lib: m.cpu(), lambda m, lib: m.type(lib.float64)])
def test_casts_match_torch(call):
    ours, theirs = _net(nn), _net(torch.nn)
    assert call(ours, xa) is ours
    call(theirs, torch)
    assert _dtypes(ours) == _dtypes(theirs)


def test_to_is_in_place_and_keeps_the_optimizer_working():
    model = _net(nn)
    params = list(model.parameters())
    opt = xa.optim.SGD(model.parameters(), lr=0.1)
    model(xa.randn(4, 2)).sum().backward()
    model.to(xa.float64)
    assert all(p is q for p, q in zip(model.parameters(), params))
    assert all(p.grad.dtype == np.float64 for p in params)
    model.zero_grad()
    (model(xa.randn(4, 2, dtype=xa.float64)) ** 2).sum().backward()
    before = params[0].numpy().copy()
    opt.step()
    assert not np.array_equal(before, params[0].numpy())
    assert model[1].num_batches_tracked.dtype == np.int64   # integer buffers stay


def test_to_refuses_what_torch_refuses():
    model = _net(nn)
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point dtypes, but "
                                        "got desired dtype=int64"):
        model.to(xa.int64)
    with pytest.raises(RuntimeError, match=r"Module.to: device 'cuda' is not available"):
        model.to("cuda")
    with pytest.raises(RuntimeError, match=r"Module.cuda: device 'cuda' is not available"):
        model.cuda()
    with pytest.raises(TypeError, match="Module.to: unexpected keyword"):
        model.to(dtyp=xa.float64)
