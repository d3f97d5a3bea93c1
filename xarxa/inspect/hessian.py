"""Curvature of a loss (notes 1.4.5, 1.4.8): the Hessian, its eigenvalues, the kind of a
critical point and the dispersion of the eigenvalues (the condition number).

The second derivatives come from the engine's exact first derivatives, differentiated once
more by central differences in float64::

    H[:, j] ≈ (∇L(θ + h·eⱼ) − ∇L(θ − h·eⱼ)) / 2h

which is exact for a quadratic loss (its gradient is linear) and otherwise off by O(h²)
(h ≈ 1e-5·max(1, |θⱼ|): about 1e-10 of truncation against 1e-11 of rounding in float64;
in float32 rounding alone would cost half the digits, hence float64). ``hessian`` builds
the full matrix (2n gradients: small models); ``top_eigenvalues`` never forms it: it runs
Lanczos on Hessian-vector products Hv ≈ (∇L(θ + hv) − ∇L(θ − hv)) / 2h (2 gradients per
product), so it scales to a whole network.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..tensor import Tensor

__all__ = ["Hessian", "hessian", "top_eigenvalues", "flat_gradient"]

#: The largest number of parameters ``hessian`` accepts (the matrix costs 2n gradients and
#: n² floats); beyond it, ``top_eigenvalues``.
MAX_FULL = 4096


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


class _Flat:
    """The parameters as one float64 vector θ, and ∇L(θ) as one vector, for as long as the
    ``with`` block lasts: on entry every parameter's array is replaced by a float64 copy
    (never written in place), on exit the original arrays and gradients are put back."""

    def __init__(self, loss_fn: Callable[[], Tensor], params: list[Tensor], fn: str,
                 dtype=np.float64):
        if not callable(loss_fn):
            raise TypeError(f"{fn}: loss_fn must be a callable returning the scalar loss, got "
                            f"{type(loss_fn).__name__}")
        self.loss_fn, self.params, self.fn = loss_fn, params, fn
        # dtype None: each parameter keeps its own (landscapes of float32 models)
        self.dtypes = [p.dtype if dtype is None else np.dtype(dtype) for p in params]
        self.float64 = dtype is not None and np.dtype(dtype) == np.float64
        self.sizes = [p.numel() for p in params]
        self.n = sum(self.sizes)

    def __enter__(self) -> "_Flat":
        self._saved = [(p._data, p._grad) for p in self.params]
        self.theta = np.concatenate([p._data.astype(np.float64).ravel() for p in self.params])
        return self

    def __exit__(self, *exc) -> None:
        for p, (data, grad) in zip(self.params, self._saved):
            p._data, p._grad = data, grad

    def set(self, theta: np.ndarray) -> None:
        """Give the parameters the values ``theta`` (new arrays, no in-place write)."""
        start = 0
        for p, size, dtype in zip(self.params, self.sizes, self.dtypes):
            p._data = np.array(theta[start:start + size], dtype=dtype).reshape(p.shape)
            start += size

    def loss(self, theta: np.ndarray) -> Tensor:
        self.set(theta)
        for p in self.params:
            p._grad = None
        try:
            loss = self.loss_fn()
        except TypeError as error:
            if self.float64 and "dtype" in str(error):
                raise TypeError(f"{self.fn}: the loss failed with the parameters in float64 "
                                f"({error}); build its inputs in float64 too (x.double(), "
                                "or model.double() with float64 data): finite differences "
                                "of float32 gradients keep only half the digits") from error
            raise
        if not isinstance(loss, Tensor) or loss.numel() != 1:
            got = tuple(loss.shape) if isinstance(loss, Tensor) else type(loss).__name__
            raise ValueError(f"{self.fn}: loss_fn must return a one-element Tensor, got {got}")
        return loss

    def value(self, theta: np.ndarray) -> float:
        from ..autograd import no_grad
        with no_grad():
            return float(self.loss(theta).item())

    def grad(self, theta: np.ndarray) -> np.ndarray:
        """∇L(θ) as one float64 vector (zeros for a parameter the loss does not use)."""
        loss = self.loss(theta)
        if not loss.requires_grad:
            raise ValueError(f"{self.fn}: the loss does not depend on the parameters (it has "
                             "no graph); is loss_fn computed under no_grad()?")
        loss.backward()
        return np.concatenate([np.zeros(s) if p._grad is None else
                               p._grad._data.astype(np.float64).ravel()
                               for p, s in zip(self.params, self.sizes)])


def flat_gradient(loss_fn: Callable[[], Tensor], params) -> np.ndarray:
    """∇L of ``loss_fn()`` with respect to ``params``, flattened into one float64 vector
    (parameter order, row-major), evaluated in float64; the parameters and their ``.grad``
    are left as they were."""
    params = _param_list(params, "flat_gradient")
    with _Flat(loss_fn, params, "flat_gradient") as flat:
        return flat.grad(flat.theta)


@dataclass(repr=False)
class Hessian:
    """What ``hessian`` returns, read as the notes read a Hessian (1.4.5, 1.4.8).

    Attributes:
        matrix: the n×n Hessian (float64, symmetrised), parameters flattened in order.
        eigenvalues: its eigenvalues, ascending.
        eigenvectors: the matching unit eigenvectors, as columns.
        gradient: ∇L at the point (a critical point has ∇L = 0).
        tol: eigenvalues with |λ| ≤ tol are *near zero*: a flat (degenerate) direction,
            left out of the kind and of the condition number.
        gtol: the point is a critical point when ‖∇L‖ ≤ gtol.

    ``print(H)`` writes the reading in words (``H.describe()``); ``repr(H)`` is one line;
    ``H.plot()`` draws the spectrum, and a notebook shows the words and the spectrum.
    """

    matrix: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    gradient: np.ndarray
    tol: float
    gtol: float = 1e-6

    @property
    def near_zero(self) -> np.ndarray:
        """Which eigenvalues are near zero (|λ| ≤ tol): flat directions of the loss."""
        return np.abs(self.eigenvalues) <= self.tol

    @property
    def gradient_norm(self) -> float:
        return float(np.linalg.norm(self.gradient))

    @property
    def critical(self) -> bool:
        """Whether the gradient vanishes here (‖∇L‖ ≤ gtol): only then do the eigenvalues
        say what kind of point it is."""
        return self.gradient_norm <= self.gtol

    @property
    def curvature(self) -> str:
        """The shape of the loss around the point, from the signs of the eigenvalues that
        are not near zero:

        * ``"saddle"``: some λ > 0 and some λ < 0 (the notes' saddle point), whatever the
          flat directions;
        * ``"minimum"`` / ``"maximum"``: every λ > 0 / every λ < 0, none near zero;
        * ``"degenerate"``: the rest have one sign (or there is no rest) but some λ are
          near zero — the second derivatives cannot tell (a valley floor, x⁴ at 0: a
          minimum; x³: not one).
        """
        rest = self.eigenvalues[~self.near_zero]
        pos, neg = bool((rest > 0).any()), bool((rest < 0).any())
        if pos and neg:
            return "saddle"
        if self.near_zero.any():
            return "degenerate"
        return "minimum" if pos else "maximum"

    @property
    def kind(self) -> str:
        """The kind of critical point — ``"minimum"``, ``"maximum"``, ``"saddle"`` or
        ``"degenerate"`` (``curvature``) — or ``"not critical"`` where the gradient does
        not vanish (‖∇L‖ > gtol): a point on a slope is no minimum, whatever its curvature.
        """
        return self.curvature if self.critical else "not critical"

    @property
    def condition_number(self) -> float:
        """The dispersion of the eigenvalues (notes 1.4.8): max |λ| / min |λ| over the
        eigenvalues that are not near zero (a flat direction has no finite ratio; it is
        reported by ``near_zero`` instead).

        Large means an ill-conditioned loss: a narrow valley where one rate is too big for
        the steep direction and too small for the flat one. ``nan`` when every |λ| ≤ tol
        (no curvature at all).
        """
        mags = np.abs(self.eigenvalues[~self.near_zero])
        if not mags.size:
            return math.nan
        return float(mags.max() / mags.min())

    def describe(self) -> str:
        """The reading in words: where the gradient stands, the kind, the eigenvalues,
        the flat directions and the condition number."""
        n, flat = len(self.eigenvalues), int(self.near_zero.sum())
        rest = n - flat
        lam = np.array2string(self.eigenvalues, precision=4, threshold=12, separator=", ")
        grad = f"‖∇L‖ = {self.gradient_norm:.3g}"
        shape = self.curvature
        if shape == "degenerate":
            sign = "positive" if (self.eigenvalues[~self.near_zero] > 0).any() else "negative"
            shape = ("degenerate (flat in every direction: the second derivatives say "
                     "nothing)" if not rest else f"degenerate (the curvature is {sign} "
                     "or zero: the second derivatives cannot tell a "
                     f"{'minimum' if sign == 'positive' else 'maximum'} from a saddle)")
        if self.critical:
            head = f"a critical point ({grad}): {shape}"
        else:
            head = (f"not a critical point ({grad} > {self.gtol:.3g}: the loss still slopes "
                    f"here, so it is no {self.curvature}); its curvature: {shape}")
        lines = [f"Hessian of {n} parameter{'s' if n != 1 else ''}, {head}",
                 f"  eigenvalues {lam}",
                 f"  near zero (|λ| ≤ {self.tol:.3g}): " + (
                     f"{flat}: flat direction{'s' if flat != 1 else ''}, left out of the "
                     "kind and of κ" if flat else "none")]
        if rest:
            over = f"all {n} eigenvalues" if not flat else \
                f"the {rest} eigenvalue{'s' if rest != 1 else ''} not near zero"
            lines.append(f"  condition number κ = max|λ| / min|λ| = "
                         f"{self.condition_number:.4g} over {over}")
        return "\n".join(lines)

    __str__ = describe

    def __repr__(self) -> str:
        lam = np.array2string(self.eigenvalues, precision=4, threshold=8)
        kind = self.kind if self.critical else f"not critical ({self.curvature}-shaped)"
        return (f"Hessian({self.matrix.shape[0]} parameters, kind={kind!r}, "
                f"|grad|={self.gradient_norm:.3g}, eigenvalues={lam}, "
                f"near_zero={int(self.near_zero.sum())}, "
                f"condition_number={self.condition_number:.4g})")


    def plot(self, path=None, title: str | None = None):
        """The eigenvalues as a stem plot, the near-zero band shaded
        (``notebook.spectrum_figure``); written to ``path`` when given. Returns the
        matplotlib ``Figure``."""
        from .notebook import spectrum_figure
        fig = spectrum_figure(self, title)
        if path is not None:
            fig.savefig(path, dpi=100)
        return fig

    def _repr_html_(self) -> str:   # a notebook's cell: the reading in words and the spectrum
        from .notebook import summary_html
        return summary_html(self.describe(), self.plot(), "Hessian spectrum")


def _steps(theta: np.ndarray, h: float) -> np.ndarray:
    return h * np.maximum(1.0, np.abs(theta))


#: Eigenvalues within RTOL·|λmax| of zero are near zero (flat directions), and never less
#: than ATOL: the central differences' own error is ~1e-10 of the curvature's scale.
RTOL, ATOL = 1e-5, 1e-8


def hessian(loss_fn: Callable[[], Tensor], params, h: float = 1e-5,
            tol: float | None = None, *, rtol: float = RTOL,
            gtol: float = 1e-6) -> Hessian:
    """The Hessian of ``loss_fn()`` with respect to ``params``, in float64.

    Column j is the central difference of the exact gradient along parameter j (see the
    module docstring); the matrix is then symmetrised, (H + Hᵀ)/2.

    Args:
        loss_fn: a closure ``() -> scalar Tensor`` that computes the loss from the current
            values of ``params`` (e.g. ``lambda: F.mse_loss(model(x), y)``). It is called
            2n + 1 times with the parameters in float64, so its own tensors (inputs,
            targets) must be float64 too (``model.double()``, ``x.double()``).
        params: the tensors (requires_grad leaves) or a Module; at most ``MAX_FULL``
            numbers in all (use ``top_eigenvalues`` for larger models).
        h: the relative step, hⱼ = h·max(1, |θⱼ|).
        tol: |λ| ≤ tol is *near zero* — a flat direction, left out of ``kind`` and
            ``condition_number`` and counted apart; default ``rtol``·|λmax| (never below
            1e-8, well above the O(h²) error of the differences).
        rtol: the default tolerance relative to the largest |λ|.
        gtol: the gradient norm up to which the point is critical (``kind`` names it).

    The parameters keep their arrays and ``.grad`` (restored afterwards).

    Example:
        >>> w = xa.tensor([0.0, 0.0], dtype=xa.float64, requires_grad=True)
        >>> H = hessian(lambda: w[0] ** 2 - w[1] ** 2, [w])
        >>> H.eigenvalues, H.kind
        (array([-2.,  2.]), 'saddle')
        >>> hessian(lambda: w[0] ** 2 + w[1] ** 4, [w]).kind   # y⁴: flat at 0
        'degenerate'
    """
    params = _param_list(params, "hessian")
    n = sum(p.numel() for p in params)
    if n > MAX_FULL:
        raise ValueError(f"hessian: {n} parameters make a {n}×{n} matrix (2·{n} gradients); "
                         f"the limit is {MAX_FULL}: use top_eigenvalues(loss_fn, params, k), "
                         "which needs only Hessian-vector products")
    with _Flat(loss_fn, params, "hessian") as flat:
        theta = flat.theta
        gradient = flat.grad(theta)
        steps = _steps(theta, h)
        matrix = np.empty((n, n))
        for j in range(n):
            e = np.zeros(n)
            e[j] = steps[j]
            matrix[:, j] = (flat.grad(theta + e) - flat.grad(theta - e)) / (2 * steps[j])
    matrix = 0.5 * (matrix + matrix.T)
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    if tol is None:
        tol = max(rtol * float(np.abs(eigenvalues).max()), ATOL)
    return Hessian(matrix, eigenvalues, eigenvectors, gradient, float(tol), float(gtol))


def top_eigenvalues(loss_fn: Callable[[], Tensor], params, k: int = 1, *,
                    which: str = "largest", max_iter: int = 100, tol: float = 1e-8,
                    h: float = 1e-5, seed: int = 0, return_vectors: bool = False):
    """The ``k`` extreme eigenvalues of the Hessian without forming it: Lanczos iteration
    (with full reorthogonalisation) on Hessian-vector products.

    Each product is a central difference of two exact gradients along the unit vector v,
    Hv ≈ (∇L(θ + εv) − ∇L(θ − εv)) / 2ε with ε = h·max(1, ‖θ‖∞), in float64. Lanczos
    builds an orthonormal Krylov basis; the eigenvalues of the small tridiagonal matrix
    it produces (Ritz values) converge to the extreme eigenvalues first. It stops when the
    k wanted Ritz values' residuals are below ``tol``·max(1, |λ|), after ``max_iter``
    products, or when the basis spans the whole space (then the values are exact).

    Args:
        loss_fn, params: as for ``hessian`` (float64 inputs).
        k: how many eigenvalues.
        which: ``"largest"`` (algebraically: the sharpest curvature, what training's
            stability depends on), ``"smallest"`` (the most negative: a saddle's escape
            direction) or ``"magnitude"`` (largest |λ|, what power iteration finds).
        max_iter: the most Hessian-vector products. tol: the relative residual to reach.
        seed: the random start vector. return_vectors: also return the eigenvectors.

    Returns:
        The eigenvalues, an array of k (descending for "largest" and "magnitude",
        ascending for "smallest"); with ``return_vectors``, also a (k, n) array whose rows
        are the unit eigenvectors (parameters flattened in order).

    Example:
        >>> top_eigenvalues(lambda: F.mse_loss(model(x), y), model, k=3)
    """
    params = _param_list(params, "top_eigenvalues")
    if which not in ("largest", "smallest", "magnitude"):
        raise ValueError(f"top_eigenvalues: which must be 'largest', 'smallest' or "
                         f"'magnitude', got {which!r}")
    n = sum(p.numel() for p in params)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise ValueError(f"top_eigenvalues: k must be an integer in [1, {n}] (the number of "
                         f"parameters), got {k!r}")
    with _Flat(loss_fn, params, "top_eigenvalues") as flat:
        theta = flat.theta
        eps = h * max(1.0, float(np.abs(theta).max()))

        def hvp(v: np.ndarray) -> np.ndarray:
            return (flat.grad(theta + eps * v) - flat.grad(theta - eps * v)) / (2 * eps)

        values, vectors = _lanczos(hvp, n, k, which, max(k, min(int(max_iter), n)), tol,
                                   np.random.default_rng(seed))
    return (values, vectors) if return_vectors else values


def _pick(values: np.ndarray, k: int, which: str) -> np.ndarray:
    order = {"largest": np.argsort(-values), "smallest": np.argsort(values),
             "magnitude": np.argsort(-np.abs(values))}[which]
    return order[:k]


def _lanczos(hvp: Callable, n: int, k: int, which: str, m: int, tol: float,
             rng: np.random.Generator):
    basis = np.empty((m, n))
    alpha, beta = [], []
    v = rng.standard_normal(n)
    basis[0] = v / np.linalg.norm(v)
    for j in range(m):
        w = hvp(basis[j])
        alpha.append(float(basis[j] @ w))
        # full reorthogonalisation (twice is enough): rounding would otherwise bring back
        # copies of converged eigenvectors ("ghost" eigenvalues)
        for _ in range(2):
            w -= basis[:j + 1].T @ (basis[:j + 1] @ w)
        b = float(np.linalg.norm(w))
        t = np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)
        ritz, s = np.linalg.eigh(t)
        chosen = _pick(ritz, k, which)
        # residual ‖H y − θ y‖ of Ritz pair i is |β_j · s[last, i]|
        done = j + 1 >= k and all(abs(b * s[-1, i]) <= tol * max(1.0, abs(ritz[i]))
                                  for i in chosen)
        if done or j + 1 == m:
            return ritz[chosen], (s[:, chosen].T @ basis[:j + 1])
        if b <= 1e-10 * max(1.0, float(np.abs(ritz).max())):
            # the basis spans an invariant subspace (a repeated eigenvalue has one Lanczos
            # vector): continue from a fresh random direction orthogonal to it
            w = rng.standard_normal(n)
            for _ in range(2):
                w -= basis[:j + 1].T @ (basis[:j + 1] @ w)
            b = 0.0
            basis[j + 1] = w / np.linalg.norm(w)
        else:
            basis[j + 1] = w / b
        beta.append(b)
    raise AssertionError("unreachable")  # pragma: no cover
