"""torchvision's ``weights=`` argument, offline: the weight enums and the one loader that every
builder calls.

``weights=`` may be

* ``None`` (the default): random initialisation, as torchvision;
* a path (``str`` or ``os.PathLike``) to a state dict file that ``xa.load`` reads: a
  PyTorch ``.pth``/``.pt`` (torchvision's own downloads are such files), ``.safetensors``
  or xarxa's ``.npz``; it is loaded with ``load_state_dict(strict=True)``;
* a torchvision weight name — the enum member (``VGG16_Weights.IMAGENET1K_V1``) or its
  string (``"IMAGENET1K_V1"``, ``"DEFAULT"``, ``"VGG16_Weights.DEFAULT"``), or the old
  ``pretrained=True``. Nothing is ever downloaded: the file torchvision would download
  (``vgg16-397923af.pth``) is looked for where torchvision keeps its downloads,
  ``$TORCH_HOME/hub/checkpoints`` (``~/.cache/torch/hub/checkpoints`` by default), and
  loaded from there; when it is missing the error says which file to put there.
"""
from __future__ import annotations

import os
from enum import Enum
from pathlib import Path

from ... import serialization

__all__ = ["WeightsEnum", "build", "checkpoint_dir", "weights_file"]

URL_ROOT = "https://download.pytorch.org/models/"


class WeightsEnum(Enum):
    """A builder's weight names; each member's value is the file torchvision downloads
    (``DEFAULT`` is an alias of the recommended one, as in torchvision)."""

    @property
    def file_name(self) -> str:
        return self.value

    @property
    def url(self) -> str:
        return URL_ROOT + self.value

    @classmethod
    def verify(cls, obj):
        """A member from a member or its name (``"DEFAULT"``, ``"VGG16_Weights.DEFAULT"``);
        None for anything else."""
        if isinstance(obj, cls):
            return obj
        if isinstance(obj, str):
            return cls.__members__.get(obj.replace(cls.__name__ + ".", "", 1))
        return None


def checkpoint_dir() -> Path:
    """Where torchvision keeps downloaded weights: ``$TORCH_HOME/hub/checkpoints``, with
    ``TORCH_HOME`` defaulting to ``$XDG_CACHE_HOME/torch`` or ``~/.cache/torch``."""
    home = os.environ.get("TORCH_HOME")
    if not home:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
        home = os.path.join(cache, "torch")
    return Path(os.path.expanduser(home)) / "hub" / "checkpoints"


def weights_file(name: str, weights, enum: type[WeightsEnum], pretrained: bool = False
                 ) -> Path | None:
    """The state dict file that ``weights`` (of the builder ``name``) stands for, as the
    module docstring says; None for random weights. Checked before a model is built."""
    if pretrained and weights is None:
        weights = enum.IMAGENET1K_V1        # what torchvision maps pretrained=True to
    if weights is None:
        return None
    member = enum.verify(weights)
    if member is not None:
        path = checkpoint_dir() / member.file_name
        if not path.is_file():
            raise ValueError(
                f"{name}: weights={member} are not on this machine, and xarxa never "
                f"downloads. Put torchvision's file {member.file_name} (from {member.url}) "
                f"in {path.parent} (where torchvision keeps its downloads; TORCH_HOME moves "
                f"it), or pass its path: {name}(weights='path/to/{member.file_name}').")
        return path
    if isinstance(weights, (str, os.PathLike)):
        path = Path(weights)
        if not path.is_file():
            names = ", ".join(enum.__members__)
            raise ValueError(f"{name}: weights={os.fspath(weights)!r} is neither a state dict "
                             f"file (no such file) nor a weight name of {enum.__name__} "
                             f"({names})")
        return path
    raise TypeError(f"{name}: weights must be None, a path to a state dict file or a "
                    f"{enum.__name__} name, got {type(weights).__name__}")


def build(make, name: str, weights, enum: type[WeightsEnum], pretrained: bool = False):
    """``make()``, filled from ``weights`` (strictly: every name and shape must match)."""
    path = weights_file(name, weights, enum, pretrained)
    model = make()
    if path is not None:
        model.load_state_dict(serialization.load(path))
    return model
