"""`default_collate` and `default_convert`: samples to batches, as PyTorch makes them.

``default_collate`` turns a list of samples into one batch, recursively:

==========================  =================================================
sample element              batch element
==========================  =================================================
Tensor / ndarray            Tensor stacked on a new first dimension (same dtype)
NumPy scalar                Tensor of its dtype
Python float                float64 Tensor (PyTorch's choice, not the default dtype)
Python int / bool           int64 / bool Tensor (mixed with floats: the default dtype)
str / bytes                 the samples as they are (a list)
dict (any Mapping)          the same kind of mapping, collated key by key
namedtuple                  the same namedtuple, collated field by field
tuple                       a *list*, collated position by position (as PyTorch)
list (any Sequence)         the same kind of sequence, position by position
==========================  =================================================

``default_convert`` is what a ``DataLoader(batch_size=None)`` applies to each sample:
arrays become Tensors, containers are walked, everything else stays as it is.
"""
from __future__ import annotations

import collections.abc
import copy
from typing import Any

import numpy as np

from ..dtypes import get_default_dtype
from ..tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
          "lists; found {}")


def _is_text(dtype: np.dtype) -> bool:
    return dtype.kind in "OUSV" and not dtype.fields  # object, str, bytes, void


def _stack(arrays: list, kind: str) -> Tensor:
    first = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != first:
            raise ValueError(f"default_collate: stack expects each {kind} to be equal size, but "
                             f"got shape {first} at entry 0 and {a.shape} at entry {i}")
    return Tensor(np.stack(arrays))


def _numbers(batch: list) -> Tensor:
    """PyTorch's rule, decided by the first sample: a float first gives float64; an int or
    bool first gives what ``torch.tensor(batch)`` gives (int64, bool, or the default dtype
    when floats follow)."""
    if isinstance(batch[0], float):
        return Tensor(np.array(batch, dtype=np.float64))
    array = np.array(batch)
    if array.dtype.kind == "f":
        array = array.astype(get_default_dtype())
    elif array.dtype.kind in "iu":
        array = array.astype(np.int64)
    return Tensor(array)


def _same_container(elem, values: list):
    """``values`` in a container of ``elem``'s kind, as PyTorch rebuilds it."""
    if isinstance(elem, collections.abc.Mapping):
        keys = list(elem)
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update(zip(keys, values))
                return clone
            return type(elem)(zip(keys, values))
        except TypeError:
            return dict(zip(keys, values))
    if isinstance(elem, tuple):
        return type(elem)(*values) if hasattr(elem, "_fields") else list(values)
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            clone[:] = values
            return clone
        return type(elem)(values)
    except TypeError:
        return list(values)


def default_collate(batch: list) -> Any:
    """A batch from a list of samples (see the module docstring for the rules).

    Example:
        >>> default_collate([(np.zeros(2, np.float32), 0), (np.ones(2, np.float32), 1)])
        [Tensor of shape (2, 2) float32, Tensor([0, 1]) int64]
    """
    if len(batch) == 0:
        raise ValueError("default_collate: the batch is empty")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack([b.numpy() if isinstance(b, Tensor) else np.asarray(b) for b in batch],
                      "tensor")
    if isinstance(elem, np.ndarray):
        if _is_text(elem.dtype):
            raise TypeError(_ERROR.format(elem.dtype))
        return _stack([np.asarray(b) for b in batch], "array")
    if isinstance(elem, (np.bool_, np.number)):
        return Tensor(np.array(batch))
    if isinstance(elem, (float, int)):  # bool is an int
        return _numbers(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _same_container(elem, [default_collate([d[k] for d in batch]) for k in elem])
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise ValueError("default_collate: each element in list of batch should be of "
                             f"equal size, got lengths {sorted({len(b) for b in batch})}")
        return _same_container(elem, [default_collate(s) for s in zip(*batch)])
    raise TypeError(_ERROR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """One sample with its NumPy arrays and scalars turned into Tensors (PyTorch's
    ``default_convert``, the collate function of ``DataLoader(batch_size=None)``)."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if _is_text(data.dtype) else Tensor(data)
    if isinstance(data, (np.bool_, np.number)):
        return Tensor(np.asarray(data))
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        return _same_container(data, [default_convert(data[k]) for k in data])
    if isinstance(data, collections.abc.Sequence):
        return _same_container(data, [default_convert(d) for d in data])
    return data
