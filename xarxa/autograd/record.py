"""Recording mode: keep every intermediate tensor's value and gradient for inspection.

    with xa.autograd.record() as tape:
        loss = model(x).sum()
        loss.backward()
    for t in tape.tensors:            # in creation order
        print(t.grad_fn.name, t.numpy(), t.grad.numpy())

Without it, `backward()` keeps gradients only on leaves (and on tensors that called
`retain_grad()`), as in PyTorch. `inspect.trace` builds the notes' forward/backward
tables from a tape.
"""
from __future__ import annotations

import weakref

from .grad_mode import set_recorder


class Tape:
    """The tensors made by ops while recording, in creation order."""

    def __init__(self):
        self.tensors: list = []
        self.inputs: list[tuple] = []  # each node's inputs (backward frees the graph's)

    def add(self, tensor) -> None:
        tensor._ctx.out_ref = weakref.ref(tensor)
        self.tensors.append(tensor)
        self.inputs.append(tensor._ctx.inputs)

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
