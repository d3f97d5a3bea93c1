"""Every layer against the PyTorch layer with the same weights: forward, input gradient and
parameter gradients, on several configurations (float32)."""
import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa import nn

from nn._parity import check_layer


def sample(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def distinct(*shape, seed=0):
    """Values without ties (max-pooling is not differentiable at ties)."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n) / n * 4 - 2).reshape(shape)


@pytest.mark.parametrize("in_f, out_f, bias, shape", [
    (3, 4, True, (5, 3)), (3, 2, False, (2, 6, 3)), (1, 1, True, (1, 1)), (4, 3, True, (4,))])
def test_linear(in_f, out_f, bias, shape):
    xa.manual_seed(0)
    check_layer(nn.Linear(in_f, out_f, bias=bias), torch.nn.Linear(in_f, out_f, bias=bias),
                sample(*shape))


@pytest.mark.parametrize("layer, torch_layer", [
    (nn.Sigmoid(), torch.nn.Sigmoid()), (nn.Tanh(), torch.nn.Tanh()),
    (nn.ReLU(), torch.nn.ReLU()), (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
    (nn.LogSoftmax(dim=-1), torch.nn.LogSoftmax(dim=-1)),
    (nn.Flatten(), torch.nn.Flatten()), (nn.Flatten(0, 1), torch.nn.Flatten(0, 1)),
    (nn.Identity(), torch.nn.Identity())])
def test_parameter_free_layers(layer, torch_layer):
    check_layer(layer, torch_layer, sample(2, 3, 4))


def test_softmax_temperature_and_step():
    x = sample(3, 5)
    out = nn.Softmax(dim=1, temperature=4.0)(xa.tensor(x)).numpy()
    expected = torch.softmax(torch.tensor(x, dtype=torch.float32) / 4.0, 1).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    np.testing.assert_array_equal(nn.Step()(xa.tensor([-1.0, 0.0, 2.0])).numpy(), [0, 1, 1])


CONV = [  # in, out, kernel, stride, padding, input shape
    (3, 4, 3, 1, 0, (2, 3, 7, 6)), (3, 4, 3, 1, 1, (2, 3, 7, 6)),
    (2, 3, 3, 2, 1, (1, 2, 9, 8)), (2, 5, 1, 1, 0, (2, 2, 4, 5)),
    (1, 2, 5, 1, 2, (1, 1, 7, 7)), (2, 2, (3, 2), (2, 1), (1, 0), (2, 2, 6, 5)),
    (3, 2, 3, 1, "same", (2, 3, 5, 6)), (2, 2, 4, 1, "same", (1, 2, 6, 6)),
    (2, 3, 3, 3, 0, (1, 2, 10, 10))]   # (10 − 3) not divisible by 3: floored


@pytest.mark.parametrize("cin, cout, k, s, p, shape", CONV)
@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
def test_conv2d(cin, cout, k, s, p, shape):
    xa.manual_seed(1)
    check_layer(nn.Conv2d(cin, cout, k, s, p), torch.nn.Conv2d(cin, cout, k, s, p),
                sample(*shape))


def test_conv2d_without_bias():
    xa.manual_seed(2)
    check_layer(nn.Conv2d(2, 3, 3, bias=False), torch.nn.Conv2d(2, 3, 3, bias=False),
                sample(2, 2, 5, 5))


@pytest.mark.parametrize("cin, cout, k, s, p, op, shape", [
    (3, 2, 3, 1, 0, 0, (2, 3, 4, 5)), (2, 3, 2, 2, 0, 0, (1, 2, 3, 3)),
    (2, 2, 3, 2, 1, 1, (2, 2, 4, 3)), (1, 2, 4, 3, 1, 2, (1, 1, 3, 2)),
    (2, 1, 1, 1, 0, 0, (1, 2, 3, 3))])
def test_conv_transpose2d(cin, cout, k, s, p, op, shape):
    xa.manual_seed(3)
    check_layer(nn.ConvTranspose2d(cin, cout, k, s, p, op),
                torch.nn.ConvTranspose2d(cin, cout, k, s, p, op), sample(*shape))


@pytest.mark.parametrize("k, s, p, shape", [
    (2, None, 0, (2, 3, 8, 8)), (3, 2, 1, (1, 2, 7, 9)), (3, 1, 0, (2, 1, 5, 6)),
    (2, 2, 0, (1, 2, 7, 7)), ((2, 3), (1, 2), (1, 1), (1, 1, 5, 7))])
def test_pools(k, s, p, shape):
    check_layer(nn.MaxPool2d(k, s, p), torch.nn.MaxPool2d(k, s, p), distinct(*shape))
    check_layer(nn.AvgPool2d(k, s, p), torch.nn.AvgPool2d(k, s, p), sample(*shape))


@pytest.mark.parametrize("size, shape", [(1, (2, 3, 5, 6)), ((2, 3), (1, 2, 7, 8)),
                                         (3, (2, 1, 6, 6))])
def test_adaptive_avg_pool(size, shape):
    check_layer(nn.AdaptiveAvgPool2d(size), torch.nn.AdaptiveAvgPool2d(size), sample(*shape))


@pytest.mark.parametrize("k, s, p, shape", [(2, None, 0, (2, 3, 6, 8)),
                                            (3, 2, 1, (1, 2, 7, 7))])
def test_max_unpool(k, s, p, shape):
    def call(pool, unpool):
        return lambda m, t: unpool(*pool(t), output_size=shape)
    pool, tpool = nn.MaxPool2d(k, s, p, return_indices=True), \
        torch.nn.MaxPool2d(k, s, p, return_indices=True)
    check_layer(nn.MaxUnpool2d(k, s, p), torch.nn.MaxUnpool2d(k, s, p), distinct(*shape),
                call=call(pool, nn.MaxUnpool2d(k, s, p)),
                torch_call=call(tpool, torch.nn.MaxUnpool2d(k, s, p)))


@pytest.mark.parametrize("kwargs", [dict(scale_factor=2), dict(scale_factor=(2, 3)),
                                    dict(size=(7, 5)), dict(scale_factor=1.5)])
def test_upsample_nearest(kwargs):
    check_layer(nn.Upsample(**kwargs), torch.nn.Upsample(**kwargs, mode="nearest"),
                sample(2, 3, 4, 3))


@pytest.mark.parametrize("cls, tcls, shape", [
    (nn.BatchNorm1d, torch.nn.BatchNorm1d, (6, 4)),
    (nn.BatchNorm1d, torch.nn.BatchNorm1d, (3, 4, 5)),
    (nn.BatchNorm2d, torch.nn.BatchNorm2d, (4, 3, 5, 6)),
    (nn.BatchNorm2d, torch.nn.BatchNorm2d, (32, 8, 28, 28))])   # large: float64 sums
def test_batch_norm_train_and_eval(cls, tcls, shape):
    layer, tlayer = cls(shape[1], momentum=0.3), tcls(shape[1], momentum=0.3)
    with xa.no_grad():
        layer.weight.copy_(sample(shape[1], seed=5) + 1)
        layer.bias.copy_(sample(shape[1], seed=6))
    x = sample(*shape) * 3 + 2
    check_layer(layer, tlayer, x, rtol=2e-4, atol=2e-4)   # also updates running stats
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(layer, name).numpy(),
                                   getattr(tlayer, name).numpy(), rtol=1e-5, atol=1e-6)
    assert int(layer.num_batches_tracked.item()) == 1
    layer.eval(), tlayer.eval()
    check_layer(layer, tlayer, sample(*shape, seed=9), rtol=2e-4, atol=2e-4)


def test_batch_norm_momentum_none_and_untracked():
    layer, tlayer = nn.BatchNorm2d(3, momentum=None), torch.nn.BatchNorm2d(3, momentum=None)
    for seed in range(3):
        check_layer(layer, tlayer, sample(4, 3, 2, 2, seed=seed) + seed)
    np.testing.assert_allclose(layer.running_var.numpy(), tlayer.running_var.numpy(),
                               rtol=1e-5)
    layer = nn.BatchNorm1d(3, affine=False, track_running_stats=False).eval()
    tlayer = torch.nn.BatchNorm1d(3, affine=False, track_running_stats=False).eval()
    check_layer(layer, tlayer, sample(5, 3))
    assert list(layer.state_dict()) == []


def small_cnn(lib, transpose=False):
    layers = [lib.Conv2d(3, 4, 3, padding=1), lib.BatchNorm2d(4), lib.ReLU(), lib.MaxPool2d(2),
              lib.Conv2d(4, 6, 3, padding=1, stride=2), lib.BatchNorm2d(6), lib.Tanh(),
              lib.AvgPool2d(2, 1)]
    if transpose:
        layers += [lib.ConvTranspose2d(6, 2, 3, stride=2, padding=1, output_padding=1),
                   lib.Conv2d(2, 3, 2)]
    return lib.Sequential(*layers, lib.Flatten())


@pytest.mark.parametrize("transpose, shape", [(False, (5, 3, 10, 9)), (True, (2, 3, 8, 8)),
                                              (False, (1, 3, 7, 7))])
def test_cnn_stack_matches_torch(transpose, shape):
    """Layers chained (the convolutions' channel-major output feeding BN, pooling, the next
    convolution, a transposed one), forward and every gradient, in training mode."""
    xa.manual_seed(4)
    check_layer(small_cnn(nn, transpose), small_cnn(torch.nn, transpose), sample(*shape),
                rtol=2e-4, atol=2e-5)


def test_max_pool_ties_route_to_the_first_maximum():
    x = np.zeros((2, 3, 4, 6))
    x[0, 0, 1, 1] = x[0, 0, 0, 1] = 1.0      # a tie inside one window
    check_layer(nn.MaxPool2d(2), torch.nn.MaxPool2d(2), x)
    check_layer(nn.MaxPool2d(3, 1), torch.nn.MaxPool2d(3, 1), x)
