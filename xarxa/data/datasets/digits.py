"""The 8x8 handwritten digits shipped inside xarxa (1,797 images, 10 classes).

The zero-setup dataset for demos, tests and the CLI: it lives in ``digits.npz``
next to this file (see ``DIGITS_LICENSE.txt`` and ``tools/make_digits.py``), so
nothing is downloaded. The train/test split is stored in the file, not drawn at
load time, so it is the same on every NumPy version.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

__all__ = ["load_digits_arrays", "NUM_CLASSES", "CLASSES"]

NUM_CLASSES = 10
CLASSES = [str(d) for d in range(NUM_CLASSES)]  # label i is the digit i (scikit-learn's names)
_FILE = "digits.npz"


def _load_npz() -> dict[str, np.ndarray]:
    # importlib.resources also works when the package is installed as a zip/wheel.
    with resources.files(__package__).joinpath(_FILE).open("rb") as f:
        with np.load(f, allow_pickle=False) as npz:
            return {key: npz[key] for key in ("images", "labels", "test_mask")}


def load_digits_arrays(train: bool | None = True) -> tuple[np.ndarray, np.ndarray]:
    """Return the digits as ``(images, labels)`` arrays.

    Args:
        train: ``True`` for the 80 % training split (1,438 images), ``False`` for
            the 20 % test split (359 images, stratified per class), ``None`` for
            all 1,797 images in file order.

    Shape:
        images: float32 (N, 1, 8, 8), pixel values scaled from 0..16 to [0, 1].
        labels: int64 (N,), values 0..9.

    Example:
        >>> x, y = load_digits_arrays(train=False)
        >>> x.shape, y.shape
        ((359, 1, 8, 8), (359,))
    """
    if train is not None and not isinstance(train, (bool, np.bool_)):
        raise TypeError(
            f"load_digits_arrays: train must be True, False or None, got {train!r}"
        )
    data = _load_npz()
    images, labels = data["images"], data["labels"]
    if train is not None:
        keep = ~data["test_mask"] if bool(train) else data["test_mask"]
        images, labels = images[keep], labels[keep]
    x = (images.astype(np.float32) / np.float32(16.0))[:, None, :, :]
    return x, labels.astype(np.int64)
