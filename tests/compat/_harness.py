"""Run a PyTorch script twice — as written under PyTorch, then under xarxa with only its
imports changed (`_rewrite.to_xarxa`) — and compare what the two runs did.

Each script is a plain file in ``scripts/``, shaped like the tutorial it comes from. It
keeps the losses it computes in a list ``losses`` (as tutorials do for their plots) and
prints what tutorials print. A script that starts from random weights saves them the
first time it runs and loads them otherwise::

    if os.path.exists("initial_weights.pth"):
        model.load_state_dict(torch.load("initial_weights.pth"))
    else:
        torch.save(model.state_dict(), "initial_weights.pth")

so the PyTorch run writes them with ``torch.save`` and the xarxa run starts from the
same numbers, read from PyTorch's ``.pth`` file by ``xa.load``.

`run_both` executes the script in two working directories, ``torch/`` then ``xarxa/``
(each with ``data/FashionMNIST/raw/`` holding the Fashion-MNIST IDX files in
torchvision's layout), copying the PyTorch run's ``initial*`` files across. Under
PyTorch, ``torchvision`` is `_torchvision`'s stand-in (torchvision is not installed);
under xarxa, importing ``torch`` or ``torchvision`` fails, so nothing of PyTorch can
help the xarxa run. Both start from the same seeds of Python's, NumPy's, torch's and
xarxa's generators.

`assert_same_run` then checks: the same losses step by step (``rtol``), the same
printed text with the same numbers (within ``rtol`` or one
unit of the last printed decimal), and every ``.pt``/``.pth`` file the xarxa run saved
readable by ``torch.load`` with the same tensors as the PyTorch run's file of that name.
"""
from __future__ import annotations

import contextlib
import gzip
import io
import random
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

import xarxa as xa
from compat import _torchvision
from compat._rewrite import to_xarxa

SCRIPTS = Path(__file__).parent / "scripts"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
IDX_FILES = [f"{split}-{kind}-ubyte.gz" for split in ("train", "t10k")
             for kind in ("images-idx3", "labels-idx1")]


@dataclass
class Run:
    """What one run of a script left: its globals, its printed text, its directory."""
    namespace: dict
    output: str
    directory: Path

    @property
    def losses(self) -> list[float]:
        return self.namespace["losses"]


def _write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


def prepare_data(directory: Path) -> None:
    """``directory/data/FashionMNIST/raw/``: links to the real Fashion-MNIST files where
    the Debian package installed them, otherwise small made-up ones (images with one
    bright square per class) — the scripts only need files in torchvision's layout."""
    raw = directory / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    if all((FASHION_DIR / name).is_file() for name in IDX_FILES):
        for name in IDX_FILES:
            (raw / name).symlink_to(FASHION_DIR / name)
        return
    rng = np.random.default_rng(0)
    for split, n in (("train", 512), ("t10k", 256)):
        labels = np.arange(n) % 10
        images = rng.integers(0, 64, size=(n, 28, 28))
        for i, label in enumerate(labels):
            row, col = divmod(int(label), 5)
            images[i, 4 + 10 * row:12 + 10 * row, 2 + 5 * col:7 + 5 * col] = 255
        _write_idx(raw / f"{split}-images-idx3-ubyte.gz", images)
        _write_idx(raw / f"{split}-labels-idx1-ubyte.gz", labels)


def _seed_everything() -> None:
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    xa.manual_seed(0)


def run_script(source: str, filename: str, directory: Path, library: str) -> Run:
    """Execute ``source`` (already rewritten for ``library``) as ``__main__`` in
    ``directory``; return its globals and printed text."""
    _seed_everything()
    namespace = {"__name__": "__main__", "__file__": str(directory / filename)}
    out = io.StringIO()
    settings = _global_settings()
    try:
        with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out):
            if library == "torch":
                for name, module in _torchvision.modules().items():
                    mp.setitem(sys.modules, name, module)
            else:
                # PyTorch stays loaded for the harness, but the script cannot reach it.
                for name in ("torch", "torchvision"):
                    mp.setitem(sys.modules, name, None)
            mp.chdir(directory)
            exec(compile(source, f"<{library}: {filename}>", "exec"), namespace)
    finally:
        _restore(settings)   # with torch importable again: it imports lazily
    return Run(namespace, out.getvalue(), directory)


def _global_settings() -> tuple:
    """The process-wide switches a script may flip (the DCGAN tutorial calls
    ``torch.use_deterministic_algorithms(True)``), to restore for the tests after it."""
    return (torch.are_deterministic_algorithms_enabled(),
            torch.is_deterministic_algorithms_warn_only_enabled(), torch.get_default_dtype(),
            xa.are_deterministic_algorithms_enabled(),
            xa.is_deterministic_algorithms_warn_only_enabled(), xa.get_default_dtype())


def _restore(settings: tuple) -> None:
    torch_mode, torch_warn, torch_dtype, xa_mode, xa_warn, xa_dtype = settings
    torch.use_deterministic_algorithms(torch_mode, warn_only=torch_warn)
    torch.set_default_dtype(torch_dtype)
    xa.use_deterministic_algorithms(xa_mode, warn_only=xa_warn)
    xa.set_default_dtype(xa_dtype)


def run_both(name: str, tmp_path: Path) -> tuple[Run, Run]:
    """Run ``scripts/<name>`` under PyTorch, then under xarxa from the same start."""
    path = SCRIPTS / name
    source = path.read_text()
    runs = []
    for library, text in (("torch", source), ("xarxa", to_xarxa(source))):
        directory = tmp_path / library
        directory.mkdir()
        prepare_data(directory)
        if library == "xarxa":
            for start in (tmp_path / "torch").glob("initial*"):
                shutil.copy(start, directory / start.name)
        runs.append(run_script(text, path.name, directory, library))
    return runs[0], runs[1]


# -- comparison ----------------------------------------------------------------------

NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _last_digit(token: str) -> float:
    """One unit of the last digit printed in ``token`` ("0.1234" -> 1e-4, "1e-05" -> 1e-05);
    0 for an integer ("64": shapes, counts and indices must be equal)."""
    if token.lstrip("+-").isdigit():
        return 0.0
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def assert_same_output(expected: str, actual: str, rtol: float, atol: float) -> None:
    """The same text as PyTorch's (xarxa prints tensors, shapes and dtypes as PyTorch does),
    with numbers that differ by at most ``rtol`` and ``atol`` or one unit of the last decimal
    printed (a loss of 0.12345 may print as 0.1234 in one run, 0.1235 in the other);
    integers within ``rtol``/``atol`` only, so shapes and counts must be equal."""
    assert NUMBER.split(actual) == NUMBER.split(expected), (
        f"the printed text differs:\n--- PyTorch\n{expected}\n--- xarxa\n{actual}")
    want, got = NUMBER.findall(expected), NUMBER.findall(actual)
    assert len(want) == len(got)
    for w, g in zip(want, got):
        # (1 + 1e-9): the decimal difference of two printed numbers is not exact in binary
        tol = (rtol * abs(float(w)) + atol + max(_last_digit(w), _last_digit(g))) * (1 + 1e-9)
        assert abs(float(g) - float(w)) <= tol, (
            f"printed {g} where PyTorch printed {w}:\n--- PyTorch\n{expected}\n"
            f"--- xarxa\n{actual}")


def _assert_same_tensors(expected, actual, where: str, rtol: float, atol: float) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and list(actual) == list(expected), where
        for key in expected:
            _assert_same_tensors(expected[key], actual[key], f"{where}[{key!r}]", rtol, atol)
    elif isinstance(expected, torch.Tensor):
        assert isinstance(actual, torch.Tensor), where
        assert actual.dtype == expected.dtype and actual.shape == expected.shape, where
        np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=rtol, atol=atol,
                                   err_msg=where)
    else:
        assert actual == expected, where


def assert_same_run(expected: Run, actual: Run, rtol: float = 1e-4, atol: float = 1e-6,
                    weights_rtol: float = 1e-3, weights_atol: float = 1e-5) -> None:
    """The xarxa run ``actual`` did what the PyTorch run ``expected`` did (see the module
    docstring). Losses are compared with ``rtol`` alone. Printed numbers also get
    ``atol``: a script prints values that are zero up to rounding (the even
    coefficients of a polynomial fitted to sin x come out as ±1e-10 in float32), whose
    rounding noise has no relative precision. Saved weights get their own, looser
    tolerance: they have been through every step, the losses are checked after each."""
    assert len(expected.losses) > 0
    assert len(actual.losses) == len(expected.losses)
    np.testing.assert_allclose(actual.losses, expected.losses, rtol=rtol, atol=0)
    assert_same_output(expected.output, actual.output, rtol, atol)
    saved = sorted(p.name for p in expected.directory.iterdir()
                   if p.suffix in (".pt", ".pth") and not p.name.startswith("initial"))
    for name in saved:
        assert (actual.directory / name).is_file(), f"the xarxa run did not save {name}"
        _assert_same_tensors(torch.load(expected.directory / name),
                             torch.load(actual.directory / name), name,
                             weights_rtol, weights_atol)
