"""Named datasets, models, losses and optimizers: the building blocks of ``xarxa train``.

Everything the command line accepts by name is resolved here, with per-dataset
defaults chosen so that the default run (an MLP on the shipped digits) reaches ≥ 95 %
test accuracy in seconds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ... import optim
from ...data import TensorDataset, datasets
from ...models.unet import DECODERS
from ...nn import functional as F  # noqa: N812
from ...tensor import Tensor

__all__ = ["DATASETS", "MODELS", "LOSSES", "OPTIMIZERS", "MINERS", "Task", "load_task",
           "defaults", "default_dataset", "image_spec", "model_config", "model_options",
           "MODEL_OPTIONS", "TASK_OPTIONS", "check_loss", "make_loss", "make_optimizer",
           "runner", "CANVASES"]

IMAGE_SETS = ("digits", "fashion-mnist", "mnist", "kmnist")
# Models that are no classifier, by the kind of task that trains them (a module
# ``xarxa.train.<kind>_task``, see ``runner``), and the datasets each kind takes.
TASK_KINDS = {"siamese": "siamese", "unet": "segmentation", "segnet": "segmentation"}
SEGMENTATION_SETS = ("fashion-canvas",)
# The canvases `xarxa train --dataset fashion-canvas` makes of each split (--subset: fewer).
CANVASES = {True: 12000, False: 2000}
# --miner: how the Siamese task picks its triplets (notes 1.3.8; see siamese_task.py).
MINERS = ("none", "batch-hard", "semi-hard", "offline")
# Constructor options that only some models take, as `xarxa train --<option>` gives them:
# option -> (its choices, {model: its default}). Every other model refuses the option.
# --decoder: the UNet decoder's upsampling (notes 1.6.2; see xarxa/models/unet.py).
MODEL_OPTIONS = {"decoder": (DECODERS, {"unet": "transpose"})}
# Options of a task, not of the model's constructor, that only some models take (the task
# checks their values: siamese_task._settings).
TASK_OPTIONS = {"miner": ("siamese",), "margin": ("siamese",)}

# The registries: each maps a name the command line accepts to how to build the thing
# (argparse's choices are their keys). Add an entry here and `xarxa train` knows it.

# dataset name -> fn(train: bool, data_root) -> TensorDataset carrying its .classes
DATASETS: dict[str, Callable[[bool, str | None], TensorDataset]] = {
    "digits": lambda train, root: datasets.digits(train=train),
    **{name: (lambda train, root, name=name: datasets.mnist_family(name, root, train))
       for name in ("fashion-mnist", "mnist", "kmnist")},
    # The truth table is the whole world: the same four rows to train and to test on.
    **{name: (lambda train, root, name=name: datasets.synthetic(name))
       for name in ("xor", "and", "or")},
    # Fixed data seeds (not --seed): every run sees the same points.
    **{name: (lambda train, root, name=name: datasets.synthetic(name, seed=0 if train else 1))
       for name in ("moons", "spirals", "blobs")},
    # Segmentation (--model unet/segnet): Fashion-MNIST items on 64×64 canvases, the
    # layout drawn from a fixed seed (a FashionCanvas dataset, not a TensorDataset).
    "fashion-canvas": lambda train, root: datasets.fashion_canvas(train=train, root=root,
                                                                  n=CANVASES[train]),
}

# Hyper-parameters per dataset (then per model, below); command-line flags override.
# val_split: the fraction of the training set held out for validation (notes 1.4.6); the
# logic gates have only their four rows, all needed for training, so none is held out.
_DATASET_DEFAULTS = {
    "digits": dict(epochs=30, batch_size=32, optimizer="sgd", lr=0.05, momentum=0.9,
                   hidden=[256], activation="relu", val_split=0.1),
    "mnist-family": dict(epochs=5, batch_size=64, optimizer="sgd", lr=0.05, momentum=0.9,
                         hidden=[256], activation="relu", val_split=0.1),
    "gates": dict(epochs=300, batch_size=4, optimizer="sgd", lr=0.1, momentum=0.9,
                  hidden=[8], activation="tanh", val_split=0.0),
    "2d": dict(epochs=100, batch_size=32, optimizer="adam", lr=0.01, momentum=0.0,
               hidden=[64, 64], activation="relu", val_split=0.1),
    "canvas": dict(epochs=5, batch_size=32, optimizer="adam", lr=1e-3, momentum=0.0,
                   hidden=[], activation="relu", val_split=0.1),
}
# The networks of notes 1.5-1.7: SGD with momentum and a little weight decay, batch 128.
_DEEP = dict(epochs=5, batch_size=128, optimizer="sgd", lr=0.05, momentum=0.9,
             weight_decay=5e-4)
_MODEL_DEFAULTS = {
    "perceptron": dict(optimizer="sgd", lr=1.0, momentum=0.0, batch_size=1, epochs=20,
                       loss="perceptron"),
    "lenet5": dict(epochs=15, lr=0.05),
    "lenet5-modern": dict(epochs=15, lr=0.05),
    "cnn": dict(epochs=10, lr=0.02),
    **{name: _DEEP for name in ("resnet", "plainnet", "densenet", "fcn")},
    # Metric learning: Adam on L2-normalised embeddings, online semi-hard triplets.
    "siamese": dict(epochs=5, batch_size=128, optimizer="adam", lr=1e-3, momentum=0.0,
                    loss="triplet"),
}


def _family(dataset: str) -> str:
    if dataset in ("fashion-mnist", "mnist", "kmnist"):
        return "mnist-family"
    if dataset in SEGMENTATION_SETS:
        return "canvas"
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


def _unknown(what: str, name, registry) -> ValueError:
    return ValueError(f"unknown {what} {name!r}; choose one of {', '.join(registry)}")


def defaults(dataset: str, model: str, optimizer: str | None = None) -> dict:
    """The default hyper-parameters for training ``model`` on ``dataset`` (with
    ``optimizer``, when given, instead of the default one)."""
    if dataset not in DATASETS:
        raise _unknown("dataset", dataset, DATASETS)
    out = {"loss": "cross-entropy", "weight_decay": 0.0, "nesterov": False}
    out.update(_DATASET_DEFAULTS[_family(dataset)])
    if model in ("lenet5", "lenet5-modern", "cnn") and _family(dataset) == "mnist-family":
        out.update(epochs=3)
    else:
        out.update(_MODEL_DEFAULTS.get(model, {}))
    if optimizer is not None and optimizer != out["optimizer"]:
        if optimizer not in OPTIMIZERS:
            raise _unknown("optimizer", optimizer, OPTIMIZERS)
        out.update(optimizer=optimizer, **_OPTIMIZER_DEFAULTS[optimizer])
    return out


def default_dataset(model: str) -> str:
    """The dataset ``xarxa train --model model`` uses when none is given."""
    if TASK_KINDS.get(model) == "segmentation":
        return SEGMENTATION_SETS[0]
    return "fashion-mnist" if model in TASK_KINDS else "digits"


def runner(model: str):
    """The module that trains, scores and reports ``model`` when it is no classifier
    (``train(config, progress, verbose, overwrite)``, ``evaluate(ckpt, config, path,
    data_root)``, ``report(results)``), or None for the classifiers of ``run.py``."""
    kind = TASK_KINDS.get(model)
    if kind is None:
        return None
    import importlib
    return importlib.import_module(f".{kind}_task", __package__)


def check_task(model: str, dataset: str) -> None:
    """Refuse a dataset the model cannot learn: segmentation networks need per-pixel
    masks (fashion-canvas), which the other models cannot use."""
    if dataset not in DATASETS:
        raise _unknown("dataset", dataset, DATASETS)
    segmenter = TASK_KINDS.get(model) == "segmentation"
    if segmenter and dataset not in SEGMENTATION_SETS:
        raise ValueError(f"{model} segments images: it needs per-pixel masks, which "
                         f"{dataset} has not (use --dataset {SEGMENTATION_SETS[0]})")
    if dataset in SEGMENTATION_SETS and not segmenter:
        raise ValueError(f"{dataset} is a segmentation dataset (a class per pixel): use "
                         f"--model unet or segnet, not {model}")


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


def _check_subset(subset) -> int | None:
    if subset is not None and (isinstance(subset, bool) or not isinstance(subset, int)
                               or subset < 1):
        raise ValueError(f"--subset must be a positive number of samples, got {subset!r}")
    return subset


def load_task(dataset: str, model: str = "mlp", data_root: str | None = None,
              subset: int | None = None) -> Task:
    """Load ``dataset`` shaped for ``model`` (LeNet-5 gets 32×32 digits); the class
    names are the dataset's own ``.classes``. ``subset``: keep only the first ``subset``
    samples of the training set and of the test set (quick runs and tests)."""
    check_task(model, dataset)
    _check_subset(subset)
    if dataset in SEGMENTATION_SETS:   # canvases are drawn, not cut: make only as many
        train, test = (datasets.fashion_canvas(train=split, root=data_root,
                                               n=min(subset or CANVASES[split],
                                                     CANVASES[split]))
                       for split in (True, False))
        size = train.size
        return Task(dataset, train, test, (1, size, size), len(train.classes),
                    list(train.classes))
    train, test = (DATASETS[dataset](split, data_root) for split in (True, False))
    if subset is not None:
        train, test = (TensorDataset(*(a[:subset] for a in ds.arrays), classes=ds.classes)
                       for ds in (train, test))
    if model in ("lenet5", "lenet5-modern") and train.arrays[0].shape[-1] == 8:
        train, test = (TensorDataset(_upsample(ds.arrays[0], 4), ds.arrays[1],
                                     classes=ds.classes) for ds in (train, test))
    names = list(train.classes)
    return Task(dataset, train, test, tuple(train.arrays[0].shape[1:]), len(names), names)


def image_spec(dataset: str, model: str) -> tuple[tuple[int, ...], int]:
    """(input shape, number of classes) of ``dataset`` as ``model`` sees it, without
    loading the MNIST-family files (for summaries)."""
    if dataset not in DATASETS:
        raise _unknown("dataset", dataset, DATASETS)
    if dataset in IMAGE_SETS and dataset != "digits":
        return (1, 28, 28), len(datasets.mnist_files.CLASSES[dataset])
    if dataset in SEGMENTATION_SETS:
        return (1, 64, 64), len(datasets.canvas.CANVAS_CLASSES)
    ds = DATASETS[dataset](True, None)  # small: the shipped digits or a synthetic set
    shape = tuple(ds.arrays[0].shape[1:])
    if model in ("lenet5", "lenet5-modern") and shape[-1] == 8:
        shape = (*shape[:-2], 32, 32)
    return shape, len(ds.classes)


# model name -> fn(input shape, classes, hidden sizes, activation, dataset name) -> the
# keyword arguments of ``xarxa.models.build(name, ...)`` (the registry of the models).
def _mlp(shape, num_classes, hidden, activation, dataset):
    return {"sizes": [int(np.prod(shape)), *hidden, num_classes], "activation": activation}


def _perceptron(shape, num_classes, hidden, activation, dataset):
    if num_classes != 2:
        raise ValueError(f"the perceptron is a binary classifier; {dataset} has "
                         f"{num_classes} classes (try --dataset and, or, xor, moons)")
    return {"in_features": int(np.prod(shape))}


def _images(model: str, shape, dataset) -> tuple[int, ...]:
    if len(shape) != 3:
        raise ValueError(f"{model} needs images; {dataset} has inputs of shape {shape} "
                         "(use --model mlp)")
    return shape


def _lenet5(shape, num_classes, hidden, activation, dataset):
    return {"num_classes": num_classes, "in_channels": _images("lenet5", shape, dataset)[0]}


def _cnn(shape, num_classes, hidden, activation, dataset):
    shape = _images("cnn", shape, dataset)
    return {"num_classes": num_classes, "in_channels": shape[0], "image_size": shape[-1]}


def _channels_and_classes(model: str):
    def config(shape, num_classes, hidden, activation, dataset):
        return {"num_classes": num_classes, "in_channels": _images(model, shape, dataset)[0]}
    return config


def _siamese(shape, num_classes, hidden, activation, dataset):
    shape = _images("siamese", shape, dataset)
    if shape[-1] != shape[-2]:
        raise ValueError(f"siamese needs square images; {dataset} has {shape}")
    return {"in_channels": shape[0], "image_size": shape[-1]}


MODELS: dict[str, Callable[..., dict]] = {
    "mlp": _mlp, "perceptron": _perceptron, "lenet5": _lenet5, "cnn": _cnn,
    # notes 1.5-1.7; `xarxa.models.VARIANTS` turns plainnet and lenet5-modern into their
    # classes' residual=False and modern=True.
    **{name: _channels_and_classes(name) for name in
       ("lenet5-modern", "resnet", "plainnet", "densenet", "fcn", "unet", "segnet")},
    "siamese": _siamese,
}


def model_options(model: str, given: dict) -> dict:
    """The ``MODEL_OPTIONS`` that ``model`` takes, each as ``given`` sets it (not None) or
    its default; an option of ``MODEL_OPTIONS`` or ``TASK_OPTIONS`` set for a model that
    does not take it is a ValueError naming both (``--decoder`` is the UNet's only)."""
    takers_of = {**{o: tuple(t) for o, (_, t) in MODEL_OPTIONS.items()}, **TASK_OPTIONS}
    for option, takers in takers_of.items():
        if given.get(option) is not None and model not in takers:
            raise ValueError(f"--{option} applies to --model {' or '.join(takers)} only, "
                             f"not {model}")
    options = {}
    for option, (choices, takers) in MODEL_OPTIONS.items():
        value = given.get(option)
        if model not in takers:
            continue
        if value is not None and value not in choices:
            raise ValueError(f"--{option} must be one of {', '.join(choices)}, got {value!r}")
        options[option] = takers[model] if value is None else value
    return options


def model_config(model: str, input_shape: tuple[int, ...], num_classes: int,
                 hidden: list[int], activation: str, dataset: str = "this dataset",
                 **options) -> dict:
    """Keyword arguments of ``xarxa.models.build(model, ...)`` for such inputs, with the
    ``MODEL_OPTIONS`` (e.g. ``decoder=``) the model takes: given ones, else defaults."""
    if model not in MODELS:
        raise _unknown("model", model, MODELS)
    unknown = sorted(set(options) - set(MODEL_OPTIONS))
    if unknown:
        raise TypeError(f"model_config: unknown options {unknown}, expected some of "
                        f"{list(MODEL_OPTIONS)}")
    config = MODELS[model](tuple(input_shape), num_classes, list(hidden), activation, dataset)
    return {**config, **model_options(model, options)}


def check_loss(model: str, loss: str) -> None:
    """Refuse a loss the model cannot learn from (the perceptron has its own rule)."""
    if loss not in LOSSES:
        raise _unknown("loss", loss, LOSSES)
    if model == "perceptron" and loss != "perceptron":
        raise ValueError(f"the perceptron learns by the perceptron rule (--loss perceptron); "
                         f"its step output has no gradient for --loss {loss}")
    if model != "perceptron" and loss == "perceptron":
        raise ValueError(f"--loss perceptron is the perceptron rule, only for --model "
                         f"perceptron; {model} needs a differentiable loss such as "
                         "cross-entropy")
    metric = loss in METRIC_LOSSES
    if metric != (TASK_KINDS.get(model) == "siamese"):
        raise ValueError(f"--loss {loss} compares embeddings, only for --model siamese"
                         if metric else
                         f"--model siamese learns embeddings: use --loss "
                         f"{' or '.join(METRIC_LOSSES)}, not {loss}")


def _mse_on_probabilities(num_classes: int):
    # L2 between the softmax probabilities and the one-hot targets.
    eye = np.eye(num_classes, dtype=np.float32)
    return lambda out, y: F.mse_loss(F.softmax(out, dim=1), Tensor(eye[y.numpy()]))


# loss name -> fn(number of classes) -> loss ``fn(output, target)``, or None: the model's
# own ``loss(x, y)`` (the perceptron's rule).
LOSSES: dict[str, Callable[[int], Callable | None]] = {
    "cross-entropy": lambda k: F.cross_entropy,
    "focal": lambda k: (lambda out, y: F.focal_loss(out, y, gamma=2.0)),
    "multi-margin": lambda k: F.multi_margin_loss,
    "mse": _mse_on_probabilities,
    "perceptron": lambda k: None,
    # --model siamese: losses on embeddings (notes 1.3.8), built by siamese_task.py with
    # the --miner and --margin they need, not from a number of classes.
    "contrastive": lambda k: None,
    "triplet": lambda k: None,
}
METRIC_LOSSES = ("contrastive", "triplet")


def make_loss(name: str, num_classes: int):
    """The loss ``fn(output, target)``; None for the perceptron (its own rule)."""
    if name not in LOSSES:
        raise _unknown("loss", name, LOSSES)
    return LOSSES[name](num_classes)


# optimizer name -> fn(params, lr, momentum, weight_decay, nesterov) -> optimizer; the
# options an optimizer lacks are refused by make_optimizer (see _TAKES).
OPTIMIZERS: dict[str, Callable] = {
    "sgd": lambda p, lr, m, wd, nesterov: optim.SGD(p, lr=lr, momentum=m, weight_decay=wd,
                                                    nesterov=nesterov),
    "adam": lambda p, lr, m, wd, nesterov: optim.Adam(p, lr=lr, weight_decay=wd),
    "adamw": lambda p, lr, m, wd, nesterov: optim.AdamW(p, lr=lr, weight_decay=wd or 1e-2),
    "rmsprop": lambda p, lr, m, wd, nesterov: optim.RMSprop(p, lr=lr, momentum=m,
                                                            weight_decay=wd),
    "adagrad": lambda p, lr, m, wd, nesterov: optim.Adagrad(p, lr=lr, weight_decay=wd),
}
_TAKES = {"momentum": ("sgd", "rmsprop"), "nesterov": ("sgd",)}


def make_optimizer(name: str, params, lr: float, momentum: float = 0.0,
                   weight_decay: float = 0.0, nesterov: bool = False):
    """The optimizer called ``name`` over ``params``."""
    if name not in OPTIMIZERS:
        raise _unknown("optimizer", name, OPTIMIZERS)
    if momentum and name not in _TAKES["momentum"]:
        raise ValueError(f"--momentum applies to sgd and rmsprop, not {name} (Adam's "
                         "momentum is its first beta)")
    if nesterov and name not in _TAKES["nesterov"]:
        raise ValueError(f"--nesterov applies to sgd only, not {name}")
    return OPTIMIZERS[name](list(params), lr, momentum, weight_decay, nesterov)
