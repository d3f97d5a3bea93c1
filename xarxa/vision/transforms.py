"""torchvision-shaped transforms: the one set of `xarxa.data.transforms` (re-exported
here, see there for the two kinds of image they take) and `Resize`.

Example:
    >>> from xarxa.vision import transforms
    >>> tf = transforms.Compose([transforms.RandomCrop(28, padding=4),
    ...                          transforms.ToTensor(),
    ...                          transforms.Normalize((0.1307,), (0.3081,))])
"""
from __future__ import annotations

import numbers
from enum import Enum
from typing import Sequence

from ..data.transforms import (CenterCrop, Compose, Lambda, Normalize, Pad,  # noqa: F401
                               RandomCrop, RandomHorizontalFlip, ToTensor, setup_size,
                               unpack_image)
from ._resize import resize_array

__all__ = ["CenterCrop", "Compose", "InterpolationMode", "Lambda", "Normalize", "Pad",
           "RandomCrop", "RandomHorizontalFlip", "Resize", "ToTensor"]


class InterpolationMode(Enum):
    """torchvision's names for the resampling filters; NEAREST, BILINEAR and BICUBIC exist
    here."""

    NEAREST = "nearest"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"


class Resize:
    """Resize to ``size``.

    Args:
        size: (h, w); or an int: the smaller edge becomes ``size`` and the other keeps
            the aspect ratio (int(size · long / short)).
        interpolation: ``InterpolationMode.BILINEAR`` (default), ``BICUBIC`` or
            ``NEAREST`` (or the strings ``'bilinear'``/``'bicubic'``/``'nearest'``).
        max_size: with an int ``size``, the longer edge is capped at ``max_size``.
        antialias: for bilinear and bicubic, low-pass filter when shrinking (torchvision's
            default True, what PIL does; its bicubic then uses PIL's a = −0.5 kernel);
            ``False`` is plain interpolation (bicubic: a = −0.75).

    The result equals ``torch.nn.functional.interpolate(x, size, mode='nearest')`` or
    ``(mode='bilinear'/'bicubic', align_corners=False, antialias=antialias)`` on float
    inputs, which is what torchvision's ``Resize`` computes on tensors; integer images
    (uint8 arrays and tensors) are computed in float32, rounded and clamped back, as
    torchvision does for uint8 tensors (PIL's own rounding of a PIL image can differ by 1).
    """

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None,
                 antialias: bool | None = True):
        if isinstance(size, numbers.Integral) or (isinstance(size, Sequence)
                                                  and len(size) == 1):
            self._short = int(size if isinstance(size, numbers.Integral) else size[0])
            if self._short <= 0:
                raise ValueError(f"Resize: size must be positive, got {size!r}")
        else:
            self._short = None
            if max_size is not None:
                raise ValueError(f"Resize: max_size is only allowed when size is an int "
                                 f"(the smaller edge), got size={size!r}")
            setup_size(size, "Resize")
        try:
            mode = InterpolationMode(interpolation.value if isinstance(
                interpolation, InterpolationMode) else interpolation)
        except ValueError:
            mode = None
        if mode is None:
            raise ValueError(f"Resize: interpolation must be InterpolationMode.NEAREST, "
                             f"BILINEAR or BICUBIC, got {interpolation!r}")
        if max_size is not None and self._short is not None and max_size <= self._short:
            raise ValueError(f"Resize: max_size = {max_size} must be strictly greater than "
                             f"the requested size for the smaller edge, size = {size}")
        self.size, self.interpolation, self.max_size = size, mode, max_size
        self.antialias = bool(antialias)

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        """The (h, w) an image of this size is resized to (torchvision's rule)."""
        if self._short is None:
            return setup_size(self.size, "Resize")
        short, long = (width, height) if width <= height else (height, width)
        new_short, new_long = self._short, int(self._short * long / short)
        if self.max_size is not None and new_long > self.max_size:
            new_short, new_long = int(self.max_size * new_short / new_long), self.max_size
        return (new_long, new_short) if width <= height else (new_short, new_long)

    def __call__(self, img):
        a, back = unpack_image(img, "Resize")
        size = self.output_size(*a.shape[-2:])
        if size == a.shape[-2:]:
            return img
        return back(resize_array(a, size, self.interpolation.value, self.antialias))

    def __repr__(self) -> str:
        return (f"Resize(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")
