"""The model, data and optimizers shared by the MPI workers and the single-process references."""
import numpy as np

import xarxa as xa
from xarxa import nn, optim

GLOBAL_BATCH, STEPS, FEATURES, CLASSES = 64, 4, 1 * 8 * 8, 3


def make_model() -> nn.Module:
    """A small conv net (conv, pool, linear): every kind of layer DDP averages through."""
    xa.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(4 * 4 * 4, 16), nn.Tanh(),
                         nn.Linear(16, CLASSES))


def make_optimizer(name: str, params):
    if name == "sgd":
        return optim.SGD(params, lr=0.1, momentum=0.9)
    return optim.Adam(params, lr=0.01)


def batches():
    """STEPS global batches of GLOBAL_BATCH images (1×8×8) and labels, the same everywhere."""
    rng = np.random.default_rng(0)
    for _ in range(STEPS):
        x = rng.standard_normal((GLOBAL_BATCH, 1, 8, 8)).astype(np.float32)
        y = rng.integers(0, CLASSES, GLOBAL_BATCH)
        yield x, y
