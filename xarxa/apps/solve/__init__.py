"""`xarxa solve`: the notes' exercises step by step (forward values, backward table, update)
for a scalar expression such as relu(w*x + b), with the notes' losses and optimizers.

    from xarxa.apps.solve import solve
    print(solve("w*x + b", {"w": 2.7, "b": 1, "x": 2}, target=2, loss="l1", lr=0.3, steps=5))

`expr` parses the expression against a whitelist (never `eval`), `losses` and `rules` hold
the losses and update rules, `solver` runs the steps, `cli` is the `xarxa solve` command.
"""
from .expr import Expression, ExpressionError, parse  # noqa: F401
from .losses import LOSSES  # noqa: F401
from .rules import RULES  # noqa: F401
from .solver import Solution, SolveStep, solve  # noqa: F401

__all__ = ["Expression", "ExpressionError", "LOSSES", "RULES", "Solution", "SolveStep",
           "parse", "solve"]
