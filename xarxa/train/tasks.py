"""Named datasets, models, losses and optimizers: the building blocks of ``xarxa train``.

Everything the command line accepts by name is resolved here, with per-dataset
defaults chosen so that the default run (an MLP on the shipped digits) reaches ≥ 95 %
test accuracy in seconds.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..data import TensorDataset, datasets
from ..tensor import Tensor

__all__ = ["DATASETS", "MODELS", "LOSSES", "OPTIMIZERS", "Task", "load_task", "defaults",
           "image_spec", "model_config", "check_loss", "make_loss", "make_optimizer"]

IMAGE_SETS = ("digits", "fashion-mnist", "mnist", "kmnist")
TABLE_SETS = ("xor", "and", "or", "moons", "spirals", "blobs")
DATASETS = IMAGE_SETS + TABLE_SETS
MODELS = ("mlp", "perceptron", "lenet5", "cnn")
LOSSES = ("cross-entropy", "focal", "multi-margin", "mse", "perceptron")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")

_CLASS_NAMES = {
    "fashion-mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                      "Shirt", "Sneaker", "Bag", "Ankle boot"],
}

# Hyper-parameters per dataset (then per model, below); command-line flags override.
_DATASET_DEFAULTS = {
    "digits": dict(epochs=30, batch_size=32, optimizer="sgd", lr=0.05, momentum=0.9,
                   hidden=[256], activation="relu"),
    "mnist-family": dict(epochs=5, batch_size=64, optimizer="sgd", lr=0.05, momentum=0.9,
                         hidden=[256], activation="relu"),
    "gates": dict(epochs=300, batch_size=4, optimizer="sgd", lr=0.1, momentum=0.9,
                  hidden=[8], activation="tanh"),
    "2d": dict(epochs=100, batch_size=32, optimizer="adam", lr=0.01, momentum=0.0,
               hidden=[64, 64], activation="relu"),
}
_MODEL_DEFAULTS = {
    "perceptron": dict(optimizer="sgd", lr=1.0, momentum=0.0, batch_size=1, epochs=20,
                       loss="perceptron"),
    "lenet5": dict(epochs=15, lr=0.05),
    "cnn": dict(epochs=10, lr=0.02),
}


def _family(dataset: str) -> str:
    if dataset in ("fashion-mnist", "mnist", "kmnist"):
        return "mnist-family"
    if dataset in ("xor", "and", "or"):
        return "gates"
    return "digits" if dataset == "digits" else "2d"


# When the user picks another optimizer than the default one, the tuned lr and momentum
# above belong to the wrong algorithm (SGD's lr 0.05 and momentum 0.9 cripple RMSprop):
# use these instead (PyTorch's defaults for the adaptive methods).
_OPTIMIZER_DEFAULTS = {
    "sgd": dict(lr=0.05, momentum=0.9),
    "adam": dict(lr=1e-3, momentum=0.0),
    "adamw": dict(lr=1e-3, momentum=0.0),
    "rmsprop": dict(lr=1e-3, momentum=0.0),
    "adagrad": dict(lr=1e-2, momentum=0.0),
}


def defaults(dataset: str, model: str, optimizer: str | None = None) -> dict:
    """The default hyper-parameters for training ``model`` on ``dataset`` (with
    ``optimizer``, when given, instead of the default one)."""
    out = {"loss": "cross-entropy", "weight_decay": 0.0, "nesterov": False}
    out.update(_DATASET_DEFAULTS[_family(dataset)])
    if model in ("lenet5", "cnn") and _family(dataset) == "mnist-family":
        out.update(epochs=3)
    else:
        out.update(_MODEL_DEFAULTS.get(model, {}))
    if optimizer is not None and optimizer != out["optimizer"]:
        if optimizer not in _OPTIMIZER_DEFAULTS:
            raise ValueError(f"unknown optimizer {optimizer!r}; choose one of "
                             f"{', '.join(OPTIMIZERS)}")
        out.update(optimizer=optimizer, **_OPTIMIZER_DEFAULTS[optimizer])
    return out


@dataclass
class Task:
    """A train and a test set with what a model needs to know about them."""

    name: str
    train: TensorDataset
    test: TensorDataset
    input_shape: tuple[int, ...]
    num_classes: int
    class_names: list[str] = field(default_factory=list)


def _upsample(x: np.ndarray, factor: int) -> np.ndarray:
    # Nearest-neighbour: each pixel becomes a factor×factor block (8×8 -> 32×32).
    return np.repeat(np.repeat(x, factor, axis=-2), factor, axis=-1)


def load_task(dataset: str, model: str = "mlp", data_root: str | None = None) -> Task:
    """Load ``dataset`` shaped for ``model`` (LeNet-5 gets 32×32 digits)."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
    if dataset in IMAGE_SETS:
        if dataset == "digits":
            train, test = (datasets.load_digits_arrays(train=t) for t in (True, False))
        else:
            train, test = (datasets.load_mnist_family_arrays(dataset, data_root, train=t)
                           for t in (True, False))
        if model == "lenet5" and train[0].shape[-1] == 8:
            train, test = ((_upsample(x, 4), y) for x, y in (train, test))
    elif dataset in ("xor", "and", "or"):
        train = test = datasets.logic_gate(dataset)  # the truth table is the whole world
    else:
        make = {"moons": datasets.two_moons, "spirals": datasets.spirals,
                "blobs": datasets.imbalanced_blobs}[dataset]
        # Fixed data seeds (not --seed): every run sees the same points.
        train, test = make(seed=0), make(seed=1)
    num_classes = int(max(train[1].max(), test[1].max())) + 1
    names = _CLASS_NAMES.get(dataset, [str(c) for c in range(num_classes)])
    return Task(dataset, TensorDataset(*train), TensorDataset(*test),
                tuple(train[0].shape[1:]), num_classes, names)


def image_spec(dataset: str, model: str) -> tuple[tuple[int, ...], int]:
    """(input shape, number of classes) of ``dataset`` as ``model`` sees it, without
    loading the data (for summaries)."""
    if dataset == "digits":
        return ((1, 32, 32) if model == "lenet5" else (1, 8, 8)), 10
    if dataset in IMAGE_SETS:
        return (1, 28, 28), 10
    return (2,), {"spirals": 2, "blobs": 3}.get(dataset, 2)


def model_config(model: str, input_shape: tuple[int, ...], num_classes: int,
                 hidden: list[int], activation: str, dataset: str = "this dataset") -> dict:
    """Keyword arguments of ``xarxa.models.build(model, ...)`` for such inputs."""
    shape = tuple(input_shape)
    if model == "mlp":
        return {"sizes": [int(np.prod(shape)), *hidden, num_classes], "activation": activation}
    if model == "perceptron":
        if num_classes != 2:
            raise ValueError(f"the perceptron is a binary classifier; {dataset} has "
                             f"{num_classes} classes (try --dataset and, or, xor, moons)")
        return {"in_features": int(np.prod(shape))}
    if len(shape) != 3:
        raise ValueError(f"{model} needs images; {dataset} has inputs of shape {shape} "
                         "(use --model mlp)")
    if model == "lenet5":
        return {"num_classes": num_classes, "in_channels": shape[0]}
    if model == "cnn":
        return {"num_classes": num_classes, "in_channels": shape[0], "image_size": shape[-1]}
    raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")


def check_loss(model: str, loss: str) -> None:
    """Refuse a loss the model cannot learn from (the perceptron has its own rule)."""
    if model == "perceptron" and loss != "perceptron":
        raise ValueError(f"the perceptron learns by the perceptron rule (--loss perceptron); "
                         f"its step output has no gradient for --loss {loss}")
    if model != "perceptron" and loss == "perceptron":
        raise ValueError(f"--loss perceptron is the perceptron rule, only for --model "
                         f"perceptron; {model} needs a differentiable loss such as "
                         "cross-entropy")


def make_loss(name: str, num_classes: int):
    """The loss ``fn(output, target)``; None for the perceptron (its own rule)."""
    from ..nn import functional as F  # noqa: N812
    if name == "perceptron":
        return None
    if name == "cross-entropy":
        return F.cross_entropy
    if name == "focal":
        return lambda out, y: F.focal_loss(out, y, gamma=2.0)
    if name == "multi-margin":
        return F.multi_margin_loss
    if name == "mse":  # L2 between the softmax probabilities and the one-hot targets
        eye = np.eye(num_classes, dtype=np.float32)
        return lambda out, y: F.mse_loss(F.softmax(out, dim=1), Tensor(eye[y.numpy()]))
    raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}")


def make_optimizer(name: str, params, lr: float, momentum: float = 0.0,
                   weight_decay: float = 0.0, nesterov: bool = False):
    """The optimizer called ``name`` over ``params``."""
    from .. import optim
    if momentum and name not in ("sgd", "rmsprop"):
        raise ValueError(f"--momentum applies to sgd and rmsprop, not {name} (Adam's "
                         "momentum is its first beta)")
    if nesterov and name != "sgd":
        raise ValueError(f"--nesterov applies to sgd only, not {name}")
    params = list(params)
    if name == "sgd":
        return optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay,
                         nesterov=nesterov)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if name == "adam":
        return optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if name == "adamw":
        return optim.AdamW(params, lr=lr, weight_decay=weight_decay or 1e-2)
    if name == "adagrad":
        return optim.Adagrad(params, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
