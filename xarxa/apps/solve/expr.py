"""The expressions of `xarxa solve`: a whitelist over Python's `ast`, never `eval`.

Allowed: numbers, named variables (ASCII letters, digits and _, starting with a letter),
`+ - * / **`, unary minus, parentheses, and the notes' functions relu, sigmoid, tanh, step,
exp, log, abs (one argument) and max, min (two). `×`, `·` and `−` may be written for `*`
and `-`. Everything else — attribute access, subscripts, calls of anything else, keyword
arguments, lambdas, strings, comparisons, … — is refused with an `ExpressionError` that
shows the expression with a caret under the offending token:

    >>> parse("relu(w*x + b.__class__)")
    ExpressionError: attribute access is not allowed
      relu(w*x + b.__class__)
                  ^

Parsing only builds the syntax tree (nothing is run); `Expression.evaluate` then walks
the checked tree with xarxa ops on the given tensors, so the result has a graph.
"""
from __future__ import annotations

import ast
import re
import warnings

import numpy as np

from ...autograd import ops
from ...creation import tensor
from ...tensor import Tensor

MAX_LENGTH = 500      # characters; also bounds the nesting Python's parser sees
MAX_DEPTH = 64        # nested operations
MAX_EXPONENT = 64     # |p| of a literal exponent: x**64 already overflows float64 at x ≈ 6e4
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
FUNCTIONS = {"relu": 1, "sigmoid": 1, "tanh": 1, "step": 1, "exp": 1, "log": 1, "abs": 1,
             "max": 2, "min": 2}
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNICODE = str.maketrans({"×": "*", "·": "*", "−": "-"})   # one character each: columns hold
# what a refused node is called in the error message
_REFUSED = {
    ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambda",
    ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.IfExp: "conditional expressions",
    ast.List: "lists", ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "generator expressions",
    ast.JoinedStr: "f-strings", ast.NamedExpr: "assignments (:=)", ast.Starred: "* unpacking",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "slices",
}


class ExpressionError(ValueError):
    """A refused expression; the message shows it with a caret under `column`."""

    def __init__(self, expression: str, column: int, reason: str):
        column = max(0, min(column, len(expression)))
        super().__init__(f"{reason}\n  {expression}\n  {' ' * column}^")
        self.expression, self.column, self.reason = expression, column, reason


class Expression:
    """A checked expression: `text`, `names` (its variables, in order of appearance) and
    `evaluate(env)`, which computes it with xarxa ops on the tensors of `env`."""

    def __init__(self, text: str, tree: ast.expr, names: tuple):
        self.text, self.tree, self.names = text, tree, names

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def evaluate(self, env: dict):
        """The expression's value: a Tensor when it involves a tensor of `env`."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return _evaluate(self.tree, env)


def parse(text: str, variables=None) -> Expression:
    """Check `text` against the whitelist and return it as an `Expression`.

    Args:
        variables: the names that may appear (None: any well-formed name).

    Raises:
        ExpressionError: naming what is refused and pointing at it.
    """
    if not isinstance(text, str):
        raise TypeError(f"solve: the expression must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(text[:MAX_LENGTH + 10], MAX_LENGTH,
                              f"the expression is longer than {MAX_LENGTH} characters")
    for i, ch in enumerate(text):
        if ch in "\n\r\f\v\x00":
            raise ExpressionError(text.replace(ch, " "), i, "the expression must be one line")
    if not text.strip():
        raise ExpressionError(text, 0, "the expression is empty")
    source = text.translate(_UNICODE)
    try:
        with warnings.catch_warnings():  # e.g. "invalid escape sequence" in a refused string
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        column = (error.offset or len(text) + 1) - 1 if error.lineno in (1, None) else len(text)
        raise ExpressionError(text, column, f"invalid syntax: {error.msg}") from None
    except (ValueError, RecursionError, MemoryError) as error:  # e.g. a null byte, too deep
        raise ExpressionError(text, 0, f"invalid expression: {error}") from None
    checker = _Checker(text, source, variables)
    checker.check(tree.body, 0)
    return Expression(text, tree.body, tuple(checker.names))


class _Checker:
    def __init__(self, text: str, source: str, variables):
        self.text, self.encoded = text, source.encode()
        self.variables = None if variables is None else set(variables)
        self.names: list[str] = []

    def column(self, byte_offset: int) -> int:
        """ast counts columns in UTF-8 bytes; the caret needs characters."""
        return len(self.encoded[:byte_offset].decode(errors="ignore"))

    def fail(self, node_or_byte, reason: str):
        offset = node_or_byte if isinstance(node_or_byte, int) else node_or_byte.col_offset
        raise ExpressionError(self.text, self.column(offset), reason)

    def find(self, start: int, end: int, chars: str) -> int:
        """The byte offset of the first of `chars` in [start, end) (an operator's place)."""
        for i in range(start, min(end, len(self.encoded))):
            if chr(self.encoded[i]) in chars:
                return i
        return start

    def check(self, node, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.fail(node, f"the expression nests more than {MAX_DEPTH} operations deep")
        kind = type(node)
        if kind is ast.Constant:
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                what = "strings" if isinstance(value, (str, bytes)) else \
                    f"{type(value).__name__} constants"
                self.fail(node, f"{what} are not allowed: only numbers")
            try:
                finite = np.isfinite(float(value))
            except OverflowError:  # an int literal beyond float64 (float() cannot make inf)
                finite = False
            if not finite:
                self.fail(node, f"the number {self.literal(node)} is not finite in float64")
        elif kind is ast.Name:
            self.check_name(node)
        elif kind is ast.BinOp:
            if type(node.op) not in _OPERATORS:
                where = self.find(node.left.end_col_offset, node.right.col_offset, "/%@&|^<>*")
                self.fail(where, f"operator {self.source_between(node)} is not allowed: "
                          "use + - * / **")
            if type(node.op) is ast.Pow:
                self.check_exponent(node.right)
            self.check(node.left, depth + 1)
            self.check(node.right, depth + 1)
        elif kind is ast.UnaryOp:
            if type(node.op) not in (ast.USub, ast.UAdd):
                self.fail(node, "only unary minus (and plus) are allowed")
            self.check(node.operand, depth + 1)
        elif kind is ast.Call:
            self.check_call(node, depth)
        else:
            what = _REFUSED.get(kind, type(node).__name__)
            if kind is ast.Attribute:
                self.fail(self.find(node.value.end_col_offset, node.end_col_offset, "."),
                          f"attribute access (.{node.attr}) is not allowed")
            if kind is ast.Subscript:
                self.fail(self.find(node.value.end_col_offset, node.end_col_offset, "["),
                          "subscripts ([...]) are not allowed")
            self.fail(node, f"{what} {'is' if what == 'lambda' else 'are'} not allowed")

    def check_name(self, node: ast.Name) -> None:
        name = node.id
        if name in FUNCTIONS:
            self.fail(node, f"{name} is a function: call it as {name}(...)")
        if not NAME.match(name):
            self.fail(node, f"the name {name!r} is not allowed: names are ASCII letters, "
                      "digits and _, starting with a letter")
        if self.variables is not None and name not in self.variables:
            known = ", ".join(sorted(self.variables)) or "none"
            self.fail(node, f"unknown name {name!r}: give its value with --set {name}=... "
                      f"(variables set: {known})")
        if name not in self.names:
            self.names.append(name)

    def check_call(self, node: ast.Call, depth: int) -> None:
        func = node.func
        if not isinstance(func, ast.Name):
            self.check(func, depth + 1)  # names what is refused (.system, lambda, …)
            self.fail(func, "only the functions " + ", ".join(FUNCTIONS) + " can be called")
        if func.id not in FUNCTIONS:
            self.fail(func, f"unknown function {func.id!r}: the functions are "
                      + ", ".join(FUNCTIONS))
        for keyword in node.keywords:
            self.fail(keyword, f"keyword arguments are not allowed in {func.id}(...)")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self.fail(arg, "* unpacking is not allowed")
        want = FUNCTIONS[func.id]
        if len(node.args) != want:
            self.fail(func, f"{func.id} takes {want} argument{'s' * (want > 1)}, "
                      f"got {len(node.args)}")
        for arg in node.args:
            self.check(arg, depth + 1)

    def check_exponent(self, node) -> None:
        literal = node.operand if isinstance(node, ast.UnaryOp) and \
            isinstance(node.op, (ast.USub, ast.UAdd)) else node
        if isinstance(literal, ast.Constant) and isinstance(literal.value, (int, float)) \
                and not isinstance(literal.value, bool) and abs(literal.value) > MAX_EXPONENT:
            self.fail(node, f"the exponent {self.source_of(node)} is too large: "
                      f"|exponent| <= {MAX_EXPONENT}")

    def literal(self, node) -> str:
        """A number as written, shortened when long (a 400-digit literal would swamp the
        message, which shows the whole expression below anyway)."""
        text = self.source_of(node)
        if len(text) <= 24:
            return text
        unit = "digits" if text.isdigit() else "characters"
        return f"{text[:8]}…{text[-4:]} ({len(text)} {unit})"

    def source_of(self, node) -> str:
        return self.encoded[node.col_offset:node.end_col_offset].decode(errors="replace")

    def source_between(self, node: ast.BinOp) -> str:
        return self.encoded[node.left.end_col_offset:node.right.col_offset].decode(
            errors="replace").strip().strip("()") or "?"


def _evaluate(node, env: dict):
    kind = type(node)
    if kind is ast.Constant:
        return np.float64(node.value)
    if kind is ast.Name:
        return env[node.id]
    if kind is ast.UnaryOp:
        value = _evaluate(node.operand, env)
        return -value if isinstance(node.op, ast.USub) else value
    if kind is ast.BinOp:
        return _binary(type(node.op), _evaluate(node.left, env), _evaluate(node.right, env))
    # a call of one of FUNCTIONS (the checker let nothing else through)
    args = [_as_tensor(_evaluate(a, env), env) for a in node.args]
    return _CALLS[node.func.id](*args)


def _binary(op, a, b):
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):  # two constants: float64
        return {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply,
                ast.Div: np.divide, ast.Pow: np.power}[op](np.float64(a), np.float64(b))
    # a Python float beside a Tensor keeps the Tensor's dtype and, for **, makes the
    # exponent an attribute of the node (x^2), not an input
    a = a if isinstance(a, Tensor) else float(a)
    b = b if isinstance(b, Tensor) else float(b)
    if op is ast.Add:
        return a + b
    if op is ast.Sub:
        return a - b
    if op is ast.Mult:
        return a * b
    if op is ast.Div:
        return a / b
    return a ** b


def _as_tensor(value, env: dict) -> Tensor:
    """A constant argument of a function as a tensor of the variables' dtype."""
    if isinstance(value, Tensor):
        return value
    dtype = next((t.dtype for t in env.values() if isinstance(t, Tensor)), None)
    return tensor(float(value), dtype=dtype)


_CALLS = {"relu": ops.relu, "sigmoid": ops.sigmoid, "tanh": ops.tanh, "step": ops.step,
          "exp": ops.exp, "log": ops.log, "abs": ops.abs, "max": ops.maximum,
          "min": ops.minimum}
