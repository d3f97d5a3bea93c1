"""torchvision-shaped parts of xarxa: ``datasets``, ``transforms``, ``utils``, ``models``,
``io`` (image files; Pillow, optional, decodes them).

A PyTorch script's ``from torchvision import datasets, transforms`` becomes
``from xarxa.vision import datasets, transforms`` with nothing else changed. The
differences: images come out of the datasets as uint8 NumPy arrays where torchvision
gives PIL images (``transforms.ToTensor`` converts both the same way), nothing is
downloaded, and ``models`` hold random weights (load a state dict for trained ones).

Not part of the core: ``import xarxa`` does not import it.
"""
from . import datasets, io, models, transforms, utils  # noqa: F401

__all__ = ["datasets", "io", "models", "transforms", "utils"]
