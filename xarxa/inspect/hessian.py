"""Curvature of a loss (notes 1.4.5, 1.4.8): the Hessian, its eigenvalues, the kind of a
critical point and the dispersion of the eigenvalues (the condition number).

The second derivatives are exact: Hessian-vector products Hv = ∇⟨∇L, v⟩, the engine
differentiating its own gradient (``create_graph=True``; see ``curvature``), computed in
the parameters' own dtype — a float32 model needs no float64 copy. ``hessian`` builds the
full matrix column by column, H[:, j] = H·eⱼ (n products: small models);
``top_eigenvalues`` never forms it: it runs Lanczos on the products, so it scales to a
whole network.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..tensor import Tensor
from .curvature import _HVP, _Lanczos, _param_list

__all__ = ["Hessian", "hessian", "top_eigenvalues", "flat_gradient"]

#: The largest number of parameters ``hessian`` accepts (the matrix costs n Hessian-vector
#: products and n² floats); beyond it, ``top_eigenvalues``.
MAX_FULL = 4096


class _Flat:
    """The parameters as one float64 vector θ for as long as the ``with`` block lasts (the
    landscape's loss at θ + a·d₁ + b·d₂): ``set`` gives every parameter a new array in its
    own dtype (never written in place); on exit the original arrays and gradients are put
    back."""

    def __init__(self, loss_fn: Callable[[], Tensor], params: list[Tensor], fn: str):
        if not callable(loss_fn):
            raise TypeError(f"{fn}: loss_fn must be a callable returning the scalar loss, got "
                            f"{type(loss_fn).__name__}")
        self.loss_fn, self.params, self.fn = loss_fn, params, fn
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
        for p, size in zip(self.params, self.sizes):
            p._data = np.array(theta[start:start + size], dtype=p.dtype).reshape(p.shape)
            start += size

    def value(self, theta: np.ndarray) -> float:
        """The loss at ``theta`` (no graph)."""
        from ..autograd import no_grad
        self.set(theta)
        with no_grad():
            loss = self.loss_fn()
        if not isinstance(loss, Tensor) or loss.numel() != 1:
            got = tuple(loss.shape) if isinstance(loss, Tensor) else type(loss).__name__
            raise ValueError(f"{self.fn}: loss_fn must return a one-element Tensor, got {got}")
        return float(loss.item())


def flat_gradient(loss_fn: Callable[[], Tensor], params) -> np.ndarray:
    """∇L of ``loss_fn()`` with respect to ``params``, flattened into one float64 vector
    (parameter order, row-major; zeros for a parameter the loss does not use), computed in
    the parameters' own dtype; the parameters and their ``.grad`` are left as they were."""
    params = _param_list(params, "flat_gradient")
    return _HVP(loss_fn, params, "flat_gradient", graph=False).gradient


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


#: Eigenvalues within RTOL·|λmax| of zero are near zero (flat directions), and never less
#: than ATOL: the products are exact, but rounding leaves ~1e-16 (float64) or ~1e-7
#: (float32) of the curvature's scale where an eigenvalue is zero.
RTOL, ATOL = 1e-5, 1e-8


def hessian(loss_fn: Callable[[], Tensor], params, *, tol: float | None = None,
            rtol: float = RTOL, gtol: float = 1e-6) -> Hessian:
    """The exact Hessian of ``loss_fn()`` with respect to ``params``.

    Column j is the Hessian-vector product H·eⱼ (see the module docstring), computed in
    the parameters' own dtype and returned in float64; the matrix is then symmetrised,
    (H + Hᵀ)/2 (the products agree with their transposes up to rounding).

    Args:
        loss_fn: a closure ``() -> scalar Tensor`` that computes the loss from the current
            values of ``params`` (e.g. ``lambda: F.mse_loss(model(x), y)``); called once.
        params: the tensors (requires_grad leaves) or a Module; at most ``MAX_FULL``
            numbers in all (use ``top_eigenvalues`` for larger models).
        tol: |λ| ≤ tol is *near zero* — a flat direction, left out of ``kind`` and
            ``condition_number`` and counted apart; default ``rtol``·|λmax| (never below
            ``ATOL``, 1e-8, well above float64's rounding).
        rtol: the default tolerance relative to the largest |λ|.
        gtol: the gradient norm up to which the point is critical (``kind`` names it).

    The parameters keep their arrays and ``.grad``.

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
        raise ValueError(f"hessian: {n} parameters make a {n}×{n} matrix ({n} Hessian-vector "
                         f"products); the limit is {MAX_FULL}: use top_eigenvalues(loss_fn, "
                         "params, k), which needs only a few products")
    hvp = _HVP(loss_fn, params, "hessian")
    matrix = np.empty((n, n))
    for j, e in enumerate(np.eye(n)):
        matrix[:, j] = hvp(e)
    matrix = 0.5 * (matrix + matrix.T)
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    if tol is None:
        tol = max(rtol * float(np.abs(eigenvalues).max()), ATOL)
    return Hessian(matrix, eigenvalues, eigenvectors, hvp.gradient, float(tol), float(gtol))


def top_eigenvalues(loss_fn: Callable[[], Tensor], params, k: int = 1, *,
                    which: str = "largest", max_iter: int = 100, tol: float = 1e-8,
                    seed: int = 0, return_vectors: bool = False):
    """The ``k`` extreme eigenvalues of the Hessian without forming it: Lanczos iteration
    (with full reorthogonalisation) on exact Hessian-vector products.

    Each product Hv = ∇⟨∇L, v⟩ costs about two gradients, in the parameters' own dtype.
    Lanczos builds an orthonormal Krylov basis; the eigenvalues of the small tridiagonal
    matrix it produces (Ritz values) converge to the extreme eigenvalues first. It stops
    when the k wanted Ritz values' residuals are below ``tol``·max(1, |λ|), after
    ``max_iter`` products, or when the basis spans the whole space (then the values are
    exact). With float32 parameters the products carry float32 rounding: a ``tol`` below
    ~1e-6 then runs to ``max_iter``.

    Args:
        loss_fn, params: as for ``hessian``.
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
    hvp = _HVP(loss_fn, params, "top_eigenvalues")
    values, vectors = _lanczos(hvp, n, k, which, max(k, min(int(max_iter), n)), tol,
                               np.random.default_rng(seed))
    return (values, vectors) if return_vectors else values


def _pick(values: np.ndarray, k: int, which: str) -> np.ndarray:
    order = {"largest": np.argsort(-values), "smallest": np.argsort(values),
             "magnitude": np.argsort(-np.abs(values))}[which]
    return order[:k]


def _lanczos(hvp: Callable, n: int, k: int, which: str, m: int, tol: float,
             rng: np.random.Generator):
    run = _Lanczos(hvp, rng.standard_normal(n), m)
    for j in range(m):
        b = run.step()
        ritz, s = np.linalg.eigh(run.tridiagonal())
        chosen = _pick(ritz, k, which)
        # residual ‖H y − θ y‖ of Ritz pair i is |β_j · s[last, i]|
        done = j + 1 >= k and all(abs(b * s[-1, i]) <= tol * max(1.0, abs(ritz[i]))
                                  for i in chosen)
        if done or j + 1 == m:
            return ritz[chosen], (s[:, chosen].T @ run.basis[:j + 1])
        # a breakdown: the basis spans an invariant subspace (a repeated eigenvalue has one
        # Lanczos vector): continue from a fresh random direction orthogonal to it
        run.extend(b, rng.standard_normal(n) if run.breakdown(b) else None)
    raise AssertionError("unreachable")  # pragma: no cover
