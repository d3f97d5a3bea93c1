"""Turning indices (or a stream) into batches: the one place that does it, in the main
process (``num_workers=0``) and in the worker processes alike, so that both give the
same batches."""
from __future__ import annotations

from itertools import islice
from typing import Any, Callable, Iterator

from .collate import default_collate

__all__ = ["fetch", "stream"]


def fetch(dataset, index, auto_collation: bool, collate_fn: Callable) -> Any:
    """The batch of a map-style dataset at ``index`` (a list of indices), or, without
    automatic batching, ``collate_fn`` of the one sample ``dataset[index]``.

    Fast paths: xarxa's ``__getbatch__`` (the collated batch itself, with the default
    ``collate_fn`` only), then PyTorch's ``__getitems__`` (the list of samples)."""
    if not auto_collation:
        return collate_fn(dataset[index])
    if collate_fn is default_collate and hasattr(dataset, "__getbatch__"):
        return dataset.__getbatch__(index)
    getitems = getattr(dataset, "__getitems__", None)
    samples = getitems(index) if callable(getitems) else [dataset[i] for i in index]
    return collate_fn(samples)


def stream(iterator: Iterator, auto_collation: bool, batch_size: int | None,
           drop_last: bool, collate_fn: Callable) -> Iterator:
    """The batches of an iterable dataset's stream: ``batch_size`` samples each, the last
    shorter one dropped when ``drop_last`` (or each sample alone without batching)."""
    if not auto_collation:
        for sample in iterator:
            yield collate_fn(sample)
        return
    while True:
        batch = list(islice(iterator, batch_size))
        if not batch or (drop_last and len(batch) < batch_size):
            return
        yield collate_fn(batch)
