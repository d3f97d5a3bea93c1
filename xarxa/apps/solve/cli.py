"""The `xarxa solve` subcommand: its arguments (`add_parser`) and what it runs (`run`).

    xarxa solve "relu(w*x + b)" --set w=2 b=0 x=1 --target 1 --loss l1 --lr 0.1 --steps 2
    xarxa solve "w*x + b" --set w=0.9 b=0.1 x=2 --target 2 --loss huber --delta 0.11 --lr 0.3
    xarxa solve "w*x + b" --set w=0.9 b=0.1 x=2 --target 2 --loss l1 --optimizer adagrad
    xarxa solve "w*x + b" --set w=2.7 b=1 x=2 --target 2 --loss l1 --lr 0.3 --steps 5 \
        --layout exam                       # the exam's table: iterations n … n+5 as columns

`xarxa.apps.cli` registers it; a refused expression or option is a ValueError, which `xarxa`'s
main prints in one message (the expression with a caret under the culprit) with exit 2.
"""
from __future__ import annotations

import argparse

from ...inspect.tables import FORMATS
from .. import catalog
from .rules import RULES
from .solver import LAYOUTS, check_start, solve

EPILOG = """\
expressions: numbers, variables, + - * / ** (exponents up to 64), unary minus,
parentheses and relu, sigmoid, tanh, step, exp, log, abs, max(a, b), min(a, b).
Parameters: --params, or by default every --set variable except the inputs x, x1, x2, ...
and y, y1, .... Without --target the expression itself is minimised. An expression that
starts with '-' goes after '--':  xarxa solve --set w=1 -- "-w*w".
--layout exam prints the exam's table, one column per iteration n, n + 1, ..., and
G^{n+k}, AdaGrad's G over the gradients of k = n ... n + k (--start n+3 to begin there)."""


def _names(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"--params expects names such as w,b, got {text!r}")
    return names


def _start(text: str):
    try:
        return check_start(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an iteration such as 0, 5, n or n+3, "
                                         f"got {text!r}") from None


def add_parser(sub) -> argparse.ArgumentParser:
    """Add `solve` to the subparsers `sub` of the `xarxa` command."""
    s = sub.add_parser("solve", help="the notes' exercises step by step: forward values, "
                       "backward table and parameter updates of an expression",
                       description="Train the parameters of a scalar expression on one pair "
                       "(x, y) and print, for each step, the forward values, the backward "
                       "table (upstream, local derivatives, gradients) and the update.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("expression", help='e.g. "relu(w*x + b)"')
    s.add_argument("--set", nargs="+", action="extend", required=True, metavar="NAME=VALUE",
                   dest="assignments", help="the variables' values, e.g. w=2 b=0 x=1")
    s.add_argument("--params", type=_names, metavar="NAMES",
                   help="the parameters, comma-separated (default: every --set variable "
                   "but x, x1, …, y, y1, …)")
    s.add_argument("--target", type=float, metavar="Y", help="the target y of the loss")
    s.add_argument("--loss", type=catalog.spelling("losses"),
                   choices=catalog.names("losses", "solve"), help="the loss of ŷ against "
                   "--target (default: mse, the notes' l2)")
    s.add_argument("--delta", type=float, default=1.0, help="huber's δ (default: 1)")
    s.add_argument("--margin", type=float, default=1.0, help="hinge's m (default: 1)")
    s.add_argument("--gamma", type=float, default=2.0, help="focal's γ (default: 2)")
    s.add_argument("--lr", type=float, default=0.1, help="learning rate α (default: 0.1)")
    s.add_argument("--steps", type=int, default=1, help="updates (default: 1)")
    s.add_argument("--optimizer", choices=RULES, default="sgd")
    s.add_argument("--momentum", type=float, default=0.9,
                   help="λ of momentum and nesterov (default: 0.9)")
    s.add_argument("--beta1", type=float, default=0.9, help="adam's β₁ (default: 0.9)")
    s.add_argument("--beta2", type=float, default=0.999, help="adam's β₂ (default: 0.999)")
    s.add_argument("--rho", type=float, default=0.99,
                   help="rmsprop's decay ρ (PyTorch's alpha; default: 0.99)")
    s.add_argument("--eps", type=float, default=None, help="ε of adagrad (default 1e-10), "
                   "rmsprop and adam (1e-8)")
    s.add_argument("--format", choices=FORMATS, default="text")
    s.add_argument("--layout", choices=LAYOUTS, default="steps",
                   help="steps: every forward/backward pass and update, then a summary by "
                   "rows (default); exam: the exam's table, iterations as columns")
    s.add_argument("--start", type=_start, metavar="K",
                   help="the label of the first iteration: 0, 5, n, n+3 … (default: 0, or n "
                   "with --layout exam); it also labels AdaGrad's G (G^{n+3})")
    return s


def assignments(items: list[str]) -> dict:
    """["w=2", "b=0"] -> {"w": "2", "b": "0"} (solve checks the names and numbers)."""
    values = {}
    for item in items:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise ValueError(f"solve: --set expects NAME=VALUE such as w=2, got {item!r}")
        if name in values:
            raise ValueError(f"solve: --set gives {name} twice")
        values[name] = value
    return values


def run(args) -> int:
    """Run `xarxa solve` with the parsed `args`; print the solution."""
    solution = solve(args.expression, assignments(args.assignments), params=args.params,
                     target=args.target, loss=args.loss, lr=args.lr, steps=args.steps,
                     optimizer=args.optimizer, delta=args.delta, margin=args.margin,
                     gamma=args.gamma, momentum=args.momentum, beta1=args.beta1,
                     beta2=args.beta2, rho=args.rho, eps=args.eps)
    print(solution.render(args.format, layout=args.layout, start=args.start), end="")
    return 0
