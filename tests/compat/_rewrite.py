"""The one change the acceptance scenario allows: a PyTorch script's imports, pointed at xarxa.

`to_xarxa(source)` rewrites every ``import`` statement that names ``torch`` or
``torchvision`` (or a submodule of them) and leaves every other character of the
script alone — no other line, not even a comment or a string that mentions torch:

==========================================  =============================================
``import torch``                            ``import xarxa as torch``
``import torch.nn as nn``                   ``import xarxa.nn as nn``
``import torch.nn.functional as F``         ``import xarxa.nn.functional as F``
``import torch.optim as optim``             ``import xarxa.optim as optim``
``import torch.nn``                         ``import xarxa.nn, xarxa as torch``
``from torch import nn``                    ``from xarxa import nn``
``from torch.utils.data import DataLoader`` ``from xarxa.utils.data import DataLoader``
``from torchvision import datasets``        ``from xarxa.vision import datasets``
``import torchvision.transforms as T``      ``import xarxa.vision.transforms as T``
``import torchvision``                      ``import xarxa.vision as torchvision``
==========================================  =============================================

Import statements are found with `ast` (so a docstring saying "import torch" is not
one), and only the module names are replaced: aliases, the imported names, comments
after the statement and line breaks inside parentheses stay as they were.
"""
from __future__ import annotations

import ast
import re

# The module names map as `xarxa run` maps them (xarxa.compat): one table for both.
from xarxa.compat import PACKAGES as _PACKAGES, xarxa_module

__all__ = ["to_xarxa", "xarxa_module"]


def _import_item(alias: ast.alias) -> str:
    """One item of ``import a.b [as c]``, rewritten so that it binds the same name."""
    target = xarxa_module(alias.name)
    if target is None:
        return alias.name + (f" as {alias.asname}" if alias.asname else "")
    if alias.asname:
        return f"{target} as {alias.asname}"
    top = alias.name.partition(".")[0]
    # `import torch.nn` binds `torch` (with torch.nn loaded): import the submodule,
    # then bind the package's counterpart to the same name.
    package = _PACKAGES[top]
    if target == package:
        return f"{package} as {top}"
    return f"{target}, {package} as {top}"


def _replacement(node: ast.stmt, segment: str) -> str | None:
    if isinstance(node, ast.Import):
        if all(xarxa_module(a.name) is None for a in node.names):
            return None
        return "import " + ", ".join(_import_item(a) for a in node.names)
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        target = xarxa_module(node.module)
        if target is None:
            return None
        # Keep everything from the keyword `import` on (names, parentheses, line breaks);
        # a module name cannot contain the keyword as a word.
        keyword = re.search(r"\bimport\b", segment)
        return f"from {target} {segment[keyword.start():]}"
    return None


def to_xarxa(source: str) -> str:
    """``source`` with each import of ``torch``/``torchvision`` pointed at xarxa."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    # Offsets from ast are UTF-8 byte columns: edit the lines as bytes.
    blines = [line.encode() for line in lines]
    edits = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        start, end = node.lineno - 1, node.end_lineno - 1
        if start == end:
            segment = blines[start][node.col_offset:node.end_col_offset]
        else:
            segment = (blines[start][node.col_offset:] + b"".join(blines[start + 1:end])
                       + blines[end][:node.end_col_offset])
        new = _replacement(node, segment.decode())
        if new is not None:
            edits.append((start, node.col_offset, end, node.end_col_offset, new.encode()))
    for start, col, end, end_col, new in sorted(edits, reverse=True):
        blines[start:end + 1] = [blines[start][:col] + new + blines[end][end_col:]]
    return b"".join(blines).decode()
