"""Parameter initialisation (notes §1.4.7), in place, with PyTorch's names.

The notes' advice: biases start at 0; weights must be neither all zero (every hidden unit
then gets a zero gradient) nor all equal (every unit of a layer gets the same gradient and
symmetry never breaks), but small random values scaled by the fan-in n:

- Xavier / Glorot (for tanh): the notes write w = randn(n)/√n; Glorot's own scaling is
  std = gain·√(2 / (fan_in + fan_out)) (`xavier_normal_`, `xavier_uniform_`).
- He / Kaiming (for ReLU): w = randn(n)·√(2/n) (`he_normal_`, alias `kaiming_normal_`).
- `notes_normal_`: the notes' own scheme, randn / √fan_in.

Every random function draws from `generator=` (an `xa.Generator` or a
`numpy.random.Generator`, PyTorch's argument) or else from the current thread's default
generator (`xa.manual_seed` makes it repeatable, `xa.random.use_generator` sets it per
thread); each works under `no_grad` and returns the tensor it filled.
"""
from __future__ import annotations

import math

import numpy as np

from ..random import resolve_generator
from ..tensor import Tensor
from ..autograd.version import bump_version

__all__ = ["calculate_gain", "constant_", "he_normal_", "he_uniform_", "kaiming_normal_",
           "kaiming_uniform_", "normal_", "notes_normal_", "ones_", "uniform_",
           "xavier_normal_", "xavier_uniform_", "zeros_", "fan_in_and_fan_out",
           "init_layer"]


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init: expected a Tensor, got {type(tensor).__name__}")
    np.copyto(tensor._data, values, casting="unsafe")
    bump_version(tensor)   # an in-place write: graphs that saved the old values refuse
    return tensor


def fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight: Linear (out, in) -> (in, out); Conv (K, C, F, F) ->
    (C·F·F, K·F·F), as PyTorch computes them."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(f"init: fan in and fan out need a tensor with at least 2 "
                         f"dimensions, got shape {shape}")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended std gain for a nonlinearity (PyTorch's table)."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
              "conv_transpose2d", "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")


def zeros_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 1)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Every element = `val` (a warning example in the notes: symmetry never breaks)."""
    return _fill(tensor, val)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    rng = resolve_generator(generator, "normal_")
    return _fill(tensor, rng.normal(mean, std, tensor.shape))


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    rng = resolve_generator(generator, "uniform_")
    return _fill(tensor, rng.uniform(a, b, tensor.shape))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """U(−a, a) with a = gain·√(6 / (fan_in + fan_out)) (Glorot, for tanh/sigmoid)."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """N(0, std²) with std = gain·√(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """U(−b, b) with b = gain·√(3 / fan) (He, for ReLU; a = negative slope)."""
    gain = calculate_gain(nonlinearity, a)
    bound = gain * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """N(0, std²) with std = gain / √fan; for ReLU (a = 0) the notes' randn·√(2/n)."""
    gain = calculate_gain(nonlinearity, a)
    return normal_(tensor, 0.0, gain / math.sqrt(_fan(tensor, mode)), generator)


he_uniform_ = kaiming_uniform_
he_normal_ = kaiming_normal_


def notes_normal_(tensor: Tensor, generator=None) -> Tensor:
    """The notes' scheme: w = randn(n) / √n with n the fan-in."""
    fan_in, _ = fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, 1.0 / math.sqrt(fan_in), generator)


SCHEMES = ("pytorch", "xavier", "he", "notes")


def init_layer(weight: Tensor, bias: Tensor | None, scheme: str, layer: str,
               fan_in: int | None = None) -> None:
    """Initialise a layer's weight and bias with one of the named schemes.

    - 'pytorch': PyTorch's default for Linear/Conv: weight kaiming_uniform_(a=√5), i.e.
      U(±1/√fan_in), bias U(±1/√fan_in) (so that parity tests build the same layer).
    - 'xavier': xavier_uniform_ weight, zero bias.
    - 'he': he_normal_ (fan_in, ReLU) weight, zero bias.
    - 'notes': randn / √fan_in weight, zero bias (notes §1.4.7).
    """
    if scheme not in SCHEMES:
        raise ValueError(f"{layer}: unknown init {scheme!r}; expected one of "
                         f"{', '.join(map(repr, SCHEMES))}")
    if fan_in is None:
        fan_in = fan_in_and_fan_out(weight)[0]
    if scheme == "pytorch":
        kaiming_uniform_(weight, a=math.sqrt(5))
        if bias is not None:
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            uniform_(bias, -bound, bound)
        return
    if scheme == "xavier":
        xavier_uniform_(weight)
    elif scheme == "he":
        kaiming_normal_(weight, nonlinearity="relu")
    else:
        notes_normal_(weight)
    if bias is not None:
        zeros_(bias)
