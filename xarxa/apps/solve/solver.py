"""`solve`: the notes' exercises step by step — forward values, the backward table and the
parameter update of a scalar expression trained on one pair (x, y).

    >>> from xarxa.apps.solve import solve
    >>> s = solve("relu(w*x + b)", {"w": 2, "b": 0, "x": 1}, target=1, loss="l1", lr=0.1)
    >>> print(s)                                  # exercise 1.1: w 2 -> 1.9, b 0 -> -0.1
    >>> s.steps[0].grads                          # {'w': 1.0, 'b': 1.0}

Which variables are parameters: those of `params`; by default every variable given a
value except the inputs x, x1, x2, … and y, y1, …. Each step evaluates the expression at
the parameters (at the look-ahead point for Nesterov), backpropagates the loss through it
(the loss is one node, `losses.py`), prints the trace, and updates the parameters with the
rule (`rules.py`); after the last update one more forward/backward pass shows where the
parameters arrived (exercise 1.1 c). Everything runs in float64.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ...autograd.record import record
from ...creation import tensor
from ...dtypes import float64
from ...inspect.tables import fmt_number as n
from ...inspect.tables import render_document
from ...inspect.trace import Trace, TraceRow, trace
from ...tensor import Tensor
from .. import catalog
from .expr import FUNCTIONS, NAME, parse
from .losses import LOSSES
from .rules import Rule, matrix

INPUT = re.compile(r"[xy]\d*\Z")   # the names that are inputs unless `params` says otherwise
MAX_STEPS = 1000


@dataclass
class SolveStep:
    """One forward/backward pass at iteration k (and the update that followed it)."""
    k: int
    params: dict                 # θᵏ
    point: dict                  # where ∇L was evaluated (the look-ahead point for Nesterov)
    output: float                # ŷ at the point
    loss: float
    grads: dict                  # ∂L/∂θ at the point
    trace: Trace
    forward: list = field(default_factory=list)   # one equation per node: "x1 = w·x = 2"
    before: list = field(default_factory=list)    # how the point was reached (Nesterov)
    update: list = field(default_factory=list)    # the update's equations (none after the last)
    new_params: dict | None = None


@dataclass
class Solution:
    """Every step of a `solve` run; `render(fmt)` (or `str()`) prints it."""
    expression: str
    params: list
    inputs: dict
    setup: list                  # the lines that state the problem (loss, rule, …)
    steps: list

    @property
    def G(self) -> np.ndarray:
        """Σ g gᵀ over the gradients of every step shown (AdaGrad's G from k = 0)."""
        gs = [np.array([s.grads[p] for p in self.params]) for s in self.steps]
        return sum((np.outer(g, g) for g in gs), np.zeros((len(self.params),) * 2))

    def history(self) -> tuple[list, list]:
        """The exam's table: one row per k with θ, ŷ, L and ∇L."""
        header = ["k", *self.params, "ŷ", "L", *(f"∂L/∂{p}" for p in self.params)]
        rows = [[str(s.k), *(n(s.params[p]) for p in self.params), n(s.output), n(s.loss),
                 *(n(s.grads[p]) for p in self.params)] for s in self.steps]
        return header, rows

    def blocks(self) -> list:
        out = [("heading", f"xarxa solve: {self.expression}"), ("lines", self.setup)]
        last = len(self.steps) - 1
        for s in self.steps:
            where = ", ".join(f"{p} = {n(v)}" for p, v in s.params.items())
            title = (f"k = {s.k}: step {s.k + 1} of {last}" if s.k < last
                     else f"k = {s.k}: after {last} step{'s' * (last != 1)}")
            out.append(("heading", f"{title} ({where})"))
            out.append(("lines", s.before + ["forward:"] + [f"  {e}" for e in s.forward]))
            out.append(("raw", {"text": str(s.trace), "markdown": s.trace.to_markdown(),
                                "latex": s.trace.to_latex()}))
            grads = ", ".join(f"∂L/∂{p} = {n(g)}" for p, g in s.grads.items())
            lines = [f"gradient: {grads}"]
            if s.update:
                lines += ["update:"] + [f"  {e}" for e in s.update]
            out.append(("lines", lines))
        header, rows = self.history()
        out += [("heading", "summary"), ("table", header, rows),
                ("lines", [f"Σ g gᵀ over the {len(self.steps)} gradients above (AdaGrad's G "
                           f"from k = 0): {matrix(self.G)}"])]
        return out

    def render(self, fmt: str = "text") -> str:
        """The whole solution as 'text', 'markdown' or 'latex'."""
        return render_document(self.blocks(), fmt)

    def __str__(self) -> str:
        return self.render("text")


def solve(expression: str, values: dict, *, params=None, target=None, loss=None,
          lr: float = 0.1, steps: int = 1, optimizer: str = "sgd", delta: float = 1.0,
          margin: float = 1.0, gamma: float = 2.0, momentum: float = 0.9, beta1: float = 0.9,
          beta2: float = 0.999, rho: float = 0.99, eps: float | None = None) -> Solution:
    """Train the parameters of `expression` on one pair for `steps` updates, recording
    every forward/backward pass.

    Args:
        expression: e.g. "relu(w*x + b)" (the whitelist of `expr.parse`).
        values: a float for every variable of the expression.
        params: the parameter names (default: every variable but x, x1, … and y, y1, …).
        target: y; with it, `loss` (default 'l2') compares ŷ with y. Without it the
            expression itself is minimised.
        loss: one of `losses.LOSSES`, with `delta` (huber), `margin` (hinge) or `gamma`
            (focal).
        lr, steps, optimizer: α, the number of updates, one of `rules.RULES`, with
            `momentum` (λ), `beta1`, `beta2`, `rho` and `eps` (default: the optimizer's).

    Raises:
        ValueError: for a refused expression (`expr.ExpressionError`), a bad name, value or
        option, or a loss that is not finite.
    """
    values = _check_values(values)
    expr = parse(expression, variables=values)
    unused = [v for v in values if v not in expr.names]
    if unused:
        raise ValueError(f"solve: {', '.join(unused)} {'is' if len(unused) == 1 else 'are'} "
                         f"set but not in the expression {expression!r}")
    params = _check_params(params, values)
    if not isinstance(steps, (int, np.integer)) or not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"solve: --steps must be an integer in [0, {MAX_STEPS}], got {steps}")
    spec = _check_loss(loss, target, delta, margin, gamma)
    options = {"delta": delta, "margin": margin, "gamma": gamma}
    rule = Rule(optimizer, params, lr, momentum=momentum, beta1=beta1, beta2=beta2, rho=rho,
                eps=eps)
    inputs = {k: v for k, v in values.items() if k not in params}
    setup = [f"parameters θ = ({', '.join(params)})"
             + (f", inputs {', '.join(f'{k} = {n(v)}' for k, v in inputs.items())}"
                if inputs else ""),
             (f"loss ({spec.name}): {spec.formula}, target y = {n(target)}"
              + "".join(f", {o} = {n(options[o])}" for o in spec.options)) if spec else
             "loss: L = the expression itself (no --target)",
             f"optimizer {rule.describe()}"]
    theta = np.array([values[p] for p in params], dtype=np.float64)
    solution = Solution(expression, params, inputs, setup, [])
    for k in range(steps + 1):
        at, before = rule.point(theta) if k < steps else (theta, [])
        step = _pass(expr, inputs, params, at, target, spec, options, k)
        step.params = dict(zip(params, theta.tolist()))
        step.before = before
        if k < steps:
            g = np.array([step.grads[p] for p in params])
            with np.errstate(over="ignore", invalid="ignore"):  # checked just below
                theta, step.update = rule.update(theta, g)
            if not np.all(np.isfinite(theta)):
                raise ValueError(f"solve: the update at k = {k} is not finite: "
                                 f"{matrix(theta)} (a smaller --lr?)")
            step.new_params = dict(zip(params, theta.tolist()))
        solution.steps.append(step)
    return solution


def _pass(expr, inputs: dict, params: list, at: np.ndarray, target, spec, options: dict,
          k: int) -> SolveStep:
    """One forward/backward pass at θ = `at`: values, trace and gradients."""
    env = {name: tensor(v, dtype=float64, name=name) for name, v in inputs.items()}
    for name, v in zip(params, at.tolist()):
        env[name] = tensor(v, dtype=float64, requires_grad=True, name=name)
    with record() as tape:
        yhat = expr.evaluate(env)
    if not isinstance(yhat, Tensor) or not yhat.requires_grad:
        raise ValueError(f"solve: {expr.text!r} does not depend on the parameters "
                         f"{', '.join(params)}")
    if spec is not None:  # the loss as one node: L and ∂L/∂ŷ from the library function
        copy = tensor(yhat.item(), dtype=float64, requires_grad=True)
        y = tensor(float(target), dtype=float64)
        with np.errstate(all="ignore"):
            loss = spec.fn(copy, y, options)
            loss.backward()
        value, dl = loss.item(), copy.grad.item()
    else:
        value, dl = yhat.item(), 1.0
    if not (np.isfinite(value) and np.isfinite(dl)):
        raise ValueError(f"solve: at k = {k} the loss is {value} and ∂L/∂ŷ is {dl} "
                         "(overflow, or a log of a number <= 0?)")
    with np.errstate(all="ignore"):
        yhat.backward(tensor(dl, dtype=float64))
    table = trace(tape)
    table.out = "L"
    label = table.rows[len(tape) - 1].label if tape.tensors and tape.tensors[-1] is yhat \
        else yhat.name
    rows = table.rows[:len(tape)]
    if spec is not None:
        target_label = "y" if "y" not in env else "target"
        rows.append(TraceRow("L", f"{spec.name} loss", (label, target_label),
                             np.array(value), np.array(1.0), (np.array(dl), None),
                             (np.array(dl), None)))
    leaves = {r.label: r for r in table.rows[len(tape):]}
    for name in params:  # every parameter gets its row, even one the expression is
        t = env[name]
        rows.append(leaves.get(name) or TraceRow(name, "leaf", (), t.numpy().copy(),
                                                 None if t.grad is None else t.grad.numpy()))
    table.rows = rows
    grads = {}
    for name in params:
        g = env[name].grad
        grads[name] = 0.0 if g is None else g.item()
        if not np.isfinite(grads[name]):
            raise ValueError(f"solve: at k = {k} ∂L/∂{name} is {grads[name]}")
    forward = [f"{r.label} = {r.formula} = {n(r.value)}" + (" = ŷ" if r.label == label else "")
               for r in table.rows[:len(tape)]]
    if not tape.tensors:
        forward.append(f"ŷ = {label} = {n(yhat.item())}")
    if spec is not None:
        forward.append(f"L = {spec.numbers(yhat.item(), float(target), options)} = {n(value)}")
    return SolveStep(k, {}, dict(zip(params, at.tolist())), yhat.item(), value, grads, table,
                     forward)


def _check_values(values) -> dict:
    if not isinstance(values, dict) or not values:
        raise ValueError("solve: give the variables' values, e.g. --set w=2 b=0 x=1")
    out = {}
    for name, v in values.items():
        if not isinstance(name, str) or not NAME.match(name):
            raise ValueError(f"solve: {name!r} is not a variable name (ASCII letters, digits "
                             "and _, starting with a letter)")
        if name in FUNCTIONS:
            raise ValueError(f"solve: {name!r} is a function of the expressions, not a "
                             "variable name")
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"solve: the value of {name} must be a number, got {v!r}") \
                from None
        if not np.isfinite(v):
            raise ValueError(f"solve: the value of {name} must be finite, got {v}")
        out[name] = v
    return out


def _check_params(params, values: dict) -> list:
    if params is None:
        params = [v for v in values if not INPUT.match(v)]
        if not params:
            raise ValueError(f"solve: every variable set ({', '.join(values)}) is an input "
                             "(x, x1, …, y, y1, …); name the parameters with --params")
        return params
    params = list(params)
    for p in params:
        if p not in values:
            raise ValueError(f"solve: parameter {p!r} has no value: add --set {p}=...")
    if len(set(params)) != len(params) or not params:
        raise ValueError(f"solve: --params must name distinct variables, got {params}")
    return params


def _check_loss(loss, target, delta, margin, gamma):
    if target is None:
        if loss is not None:
            raise ValueError(f"solve: --loss {loss} needs --target (the y it compares with)")
        return None
    try:
        target = float(target)
    except (TypeError, ValueError):
        raise ValueError(f"solve: --target must be a number, got {target!r}") from None
    if not np.isfinite(target):
        raise ValueError(f"solve: --target must be finite, got {target}")
    loss = catalog.ALIASES["losses"].get(loss, loss) if loss is not None else "mse"
    if loss not in LOSSES:  # the notes' l2 is PyTorch's mse (its old spelling, an alias)
        raise ValueError(f"solve: unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    if not delta > 0 or not np.isfinite(delta):
        raise ValueError(f"solve: --delta must be positive, got {delta}")
    if not margin > 0 or not np.isfinite(margin):
        raise ValueError(f"solve: --margin must be positive, got {margin}")
    if not gamma >= 0 or not np.isfinite(gamma):
        raise ValueError(f"solve: --gamma must be >= 0, got {gamma}")
    return LOSSES[loss]
