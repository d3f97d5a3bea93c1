"""LayerNorm and Embedding against torch.nn: forward, input and parameter gradients, the
options that change the gradient on purpose (padding_idx, scale_grad_by_freq) or the
weights (max_norm), and the errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn
from xarxa.testing import assert_double_backward_matches_torch, gradgradcheck

from nn._parity import check_layer, copy_into_torch


def sample(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("args, kwargs, shape", [
    ((5,), {}, (4, 5)), (((5,),), {}, (2, 3, 5)), (((3, 5),), {}, (2, 3, 5)),
    (([2, 3, 4], 1e-3), {}, (2, 2, 3, 4)), ((5,), {"elementwise_affine": False}, (3, 5)),
    ((5,), {"bias": False}, (3, 5)), ((2,), {}, (3, 2))])
def test_layer_norm_matches_torch(args, kwargs, shape):
    layer, torch_layer = nn.LayerNorm(*args, **kwargs), torch.nn.LayerNorm(*args, **kwargs)
    if layer.weight is not None:   # not the default γ = 1, β = 0: the test must see them
        layer.weight.numpy()[...] = sample(*layer.weight.shape, seed=1) + 1
    if layer.bias is not None:
        layer.bias.numpy()[...] = sample(*layer.bias.shape, seed=2)
    check_layer(layer, torch_layer, sample(*shape) * 3 + 1)
    assert [n for n, _ in layer.named_parameters()] == \
        [n for n, _ in torch_layer.named_parameters()]
    assert repr(layer) == repr(torch_layer)


def test_layer_norm_in_float64_and_eval_mode_is_the_same_computation():
    x = sample(2, 6)
    layer = nn.LayerNorm(6, dtype=xa.float64)
    out = layer(xa.tensor(x)).numpy()
    expected = TF.layer_norm(torch.tensor(x), (6,)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert layer.weight.dtype == np.float64
    np.testing.assert_array_equal(layer.eval()(xa.tensor(x)).numpy(), out)


def test_layer_norm_errors():
    with pytest.raises(ValueError, match=r"^LayerNorm\(\(4,\), .*\): layer_norm: input of shape "
                                         r"torch.Size\(\[2, 5\]\) does not end with "
                                         r"normalized_shape \(4,\)"):
        nn.LayerNorm(4)(xa.zeros(2, 5))
    with pytest.raises(ValueError, match="LayerNorm: normalized_shape must be a positive int"):
        nn.LayerNorm(0)
    with pytest.raises(ValueError, match=r"layer_norm: weight of shape \(3,\) does not match "
                                         r"normalized_shape \(4,\)"):
        F.layer_norm(xa.zeros(2, 4), (4,), xa.ones(3))
    with pytest.raises(TypeError, match="layer_norm: weight has dtype torch.float64, the "
                                        "input torch.float32"):
        F.layer_norm(xa.zeros(2, 4), (4,), xa.ones(4, dtype=xa.float64))
    with pytest.raises(TypeError, match="layer_norm: expected a floating input, got dtype "
                                        "torch.int64"):
        F.layer_norm(xa.tensor([[1, 2]]), (2,))


IDX = np.array([[1, 4, 0, 4], [2, 0, 4, 3]])


def _embedding_pair(*args, **kwargs):
    xa.manual_seed(0)
    layer, torch_layer = nn.Embedding(*args, **kwargs), torch.nn.Embedding(*args, **kwargs)
    copy_into_torch(layer, torch_layer)
    return layer, torch_layer


@pytest.mark.parametrize("kwargs", [
    {}, {"padding_idx": 0}, {"padding_idx": -1}, {"scale_grad_by_freq": True},
    {"padding_idx": 4, "scale_grad_by_freq": True}])
def test_embedding_matches_torch(kwargs):
    layer, torch_layer = _embedding_pair(5, 3, **kwargs)
    out, tout = layer(xa.tensor(IDX)), torch_layer(torch.tensor(IDX))
    np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
    v = sample(*out.shape).astype(np.float32)
    (out * xa.tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), torch_layer.weight.grad.numpy(),
                               rtol=1e-6, atol=1e-7)
    assert repr(layer) == repr(torch_layer)


@pytest.mark.parametrize("kwargs", [{"padding_idx": 0}, {"padding_idx": -1}])
def test_embedding_padding_idx_at_second_order(kwargs):
    # squared, so that the gradient depends on the weight through the lookup's backward
    def ours(w):
        return F.embedding(xa.tensor(IDX), w, **kwargs) ** 2

    def theirs(w):
        return TF.embedding(torch.tensor(IDX), w, **kwargs) ** 2

    w = sample(5, 3, seed=3)
    assert gradgradcheck(ours, [w])
    assert_double_backward_matches_torch(ours, theirs, [w])


@pytest.mark.parametrize("kwargs", [{"scale_grad_by_freq": True},
                                    {"scale_grad_by_freq": True, "padding_idx": 4}])
def test_embedding_scale_grad_by_freq_at_second_order(kwargs):
    """The gradient (÷ each row's count) is exactly differentiated with respect to the
    output gradient v. Only a lookup linear in the loss is checked: a scaled gradient is not
    the derivative of the lookup, so any second-order path that goes back through the lookup
    node is scaled again (by definition of the option) and cannot match finite differences;
    PyTorch's double backward, for its part, drops the ÷ count on the v path
    (embedding_dense_double_backward takes no scale_grad_by_freq), so it is not the oracle."""
    k = sample(*IDX.shape, 3, seed=4)

    def ours(w):
        return F.embedding(xa.tensor(IDX), w, **kwargs) * xa.tensor(k)

    w = sample(5, 3, seed=3)
    assert gradgradcheck(ours, [w])
    wx = xa.tensor(w, requires_grad=True)
    v = xa.tensor(sample(*IDX.shape, 3, seed=5), requires_grad=True)
    (g,) = xa.autograd.grad([ours(wx)], [wx], grad_outputs=[v], create_graph=True)
    wt = torch.tensor(w, requires_grad=True)
    (gt,) = torch.autograd.grad([TF.embedding(torch.tensor(IDX), wt, **kwargs) *
                                 torch.tensor(k)], [wt], grad_outputs=[torch.tensor(v.numpy())])
    np.testing.assert_allclose(g.detach().numpy(), gt.numpy(), rtol=1e-12)
    assert g.requires_grad and g.dtype == np.float64


def test_embedding_init_and_padding_row_like_torch():
    layer = nn.Embedding(1000, 20, padding_idx=3)
    w = layer.weight.numpy()
    assert layer.weight.dtype == np.float32 and np.all(w[3] == 0)
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01      # N(0, 1), as torch's
    assert nn.Embedding(4, 2, dtype=xa.float64).weight.dtype == np.float64


def test_embedding_max_norm_renormalises_the_rows_looked_up_like_torch():
    layer, torch_layer = _embedding_pair(5, 3, max_norm=1.0)
    layer.weight.numpy()[...] *= 3        # every row well above the norm
    copy_into_torch(layer, torch_layer)
    before, row3 = layer.weight._version, layer.weight.numpy()[3].copy()
    out = layer(xa.tensor(IDX[:, :2]))
    with torch.no_grad():
        tout = torch_layer(torch.tensor(IDX[:, :2]))
    np.testing.assert_allclose(out.numpy(), tout.numpy(), rtol=1e-6)
    np.testing.assert_allclose(layer.weight.numpy(), torch_layer.weight.detach().numpy(),
                               rtol=1e-6)
    assert layer.weight._version > before     # written in place, and recorded as such
    np.testing.assert_array_equal(layer.weight.numpy()[3], row3)   # not looked up: unchanged


def test_embedding_from_pretrained_and_int32_indices():
    table = xa.tensor(sample(4, 2).astype(np.float32))
    frozen = nn.Embedding.from_pretrained(table)
    assert frozen.weight.numpy() is table.numpy() and not frozen.weight.requires_grad
    out = frozen(xa.tensor(np.array([3, 1], dtype=np.int32)))
    np.testing.assert_array_equal(out.numpy(), table.numpy()[[3, 1]])
    trainable = nn.Embedding.from_pretrained(table, freeze=False, padding_idx=1)
    assert trainable.weight.requires_grad and trainable.padding_idx == 1


def test_embedding_errors():
    layer = nn.Embedding(5, 3)
    with pytest.raises(IndexError, match=r"embedding: index 5 is out of range for a table of "
                                         r"5 rows \(expected 0 ≤ index < 5\)"):
        layer(xa.tensor([1, 5]))
    with pytest.raises(IndexError, match="index -1 is out of range"):
        layer(xa.tensor([-1, 2]))
    with pytest.raises(TypeError, match=r"^Embedding\(5, 3\): embedding: input must hold "
                                        r"integer indices \(int64 or int32\), got dtype "
                                        r"torch.float32"):
        layer(xa.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="Embedding: padding_idx must be within the 5 rows"):
        nn.Embedding(5, 3, padding_idx=5)
    with pytest.raises(NotImplementedError, match="sparse gradients are not supported"):
        nn.Embedding(5, 3, sparse=True)
    with pytest.raises(ValueError, match=r"embedding: weight must be 2-D"):
        F.embedding(xa.tensor([0]), xa.zeros(5))
    with pytest.raises(ValueError, match=r"from_pretrained: embeddings must be a 2-D Tensor"):
        nn.Embedding.from_pretrained(xa.zeros(3))
