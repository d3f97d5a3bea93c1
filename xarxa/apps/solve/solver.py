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

The table keeps the network as written: a sub-expression of the inputs alone (the hidden
unit's sum x1 + x2 of exercise 1.5) is a node of its own, never folded into a constant, and
the nodes are named x1, x2, … as in the notes, or z1, z2, … (v, u) when a variable is
already called so. `render(layout="exam")` prints the iterations as the exam's columns
n, n + 1, …; `start` labels the first iteration (0, 5, "n", "n+3"), which also labels
AdaGrad's accumulator: G^{n+3} is the sum of g gᵀ over the gradients of k = n … n + 3.
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
LAYOUTS = ("steps", "exam")   # one block per step and a summary by rows; the exam's columns
NODE_PREFIXES = ("x", "z", "v", "u")   # x1, x2, … unless a variable is so called (as trace)
_START = re.compile(r"\s*(?:(\d+)|([a-z])\s*(?:\+\s*(\d+))?)\s*\Z")   # 3, n, n+3
_SUPERSCRIPT = re.compile(r"[Gg]\^\{[^{}]*\}")   # G^{n+3}, g^{n+3}: with their index


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
    """Every step of a `solve` run; `render(fmt, layout, start)` (or `str()`) prints it."""
    expression: str
    params: list
    inputs: dict
    setup: list                  # the lines that state the problem (loss, rule, …)
    steps: list

    @property
    def G(self) -> np.ndarray:
        """Σ g gᵀ over the gradients of every step shown: the notes' AdaGrad G at the last
        k, counting from the first step shown (k = 0 … last, both included)."""
        gs = [np.array([s.grads[p] for p in self.params]) for s in self.steps]
        return sum((np.outer(g, g) for g in gs), np.zeros((len(self.params),) * 2))

    def history(self, start=0) -> tuple[list, list]:
        """The summary table: one row per k with θ, ŷ, L and ∇L."""
        label = iteration_label(start)
        header = ["k", *self.params, "ŷ", "L", *(f"∂L/∂{p}" for p in self.params)]
        rows = [[label(s.k), *(n(s.params[p]) for p in self.params), n(s.output),
                 n(s.loss), *(n(s.grads[p]) for p in self.params)] for s in self.steps]
        return header, rows

    def columns(self, start="n") -> tuple[list, list]:
        """The exam's table: one column per iteration n, n + 1, …, one row per quantity
        (θ, ŷ, L, ∇L), as the Fall-2022 mid-term lays it out."""
        header, rows = self.history(start)
        return ["Iteration", *(r[0] for r in rows)], \
            [[name, *(r[i] for r in rows)] for i, name in enumerate(header) if i]

    def g_line(self, start=0) -> str:
        """AdaGrad's G at the last k, named with its index as the notes do: G^{n+3} is the
        sum of g gᵀ over the gradients of k = n … n + 3, that of n + 3 included."""
        label = iteration_label(start)
        first, last, count = self.steps[0].k, self.steps[-1].k, len(self.steps)
        steps, end = last - first, _compact(label(last))
        span = f"k = {label(first)} … {label(last)}" if count > 1 else f"k = {label(first)}"
        return (f"G^{{{end}}} = Σ g gᵀ over {span} (the {count} gradient"
                f"{'s' * (count != 1)} above) = {matrix(self.G)}: AdaGrad's G after "
                f"{steps} step{'s' * (steps != 1)} from k = {label(first)}, g^{{{end}}} "
                "included")

    def blocks(self, layout: str = "steps", start=None) -> list:
        """The document's blocks (`inspect.tables.render_document`) in `layout`."""
        _check_layout(layout)
        start = _default_start(layout) if start is None else check_start(start)
        label = iteration_label(start)
        out = [("heading", f"xarxa solve: {self.expression}"), ("lines", self.setup)]
        if layout == "exam":
            header, rows = self.columns(start)
            return out + [("heading", "iterations as the exam's columns"),
                          ("table", header, rows), ("lines", [self.g_line(start)])]
        last = len(self.steps) - 1
        for s in self.steps:
            where = ", ".join(f"{p} = {n(v)}" for p, v in s.params.items())
            title = (f"k = {label(s.k)}: step {s.k + 1} of {last}" if s.k < last
                     else f"k = {label(s.k)}: after {last} step{'s' * (last != 1)}")
            out.append(("heading", f"{title} ({where})"))
            out.append(("lines", s.before + ["forward:"] + [f"  {e}" for e in s.forward]))
            out.append(("raw", {"text": str(s.trace), "markdown": s.trace.to_markdown(),
                                "latex": s.trace.to_latex()}))
            grads = ", ".join(f"∂L/∂{p} = {n(g)}" for p, g in s.grads.items())
            lines = [f"gradient: {grads}"]
            if s.update:  # the accumulator G of this step is the notes' Gᵏ: say so
                here = f" = G^{{{_compact(label(s.k))}}}"
                lines += ["update:"] + [f"  {e}{here if e.startswith('G ← ') else ''}"
                                        for e in s.update]
            out.append(("lines", lines))
        header, rows = self.history(start)
        return out + [("heading", "summary"), ("table", header, rows),
                      ("lines", [self.g_line(start)])]

    def render(self, fmt: str = "text", layout: str = "steps", start=None) -> str:
        """The whole solution as 'text', 'markdown' or 'latex'; `layout` 'steps' (every
        pass, then a summary by rows) or 'exam' (the exam's table, iterations as columns);
        `start` labels the first iteration: a number, or n, n+3, … (default: 0 for
        'steps', n for 'exam')."""
        return render_document([_superscripts(b) for b in self.blocks(layout, start)], fmt)

    def __str__(self) -> str:
        return self.render("text")


def check_start(start):
    """The label of the first iteration: an integer >= 0 or a letter plus an offset
    ("n", "n+3"); returned as an int or as (letter, offset)."""
    if isinstance(start, tuple):
        return start
    if isinstance(start, (int, np.integer)) and not isinstance(start, bool) and start >= 0:
        return int(start)
    match = _START.match(start) if isinstance(start, str) else None
    if not match:
        raise ValueError(f"solve: --start must be an iteration such as 0, 5, n or n+3, "
                         f"got {start!r}")
    if match.group(1) is not None:
        return int(match.group(1))
    return match.group(2), int(match.group(3) or 0)


def iteration_label(start=0):
    """k -> its label counted from `start`: 0 -> "0", …; ("n", 0) -> "n", "n + 1", …"""
    start = check_start(start)
    if isinstance(start, int):
        return lambda k: str(start + k)
    letter, offset = start
    return lambda k: letter if offset + k == 0 else f"{letter} + {offset + k}"


def _compact(label: str) -> str:
    """A label as a superscript: "n + 3" -> "n+3"."""
    return label.replace(" ", "")


def _default_start(layout: str):
    return ("n", 0) if layout == "exam" else 0


def _check_layout(layout: str) -> None:
    if layout not in LAYOUTS:
        raise ValueError(f"solve: --layout must be one of {', '.join(LAYOUTS)}, "
                         f"got {layout!r}")


def _superscripts(block):
    """A block of lines that name G^{k}, as a raw block whose LaTeX puts G^{k} in math
    mode (`latex_text` would escape the ^ and the braces); other blocks unchanged."""
    if block[0] != "lines" or not any(_SUPERSCRIPT.search(t) for t in block[1]):
        return block
    marks: list[str] = []

    def mark(match):
        marks.append(match.group(0))
        return f"SUPERSCRIPT{len(marks) - 1}X"
    tex = render_document([("lines", [_SUPERSCRIPT.sub(mark, t) for t in block[1]])],
                          "latex").rstrip("\n")
    for i, text in enumerate(marks):
        tex = tex.replace(f"SUPERSCRIPT{i}X", f"${text}$")
    tex = tex.replace("…", r"\ldots{}")
    return ("raw", {fmt: render_document([block], fmt).rstrip("\n")
                    for fmt in ("text", "markdown")} | {"latex": tex})


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
    prefix = node_prefix(values)
    for k in range(steps + 1):
        at, before = rule.point(theta) if k < steps else (theta, [])
        step = _pass(expr, inputs, params, at, target, spec, options, k, prefix)
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


def node_prefix(variables) -> str:
    """The letter of the nodes' labels: x (x1, x2, … as the notes) unless a variable is
    already called x<digits> (exercise 1.5's inputs x1, x2): then z, v, u"""
    taken = [name for name in variables if re.fullmatch(r"[A-Za-z]\d+", name)]
    return next((p for p in NODE_PREFIXES if not any(t[0] == p for t in taken)), "node")


def _depends(yhat, tape, params: list, env: dict) -> bool:
    """Whether ŷ depends on a parameter: through the recorded nodes, in creation order."""
    reached = {id(env[name]) for name in params}
    for t, inputs in zip(tape.tensors, tape.inputs):
        if any(id(i) in reached for i in inputs if isinstance(i, Tensor)):
            reached.add(id(t))
    return isinstance(yhat, Tensor) and id(yhat) in reached


def _pass(expr, inputs: dict, params: list, at: np.ndarray, target, spec, options: dict,
          k: int, prefix: str = "x") -> SolveStep:
    """One forward/backward pass at θ = `at`: values, trace and gradients."""
    # The inputs require a gradient too, only so that every op of the network as written is
    # a recorded node (x1 + x2, the sum of a hidden unit, would otherwise be computed as a
    # constant and folded away); their gradients are not shown.
    env = {name: tensor(v, dtype=float64, requires_grad=True, name=name)
           for name, v in inputs.items()}
    for name, v in zip(params, at.tolist()):
        env[name] = tensor(v, dtype=float64, requires_grad=True, name=name)
    with record() as tape:
        yhat = expr.evaluate(env)
    if not _depends(yhat, tape, params, env):
        raise ValueError(f"solve: {expr.text!r} does not depend on the parameters "
                         f"{', '.join(params)}")
    for i, t in enumerate(tape.tensors, start=1):   # never an input's name (x1 of ex. 1.5)
        t.name = f"{prefix}{i}"
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
    shown = set(params) | {r.label for r in rows}   # ∂L/∂input for parameters and nodes only
    for r in rows:
        r.to_inputs = tuple(g if name in shown else None
                            for name, g in zip(r.inputs, r.to_inputs))
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
