"""Small synthetic datasets for the notes' examples and exercises.

Every generator is deterministic given ``seed`` (``np.random.default_rng(seed)``)
and returns ``(X, y)`` with ``X`` float32 (N, D); ``y`` is int64 (N,) class indices
for classification and float32 (N, 1) for regression (the shape of an
``nn.Linear(D, 1)`` output, so a loss never broadcasts (N, 1) against (N,)).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["logic_gate", "two_moons", "spirals", "linear_with_outliers", "imbalanced_blobs",
           "xor_points", "circles"]

_GATES = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "xor": (0, 1, 1, 0),
}


def _check_n(fn: str, n: int, minimum: int = 1) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"{fn}: n must be an integer >= {minimum}, got {n!r}")


def _check_noise(fn: str, noise: float) -> None:
    if not noise >= 0:  # also rejects NaN
        raise ValueError(f"{fn}: noise must be >= 0, got {noise!r}")


def _counts(n: int, proportions: np.ndarray) -> np.ndarray:
    """Split n into integer counts by largest remainder, so they sum to exactly n."""
    raw = proportions * n
    counts = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    return counts


def logic_gate(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The 4-point truth table of ``'and'``, ``'or'`` or ``'xor'``.

    Shape:
        X: float32 (4, 2), rows (0,0), (0,1), (1,0), (1,1). y: int64 (4,).

    Example:
        >>> logic_gate("xor")[1].tolist()
        [0, 1, 1, 0]
    """
    key = name.lower() if isinstance(name, str) else name
    if key not in _GATES:
        raise ValueError(f"logic_gate: name must be one of {tuple(_GATES)}, got {name!r}")
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    return x, np.array(_GATES[key], dtype=np.int64)


def two_moons(
    n: int = 200, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (class 0 on top, class 1 below), shuffled.

    Shape:
        X: float32 (n, 2). y: int64 (n,), ceil(n/2) of class 0.

    Example:
        >>> x, y = two_moons(100, noise=0.05, seed=1)
    """
    _check_n("two_moons", n)
    _check_noise("two_moons", noise)
    rng = np.random.default_rng(seed)
    n1 = n // 2
    n0 = n - n1
    t0, t1 = np.linspace(0, math.pi, n0), np.linspace(0, math.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    x = np.concatenate([upper, lower]) + rng.normal(0.0, noise, size=(n, 2))
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    perm = rng.permutation(n)
    return x[perm].astype(np.float32), y[perm]


def spirals(
    n: int = 300, classes: int = 2, noise: float = 0.05, seed: int = 0, turns: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms from the origin to radius 1, shuffled.

    Arm c winds ``turns`` times and is rotated by 2*pi*c/classes; Gaussian noise of
    standard deviation ``noise`` is added to the coordinates. The n points are
    shared as evenly as possible among the arms.

    Shape:
        X: float32 (n, 2). y: int64 (n,).

    Example:
        >>> x, y = spirals(300, classes=3, seed=0)
    """
    _check_n("spirals", n)
    _check_noise("spirals", noise)
    if isinstance(classes, bool) or not isinstance(classes, (int, np.integer)) or classes < 2:
        raise ValueError(f"spirals: classes must be an integer >= 2, got {classes!r}")
    rng = np.random.default_rng(seed)
    counts = _counts(n, np.full(classes, 1.0 / classes))
    xs, ys = [], []
    for c, m in enumerate(counts):
        r = np.linspace(0.05, 1.0, m)
        theta = 2 * math.pi * (turns * r + c / classes)
        xs.append(np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1))
        ys.append(np.full(m, c, dtype=np.int64))
    x = np.concatenate(xs) + rng.normal(0.0, noise, size=(n, 2))
    perm = rng.permutation(n)
    return x[perm].astype(np.float32), np.concatenate(ys)[perm]


def linear_with_outliers(
    n: int = 100,
    slope: float = 2.0,
    intercept: float = 1.0,
    outlier_fraction: float = 0.1,
    seed: int = 0,
    noise: float = 0.1,
    outlier_scale: float = 10.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Points on ``y = slope * x + intercept`` with a few gross outliers.

    For comparing L2 (pulled toward the outliers), L1 and Huber (robust) fits.
    ``x`` is uniform on [-1, 1]; inliers get Gaussian noise of standard deviation
    ``noise``; ``round(outlier_fraction * n)`` points are pushed *up* by a
    uniform amount in [outlier_scale / 2, outlier_scale], one-sided so that the
    bias of the L2 fit is plain to see.

    Shape:
        X: float32 (n, 1). y: float32 (n, 1).

    Example:
        >>> x, y = linear_with_outliers(50, slope=-1.0, intercept=0.5, seed=3)
    """
    _check_n("linear_with_outliers", n)
    _check_noise("linear_with_outliers", noise)
    if not 0.0 <= outlier_fraction <= 1.0:
        raise ValueError(
            f"linear_with_outliers: outlier_fraction must lie in [0, 1], got {outlier_fraction!r}"
        )
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=n)
    y = slope * x + intercept + rng.normal(0.0, noise, size=n)
    outliers = rng.choice(n, size=int(round(outlier_fraction * n)), replace=False)
    y[outliers] += rng.uniform(outlier_scale / 2, outlier_scale, size=outliers.size)
    return x[:, None].astype(np.float32), y[:, None].astype(np.float32)


def imbalanced_blobs(
    n: int = 1000,
    proportions: tuple[float, ...] = (0.8, 0.1, 0.1),
    seed: int = 0,
    std: float = 1.0,
    radius: float = 2.5,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs whose class sizes follow ``proportions``, shuffled.

    The default 80/10/10 split is the notes' exercise 1.6, the setting for
    class-weighted cross-entropy and focal loss. Class c is centred on the point
    at angle 2*pi*c/K of a circle of ``radius``; with ``std=1`` neighbouring
    blobs overlap, so an unweighted classifier favours the majority class.
    Class sizes are ``proportions * n`` rounded by largest remainder (sum = n).

    Shape:
        X: float32 (n, 2). y: int64 (n,), values 0..len(proportions)-1.

    Example:
        >>> x, y = imbalanced_blobs(1000)
        >>> np.bincount(y).tolist()
        [800, 100, 100]
    """
    _check_n("imbalanced_blobs", n)
    p = np.asarray(proportions, dtype=np.float64)
    if p.ndim != 1 or p.size < 2 or np.any(~(p > 0)) or abs(p.sum() - 1.0) > 1e-6:
        raise ValueError(
            "imbalanced_blobs: proportions must be >= 2 positive numbers summing to 1, "
            f"got {proportions!r}"
        )
    if not std >= 0:
        raise ValueError(f"imbalanced_blobs: std must be >= 0, got {std!r}")
    rng = np.random.default_rng(seed)
    counts = _counts(n, p)
    angles = 2 * math.pi * np.arange(p.size) / p.size
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    y = np.repeat(np.arange(p.size, dtype=np.int64), counts)
    x = centres[y] + rng.normal(0.0, std, size=(n, 2))
    perm = rng.permutation(n)
    return x[perm].astype(np.float32), y[perm]


def xor_points(
    n: int = 200, noise: float = 0.0, seed: int = 0, padding: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """XOR as a cloud (the TensorFlow Playground's): points uniform in the square
    [-1, 1]², pushed ``padding`` away from both axes, class 1 where x₁·x₂ < 0 (the
    second and fourth quadrants), then Gaussian noise of standard deviation ``noise``
    added to the coordinates (so points may cross to the other class's side).

    Shape:
        X: float32 (n, 2). y: int64 (n,).

    Example:
        >>> x, y = xor_points(200, noise=0.05, seed=0)
    """
    _check_n("xor_points", n)
    _check_noise("xor_points", noise)
    if not 0.0 <= padding < 1.0:
        raise ValueError(f"xor_points: padding must lie in [0, 1), got {padding!r}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(-(1.0 - padding), 1.0 - padding, size=(n, 2))
    x += np.where(x >= 0, padding, -padding)
    y = (x[:, 0] * x[:, 1] < 0).astype(np.int64)
    x = x + rng.normal(0.0, noise, size=(n, 2))
    return x.astype(np.float32), y


def circles(
    n: int = 200, noise: float = 0.05, seed: int = 0, factor: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 on the outer one (radius 1), class 1 on the inner
    one (radius ``factor``), at uniformly random angles, with Gaussian noise of standard
    deviation ``noise`` on the coordinates; shuffled. No line separates them: a network
    needs a hidden layer, or the squared features x₁², x₂².

    Shape:
        X: float32 (n, 2). y: int64 (n,), ceil(n/2) of class 0.

    Example:
        >>> x, y = circles(200, noise=0.05, factor=0.4, seed=0)
    """
    _check_n("circles", n)
    _check_noise("circles", noise)
    if not 0.0 < factor < 1.0:
        raise ValueError(f"circles: factor must lie in (0, 1), got {factor!r}")
    rng = np.random.default_rng(seed)
    n1 = n // 2
    n0 = n - n1
    theta = rng.uniform(0.0, 2 * math.pi, size=n)
    radius = np.concatenate([np.ones(n0), np.full(n1, factor)])
    x = radius[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)
    x = x + rng.normal(0.0, noise, size=(n, 2))
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    perm = rng.permutation(n)
    return x[perm].astype(np.float32), y[perm]
