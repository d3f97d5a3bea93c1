"""Recording mode: keep every intermediate tensor's value and gradient for inspection.

    with xa.autograd.record() as tape:
        loss = model(x).sum()
        loss.backward()
    for t in tape.tensors:            # in creation order
        print(t.grad_fn.name, t.numpy(), t.grad.numpy())

Without it, `backward()` keeps gradients only on leaves (and on tensors that called
`retain_grad()`), as in PyTorch. `inspect.trace` builds the notes' forward/backward
tables from a tape.

While recording, a function decorated with `call_scope(name)` (every loss of `F`) marks
the nodes it makes with one `CallScope`: its name, its arguments and its result, so that
`inspect.trace` and `inspect.draw` can show the call as the one node the notes draw
(`huber_loss(ŷ, y)`) and expand it to its implementation on request. Outside `record()`
the decorator costs one attribute read and marks nothing.
"""
from __future__ import annotations

import functools
import weakref

from .grad_mode import local as _mode
from .grad_mode import set_recorder


class CallScope:
    """One call of a `call_scope` function while recording: its `name`, its arguments
    (`args`, positional then keyword values), its result (`output`, set when it returns) and
    the call it was made from (`parent`, None at the top)."""

    __slots__ = ("name", "args", "output", "parent")

    def __init__(self, name: str, args: tuple, parent: CallScope | None):
        self.name, self.args, self.output, self.parent = name, args, None, parent

    def outermost(self) -> CallScope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def __repr__(self) -> str:
        return f"<call {self.name}>"


class Tape:
    """The tensors made by ops while recording, in creation order."""

    def __init__(self):
        self.tensors: list = []
        self.inputs: list[tuple] = []  # each node's inputs (backward frees the graph's)
        self.scope: CallScope | None = None  # the `call_scope` call running now

    def add(self, tensor) -> None:
        node = tensor._ctx
        node.out_ref = weakref.ref(tensor)
        if self.scope is not None:
            node.call_scope = self.scope   # read by inspect's Graph (getattr, default None)
        self.tensors.append(tensor)
        self.inputs.append(node.inputs)

    def __len__(self) -> int:
        return len(self.tensors)

    def __iter__(self):
        return iter(self.tensors)


class record:  # noqa: N801 - used like a function: `with record() as tape`
    """Context manager that records every graph node created inside it."""

    def __init__(self):
        self.tape = Tape()
        self._previous = None

    def __enter__(self) -> Tape:
        self._previous = set_recorder(self.tape)
        return self.tape

    def __exit__(self, *exc) -> bool:
        set_recorder(self._previous)
        return False


def call_scope(name: str):
    """Decorator: while recording, the graph nodes the function makes belong to one call
    named `name`, which `inspect.trace`/`inspect.draw` show as one node (its inputs: the
    function's Tensor arguments; its value: the result) unless asked to `expand=True`.

    Example:
        >>> @call_scope("binary_ce_from_score")
        ... def loss(s, t):                 # a helper node (pad) hidden in the tables
        ...     return F.cross_entropy(F.pad(s, (1, 0)), t)
    """
    def decorate(fn):
        @functools.wraps(fn)
        def scoped(*args, **kwargs):
            tape = _mode.recorder
            if tape is None or not hasattr(tape, "scope"):  # not recording: nothing to mark
                return fn(*args, **kwargs)
            scope = CallScope(name, args + tuple(kwargs.values()), tape.scope)
            tape.scope = scope
            try:
                out = fn(*args, **kwargs)
            finally:
                tape.scope = scope.parent
            scope.output = out
            return out
        return scoped
    return decorate
