"""Input checks shared by the image layers: errors that name the layer and the shapes."""
from __future__ import annotations

from ...tensor import Tensor


def check_image(x, layer: str, channels: int | None = None) -> None:
    """x must be a 4-D (N, C, H, W) Tensor with `channels` channels."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{layer}: expected a Tensor, got {type(x).__name__}")
    if x.ndim != 4:
        raise ValueError(f"{layer}: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{layer}: expected {channels} input channels, got {x.shape[1]} "
                         f"(input shape {x.shape})")


def named(layer: str, fn, *args, **kwargs):
    """Call an op, re-raising its ValueError with the layer's name in front."""
    try:
        return fn(*args, **kwargs)
    except ValueError as error:
        raise ValueError(f"{layer}: {error}") from None
