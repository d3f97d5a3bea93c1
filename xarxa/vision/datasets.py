"""torchvision-shaped datasets: ``MNIST``, ``FashionMNIST``, ``KMNIST``, ``FakeData``, and
``ImageFolder``/``DatasetFolder`` (class folders of files, in ``folder.py``).

``datasets.MNIST(root, train=True, transform=None, target_transform=None,
download=False)`` behaves as torchvision's, with two differences:

* **Images are uint8 NumPy arrays, not PIL images.** ``ds[i]`` returns
  ``(transform(img), target_transform(target))`` where the untransformed ``img`` is a
  uint8 (28, 28) array (what ``np.asarray(pil_image)`` gives) and ``target`` a Python
  int. ``transforms.ToTensor()`` turns it into a float32 (1, 28, 28) Tensor in [0, 1],
  exactly as torchvision's does, and the geometric transforms (``Pad``, ``RandomCrop``,
  ``Resize`` …) accept it before ``ToTensor`` as they accept a PIL image.
* **Nothing is downloaded.** The IDX files (``train-images-idx3-ubyte`` …, gzipped or
  not) are looked for in torchvision's layout ``root/MNIST/raw/`` (``FashionMNIST``,
  ``KMNIST``), then where ``xa.datasets`` looks (``root``, ``root/<name>``,
  ``$XARXA_DATA``, ``~/.cache/xarxa/<name>``, ``/usr/share/datasets/<name>``);
  ``download=True`` uses the files when they are there and otherwise raises an error
  that lists these places. The IDX parsing is ``xarxa.data.datasets.idx.read_idx``.

Unlike ``xa.datasets.mnist()`` (which insists on the full 60,000/10,000 images), any
number of images is accepted, as torchvision does.
"""
from __future__ import annotations

import operator
import os
from pathlib import Path
from typing import Callable

import numpy as np

from ..data.dataset import Dataset
from ..data.datasets.idx import read_idx
from ..data.datasets.mnist_files import CLASSES, search_dirs
from ..tensor import Tensor
from .folder import DatasetFolder, ImageFolder

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "FakeData", "DatasetNotFoundError",
           "DatasetFolder", "ImageFolder"]

# Debian/Ubuntu packages that put the files under /usr/share/datasets/<name>.
_APT = {"fashion-mnist": "dataset-fashion-mnist"}


class DatasetNotFoundError(FileNotFoundError, RuntimeError):
    """The files of a dataset are nowhere to be found. A ``RuntimeError`` too, because
    torchvision raises ``RuntimeError("Dataset not found ...")`` and scripts may catch it."""


def _array(x) -> np.ndarray:
    return x.numpy() if isinstance(x, Tensor) else np.asarray(x)


class _StandardTransforms:
    """What every dataset here shares: ``transform``/``target_transform`` and a repr."""

    def _apply(self, img, target):
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"Number of datapoints: {len(self)}"]
        if getattr(self, "root", None) is not None:
            lines.append(f"Root location: {self.root}")
        lines += [line for line in self.extra_repr().splitlines() if line]
        for label, t in (("Transform", self.transform),
                         ("Target transform", self.target_transform)):
            if t is not None:
                lines.append(f"{label}: {t!r}")
        return f"Dataset {type(self).__name__}\n" + "\n".join("    " + s for s in lines)


class MNIST(_StandardTransforms, Dataset):
    """MNIST handwritten digits (28×28, 10 classes) from local IDX files.

    Args:
        root: the directory holding ``MNIST/raw/`` (torchvision's layout), or the files
            themselves; ``None`` searches only the places ``xa.datasets`` searches.
        train: the 60,000 training images (True) or the 10,000 test images (False).
        transform: applied to the uint8 (28, 28) image array, e.g.
            ``transforms.Compose([transforms.ToTensor(), transforms.Normalize(...)])``.
        target_transform: applied to the int label.
        download: accepted for torchvision's scripts; files are never downloaded — when
            they are missing the error lists where to put them.

    Attributes:
        data: uint8 Tensor (N, 28, 28); targets: int64 Tensor (N,); classes: the
            10 label names; class_to_idx: name -> label.

    Example:
        >>> train = datasets.MNIST("data", train=True, transform=transforms.ToTensor())
        >>> x, y = train[0]            # float32 (1, 28, 28) in [0, 1], int
    """

    name = "mnist"            # xa.datasets' name: ~/.cache/xarxa/mnist, $XARXA_DATA/mnist …
    classes = CLASSES["mnist"]

    def __init__(self, root: str | os.PathLike | None, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = False):
        cls = type(self).__name__
        if not isinstance(train, (bool, np.bool_)):
            raise TypeError(f"{cls}: train must be a bool, got {train!r}")
        for label, fn in (("transform", transform), ("target_transform", target_transform)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{cls}: {label} must be callable or None, got "
                                f"{type(fn).__name__}")
        self.root = None if root is None else os.fspath(os.path.expanduser(root))
        self.train, self.transform, self.target_transform = bool(train), transform, \
            target_transform
        images_path, labels_path = self._locate(download)
        images, labels = read_idx(images_path), read_idx(labels_path)
        self._check(images, labels, images_path, labels_path)
        self.data = Tensor(images)
        self.targets = Tensor(labels.astype(np.int64))

    @property
    def raw_folder(self) -> str | None:
        """``root/<ClassName>/raw``, where torchvision keeps the IDX files."""
        return None if self.root is None else os.path.join(self.root, type(self).__name__,
                                                           "raw")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def _search_dirs(self) -> list[Path]:
        dirs = [] if self.root is None else [Path(self.raw_folder)]
        return dirs + search_dirs(self.name, self.root)

    def _locate(self, download: bool) -> tuple[Path, Path]:
        prefix = "train" if self.train else "t10k"
        stems = (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte")
        dirs = self._search_dirs()
        for directory in dirs:
            # The uncompressed file first (torchvision extracts the .gz next to it).
            found = [next((p for p in (directory / s, directory / f"{s}.gz") if p.is_file()),
                          None) for s in stems]
            if None not in found:
                return found[0], found[1]
        cls = type(self).__name__
        looked = "\n".join(f"  {d}" for d in dirs)
        where = (self.raw_folder if self.root is not None
                 else f"~/.cache/xarxa/{self.name}")
        how = (f"Put {stems[0]}[.gz] and {stems[1]}[.gz] in one of them, e.g. in {where}"
               f" (torchvision's layout: root/{cls}/raw/)")
        if self.name in _APT:
            how += (f", or on Debian/Ubuntu run: sudo apt-get install {_APT[self.name]} "
                    f"(installs them in /usr/share/datasets/{self.name})")
        first = (f"{cls}: download=True cannot fetch files: xarxa never downloads. "
                 if download else f"{cls}: dataset not found. ")
        raise DatasetNotFoundError(
            f"{first}The {'train' if self.train else 'test'} files were looked for in:\n"
            f"{looked}\n{how}.")

    def _check(self, images, labels, ipath: Path, lpath: Path) -> None:
        cls = type(self).__name__
        if images.dtype != np.uint8 or images.ndim != 3:
            raise ValueError(f"{cls}: {ipath}: expected uint8 images of shape (N, H, W), "
                             f"got {images.dtype} {images.shape}")
        if not np.issubdtype(labels.dtype, np.integer) or labels.ndim != 1:
            raise ValueError(f"{cls}: {lpath}: expected integer labels of shape (N,), got "
                             f"{labels.dtype} {labels.shape}")
        if len(images) != len(labels):
            raise ValueError(f"{cls}: {ipath} has {len(images)} images but {lpath} has "
                             f"{len(labels)} labels")
        if labels.size and (labels.min() < 0 or labels.max() >= len(self.classes)):
            raise ValueError(f"{cls}: {lpath}: labels must lie in 0..{len(self.classes) - 1}, "
                             f"found {int(labels.min())}..{int(labels.max())}")

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int):
        """``(transform(img), target_transform(target))``; img a uint8 (28, 28) array
        (a copy: transforms may write to it), target an int."""
        index = operator.index(index)
        img = np.array(_array(self.data)[index])
        return self._apply(img, int(_array(self.targets)[index]))

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train else 'Test'}"


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando: 10 kinds of clothing, 28×28); see ``MNIST``. Files in
    ``root/FashionMNIST/raw/`` or where ``xa.datasets.fashion_mnist`` looks (Debian/Ubuntu:
    ``apt-get install dataset-fashion-mnist``)."""

    name = "fashion-mnist"
    classes = CLASSES["fashion-mnist"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST (10 cursive Japanese characters, 28×28); see ``MNIST``. Files in
    ``root/KMNIST/raw/`` or where ``xa.datasets.kmnist`` looks."""

    name = "kmnist"
    classes = CLASSES["kmnist"]


class FakeData(_StandardTransforms, Dataset):
    """Random images with random labels, the same for the same index on every call.

    Args:
        size: number of samples.
        image_size: (C, H, W) of each image.
        num_classes: labels are drawn from 0..num_classes-1.
        random_offset: shifts the per-index seed (another offset, other images).

    Each sample is drawn from its own generator seeded with ``index + random_offset``,
    so it depends neither on the global generator nor on the order of access (as
    torchvision's). The values differ from torchvision's (which draws them from
    torch's generator); the kinds match: the untransformed image is uint8, (H, W) for
    one channel and (H, W, C) otherwise (what a PIL image holds), the target an int.

    Example:
        >>> ds = datasets.FakeData(size=8, image_size=(1, 28, 28),
        ...                        transform=transforms.ToTensor())
    """

    def __init__(self, size: int = 1000, image_size: tuple = (3, 224, 224),
                 num_classes: int = 10, transform: Callable | None = None,
                 target_transform: Callable | None = None, random_offset: int = 0):
        image_size = tuple(image_size)
        if len(image_size) != 3 or min(image_size) <= 0:
            raise ValueError(f"FakeData: image_size must be (C, H, W) of positive sizes, got "
                             f"{image_size!r}")
        if size < 0 or num_classes <= 0 or random_offset < 0:
            raise ValueError(f"FakeData: expected size >= 0, num_classes > 0 and "
                             f"random_offset >= 0, got {size}, {num_classes}, {random_offset}")
        self.size, self.image_size = int(size), tuple(int(s) for s in image_size)
        self.num_classes, self.random_offset = int(num_classes), int(random_offset)
        self.transform, self.target_transform = transform, target_transform

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int):
        index = operator.index(index)
        if not -self.size <= index < self.size:
            raise IndexError(f"FakeData index {index} out of range for size {self.size}")
        index %= self.size
        rng = np.random.default_rng(index + self.random_offset)
        c, h, w = self.image_size
        img = rng.integers(0, 256, size=(h, w, c), dtype=np.uint8)
        target = int(rng.integers(0, self.num_classes))
        return self._apply(img[:, :, 0] if c == 1 else img, target)
