"""Every name a user can type, declared once: models, datasets, losses, optimizers,
activations, initialisations, landscape functions and the solver's update rules.

The command line's `choices`, the playground's option lists and the solver's rules are
derived from these tables (`tests/apps/test_catalog.py` checks that they equal them), so a
new entry here is a new option everywhere it applies. A name has one spelling — PyTorch's
where PyTorch has one (`cross_entropy`, `multi_margin`, `binary_cross_entropy`) — and the
spellings of earlier versions are `ALIASES`, accepted wherever a name is read (the command
line, saved run configs, the playground's URLs).

Where the library already has a registry (the models of `xarxa.models`, the two-parameter
functions of `surfaces`), the table here is that registry, not a copy; where the library
keeps its own short list (the MLP's activations, `nn.init.SCHEMES`), a test checks that it
equals the catalogue's. Each entry says which applications offer the name; how an
application builds the thing stays small and next to the entry (`Loss.train`, how `xarxa
train` makes a classifier's loss) or in the application (how the solver prints a loss).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import models, nn, optim
from ..nn import functional as F  # noqa: N812
from ..tensor import Tensor
from .surfaces import SURFACES

__all__ = ["MODELS", "DATASETS", "LOSSES", "OPTIMIZERS", "ACTIVATIONS", "INITS",
           "LANDSCAPES", "RULES", "DEFAULT_MODEL", "ALIASES", "Optimizer", "Loss", "Dataset",
           "Choice", "canonical", "names", "spelling", "option_choices", "make_optimizer"]


# -- models ------------------------------------------------------------------------------------
# name -> class (a variant, such as plainnet = ResNet(residual=False), sets its keyword). The
# facts `xarxa train` needs — the kind of task, the default recipe, how to build its config
# from the data — are on the classes themselves (`task`, `recipes`, `config_for`).
MODELS = models.MODELS
DEFAULT_MODEL = "mlp"   # xarxa train with no --model


def option_choices(option: str) -> tuple:
    """The values of a constructor option (`--decoder`) over the models that take it."""
    return tuple(dict.fromkeys(v for cls in MODELS.values() if option in cls.options
                               for v in cls.options[option][0]))


# -- datasets ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Dataset:
    """A dataset name: which family of defaults `xarxa train` takes for it, and whether the
    playground draws it (the playground's 2-D generators)."""

    family: str | None = None      # xarxa train's defaults family; None: not in xarxa train
    playground: bool = False
    about: str = ""


DATASETS: dict[str, Dataset] = {
    "digits": Dataset("digits", about="8×8 handwritten digits shipped with xarxa"),
    "fashion-mnist": Dataset("mnist-family", about="Fashion-MNIST, 28×28, 10 classes"),
    "mnist": Dataset("mnist-family", about="MNIST, 28×28 handwritten digits"),
    "kmnist": Dataset("mnist-family", about="Kuzushiji-MNIST, 28×28 cursive Japanese"),
    "xor": Dataset("gates", playground=True, about="the XOR truth table (playground: noisy "
                   "points in four quadrants)"),
    "and": Dataset("gates", about="the AND truth table"),
    "or": Dataset("gates", about="the OR truth table"),
    "moons": Dataset("2d", playground=True, about="two interleaved half circles"),
    "circles": Dataset(playground=True, about="a disc inside a ring"),
    "spirals": Dataset("2d", playground=True, about="two interleaved spirals"),
    "blobs": Dataset("2d", playground=True, about="Gaussian blobs (playground: two, "
                     "imbalanced)"),
    "regression": Dataset(playground=True, about="a line with gross outliers (regression)"),
    "fashion-canvas": Dataset("canvas", about="Fashion-MNIST items on 64×64 canvases, a "
                              "class per pixel (segmentation)"),
}


# -- losses ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Loss:
    """A loss name and the applications that offer it.

    `train`: how `xarxa train` makes it for a classifier of k classes (`train(k)` ->
    `fn(logits, labels)`), or True where the task builds it itself (the metric losses of
    --model siamese, with --miner and --margin; the perceptron's rule)."""

    train: Callable | bool = False
    metric: bool = False       # compares embeddings (siamese only)
    rule: bool = False         # not a loss but a model's own learning rule (the perceptron's)
    segmentation: bool = False  # a per-pixel classification loss (--model unet, segnet)
    # the playground: "score" on the network's score s (classification and regression),
    # "sign" on s for ±1 labels (classification), "logits" on the two-class logits [0, s]
    playground: str | bool = False
    solve: bool = False        # xarxa solve (scalar losses with the notes' formulas)


def _mse_on_probabilities(num_classes: int):
    # L2 between the softmax probabilities and the one-hot targets.
    eye = np.eye(num_classes, dtype=np.float32)
    return lambda out, y: F.mse_loss(F.softmax(out, dim=1), Tensor(eye[y.numpy()]))


LOSSES: dict[str, Loss] = {
    "mse": Loss(train=_mse_on_probabilities, playground="score", solve=True),
    "l1": Loss(playground="score", solve=True),
    "huber": Loss(playground="score", solve=True),
    "hinge": Loss(playground="sign", solve=True),
    "cross_entropy": Loss(train=lambda k: F.cross_entropy, segmentation=True,
                          playground="logits"),
    "weighted_cross_entropy": Loss(playground="logits"),
    "focal": Loss(train=lambda k: functools.partial(F.focal_loss, gamma=2.0),
                  playground="logits", solve=True),
    "multi_margin": Loss(train=lambda k: F.multi_margin_loss),
    "binary_cross_entropy": Loss(solve=True),
    "binary_cross_entropy_with_logits": Loss(solve=True),
    "perceptron": Loss(train=True, rule=True),
    "contrastive": Loss(train=True, metric=True),
    "triplet": Loss(train=True, metric=True),
}


# -- optimizers --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Optimizer:
    """An optimizer name: the `xarxa.optim` class, the settings the name fixes, the settings
    a user may change, `xarxa train`'s tuned defaults, and whether the solver prints it."""

    cls: type
    fixed: dict = field(default_factory=dict)
    takes: tuple = ("weight_decay",)
    defaults: dict = field(default_factory=dict)   # lr, momentum for xarxa train
    solve: bool = True
    landscape: bool = True
    playground: bool = True
    train: bool = True
    about: str = ""


_SGD_DEFAULTS = dict(lr=0.05, momentum=0.9)
OPTIMIZERS: dict[str, Optimizer] = {
    "gd": Optimizer(optim.SGD, takes=("weight_decay",), defaults=dict(lr=0.05, momentum=0.0),
                    solve=False, about="plain gradient descent θ ← θ − α∇L (the playground "
                    "uses the whole training set)"),
    "sgd": Optimizer(optim.SGD, takes=("momentum", "nesterov", "weight_decay"),
                     defaults=_SGD_DEFAULTS, landscape=False,
                     about="stochastic gradient descent (with --momentum, heavy-ball momentum)"),
    "momentum": Optimizer(optim.SGD, {"momentum": 0.9}, ("momentum", "weight_decay"),
                          _SGD_DEFAULTS, about="SGD with momentum λ (default 0.9)"),
    "nesterov": Optimizer(optim.SGD, {"momentum": 0.9, "nesterov": True},
                          ("momentum", "weight_decay"), _SGD_DEFAULTS,
                          about="SGD with Nesterov momentum"),
    "adagrad": Optimizer(optim.Adagrad, defaults=dict(lr=1e-2, momentum=0.0),
                         about="AdaGrad: per-parameter steps from the summed squared gradients"),
    "rmsprop": Optimizer(optim.RMSprop, takes=("momentum", "alpha", "weight_decay"),
                         defaults=dict(lr=1e-3, momentum=0.0),
                         about="RMSprop: a moving average of squared gradients"),
    "adam": Optimizer(optim.Adam, takes=("betas", "weight_decay"),
                      defaults=dict(lr=1e-3, momentum=0.0),
                      about="Adam (bias-corrected, as published and in PyTorch)"),
    "adamw": Optimizer(optim.AdamW, {"weight_decay": 1e-2}, ("betas", "weight_decay"),
                       dict(lr=1e-3, momentum=0.0), solve=False, landscape=False,
                       playground=False, about="Adam with decoupled weight decay (default 0.01)"),
}

# The solver's update rules (`xarxa solve --optimizer`), in the order it lists them.
RULES = tuple(name for name, o in OPTIMIZERS.items() if o.solve)


def make_optimizer(name: str, params, lr: float, **settings):
    """The optimizer called `name` over `params`: its fixed settings, then the given ones
    (None or 0/False for "not given"); a setting the name does not take is refused."""
    entry = OPTIMIZERS[canonical("optimizers", name)]
    kwargs = dict(entry.fixed)
    for key, value in settings.items():
        if value is None or value is False or value == 0:  # not given: the name's own
            continue
        if key not in entry.takes:
            takers = [n for n, o in OPTIMIZERS.items() if key in o.takes]
            raise ValueError(f"--{key.replace('_', '-')} applies to {', '.join(takers)}, "
                             f"not {name}" + (" (Adam's momentum is its first beta)"
                                              if key == "momentum" else ""))
        kwargs[key] = value
    return entry.cls(list(params), lr=lr, **kwargs)


# -- activations and initialisations -------------------------------------------------------------
@dataclass(frozen=True)
class Choice:
    """A name of a building block and the applications that offer it."""

    value: object = None
    train: bool = False
    playground: bool = False
    layer: bool = False       # an `init=` scheme of xarxa's layers (nn.init.init_layer)


ACTIVATIONS: dict[str, Choice] = {   # in the notes' order (§1.1)
    "step": Choice(nn.Step, playground=True),
    "sigmoid": Choice(nn.Sigmoid, train=True, playground=True),
    "tanh": Choice(nn.Tanh, train=True, playground=True),
    "relu": Choice(nn.ReLU, train=True, playground=True),
}
INITS: dict[str, Choice] = {   # the notes' §1.4.7 first, then PyTorch's default
    "zeros": Choice(playground=True),
    "constant": Choice(playground=True),
    "notes": Choice(layer=True, playground=True),
    "xavier": Choice(layer=True, playground=True),
    "he": Choice(layer=True, playground=True),
    "pytorch": Choice(layer=True),
}


# -- landscape functions -----------------------------------------------------------------------
LANDSCAPES = SURFACES


# -- spellings ---------------------------------------------------------------------------------
# kind -> {old spelling: the name}
ALIASES: dict[str, dict[str, str]] = {
    "losses": {"cross-entropy": "cross_entropy", "multi-margin": "multi_margin", "l2": "mse",
               "bce": "binary_cross_entropy", "bce-logits": "binary_cross_entropy_with_logits"},
    "optimizers": {},
    "datasets": {},
    "models": {},
}
_TABLES = {"models": MODELS, "datasets": DATASETS, "losses": LOSSES, "optimizers": OPTIMIZERS,
           "activations": ACTIVATIONS, "inits": INITS, "landscapes": LANDSCAPES}


_SINGULAR = {"models": "model", "datasets": "dataset", "losses": "loss",
             "optimizers": "optimizer", "activations": "activation", "inits": "init",
             "landscapes": "landscape function"}


def canonical(kind: str, name: str) -> str:
    """`name`'s one spelling (an old spelling becomes today's); unknown names are a
    ValueError that lists the choices."""
    table = _TABLES[kind]
    name = ALIASES.get(kind, {}).get(name, name)
    if name not in table:
        what = _SINGULAR[kind]
        raise ValueError(f"unknown {what} {name!r}; choose one of {', '.join(table)}")
    return name


def spelling(kind: str):
    """An argparse `type=` for a catalogue name: an old spelling becomes today's (argparse's
    `choices` then check it), so `--loss cross-entropy` keeps working."""
    return lambda text: ALIASES.get(kind, {}).get(text, text)


def names(kind: str, where: str | None = None) -> list[str]:
    """The names of `kind` that application `where` offers (all of them for None): the
    command line's choices and the playground's lists come from here."""
    table = _TABLES[kind]
    if where is None:
        return list(table)
    return [n for n, entry in table.items() if _offers(entry, where)]


def _offers(entry, where: str) -> bool:
    if where == "train" and isinstance(entry, Dataset):
        return entry.family is not None
    return bool(getattr(entry, where, True))

