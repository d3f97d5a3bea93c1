"""F.one_hot, F.normalize, F.cosine_similarity, nn.PairwiseDistance, nn.CosineSimilarity,
nn.ModuleDict, nn.ParameterList and nn.ParameterDict against PyTorch."""
import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn
from xarxa.testing import gradcheck


def _pair(shape, seed):
    a = np.random.default_rng(seed).normal(size=shape).astype(np.float32)
    return xa.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _check(fx, ft, shapes, rtol=1e-5):
    """Forward and backward (of a random weighting) against torch, float32."""
    pairs = [_pair(s, i) for i, s in enumerate(shapes)]
    out, tout = fx(*[p[0] for p in pairs]), ft(*[p[1] for p in pairs])
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=rtol, atol=1e-6)
    v = np.random.default_rng(9).normal(size=out.shape).astype(np.float32)
    (out * xa.tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    for x, t in pairs:
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_one_hot_matches_torch():
    labels = [[0, 3], [2, 2]]
    for n in (-1, 5):
        got, want = F.one_hot(xa.tensor(labels), n), TF.one_hot(torch.tensor(labels), n)
        assert got.dtype == np.int64 and np.array_equal(got.numpy(), want.numpy())
    with pytest.raises(ValueError, match="one_hot: class values must be smaller than"):
        F.one_hot(xa.tensor([0, 3]), 3)
    with pytest.raises(ValueError, match="one_hot: class values must be non-negative"):
        F.one_hot(xa.tensor([-1, 0]))
    with pytest.raises(TypeError, match="one_hot: expected an integer"):
        F.one_hot(xa.tensor([0.0, 1.0]))


@pytest.mark.parametrize("kw", [{}, {"dim": 0}, {"p": 1.0, "dim": -1}, {"p": 3.0}])
def test_normalize_matches_torch(kw):
    _check(lambda a: F.normalize(a, **kw), lambda a: TF.normalize(a, **kw), [(3, 4)])


def test_normalize_keeps_zero_vectors_zero_as_torch():
    z = F.normalize(xa.zeros(2, 3))
    assert np.array_equal(z.numpy(), TF.normalize(torch.zeros(2, 3)).numpy())


@pytest.mark.parametrize("shapes, dim", [([(4, 3), (4, 3)], 1), ([(2, 5), (5,)], -1),
                                         ([(3, 2, 4), (3, 2, 4)], 0)])
def test_cosine_similarity_and_module_match_torch(shapes, dim):
    _check(lambda a, b: F.cosine_similarity(a, b, dim=dim),
           lambda a, b: TF.cosine_similarity(a, b, dim=dim), shapes)
    _check(nn.CosineSimilarity(dim=dim), tnn.CosineSimilarity(dim=dim), shapes)


def test_cosine_similarity_gradcheck_and_errors():
    rng = np.random.default_rng(0)
    assert gradcheck(lambda a, b: F.cosine_similarity(a, b),
                     [rng.normal(size=(3, 4)), rng.normal(size=(3, 4))])
    assert gradcheck(lambda a: F.normalize(a, dim=0), [rng.normal(size=(3, 2))])
    with pytest.raises(ValueError, match="cosine_similarity: shapes"):
        F.cosine_similarity(xa.ones(2, 3), xa.ones(2, 4))
    with pytest.raises(TypeError, match="normalize: expected input to be a Tensor"):
        F.normalize([1.0, 2.0])


def test_pairwise_distance_module_matches_torch():
    _check(nn.PairwiseDistance(), tnn.PairwiseDistance(), [(4, 3), (4, 3)])
    _check(nn.PairwiseDistance(p=1.0, keepdim=True), tnn.PairwiseDistance(p=1.0, keepdim=True),
           [(4, 3), (4, 3)])


def test_module_dict_registers_in_order_like_torch():
    def build(lib):
        return lib.ModuleDict({"enc": lib.Linear(3, 4), "dec": lib.Linear(4, 2)})
    d, td = build(nn), build(tnn)
    d["head"] = nn.Linear(2, 1)
    td["head"] = tnn.Linear(2, 1)
    assert list(d.state_dict()) == list(td.state_dict())
    assert list(d.keys()) == list(td.keys()) and "enc" in d and len(d) == 3
    d.load_state_dict({k: xa.tensor(v.detach().numpy()) for k, v in td.state_dict().items()})
    x = np.ones((1, 3), np.float32)
    out = d["head"](d["dec"](d["enc"](xa.tensor(x))))
    tout = td["head"](td["dec"](td["enc"](torch.tensor(x))))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-5)
    assert isinstance(d.pop("head"), nn.Linear) and len(d) == 2
    with pytest.raises(TypeError, match="ModuleDict: expected a Module for 'x'"):
        d["x"] = 3
    with pytest.raises(KeyError, match="ModuleDict: no module named 'zz'"):
        d["zz"]


def test_parameter_list_and_dict_like_torch():
    pl = nn.ParameterList([nn.Parameter(xa.ones(2)), xa.zeros(3)])
    tpl = tnn.ParameterList([tnn.Parameter(torch.ones(2)), torch.zeros(3)])
    assert list(pl.state_dict()) == list(tpl.state_dict())
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(list(pl.parameters())) == 2
    pd = nn.ParameterDict({"w": xa.ones(2), "b": nn.Parameter(xa.zeros(1))})
    tpd = tnn.ParameterDict({"w": torch.ones(2), "b": tnn.Parameter(torch.zeros(1))})
    assert list(pd.state_dict()) == list(tpd.state_dict()) and pd["w"].requires_grad
    with pytest.raises(TypeError, match="ParameterList: expected a Parameter or Tensor"):
        pl.append(3.0)
    with pytest.raises(TypeError, match="ParameterDict: keys must be strings"):
        pd[1] = xa.ones(1)
