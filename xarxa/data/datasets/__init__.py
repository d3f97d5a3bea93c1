"""Datasets as NumPy arrays: shipped digits, MNIST-family IDX files, synthetic sets.

These loaders return plain arrays (images float32 NCHW in [0, 1], labels int64);
wrapping them in ``Dataset`` objects is the job of ``xarxa.data``.
"""

from .digits import load_digits_arrays
from .idx import read_idx
from .mnist import MNIST_FAMILY, load_mnist_family_arrays
from .synthetic import (
    imbalanced_blobs,
    linear_with_outliers,
    logic_gate,
    spirals,
    two_moons,
)

__all__ = [
    "MNIST_FAMILY",
    "imbalanced_blobs",
    "linear_with_outliers",
    "load_digits_arrays",
    "load_mnist_family_arrays",
    "logic_gate",
    "read_idx",
    "spirals",
    "two_moons",
]
