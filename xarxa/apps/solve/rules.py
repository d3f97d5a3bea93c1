"""The update rules of `xarxa solve`: the optimizers of `xarxa.optim`, run on float64 arrays,
with their intermediate quantities printed in the notes' notation (§1.4.8).

θ is the vector of the parameters (in the order of `--params`), one parameter of the
optimizer, and g = ∇L at the point the rule asks for. Every update is a call of the
optimizer's own update function (`sgd_update`, `adagrad_update`, `rmsprop_update`,
`adam_update`, with the class's defaults for every option the rule does not set), and the
numbers printed are the ones it returns; no algorithm is written here:

* sgd        optim.SGD                       θ ← θ − α g
* momentum   optim.SGD(momentum=λ)           v ← λ v − α g,  θ ← θ + v
* nesterov   optim.SGD(momentum=λ, nesterov=True), printed in the notes' form: g at the
             look-ahead point θ + λ v, then v and θ as momentum
* adagrad    optim.Adagrad                   G ← G + g gᵀ,  θ ← θ − α g / (√diag(G) + ε)
* rmsprop    optim.RMSprop(alpha=ρ)          G ← ρ G + (1 − ρ) g gᵀ, then as AdaGrad
* adam       optim.Adam(betas=(β₁, β₂))      m ← β₁ m + (1 − β₁) g,  G ← β₂ G + (1 − β₂) g gᵀ,
             θ ← θ − α m̂ / (√v̂ + ε) with m̂ = m/(1 − β₁ᵏ), v̂ = diag(G)/(1 − β₂ᵏ)

What is written here is where the notes' quantities differ from PyTorch's, once, one small
function each (tests/apps/solve/test_solve_rules.py runs the real optimizers beside them):
`velocity` (v = −α·b), `look_ahead` and `from_look_ahead` (Nesterov's θ + λv is what
PyTorch stores), `notes_G` (the full matrix G, of which the optimizers keep the diagonal)
and `adam_hats` (m̂ and v̂, which Adam never forms). Adam's m is PyTorch's `exp_avg`; the
notes call it v with the opposite sign (v = −m), a name only: the solver prints m.
"""
from __future__ import annotations

import inspect

import numpy as np

from ...inspect.tables import fmt_number as n
from .. import catalog
from ...optim import SGD, Adagrad, Adam, RMSprop
from ...optim.adagrad import adagrad_update
from ...optim.adam import adam_update
from ...optim.rmsprop import rmsprop_update
from ...optim.sgd import sgd_update

RULES = catalog.RULES  # the catalogue's optimizers that the solver prints
# optimizer class -> its update function (the one `step()` runs)
_UPDATES = {SGD: sgd_update, Adagrad: adagrad_update, RMSprop: rmsprop_update,
            Adam: adam_update}
# rule -> the optimizer that runs it and its update function
_OPTIMIZERS = {name: (catalog.OPTIMIZERS[name].cls, _UPDATES[catalog.OPTIMIZERS[name].cls])
               for name in RULES}


# -- the notes' quantities from PyTorch's (each checked against xarxa.optim by the tests) ------
def velocity(buffer: np.ndarray | None, grad: np.ndarray, lr: float) -> np.ndarray:
    """The notes' velocity v = −α·b from SGD's momentum buffer b (`sgd_update` returns it).

    The notes keep α inside the velocity, vᵏ⁺¹ = λvᵏ − α∇L with v⁰ = 0; PyTorch keeps
    b without it, bᵏ⁺¹ = λbᵏ + ∇L with b¹ = ∇L: the same sequence, v = −α b, while α
    stays constant (as here). Without momentum (λ = 0) SGD keeps no buffer and v = −α g.
    """
    return -lr * (grad if buffer is None else buffer)


def look_ahead(theta: np.ndarray, v: np.ndarray, momentum: float) -> np.ndarray:
    """Nesterov's look-ahead point θ + λv, where the notes evaluate ∇L.

    optim.SGD(nesterov=True) (Sutskever's form, PyTorch's) stores this point itself as its
    parameters: its update from here, θ̃ ← θ̃ − α(g + λb), is the notes' step mapped by
    θ̃ = θ + λv (and v = −α b, `velocity`). `from_look_ahead` maps back.
    """
    return theta + momentum * v


def from_look_ahead(ahead: np.ndarray, v: np.ndarray, momentum: float) -> np.ndarray:
    """The notes' θ = θ̃ − λv from the look-ahead point θ̃ that optim.SGD(nesterov=True)
    stores (the inverse of `look_ahead`)."""
    return ahead - momentum * v


def notes_G(G: np.ndarray, g: np.ndarray, diagonal: np.ndarray,
            decay: float | None = None) -> np.ndarray:
    """The notes' G as the full matrix: G + g gᵀ (AdaGrad, ``decay`` None) or
    γG + (1 − γ) g gᵀ (RMSprop's ρ, Adam's β₂), with the optimizer's ``diagonal``.

    The optimizers keep only diag(G) (Adagrad's ``sum``, RMSprop's ``square_avg``, Adam's
    ``exp_avg_sq``), the only part of G that moves θ; the off-diagonal entries, which the
    notes write and the exam asks for, are accumulated here.
    """
    outer = np.outer(g, g)
    G = G + outer if decay is None else decay * G + (1.0 - decay) * outer
    np.fill_diagonal(G, diagonal)
    return G


def adam_hats(out: dict) -> tuple[np.ndarray, np.ndarray]:
    """Adam's bias-corrected moments m̂ = m/(1 − β₁ᵏ) and v̂ = diag(G)/(1 − β₂ᵏ), which the
    notes print, from what `adam_update` returns: it never forms them (as PyTorch, it folds
    1/(1 − β₁ᵏ) into its step size and √(1 − β₂ᵏ) into its denominator √v̂ + ε), so the
    moments are divided here by the corrections it computed."""
    return (out["exp_avg"] / out["bias_correction1"],
            out["exp_avg_sq"] / out["bias_correction2"])


def _defaults(cls) -> dict:
    """An optimizer's hyper-parameters as its constructor defaults them."""
    return {name: arg.default for name, arg in inspect.signature(cls).parameters.items()
            if name != "params"}


# -- printing ---------------------------------------------------------------------------------
def p(value) -> str:
    """A number as a factor: negative ones in parentheses, 0.3·(−2)."""
    text = n(value)
    return f"({text})" if text.startswith("-") else text


def matrix(array) -> str:
    """A matrix on one line: [[4, 2], [2, 1]]."""
    array = np.atleast_1d(array)
    if array.ndim == 1:
        return "(" + ", ".join(n(v) for v in array) + ")"
    return "[" + ", ".join("[" + ", ".join(n(v) for v in row) + "]" for row in array) + "]"


class Rule:
    """One optimizer. `point(θ)` says where to evaluate ∇L (and prints how it got there),
    `update(θ, g)` runs the optimizer's update function and returns the new θ and the
    lines that show the step."""

    def __init__(self, name: str, names: list[str], lr: float, momentum: float = 0.9,
                 beta1: float = 0.9, beta2: float = 0.999, rho: float = 0.99,
                 eps: float | None = None):
        if name not in RULES:
            raise ValueError(f"solve: unknown optimizer {name!r}; choose one of "
                             f"{', '.join(RULES)}")
        _check(lr > 0 and np.isfinite(lr), "--lr", "positive", lr)
        for key, value in (("--momentum", momentum), ("--beta1", beta1), ("--beta2", beta2),
                           ("--rho", rho)):
            _check(0 <= value < 1, key, "in [0, 1)", value)
        cls, self._update = _OPTIMIZERS[name]
        defaults = _defaults(cls)
        eps = defaults.get("eps", 0.0) if eps is None else eps
        _check(eps >= 0 and np.isfinite(eps), "--eps", "finite and >= 0", eps)
        self.name, self.names, self.lr, self.eps = name, list(names), lr, eps
        self.momentum, self.beta1, self.beta2, self.rho = momentum, beta1, beta2, rho
        self.hyper = {**defaults, "lr": lr, **{
            "sgd": {}, "momentum": {"momentum": momentum},
            "nesterov": {"momentum": momentum, "nesterov": True},
            "adagrad": {"eps": eps}, "rmsprop": {"alpha": rho, "eps": eps},
            "adam": {"betas": (beta1, beta2), "eps": eps}}[name]}
        self.state: dict = {}            # the optimizer's buffers for θ, one parameter
        size = len(names)
        self.v = np.zeros(size)           # the notes' velocity (momentum, nesterov)
        self.G = np.zeros((size, size))   # the notes' full G (adagrad, rmsprop, adam)

    def describe(self) -> str:
        a, lam, e = n(self.lr), n(self.momentum), n(self.eps)
        return {
            "sgd": f"SGD: θ ← θ − α∇L, α = {a}",
            "momentum": f"momentum: v ← λv − α∇L, θ ← θ + v, α = {a}, λ = {lam}",
            "nesterov": f"Nesterov: ∇L at θ + λv, v ← λv − α∇L, θ ← θ + v, α = {a}, "
                        f"λ = {lam}",
            "adagrad": f"AdaGrad: G ← G + g gᵀ, θ ← θ − α g/(√diag(G) + ε), α = {a}, ε = {e}",
            "rmsprop": f"RMSprop: G ← ρG + (1 − ρ) g gᵀ, θ ← θ − α g/(√diag(G) + ε), "
                       f"α = {a}, ρ = {n(self.rho)}, ε = {e}",
            "adam": f"Adam: m ← β₁m + (1 − β₁)g, G ← β₂G + (1 − β₂) g gᵀ, "
                    f"θ ← θ − α m̂/(√v̂ + ε), α = {a}, β₁ = {n(self.beta1)}, "
                    f"β₂ = {n(self.beta2)}, ε = {e}",
        }[self.name]

    def point(self, theta: np.ndarray) -> tuple[np.ndarray, list[str]]:
        if self.name != "nesterov":
            return theta, []
        ahead = look_ahead(theta, self.v, self.momentum)
        return ahead, [f"look-ahead {w} + λv = {n(t)} + {n(self.momentum)}·{p(v)} = {n(a)}"
                       for w, t, v, a in zip(self.names, theta, self.v, ahead)]

    def update(self, theta: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, list[str]]:
        a, lam, names = self.lr, self.momentum, self.names
        # the optimizer's parameter: θ itself, or for Nesterov the look-ahead point
        param = look_ahead(theta, self.v, lam) if self.name == "nesterov" else theta.copy()
        out = self._update(param, g, self.state, **self.hyper)   # param ← its next value
        if self.name == "sgd":
            return param, [f"{w} ← {n(t)} − {n(a)}·{p(gi)} = {n(x)}"
                           for w, t, gi, x in zip(names, theta, g, param)]
        if self.name in ("momentum", "nesterov"):
            old, self.v = self.v, velocity(out["momentum_buffer"], g, a)
            new = param if self.name == "momentum" else from_look_ahead(param, self.v, lam)
            lines = [f"v_{w} ← {n(lam)}·{p(v0)} − {n(a)}·{p(gi)} = {n(v1)}"
                     for w, v0, gi, v1 in zip(names, old, g, self.v)]
            return new, lines + [f"{w} ← {n(t)} + {p(v1)} = {n(x)}"
                                 for w, t, v1, x in zip(names, theta, self.v, new)]
        if self.name == "adagrad":
            diag = out["sum"]
            self.G = notes_G(self.G, g, diag)
            lines = [f"G ← G + g gᵀ = {matrix(self.G)}"]
        elif self.name == "rmsprop":
            diag = out["square_avg"]
            self.G = notes_G(self.G, g, diag, self.rho)
            lines = [f"G ← {n(self.rho)}·G + {n(1 - self.rho)}·g gᵀ = {matrix(self.G)}"]
        else:  # adam
            b1, b2, k = self.beta1, self.beta2, self.state["step"]
            self.G = notes_G(self.G, g, out["exp_avg_sq"], b2)
            m_hat, v_hat = adam_hats(out)
            return param, [f"m ← {n(b1)}·m + {n(1 - b1)}·g = {matrix(out['exp_avg'])}",
                           f"G ← {n(b2)}·G + {n(1 - b2)}·g gᵀ = {matrix(self.G)}",
                           f"m̂ = m/(1 − β₁^{k}) = {matrix(m_hat)}",
                           f"v̂ = diag(G)/(1 − β₂^{k}) = {matrix(v_hat)}"] + [
                f"{w} ← {n(t)} − {n(a)}·{p(mh)}/(√{n(vh)} + ε) = {n(x)}"
                for w, t, mh, vh, x in zip(names, theta, m_hat, v_hat, param)]
        with np.errstate(divide="ignore"):
            lines.append(f"(εI + diag(G))^(−1/2) ≈ diag(G)^(−1/2) = "
                         f"{matrix(1.0 / np.sqrt(diag))}")
        return param, lines + [f"{w} ← {n(t)} − {n(a)}·{p(gi)}/(√{n(d)} + ε) = {n(x)}"
                               for w, t, gi, d, x in zip(names, theta, g, diag, param)]


def _check(ok: bool, option: str, want: str, value) -> None:
    if not ok:
        raise ValueError(f"solve: {option} must be {want}, got {value}")
