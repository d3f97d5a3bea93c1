"""A stand-in for the few parts of torchvision the compat scripts use, for their runs
under PyTorch where torchvision is not installed (it is not a test dependency).

Written with torch and NumPy only, from torchvision's documented behaviour — never
with xarxa, whose ``xarxa.vision`` it is the reference for:

* ``datasets.FashionMNIST/MNIST(root, train, transform, target_transform, download)``
  read the IDX files from torchvision's layout ``root/<ClassName>/raw/`` (gzipped or
  not); ``.data`` is uint8 (N, 28, 28), ``.targets`` int64; an item is
  ``(transform(img), target)`` with ``img`` the uint8 (28, 28) NumPy array (where
  torchvision gives a PIL image of the same pixels) and ``target`` an int.
* ``transforms.Compose``, ``ToTensor`` (uint8 (H, W[, C]) -> float32 (C, H, W) / 255)
  and ``Normalize`` ((x - mean) / std per channel).

`modules()` returns the entries to put in ``sys.modules``.
"""
from __future__ import annotations

import gzip
import os
import types

import numpy as np
import torch


def _read_idx(path: str) -> np.ndarray:
    """IDX: two zero bytes, the type code (0x08 = uint8), the number of dimensions,
    then each dimension as a big-endian uint32 and the data."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    assert raw[0] == 0 and raw[1] == 0 and raw[2] == 0x08, path
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


class MNIST(torch.utils.data.Dataset):
    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        self.root, self.train = root, train
        self.transform, self.target_transform = transform, target_transform
        raw = os.path.join(root, type(self).__name__, "raw")
        prefix = "train" if train else "t10k"

        def find(stem):
            for name in (stem, stem + ".gz"):
                if os.path.isfile(os.path.join(raw, name)):
                    return os.path.join(raw, name)
            raise RuntimeError("Dataset not found. You can use download=True to download it")

        self.data = torch.from_numpy(_read_idx(find(f"{prefix}-images-idx3-ubyte")).copy())
        self.targets = torch.from_numpy(
            _read_idx(find(f"{prefix}-labels-idx1-ubyte")).astype(np.int64))

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        img, target = self.data[index].numpy().copy(), int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target


class FashionMNIST(MNIST):
    pass


class Compose:
    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img


class ToTensor:
    def __call__(self, pic):
        array = pic[:, :, None] if pic.ndim == 2 else pic
        img = torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))
        return img.to(torch.float32).div(255) if img.dtype == torch.uint8 else img


class Normalize:
    def __init__(self, mean, std, inplace=False):
        self.mean, self.std = mean, std

    def __call__(self, tensor):
        mean = torch.as_tensor(self.mean, dtype=tensor.dtype).view(-1, 1, 1)
        std = torch.as_tensor(self.std, dtype=tensor.dtype).view(-1, 1, 1)
        return (tensor - mean) / std


def modules() -> dict[str, types.ModuleType]:
    """``torchvision`` with its ``datasets`` and ``transforms``, as ``sys.modules`` entries."""
    package = types.ModuleType("torchvision")
    package.__path__ = []
    package.datasets = types.ModuleType("torchvision.datasets")
    package.datasets.MNIST, package.datasets.FashionMNIST = MNIST, FashionMNIST
    package.transforms = types.ModuleType("torchvision.transforms")
    for cls in (Compose, ToTensor, Normalize):
        setattr(package.transforms, cls.__name__, cls)
    return {"torchvision": package, "torchvision.datasets": package.datasets,
            "torchvision.transforms": package.transforms}

