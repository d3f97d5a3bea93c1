"""From a `Config` to the things a run trains: the data, the input features, the network,
the loss, the optimizer and the schedule.

Each piece is described once, as the name of a public xarxa callable and its keyword
arguments (`data_call`, `optimizer_call`, `schedule_call`, `loss_call`). The run calls
them; `export` writes the same names and arguments into the Python script it downloads,
so the script rebuilds exactly what the page trained (and a test runs it to check).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import nn, optim
from ...autograd.record import call_scope
from ...data.datasets.synthetic import (circles, imbalanced_blobs, linear_with_outliers, spirals,
                                      two_moons, xor_points)
from ...nn import functional as F
from ...random import Generator, use_generator
from ...tensor import Tensor
from .. import catalog
from .config import LOGIT_LOSSES, Config

# feature name -> (its value from the standardised inputs x1, x2 (N, 1) columns, the same
# expression as Python source for the exported script)
FEATURE_FUNCTIONS = {
    "x1": (lambda x1, x2: x1, "x1"),
    "x2": (lambda x1, x2: x2, "x2"),
    "x1sq": (lambda x1, x2: x1 * x1, "x1 * x1"),
    "x2sq": (lambda x1, x2: x2 * x2, "x2 * x2"),
    "x1x2": (lambda x1, x2: x1 * x2, "x1 * x2"),
    "sinx1": (lambda x1, x2: np.sin(x1), "np.sin(x1)"),
    "sinx2": (lambda x1, x2: np.sin(x2), "np.sin(x2)"),
}
GENERATORS = {f.__name__: f for f in (xor_points, two_moons, circles, spirals, imbalanced_blobs,
                                       linear_with_outliers)}
# activation name -> the xarxa.nn module's name (the exported script writes nn.<name>())
ACTIVATION_MODULES = {name: a.value.__name__ for name, a in catalog.ACTIVATIONS.items()}


def data_call(c: Config) -> tuple[str, dict]:
    """The synthetic generator (in xarxa.data.datasets.synthetic) and its arguments."""
    n, noise, seed = c.points, c.noise, c.seed
    return {
        "xor": ("xor_points", dict(n=n, noise=noise, seed=seed)),
        "moons": ("two_moons", dict(n=n, noise=noise, seed=seed)),
        "circles": ("circles", dict(n=n, noise=noise, seed=seed)),
        "spirals": ("spirals", dict(n=n, classes=2, noise=noise, seed=seed)),
        # two blobs 5 apart; the noise slider widens them from std 0.5 to 3
        "blobs": ("imbalanced_blobs", dict(n=n, proportions=(1.0 - c.imbalance, c.imbalance),
                                           seed=seed, std=0.5 + 5.0 * noise)),
        "regression": ("linear_with_outliers", dict(n=n, outlier_fraction=c.outliers,
                                                     seed=seed, noise=noise)),
    }[c.dataset]


def optimizer_call(c: Config) -> tuple[str, dict]:
    """The xarxa.optim class and its arguments (besides the parameters): the catalogue's
    class and fixed settings, with the page's λ (momentum, nesterov), ρ (rmsprop) and
    β₁, β₂ (adam); plain sgd and gd read no momentum from the page."""
    entry = catalog.OPTIMIZERS[c.optimizer]
    kwargs = dict(lr=c.lr, **entry.fixed)
    if "momentum" in entry.fixed:
        kwargs["momentum"] = c.momentum
    if "alpha" in entry.takes:
        kwargs["alpha"] = c.alpha
    if "betas" in entry.takes:
        kwargs["betas"] = (c.beta1, c.beta2)
    return entry.cls.__name__, kwargs


def schedule_call(c: Config) -> tuple[str, dict] | None:
    """The xarxa.optim.lr_scheduler class and its arguments; stepped once per update."""
    return {
        "constant": None,
        "step": ("StepLR", dict(step_size=c.step_size, gamma=c.lr_gamma)),
        "exponential": ("ExponentialLR", dict(gamma=c.lr_gamma)),
        "cosine": ("CosineAnnealingLR", dict(T_max=c.t_max)),
    }[c.schedule]


def loss_call(c: Config) -> tuple[str, dict]:
    """The xarxa.nn.functional loss and its arguments ("weight" is filled in by the caller
    with the class weights of the training labels)."""
    return {
        "mse": ("mse_loss", {}),
        "l1": ("l1_loss", {}),
        "huber": ("huber_loss", dict(delta=c.delta)),
        "hinge": ("hinge_loss", {}),
        "cross_entropy": ("cross_entropy", {}),
        "weighted_cross_entropy": ("cross_entropy", dict(weight=None)),
        "focal": ("focal_loss", dict(gamma=c.gamma)),
    }[c.loss]


@dataclass
class Data:
    """Standardised points (`x_*`, the plane's coordinates), their features (`f_*`, the
    network's inputs) and targets (`t_*`, what the loss compares with); `y_*` are the
    labels (classification) or values (regression) for drawing and accuracy."""
    x_train: np.ndarray
    x_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    f_train: np.ndarray
    f_test: np.ndarray
    t_train: np.ndarray
    t_test: np.ndarray
    mean: np.ndarray
    std: np.ndarray


def features(x: np.ndarray, names) -> np.ndarray:
    """The chosen input features of standardised points x (N, 1 or 2), float32 (N, F)."""
    x1 = x[:, 0:1]
    x2 = x[:, 1:2] if x.shape[1] > 1 else None
    return np.concatenate([FEATURE_FUNCTIONS[n][0](x1, x2) for n in names],
                          axis=1).astype(np.float32)


def targets(c: Config, y: np.ndarray) -> np.ndarray:
    """What the loss compares the score s with: class indices for the logit losses, ±1
    for the others (the sign of s is the predicted class), the values for regression."""
    if c.regression:
        return y
    if c.loss in LOGIT_LOSSES:
        return y
    return (2 * y - 1).astype(np.float32)[:, None]


def make_data(c: Config) -> Data:
    name, kwargs = data_call(c)
    x, y = GENERATORS[name](**kwargs)
    n = c.n_train
    # standardised with the training set's statistics (the test set is not looked at)
    mean, std = x[:n].mean(axis=0), x[:n].std(axis=0)
    x = (x - mean) / std
    f = features(x, c.features)
    t = targets(c, y)
    return Data(x[:n], x[n:], y[:n], y[n:], f[:n], f[n:], t[:n], t[n:], mean, std)


def make_model(c: Config, generator: Generator) -> nn.Sequential:
    """The MLP, its weights drawn from `generator` (seeded with c.seed: the weights that
    `xa.manual_seed(c.seed)` gives, as in the exported script), never from the process-wide
    generator, which another run's thread may be using."""
    act = getattr(nn, ACTIVATION_MODULES[c.activation])
    init = c.init if catalog.INITS[c.init].layer else "pytorch"  # zeros, constant: below
    layers, width = [], len(c.features)
    with use_generator(generator):
        for w in c.hidden:
            layers += [nn.Linear(width, w, init=init), act()]
            width = w
        layers.append(nn.Linear(width, 1, init=init))
    model = nn.Sequential(*layers)
    if c.init in ("zeros", "constant"):
        for layer in model:
            if isinstance(layer, nn.Linear):
                nn.init.constant_(layer.weight, 0.0 if c.init == "zeros" else c.init_value)
                nn.init.zeros_(layer.bias)
    k = 0
    for layer in model:  # names for the forward/backward tables
        if isinstance(layer, nn.Linear):
            k += 1
            layer.weight.name, layer.bias.name = f"W{k}", f"b{k}"
    return model


def make_optimizer(c: Config, model):
    name, kwargs = optimizer_call(c)
    opt = getattr(optim, name)(model.parameters(), **kwargs)
    sched = schedule_call(c)
    if sched is not None:
        sched = getattr(optim.lr_scheduler, sched[0])(opt, **sched[1])
    return opt, sched


def make_loss(c: Config, data: Data):
    """loss(s, t): the configured loss of scores s (N, 1) against targets t."""
    name, kwargs = loss_call(c)
    fn = getattr(F, name)
    if "weight" in kwargs:  # the notes' α_k = 1/f_k of the training labels
        kwargs = dict(kwargs, weight=F.class_weights(data.y_train, 2))
    if c.loss in LOGIT_LOSSES:
        # two-class logits [0, s]: softmax gives (1 − σ(s), σ(s)), so s is class 1's logit;
        # under the loss's own name, the tables show the loss of s (the pad is a helper)
        @call_scope(name)
        def loss(s, t):
            return fn(F.pad(s, (1, 0)), t, **kwargs)
        return loss
    return lambda s, t: fn(s, t, **kwargs)


def batches(c: Config, data: Data, rng: np.random.Generator):
    """Endless (features, targets) batches: the whole training set each time, or
    shuffled mini-batches, a new order drawn from `rng` every epoch."""
    f, t = Tensor(data.f_train, name="x"), Tensor(data.t_train, name="y")
    size = c.batch_len
    if size is None:
        while True:
            yield f, t
    n = len(data.f_train)
    while True:
        order = rng.permutation(n)
        for start in range(0, n, size):
            idx = order[start:start + size]
            yield Tensor(data.f_train[idx], name="x"), Tensor(data.t_train[idx], name="y")


def scores_to_display(c: Config, s: np.ndarray) -> np.ndarray:
    """A score's colour on the plane in [−1, 1]: 2σ(s) − 1 for the logit losses (the
    probability of class 1, rescaled), s clipped to ±1 for the others."""
    if c.loss in LOGIT_LOSSES:
        return np.tanh(s / 2)  # = 2σ(s) − 1, without overflow
    return np.clip(s, -1.0, 1.0)
