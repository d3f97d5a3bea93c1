"""Named datasets, models, losses and optimizers: the building blocks of ``xarxa train``.

Everything the command line accepts by name is resolved here, with per-dataset
defaults chosen so that the default run (an MLP on the shipped digits) reaches ≥ 95 %
test accuracy in seconds.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...data import TensorDataset, datasets
from .. import catalog

__all__ = ["MINERS", "Task", "load_task", "defaults", "default_dataset", "image_spec",
           "model_class", "model_config", "model_options", "task_kind", "check_loss",
           "make_loss", "make_optimizer", "runner", "CANVASES", "MODEL_OPTIONS"]

# --miner: how the Siamese task picks its triplets (notes 1.3.8; see siamese_task.py).
MINERS = ("none", "batch-hard", "semi-hard", "offline")
# The canvases `xarxa train --dataset fashion-canvas` makes of each split (--subset: fewer).
CANVASES = {True: 12000, False: 2000}


# Constructor options that only some models take (their `options`), as `xarxa train
# --<option>` gives them: --decoder, the UNet decoder's upsampling (notes 1.6.2).
MODEL_OPTIONS = tuple(sorted({o for cls in catalog.MODELS.values() for o in cls.options}))


def _family(dataset: str) -> str:
    return catalog.DATASETS[dataset].family


def _build_dataset(dataset: str, train: bool, root: str | None):
    """The TensorDataset (with its .classes) of one split of a catalogue dataset."""
    family = _family(dataset)
    if family == "digits":
        return datasets.digits(train=train)
    if family == "mnist-family":
        return datasets.mnist_family(dataset, root, train)
    if family == "gates":  # the truth table is the whole world: the same rows to test on
        return datasets.synthetic(dataset)
    if family == "2d":  # fixed data seeds (not --seed): every run sees the same points
        return datasets.synthetic(dataset, seed=0 if train else 1)
    # segmentation: Fashion-MNIST items on 64×64 canvases, the layout from a fixed seed
    return datasets.fashion_canvas(train=train, root=root, n=CANVASES[train])


# Hyper-parameters per dataset family (then per model: its `recipes`, models/facts.py);
# command-line flags override. val_split: the fraction of the training set held out for
# validation (notes 1.4.6); the logic gates have only their four rows, all needed for
# training, so none is held out.
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


def model_class(model: str):
    """The class of the catalogue's `model` (its facts: models/facts.py)."""
    return catalog.MODELS[catalog.canonical("models", model)]


def task_kind(model: str) -> str:
    """"classification", "segmentation" or "siamese": which task trains `model`."""
    return model_class(model).task


def _unknown(what: str, name, registry) -> ValueError:
    return ValueError(f"unknown {what} {name!r}; choose one of {', '.join(registry)}")


def defaults(dataset: str, model: str, optimizer: str | None = None) -> dict:
    """The default hyper-parameters for training ``model`` on ``dataset`` (with
    ``optimizer``, when given, instead of the default one)."""
    dataset = catalog.canonical("datasets", dataset)
    family = _family(dataset)
    out = {"loss": "cross_entropy", "weight_decay": 0.0, "nesterov": False}
    out.update(_DATASET_DEFAULTS[family])
    recipes = model_class(model).recipes
    out.update(recipes.get(family, recipes.get("*", {})))
    if optimizer is not None and optimizer != out["optimizer"]:
        optimizer = catalog.canonical("optimizers", optimizer)
        out.update(optimizer=optimizer, **catalog.OPTIMIZERS[optimizer].defaults)
    return out


def default_dataset(model: str) -> str:
    """The dataset ``xarxa train --model model`` uses when none is given."""
    kind = task_kind(model)
    if kind == "segmentation":
        return _SEGMENTATION_SETS[0]
    return "fashion-mnist" if kind == "siamese" else "digits"


_SEGMENTATION_SETS = tuple(n for n, d in catalog.DATASETS.items() if d.family == "canvas")


def runner(model: str):
    """The module that trains, scores and reports ``model`` when it is no classifier
    (``train(config, progress, verbose, overwrite)``, ``evaluate(ckpt, config, path,
    data_root)``, ``report(results)``), or None for the classifiers of ``run.py``."""
    kind = task_kind(model)
    if kind == "classification":
        return None
    import importlib
    return importlib.import_module(f".{kind}_task", __package__)


def check_task(model: str, dataset: str) -> None:
    """Refuse a dataset the model cannot learn: segmentation networks need per-pixel
    masks (fashion-canvas), which the other models cannot use."""
    dataset = catalog.canonical("datasets", dataset)
    if _family(dataset) is None:
        raise ValueError(f"{dataset} is a playground dataset; xarxa train takes "
                         f"{', '.join(catalog.names('datasets', 'train'))}")
    segmenter = task_kind(model) == "segmentation"
    if segmenter and dataset not in _SEGMENTATION_SETS:
        raise ValueError(f"{model} segments images: it needs per-pixel masks, which "
                         f"{dataset} has not (use --dataset {_SEGMENTATION_SETS[0]})")
    if dataset in _SEGMENTATION_SETS and not segmenter:
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


def load_task(dataset: str, model: str = catalog.DEFAULT_MODEL, data_root: str | None = None,
              subset: int | None = None) -> Task:
    """Load ``dataset`` shaped for ``model`` (LeNet-5 gets 32×32 digits); the class
    names are the dataset's own ``.classes``. ``subset``: keep only the first ``subset``
    samples of the training set and of the test set (quick runs and tests)."""
    check_task(model, dataset)
    _check_subset(subset)
    if dataset in _SEGMENTATION_SETS:   # canvases are drawn, not cut: make only as many
        train, test = (datasets.fashion_canvas(train=split, root=data_root,
                                               n=min(subset or CANVASES[split],
                                                     CANVASES[split]))
                       for split in (True, False))
        size = train.size
        return Task(dataset, train, test, (1, size, size), len(train.classes),
                    list(train.classes))
    train, test = (_build_dataset(dataset, split, data_root) for split in (True, False))
    if subset is not None:
        train, test = (TensorDataset(*(a[:subset] for a in ds.arrays), classes=ds.classes)
                       for ds in (train, test))
    size, images = model_class(model).input_size, train.arrays[0]
    side = images.shape[-1]
    if size and images.ndim == 4 and side < size and size % side == 0:  # 8×8 digits at 32×32
        train, test = (TensorDataset(_upsample(ds.arrays[0], size // side), ds.arrays[1],
                                     classes=ds.classes) for ds in (train, test))
    names = list(train.classes)
    return Task(dataset, train, test, tuple(train.arrays[0].shape[1:]), len(names), names)


def image_spec(dataset: str, model: str) -> tuple[tuple[int, ...], int]:
    """(input shape, number of classes) of ``dataset`` as ``model`` sees it, without
    loading the MNIST-family files (for summaries)."""
    dataset = catalog.canonical("datasets", dataset)
    family = _family(dataset)
    if family == "mnist-family":
        return (1, 28, 28), len(datasets.mnist_files.CLASSES[dataset])
    if family == "canvas":
        return (1, 64, 64), len(datasets.canvas.CANVAS_CLASSES)
    ds = _build_dataset(dataset, True, None)  # small: the shipped digits or a synthetic set
    shape = tuple(ds.arrays[0].shape[1:])
    size = model_class(model).input_size
    if size and len(shape) == 3 and shape[-1] < size and size % shape[-1] == 0:
        shape = (*shape[:-2], size, size)
    return shape, len(ds.classes)


def model_options(model: str, given: dict) -> dict:
    """The constructor options (``options``) that ``model`` takes, each as ``given`` sets
    it (not None) or its default; an option set for a model that does not take it — a
    constructor option or a task option — is a ValueError naming both (``--decoder`` is
    the UNet's only)."""
    takers_of: dict[str, list] = {}
    for name, cls in catalog.MODELS.items():
        for option in (*cls.options, *cls.task_options):
            takers_of.setdefault(option, []).append(name)
    for option, takers in takers_of.items():
        if given.get(option) is not None and model not in takers:
            raise ValueError(f"--{option} applies to --model {' or '.join(takers)} only, "
                             f"not {model}")
    options = {}
    for option, (choices, default) in model_class(model).options.items():
        value = given.get(option)
        if value is not None and value not in choices:
            raise ValueError(f"--{option} must be one of {', '.join(choices)}, got {value!r}")
        options[option] = default if value is None else value
    return options


def model_config(model: str, input_shape: tuple[int, ...], num_classes: int,
                 hidden: list[int], activation: str, dataset: str = "this dataset",
                 **options) -> dict:
    """Keyword arguments of ``xarxa.models.build(model, ...)`` for such inputs, with the
    constructor ``options`` (e.g. ``decoder=``) the model takes: given ones, else defaults."""
    cls = model_class(model)
    unknown = sorted(set(options) - set(MODEL_OPTIONS))
    if unknown:
        raise TypeError(f"model_config: unknown options {unknown}, expected some of "
                        f"{list(MODEL_OPTIONS)}")
    config = cls.config_for(model, tuple(input_shape), num_classes, list(hidden), activation,
                            dataset)
    return {**config, **model_options(model, options)}


def check_loss(model: str, loss: str) -> None:
    """Refuse a loss the model cannot learn from (the perceptron has its own rule)."""
    loss = catalog.canonical("losses", loss)
    entry, rule = catalog.LOSSES[loss], model_class(model).rule
    if not entry.train:
        raise ValueError(f"--loss {loss} is not one of xarxa train's: "
                         f"{', '.join(catalog.names('losses', 'train'))}")
    if rule is not None and loss != rule:
        raise ValueError(f"the {model} learns by the {rule} rule (--loss {rule}); "
                         f"its step output has no gradient for --loss {loss}")
    if rule is None and entry.rule:
        raise ValueError(f"--loss {loss} is the {loss} rule, only for --model "
                         f"{' or '.join(n for n, c in catalog.MODELS.items() if c.rule == loss)};"
                         f" {model} needs a differentiable loss such as cross_entropy")
    metric_losses = [n for n, e in catalog.LOSSES.items() if e.metric]
    embedders = [n for n, c in catalog.MODELS.items() if c.task == "siamese"]
    if entry.metric != (model in embedders):
        raise ValueError(f"--loss {loss} compares embeddings, only for --model "
                         f"{' or '.join(embedders)}" if entry.metric else
                         f"--model {model} learns embeddings: use --loss "
                         f"{' or '.join(metric_losses)}, not {loss}")


def make_loss(name: str, num_classes: int):
    """The classifier's loss ``fn(output, target)`` called ``name``; None where the task
    builds its own (the perceptron's rule; the metric losses, with --miner and --margin)."""
    entry = catalog.LOSSES[catalog.canonical("losses", name)]
    if not entry.train:
        raise ValueError(f"--loss {name} is not one of xarxa train's: "
                         f"{', '.join(catalog.names('losses', 'train'))}")
    return entry.train(num_classes) if callable(entry.train) else None


def make_optimizer(name: str, params, lr: float, momentum: float = 0.0,
                   weight_decay: float = 0.0, nesterov: bool = False):
    """The optimizer called ``name`` over ``params`` (the catalogue's)."""
    return catalog.make_optimizer(name, params, lr, momentum=momentum,
                                  weight_decay=weight_decay, nesterov=nesterov)
