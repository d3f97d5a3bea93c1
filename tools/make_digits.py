"""Convert scikit-learn's ``digits.csv.gz`` into xarxa's shipped ``digits.npz``.

Run once, by hand; the result is committed so that nothing downloads at run time::

    pip download --no-deps -d /tmp/skl scikit-learn
    unzip -o /tmp/skl/scikit_learn-*.whl 'sklearn/datasets/data/digits.csv.gz' -d /tmp/skl
    python tools/make_digits.py /tmp/skl/sklearn/datasets/data/digits.csv.gz

The csv has 1,797 rows of 64 pixel values (0..16) followed by the label. The npz
holds ``images`` uint8 (1797, 8, 8), ``labels`` uint8 (1797,) and ``test_mask``
bool (1797,): a stratified 80/20 split drawn once with seed 0 and *stored*, so
the split never depends on the NumPy version that loads it.
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

import numpy as np

N_SAMPLES = 1797
TEST_FRACTION = 0.2
SEED = 0
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "xarxa" / "data" / "datasets" / "digits.npz"


def read_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Parse the csv.gz into uint8 images (N, 8, 8) and labels (N,), checking ranges."""
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    if table.shape != (N_SAMPLES, 65):
        raise ValueError(f"make_digits: expected a (1797, 65) table, got {table.shape}")
    pixels, labels = table[:, :64], table[:, 64]
    if pixels.min() < 0 or pixels.max() > 16 or labels.min() < 0 or labels.max() > 9:
        raise ValueError("make_digits: pixels must lie in 0..16 and labels in 0..9")
    return pixels.reshape(-1, 8, 8).astype(np.uint8), labels.astype(np.uint8)


def stratified_test_mask(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Mark round(fraction * n_c) random samples of every class c as test samples."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(labels.shape, dtype=bool)
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        chosen = rng.permutation(idx)[: int(round(fraction * idx.size))]
        mask[chosen] = True
    return mask


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="path to sklearn's digits.csv.gz")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="npz to write")
    args = parser.parse_args(argv)
    images, labels = read_csv(args.csv)
    test_mask = stratified_test_mask(labels, TEST_FRACTION, SEED)
    np.savez_compressed(args.out, images=images, labels=labels, test_mask=test_mask)
    print(f"wrote {args.out}: {len(labels)} samples, {int(test_mask.sum())} in the test split")


if __name__ == "__main__":
    main()
