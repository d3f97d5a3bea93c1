"""Layer and loss constructors take PyTorch's arguments in PyTorch's order (a positional call
means the same thing in both), `device=`/`dtype=` as PyTorch's, xarxa's own options
keyword-only; arguments xarxa does not implement are refused clearly, never ignored."""
import warnings

import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa import nn

from nn._parity import copy_into_torch

# the same positional call in both libraries; compared on shapes, names and settings
POSITIONAL = [
    ("Linear", (3, 4, False)), ("Linear", (3, 4, True, "cpu", xa.float64)),
    ("Conv2d", (2, 5, 3, 2, 1, 1, 1, False)), ("Conv2d", (2, 5, (3, 2), 1, 0, 1, 1, True,
                                                           "zeros", "cpu")),
    ("ConvTranspose2d", (4, 2, 3, 2, 1, 1, 1, False)),
    ("BatchNorm1d", (6, 1e-3, 0.2, False, True)), ("BatchNorm2d", (3, 1e-5, None, True, False)),
    ("LayerNorm", ((2, 3), 1e-4, True, False)), ("Embedding", (7, 3, 2)),
    ("MaxPool2d", (3, 2, 1, 1, False)), ("AvgPool2d", (3, 2, 1, False, True)),
    ("Dropout", (0.2, False)), ("Dropout2d", (0.3,)), ("LeakyReLU", (0.2, False)),
    ("ELU", (0.5,)), ("GELU", ("tanh",)), ("Softplus", (2.0, 10.0)), ("ReLU", (False,)),
    ("Flatten", (0, 1)), ("Softmax", (1,)), ("LogSoftmax", (1,)),
    ("Upsample", (None, 2, "nearest")),
]


def _torch_args(args):
    return tuple(torch.float64 if a is xa.float64 else a for a in args)


@pytest.mark.parametrize("name, args", POSITIONAL)
def test_positional_arguments_mean_what_they_mean_in_torch(name, args):
    layer = getattr(nn, name)(*args)
    torch_layer = getattr(torch.nn, name)(*_torch_args(args))
    ours = {k: (tuple(v.shape), str(v.dtype)) for k, v in layer.state_dict().items()}
    theirs = {k: (tuple(v.shape), str(v.dtype))
              for k, v in torch_layer.state_dict().items()}
    assert ours == theirs
    for attr in ("in_features", "out_features", "in_channels", "out_channels", "eps",
                 "momentum", "affine", "track_running_stats", "normalized_shape",
                 "padding_idx", "p", "negative_slope", "alpha", "approximate", "beta",
                 "threshold", "start_dim", "end_dim", "dim", "inplace", "num_embeddings"):
        if hasattr(torch_layer, attr) and hasattr(layer, attr):
            assert getattr(layer, attr) == getattr(torch_layer, attr), attr
    # and the same computation (evaluation mode: dropout is the identity)
    copy_into_torch(layer, torch_layer)
    layer.eval(), torch_layer.eval()
    dtype = next((p.dtype for p in layer.parameters()), np.dtype(np.float32))
    x = np.random.default_rng(0).standard_normal(INPUTS.get(name, (2, 3, 4, 4))).astype(dtype)
    if name == "Embedding":
        x = np.array([[1, 6], [2, 0]])
    with torch.no_grad():
        expected = torch_layer(torch.tensor(x)).numpy()
    np.testing.assert_allclose(layer(xa.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6)


INPUTS = {"Linear": (5, 3), "Conv2d": (1, 2, 7, 7), "ConvTranspose2d": (1, 4, 3, 3),
          "BatchNorm1d": (4, 6), "LayerNorm": (2, 2, 3), "Flatten": (2, 3, 4),
          "Softmax": (2, 3), "LogSoftmax": (2, 3), "Upsample": (1, 2, 3, 3),
          "MaxPool2d": (1, 2, 7, 7), "AvgPool2d": (1, 2, 7, 7)}


def test_xarxas_own_options_are_keyword_only():
    assert nn.Linear(3, 2, init="xavier").init == "xavier"
    with pytest.raises(TypeError):
        nn.Linear(3, 2, True, None, None, "xavier")
    with pytest.raises(TypeError):
        nn.Conv2d(1, 2, 3, 1, 0, 1, 1, True, "zeros", None, None, "he")


def test_device_and_dtype_arguments():
    for device in ("cpu", xa.device("cpu"), torch.device("cpu"), "cpu:0"):
        assert nn.Linear(2, 2, device=device).weight.device == xa.device("cpu")
    assert nn.Conv2d(1, 2, 3, dtype=xa.float64).weight.dtype == np.float64
    assert nn.BatchNorm2d(3, dtype=torch.float64).running_mean.dtype == np.float64
    with pytest.raises(RuntimeError, match=r"Linear: device 'cuda' is not available: this "
                                           r"build of xarxa runs on the CPU only"):
        nn.Linear(2, 2, device="cuda")
    with pytest.raises(RuntimeError, match=r"BatchNorm2d: device 'cuda:0' is not available"):
        nn.BatchNorm2d(2, device=xa.device("cuda", 0))
    with pytest.raises(TypeError, match=r"Embedding: expected a device .* got 2.5 \(float\)"):
        nn.Embedding(3, 2, device=2.5)


@pytest.mark.parametrize("make, pattern", [
    (lambda: nn.Conv2d(2, 4, 3, padding_mode="reflect"),
     r"Conv2d: padding_mode='reflect' is not supported \(only 'zeros'\)"),
    (lambda: nn.ConvTranspose2d(2, 4, 3, padding_mode="circular"), r"'circular' is not"),
    (lambda: nn.MaxPool2d(2, dilation=2), r"MaxPool2d: dilation=2 is not supported"),
    (lambda: nn.MaxPool2d(2, ceil_mode=True), r"MaxPool2d: ceil_mode=True is not supported"),
    (lambda: nn.AvgPool2d(2, count_include_pad=False), r"count_include_pad=False"),
    (lambda: nn.AvgPool2d(2, divisor_override=3), r"divisor_override=3 is not supported"),
])
def test_unsupported_pytorch_arguments_are_refused(make, pattern):
    with pytest.raises(NotImplementedError, match=pattern):
        make()


def test_an_unknown_padding_mode_is_a_value_error():
    with pytest.raises(ValueError, match=r"Conv2d: padding_mode must be 'zeros', 'reflect', "
                                         r"'replicate' or 'circular', got 'mirror'"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")


def test_batch_norm_bias_false_like_torch_2():
    layer, torch_layer = nn.BatchNorm2d(3, bias=False), torch.nn.BatchNorm2d(3, bias=False)
    assert list(layer.state_dict()) == list(torch_layer.state_dict())
    assert layer.bias is None and layer.weight is not None
    x = np.random.default_rng(0).standard_normal((4, 3, 2, 2)).astype(np.float32)
    layer.weight.numpy()[...] = [0.5, 2.0, -1.0]
    torch_layer.weight.data[...] = torch.tensor([0.5, 2.0, -1.0])
    np.testing.assert_allclose(layer(xa.tensor(x)).numpy(),
                               torch_layer(torch.tensor(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("name, args", [
    ("MSELoss", (None, False)), ("L1Loss", (False,)), ("L1Loss", (False, True)),
    ("CrossEntropyLoss", (None, None, 1)), ("CrossEntropyLoss", (None, False, -100, True)),
    ("NLLLoss", (None, None, -100, False)), ("BCELoss", (None, False)),
    ("BCEWithLogitsLoss", (None, None, False)), ("KLDivLoss", (None, None, "batchmean")),
    ("SmoothL1Loss", (None, None, "sum", 0.5)), ("MultiMarginLoss", (1, 0.5, None, False)),
    ("TripletMarginLoss", (1.0, 2.0, 1e-6, False, None, False))])
def test_loss_constructors_take_torchs_positional_arguments(name, args):
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        loss = getattr(nn, name)(*args)
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        torch_loss = getattr(torch.nn, name)(*args)
    assert loss.reduction == torch_loss.reduction
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
    for attr in ("ignore_index", "beta", "margin", "p", "swap"):
        if hasattr(torch_loss, attr):
            assert getattr(loss, attr) == getattr(torch_loss, attr), attr
