"""``ImageFolder`` and ``DatasetFolder``: a dataset from a directory of class folders, as
torchvision's::

    root/dog/xxx.png
    root/dog/nested/xxy.jpeg
    root/cat/123.png

Classes are the sub-directories' names, sorted (``class_to_idx`` maps them to 0, 1, …);
samples are every valid file below each (followed into sub-directories and symlinks),
sorted, as (path, class index) pairs in ``samples`` (also ``imgs``) with the indices in
``targets``. ``ds[i]`` loads ``samples[i]`` with ``loader`` and applies ``transform`` and
``target_transform``.

One difference, as in the other datasets of ``xarxa.vision``: ``ImageFolder``'s default
loader gives a uint8 (H, W, 3) RGB NumPy array where torchvision gives an RGB PIL image
(``transforms.ToTensor`` turns both into the same tensor). Decoding uses Pillow (optional:
``pip install 'xarxa[vision]'``), imported when the first image is loaded.
"""
from __future__ import annotations

import operator
import os
from typing import Callable

import numpy as np

from ..data.dataset import Dataset

__all__ = ["DatasetFolder", "ImageFolder", "IMG_EXTENSIONS", "default_loader",
           "find_classes", "has_file_allowed_extension", "make_dataset"]

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def has_file_allowed_extension(filename: str, extensions) -> bool:
    """Whether ``filename`` ends with one of ``extensions`` (case-insensitively)."""
    return filename.lower().endswith(extensions if isinstance(extensions, str)
                                     else tuple(extensions))


def find_classes(directory) -> tuple[list[str], dict[str, int]]:
    """The sorted names of the sub-directories of ``directory`` and their indices."""
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: i for i, name in enumerate(classes)}


def make_dataset(directory, class_to_idx: dict[str, int] | None = None, extensions=None,
                 is_valid_file: Callable[[str], bool] | None = None,
                 allow_empty: bool = False) -> list[tuple[str, int]]:
    """Every (path, class index) below ``directory``'s class folders, sorted; a file
    counts if it has one of ``extensions`` or passes ``is_valid_file`` (give one)."""
    directory = os.path.expanduser(os.fspath(directory))
    if class_to_idx is None:
        _, class_to_idx = find_classes(directory)
    elif not class_to_idx:
        raise ValueError("'class_to_index' must have at least one entry to collect any "
                         "samples.")
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at "
                         "the same time")
    valid = is_valid_file if extensions is None else \
        (lambda path: has_file_allowed_extension(path, extensions))
    instances, found = [], set()
    for name in sorted(class_to_idx):
        target = os.path.join(directory, name)
        if not os.path.isdir(target):
            continue
        for root, _, names in sorted(os.walk(target, followlinks=True)):
            for fname in sorted(names):
                path = os.path.join(root, fname)
                if valid(path):
                    instances.append((path, class_to_idx[name]))
                    found.add(name)
    empty = set(class_to_idx) - found
    if empty and not allow_empty:
        message = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            message += "Supported extensions are: " + (
                extensions if isinstance(extensions, str) else ", ".join(extensions))
        raise FileNotFoundError(message)
    return instances


def default_loader(path) -> np.ndarray:
    """An image file as a uint8 (H, W, 3) RGB array (what ``np.asarray`` of torchvision's
    RGB PIL image gives)."""
    from .io import _pil_image        # Pillow, imported lazily, with the install hint
    with open(path, "rb") as f:
        img = _pil_image().open(f)
        return np.asarray(img.convert("RGB"), dtype=np.uint8).copy()


class DatasetFolder(Dataset):
    """Samples ``loader(path)`` of the files under ``root``'s class folders (see the module
    docstring), with torchvision's arguments and attributes."""

    def __init__(self, root, loader: Callable, extensions=None,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 is_valid_file: Callable[[str], bool] | None = None,
                 allow_empty: bool = False):
        self.root = os.fspath(root)
        self.transform, self.target_transform = transform, target_transform
        classes, class_to_idx = self.find_classes(self.root)
        self.samples = self.make_dataset(self.root, class_to_idx, extensions, is_valid_file,
                                         allow_empty)
        self.loader, self.extensions = loader, extensions
        self.classes, self.class_to_idx = classes, class_to_idx
        self.targets = [target for _, target in self.samples]

    @staticmethod
    def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None,
                     allow_empty: bool = False) -> list[tuple[str, int]]:
        return make_dataset(directory, class_to_idx, extensions, is_valid_file, allow_empty)

    def find_classes(self, directory) -> tuple[list[str], dict[str, int]]:
        return find_classes(directory)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int):
        index = operator.index(index)
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    def __repr__(self) -> str:
        lines = [f"Number of datapoints: {len(self)}", f"Root location: {self.root}"]
        for label, t in (("Transform", self.transform),
                         ("Target transform", self.target_transform)):
            if t is not None:
                lines.append(f"{label}: {t!r}")
        return f"Dataset {type(self).__name__}\n" + "\n".join("    " + s for s in lines)


class ImageFolder(DatasetFolder):
    """Images in class folders (``root/<class>/…/<image>``): ``ds[i]`` is
    ``(transform(image), target_transform(class index))``, the image a uint8 (H, W, 3)
    RGB array unless ``loader`` says otherwise.

    Example:
        >>> train = datasets.ImageFolder("data/train", transform=transforms.Compose(
        ...     [transforms.Resize((64, 64)), transforms.ToTensor()]))
        >>> train.classes, train.class_to_idx, len(train)
    """

    def __init__(self, root, transform: Callable | None = None,
                 target_transform: Callable | None = None, loader: Callable = default_loader,
                 is_valid_file: Callable[[str], bool] | None = None,
                 allow_empty: bool = False):
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None,
                         transform, target_transform, is_valid_file, allow_empty)
        self.imgs = self.samples
