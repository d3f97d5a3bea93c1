"""The acceptance scenario: PyTorch tutorial scripts run on xarxa with only their imports
changed, and compute what PyTorch computes (see _harness for how runs are compared).

Tolerances: losses step by step within rtol 1e-4 (measured: xarxa's float32 losses are
within ~2e-7 of a float64 PyTorch run of the same scripts, as PyTorch's own float32 ones
are), printed numbers also within atol 1e-6 (values that are zero up to rounding),
saved weights within rtol 1e-3 / atol 1e-5 after the whole run.
"""
import math

import numpy as np
import pytest
import torch

from compat._harness import NUMBER, assert_same_run, run_both

SCRIPTS = [
    "polynomial_tensors.py",      # raw tensors, manual gradient descent under no_grad
    "polynomial_function.py",     # custom autograd.Function (LegendrePolynomial3)
    "polynomial_nn.py",           # nn.Sequential(Linear, Flatten(0, 1)), MSELoss(sum)
    "polynomial_optim.py",        # optim.RMSprop
    "polynomial_module.py",       # custom nn.Module of Parameters, optim.SGD
    "dynamic_net.py",             # data-dependent control flow, shared weights
    "custom_linear_function.py",  # Functions with needs_input_grad inside a Module
    "mlp_regression.py",          # TensorDataset, DataLoader(num_workers=2), Adam
    "mnist_cnn.py",               # device boilerplate, vision datasets, Adadelta, StepLR
    "siamese.py",                 # pair Dataset, contrastive loss, F.pairwise_distance
    "autoencoder.py",             # Conv2d/ConvTranspose2d, BCELoss, forward hooks
    "dcgan.py",                   # BatchNorm2d, LeakyReLU(inplace), two Adams, fill_
    "residual.py",                # out += identity, ReLU(inplace), hooks, MultiStepLR
    "quickstart.py",              # the Quickstart tutorial as written, load(weights_only)
    "depthwise_bicubic.py",       # groups, dilation, ReLU6, bicubic, SyncBatchNorm, step(epoch)
]


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_runs_as_under_pytorch(name, tmp_path):
    expected, actual = run_both(name, tmp_path)
    assert_same_run(expected, actual)


def test_script_with_dropout_runs(tmp_path):
    """pytorch/examples' MNIST network with its Dropout layers: dropout's masks come from
    each library's generator, so only the run itself is compared — it trains, prints
    the lines PyTorch prints, saves weights PyTorch loads — and the dropout it did:
    random in training mode, off in evaluation mode."""
    expected, actual = run_both("mnist_dropout.py", tmp_path)
    assert NUMBER.split(actual.output) == NUMBER.split(expected.output)
    assert len(actual.losses) == len(expected.losses) == 3
    assert all(math.isfinite(v) for v in actual.losses)
    ours = torch.load(actual.directory / "mnist_dropout.pt")
    theirs = expected.namespace["model"]
    theirs.load_state_dict(ours)                      # same names and shapes
    model, x = actual.namespace["model"], actual.namespace["dataset2"][0][0][None]
    model.train()
    assert not np.array_equal(model(x).numpy(), model(x).numpy())
    model.eval()
    np.testing.assert_array_equal(model(x).numpy(), model(x).numpy())
    with torch.no_grad():
        theirs.eval()
        np.testing.assert_allclose(model(x).numpy(), theirs(torch.from_numpy(x.numpy())).numpy(),
                                   rtol=1e-4, atol=1e-5)
