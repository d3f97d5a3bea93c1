"""Exact curvature from Hessian-vector products, and what PyHessian reads from them.

A Hessian-vector product needs no Hessian and no finite differences (Pearlmutter, 1994):
the gradient g = ∇L is computed once with ``create_graph=True``, so that g is itself the
output of a graph, and each product is one more backward through that graph,

    Hv = ∇θ ⟨∇θ L, v⟩,

exact up to rounding in the parameters' own dtype (a float32 model is read in float32)
for about the cost of two gradients. Everything in ``inspect`` that reads curvature is
built on it: ``hessian`` (n products, one per column), ``top_eigenvalues`` (Lanczos) and
the two quantities of PyHessian (Yao, Gholami, Keutzer & Mahoney, 2020, "PyHessian:
Neural Networks Through the Lens of the Hessian"):

* ``hessian_trace``: Hutchinson's estimator, tr H = E[vᵀHv] over Rademacher vectors v
  (entries ±1), with its standard error;
* ``eigenvalue_density``: stochastic Lanczos quadrature (SLQ), the spectral density
  ρ(λ) = (1/n)·Σᵢ δ(λ − λᵢ) estimated from a few Lanczos runs: each run's tridiagonal
  matrix gives nodes (its eigenvalues) and weights (the squared first components of its
  eigenvectors), a Gauss quadrature of vᵀ f(H) v; ``Density.evaluate`` broadens the
  nodes into a curve with Gaussians, as PyHessian draws it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from ..tensor import Tensor

__all__ = ["Density", "TraceEstimate", "eigenvalue_density", "hessian_trace"]


def _param_list(params, fn: str) -> list[Tensor]:
    if hasattr(params, "parameters") and callable(params.parameters):  # a Module
        params = params.parameters()
    if isinstance(params, Tensor):
        params = [params]
    try:
        params = list(params)
    except TypeError:
        raise TypeError(f"{fn}: params must be a list of Tensors (or a Module), got "
                        f"{type(params).__name__}") from None
    if not params:
        raise ValueError(f"{fn}: got an empty parameter list")
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{fn}: params[{i}] is a {type(p).__name__}, expected a Tensor")
        if not p.requires_grad or not p.is_leaf:
            raise ValueError(f"{fn}: params[{i}] (shape {p.shape}) must be a leaf tensor with "
                             "requires_grad=True")
        if p.dtype.kind != "f":
            raise TypeError(f"{fn}: params[{i}] has dtype {p.dtype}, expected floating point")
    return params


class _HVP:
    """Hessian-vector products of ``loss_fn()`` at the parameters' current values.

    The loss and its gradient are computed once, the gradient with ``create_graph=True``;
    ``hvp(v)`` takes a flat float64 vector (parameters in order, row-major), hands it to
    the graph in each parameter's own dtype and returns Hv as a flat float64 vector. The
    parameters and their ``.grad`` are never touched (``autograd.grad`` returns the
    gradients instead of accumulating them). ``graph=False``: only ``.gradient``."""

    def __init__(self, loss_fn: Callable[[], Tensor], params: list[Tensor], fn: str,
                 graph: bool = True):
        from ..autograd import enable_grad, grad
        if not callable(loss_fn):
            raise TypeError(f"{fn}: loss_fn must be a callable returning the scalar loss, got "
                            f"{type(loss_fn).__name__}")
        with enable_grad():
            loss = loss_fn()
        if not isinstance(loss, Tensor) or loss.numel() != 1:
            got = tuple(loss.shape) if isinstance(loss, Tensor) else type(loss).__name__
            raise ValueError(f"{fn}: loss_fn must return a one-element Tensor, got {got}")
        if not loss.requires_grad:
            raise ValueError(f"{fn}: the loss does not depend on the parameters (it has "
                             "no graph); is loss_fn computed under no_grad()?")
        self.params, self._grad = params, grad
        self.sizes = [p.numel() for p in params]
        self.n = sum(self.sizes)
        # None for a parameter the loss does not use: its rows of H are zero
        self.grads = grad(loss, params, create_graph=graph, allow_unused=True)
        self.gradient = self._flat(self.grads)

    def _flat(self, tensors) -> np.ndarray:
        return np.concatenate([np.zeros(s) if t is None else t._data.astype(np.float64).ravel()
                               for t, s in zip(tensors, self.sizes)])

    def __call__(self, v: np.ndarray) -> np.ndarray:
        terms, start = [], 0
        for g, p, size in zip(self.grads, self.params, self.sizes):
            # a gradient that does not depend on the parameters (L linear in p) has no
            # graph: its part of ⟨g, v⟩ is constant and adds nothing to Hv
            if g is not None and g.requires_grad:
                piece = Tensor(np.asarray(v[start:start + size], dtype=p.dtype)
                               .reshape(p.shape))
                terms.append((g * piece).sum())
            start += size
        if not terms:
            return np.zeros(self.n)
        dot = terms[0]
        for t in terms[1:]:
            dot = dot + t
        # retain_graph: the gradient's graph serves every product
        return self._flat(self._grad(dot, self.params, retain_graph=True, allow_unused=True))


class _Lanczos:
    """Lanczos tridiagonalisation with full reorthogonalisation, one product at a time.

    ``step()`` multiplies the newest basis vector by H, records αⱼ = qⱼᵀHqⱼ, removes from
    the result its components along the whole basis (twice is enough: rounding would
    otherwise bring back copies of converged eigenvectors, "ghost" eigenvalues) and
    returns βⱼ, the norm of what is left; ``extend()`` makes that the next basis vector
    (or a given one, after a breakdown). ``tridiagonal()`` is T = Qᵀ H Q so far."""

    def __init__(self, hvp: Callable, start: np.ndarray, m: int):
        self.hvp, self.m = hvp, m
        self.basis = np.empty((m, start.size))
        self.basis[0] = start / np.linalg.norm(start)
        self.alpha: list[float] = []
        self.beta: list[float] = []

    def _orthogonalise(self, w: np.ndarray) -> np.ndarray:
        q = self.basis[:len(self.alpha)]
        for _ in range(2):
            w = w - q.T @ (q @ w)
        return w

    def step(self) -> float:
        j = len(self.alpha)
        w = self.hvp(self.basis[j])
        self.alpha.append(float(self.basis[j] @ w))
        self.w = self._orthogonalise(w)
        return float(np.linalg.norm(self.w))

    def extend(self, b: float, direction: np.ndarray | None = None) -> None:
        """The next basis vector: the residual over β, or (β = 0: the basis spans an
        invariant subspace) ``direction`` made orthogonal to the basis."""
        j = len(self.alpha)
        if direction is None:
            self.basis[j] = self.w / b
        else:
            w = self._orthogonalise(direction)
            self.basis[j], b = w / np.linalg.norm(w), 0.0
        self.beta.append(b)

    def tridiagonal(self) -> np.ndarray:
        return np.diag(self.alpha) + np.diag(self.beta, 1) + np.diag(self.beta, -1)

    def breakdown(self, b: float) -> bool:
        """Whether β is zero up to rounding (relative to the largest α seen)."""
        return b <= 1e-10 * max(1.0, float(np.abs(self.alpha).max()))


def _rademacher(rng: np.random.Generator, n: int) -> np.ndarray:
    return 2.0 * rng.integers(0, 2, size=n) - 1.0


class TraceEstimate(NamedTuple):
    """What ``hessian_trace`` returns: the estimate of tr H, its standard error (the
    sample standard deviation of the vᵀHv over √samples; nan for one sample) and the
    vᵀHv themselves, one per Rademacher vector."""
    trace: float
    stderr: float
    values: np.ndarray


#: Hutchinson's estimate may stop early (``tol``) only after this many samples: a
#: standard error from fewer is itself too noisy to trust.
MIN_SAMPLES = 10


def hessian_trace(loss_fn: Callable[[], Tensor], params, samples: int = 100,
                  tol: float | None = 1e-3, *, seed: int = 0) -> TraceEstimate:
    """Hutchinson's estimate of the Hessian's trace, tr H = E[vᵀHv], from exact
    Hessian-vector products (PyHessian's ``trace``).

    With v of independent ±1 entries (Rademacher), E[vvᵀ] = I, so vᵀHv is an unbiased
    sample of tr H; its variance, 2·Σᵢ≠ⱼ Hᵢⱼ², vanishes for a diagonal H. The mean of
    the samples is the estimate, their standard deviation over √k its standard error.

    Args:
        loss_fn: a closure ``() -> scalar Tensor`` computing the loss from the current
            values of ``params`` (called once; any dtype: the products are computed in
            the parameters' own).
        params: the tensors (requires_grad leaves) or a Module.
        samples: the most Rademacher vectors (one Hessian-vector product each).
        tol: stop early, after at least ``MIN_SAMPLES``, once the standard error is at
            most ``tol``·|estimate|; None uses every sample.
        seed: vector k is ``2·rng.integers(0, 2, size=n) − 1``, the k-th such draw of
            ``np.random.default_rng(seed)`` (n parameters, flattened in order).

    Returns:
        A ``TraceEstimate(trace, stderr, values)``.

    Example:
        >>> est = hessian_trace(lambda: F.mse_loss(model(x), y), model, samples=200)
        >>> print(f"tr H = {est.trace:.3f} ± {est.stderr:.3f}")
    """
    params = _param_list(params, "hessian_trace")
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise ValueError(f"hessian_trace: samples must be a positive integer, got {samples!r}")
    hvp = _HVP(loss_fn, params, "hessian_trace")
    rng = np.random.default_rng(seed)
    values: list[float] = []
    stderr = math.nan
    for k in range(1, int(samples) + 1):
        v = _rademacher(rng, hvp.n)
        values.append(float(v @ hvp(v)))
        if k > 1:
            stderr = float(np.std(values, ddof=1) / math.sqrt(k))
            if tol is not None and k >= MIN_SAMPLES and \
                    stderr <= tol * abs(float(np.mean(values))):
                break
    return TraceEstimate(float(np.mean(values)), stderr, np.array(values))


@dataclass(repr=False)
class Density:
    """What ``eigenvalue_density`` returns: one Gauss quadrature per start vector.

    Attributes:
        nodes: per start vector, the eigenvalues of its Lanczos tridiagonal matrix
            (ascending): where the spectrum's mass is.
        weights: per start vector, the matching weights (squared first components of
            the tridiagonal matrix's eigenvectors); each run's weights sum to 1.
        n: the number of parameters (the Hessian is n×n).

    The density is ρ(λ) ≈ mean over runs of Σᵢ wᵢ δ(λ − λᵢ); ``evaluate`` broadens each
    δ into a Gaussian, ``curve`` picks a grid for it.
    """

    nodes: list[np.ndarray]
    weights: list[np.ndarray]
    n: int

    def default_sigma(self) -> float:
        """1% of the spread of the nodes (1% of the largest |node| when they coincide)."""
        lo, hi = self.range()
        return 0.01 * ((hi - lo) or max(abs(hi), 1e-12))

    def range(self) -> tuple[float, float]:
        """The smallest and largest node over every run."""
        return (float(min(n.min() for n in self.nodes)),
                float(max(n.max() for n in self.nodes)))

    def evaluate(self, grid, sigma: float | None = None) -> np.ndarray:
        """The Gaussian-broadened density on ``grid``: mean over runs of
        Σᵢ wᵢ·exp(−(t − λᵢ)²/2σ²)/(σ√2π); it integrates to 1 over the real line."""
        t = np.asarray(grid, dtype=np.float64)
        s = self.default_sigma() if sigma is None else float(sigma)
        if not s > 0:
            raise ValueError(f"Density.evaluate: sigma must be positive, got {sigma!r}")
        total = np.zeros(t.shape)
        for nodes, weights in zip(self.nodes, self.weights):
            z = (t[..., None] - nodes) / s
            total += (weights * np.exp(-0.5 * z * z)).sum(axis=-1)
        return total / (len(self.nodes) * s * math.sqrt(2 * math.pi))

    def curve(self, num: int = 1000, sigma: float | None = None):
        """``(grid, density)``: ``num`` points from 5σ below the smallest node to 5σ above
        the largest, and the broadened density on them."""
        s = self.default_sigma() if sigma is None else float(sigma)
        lo, hi = self.range()
        grid = np.linspace(lo - 5 * s, hi + 5 * s, num)
        return grid, self.evaluate(grid, s)

    def trace(self) -> float:
        """The trace SLQ implies, n·mean(Σᵢ wᵢλᵢ): with the same Rademacher starts it is
        Hutchinson's estimate (vᵀHv = n·qᵀHq for q = v/√n)."""
        return self.n * float(np.mean([w @ x for x, w in zip(self.nodes, self.weights)]))

    def __repr__(self) -> str:
        lo, hi = self.range()
        return (f"Density({len(self.nodes)} runs of {len(self.nodes[0])} nodes, "
                f"{self.n} parameters, eigenvalues in [{lo:.4g}, {hi:.4g}])")


def eigenvalue_density(loss_fn: Callable[[], Tensor], params, steps: int = 100,
                       n_vectors: int = 1, *, seed: int = 0) -> Density:
    """The Hessian's eigenvalue density by stochastic Lanczos quadrature (PyHessian's
    ``density``), from exact Hessian-vector products.

    Each of ``n_vectors`` runs starts from a Rademacher vector q = v/√n and takes
    ``steps`` Lanczos iterations with full reorthogonalisation; the eigenvalues θᵢ of
    the tridiagonal T and the squared first components wᵢ of its eigenvectors make a
    Gauss quadrature qᵀ f(H) q ≈ Σᵢ wᵢ f(θᵢ), whose mean over q is (1/n)·tr f(H) — the
    integral of f against the spectral density. ``steps`` is capped at n (then T holds
    the whole spectrum); a run stops earlier when its Krylov space is invariant (β = 0),
    its quadrature then being exact.

    Args:
        loss_fn, params: as for ``hessian_trace``.
        steps: Lanczos iterations (Hessian-vector products) per run.
        n_vectors: how many runs (random start vectors).
        seed: start vector k is ``2·rng.integers(0, 2, size=n) − 1`` over √n, the k-th
            such draw of ``np.random.default_rng(seed)`` (as for ``hessian_trace``).

    Returns:
        A ``Density``: ``.nodes``, ``.weights`` per run, ``.evaluate(grid, sigma)``.

    Example:
        >>> d = eigenvalue_density(lambda: F.cross_entropy(model(x), y), model, steps=30)
        >>> grid, rho = d.curve()
    """
    params = _param_list(params, "eigenvalue_density")
    for name, value in (("steps", steps), ("n_vectors", n_vectors)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"eigenvalue_density: {name} must be a positive integer, got "
                             f"{value!r}")
    hvp = _HVP(loss_fn, params, "eigenvalue_density")
    rng = np.random.default_rng(seed)
    m = min(int(steps), hvp.n)
    nodes, weights = [], []
    for _ in range(int(n_vectors)):
        run = _Lanczos(hvp, _rademacher(rng, hvp.n), m)
        for j in range(m):
            b = run.step()
            if j + 1 == m or run.breakdown(b):
                break
            run.extend(b)
        theta, s = np.linalg.eigh(run.tridiagonal())
        nodes.append(theta)
        weights.append(s[0] ** 2)
    return Density(nodes, weights, hvp.n)
