"""The Siamese wrapper: one network, shared parameters, applied to several inputs."""
from __future__ import annotations

from ..autograd.ops import cat
from ..nn.module import Module
from ..tensor import Tensor


class Siamese(Module):
    """Runs one shared network on every input (§1.3.8): the "parallel, identical"
    branches of a Siamese (or triplet) network are one set of parameters, so the gradient
    of each branch accumulates into the same weights.

    Args:
        net: the embedding network f_θ.
        batched: concatenate the inputs along dim 0 and call `net` once (faster for
            small inputs). Layers whose output depends on the whole batch (BatchNorm in
            training mode) then see one joint batch instead of one per branch.

    Example:
        >>> siamese = Siamese(nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2)))
        >>> ea, ep, en = siamese(x_anchor, x_positive, x_negative)
        >>> loss = triplet_loss(ea, ep, en, margin=1.0)
    """

    def __init__(self, net: Module, batched: bool = False) -> None:
        super().__init__()
        if not isinstance(net, Module):
            raise TypeError(f"Siamese: net must be a Module, got {type(net).__name__}")
        self.net = net
        self.batched = batched

    def forward(self, *inputs: Tensor):
        """One embedding per input: a Tensor for one input, a tuple for several."""
        if not inputs:
            raise ValueError("Siamese: expected at least one input")
        if len(inputs) == 1:
            return self.net(inputs[0])
        if self.batched:
            sizes = [x.shape[0] for x in inputs]
            out = self.net(cat(list(inputs), dim=0))
            starts = [sum(sizes[:i]) for i in range(len(sizes))]
            return tuple(out[s:s + n] for s, n in zip(starts, sizes))
        return tuple(self.net(x) for x in inputs)

    def extra_repr(self) -> str:
        return f"batched={self.batched}" if self.batched else ""
