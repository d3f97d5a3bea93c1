"""Datasets: the shipped digits, MNIST-family IDX files, synthetic sets for the notes.

Two layers:

* ``digits()``, ``fashion_mnist()``, ``mnist()``, ``kmnist()``, ``mnist_family(name)``,
  ``synthetic(name)`` return ``TensorDataset``s (images float32 NCHW in [0, 1], labels
  int64), ready for a ``DataLoader``, with the class names in ``.classes`` (as
  torchvision's) and all samples at once in ``X, y = ds.tensors``; ``xa.datasets`` is this
  module.
* the array loaders (``load_digits_arrays``, ``load_mnist_family_arrays``,
  ``logic_gate``, ``two_moons``, ``spirals``, ``linear_with_outliers``,
  ``imbalanced_blobs``) return plain NumPy arrays.

Example:
    >>> train, test = xa.datasets.digits(train=True), xa.datasets.digits(train=False)
    >>> len(train), len(test)
    (1438, 359)
    >>> test.classes[:3]
    ['0', '1', '2']
"""
from __future__ import annotations

import os
from typing import Callable

from ..dataset import TensorDataset
from .canvas import FashionCanvas, fashion_canvas  # noqa: F401  (segmentation canvases)
from .digits import CLASSES as _DIGIT_CLASSES
from .digits import load_digits_arrays
from .idx import read_idx
from .mnist_files import CLASSES as _MNIST_CLASSES
from .mnist_files import MNIST_FAMILY, load_mnist_family_arrays
from .synthetic import (
    imbalanced_blobs,
    linear_with_outliers,
    logic_gate,
    spirals,
    two_moons,
)

__all__ = [
    "MNIST_FAMILY",
    "SYNTHETIC",
    "FashionCanvas",
    "digits",
    "fashion_canvas",
    "fashion_mnist",
    "imbalanced_blobs",
    "kmnist",
    "linear_with_outliers",
    "load_digits_arrays",
    "load_mnist_family_arrays",
    "logic_gate",
    "mnist",
    "mnist_family",
    "read_idx",
    "spirals",
    "synthetic",
    "two_moons",
]


def digits(train: bool = True, transform: Callable | None = None) -> TensorDataset:
    """The 8×8 handwritten digits shipped with xarxa (UCI optdigits, CC BY 4.0).

    ``train=True``: the fixed 80 % split (1,438 images); ``False``: the 20 % test split
    (359), stratified, the same on every machine, so "test accuracy on digits"
    always means the same thing.

    Shape:
        samples: image float32 (1, 8, 8) in [0, 1], label int64 in 0..9.

    Example:
        >>> x, y = digits(train=False)[0]
    """
    return TensorDataset(*load_digits_arrays(train=train), transform=transform,
                         classes=_DIGIT_CLASSES)


def mnist_family(name: str = "mnist", root: str | os.PathLike | None = None,
                 train: bool = True, transform: Callable | None = None) -> TensorDataset:
    """MNIST, Fashion-MNIST or KMNIST from local IDX files (60,000 train / 10,000 test).

    Looks in ``root``, ``$XARXA_DATA``, ``~/.cache/xarxa/<name>`` and
    ``/usr/share/datasets/<name>``; nothing is downloaded. A clear error lists where
    it looked and how to get the files.

    Shape:
        samples: image float32 (1, 28, 28) in [0, 1], label int64 in 0..9.

    Example:
        >>> test = mnist_family("mnist", train=False)            # doctest: +SKIP
    """
    return TensorDataset(*load_mnist_family_arrays(name, root=root, train=train),
                         transform=transform, classes=_MNIST_CLASSES[name])


def fashion_mnist(root: str | os.PathLike | None = None, train: bool = True,
                  transform: Callable | None = None) -> TensorDataset:
    """Fashion-MNIST (Zalando; 10 kinds of clothing, 28×28) from local IDX files.

    On Debian/Ubuntu ``apt-get install dataset-fashion-mnist`` puts the files where
    this finds them; otherwise see ``mnist_family``.
    """
    return mnist_family("fashion-mnist", root, train, transform)


def kmnist(root: str | os.PathLike | None = None, train: bool = True,
           transform: Callable | None = None) -> TensorDataset:
    """Kuzushiji-MNIST from local IDX files; see ``mnist_family``."""
    return mnist_family("kmnist", root, train, transform)


def mnist(root: str | os.PathLike | None = None, train: bool = True,
          transform: Callable | None = None) -> TensorDataset:
    """MNIST handwritten digits from local IDX files; see ``mnist_family``."""
    return mnist_family("mnist", root, train, transform)


def _numbered(word: str, count: Callable[[dict], int]) -> Callable[[dict], list[str]]:
    return lambda kw: [f"{word} {c}" for c in range(count(kw))]


# name -> (function returning (X, y) arrays, keyword arguments passed through;
#          the class names given those arguments, or None for regression).
_SYNTHETIC: dict[str, tuple[Callable, Callable[[dict], list[str] | None]]] = {
    "and": (lambda **kw: logic_gate("and", **kw), lambda kw: ["0", "1"]),
    "or": (lambda **kw: logic_gate("or", **kw), lambda kw: ["0", "1"]),
    "xor": (lambda **kw: logic_gate("xor", **kw), lambda kw: ["0", "1"]),
    "moons": (two_moons, lambda kw: ["upper moon", "lower moon"]),
    "spirals": (spirals, _numbered("arm", lambda kw: int(kw.get("classes", 2)))),
    "blobs": (imbalanced_blobs,
              _numbered("blob", lambda kw: len(kw.get("proportions", (0.8, 0.1, 0.1))))),
    "linear-outliers": (linear_with_outliers, lambda kw: None),
}
SYNTHETIC = tuple(_SYNTHETIC)


def synthetic(name: str, **kwargs) -> TensorDataset:
    """A synthetic set of the notes as a ``TensorDataset``.

    ``name``: ``'and'``, ``'or'``, ``'xor'`` (the 4-row truth tables), ``'moons'``,
    ``'spirals'``, ``'blobs'`` (imbalanced, 80/10/10 by default) or
    ``'linear-outliers'`` (regression, targets (N, 1)); keyword arguments go to the
    generator (``n``, ``noise``, ``seed`` …). ``.classes`` names the labels (the gates'
    outputs ``'0'``/``'1'``, ``'upper moon'``/``'lower moon'``, ``'arm c'``,
    ``'blob c'``); it is None for the regression set.

    Example:
        >>> ds = synthetic("moons", n=200, noise=0.1, seed=0)
    """
    if name not in _SYNTHETIC:
        raise ValueError(f"synthetic: unknown dataset {name!r}, expected one of {SYNTHETIC}")
    make, classes = _SYNTHETIC[name]
    return TensorDataset(*make(**kwargs), classes=classes(kwargs))
