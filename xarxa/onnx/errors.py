"""The errors of `xarxa.onnx` (as `torch.onnx.errors`), and the one place that imports the
optional `onnx` package, with the install hint when it is missing."""
from __future__ import annotations

__all__ = ["OnnxExporterError", "UnsupportedOperatorError", "require_onnx"]


class OnnxExporterError(RuntimeError):
    """An export that cannot go on (a model the trace cannot follow)."""


class UnsupportedOperatorError(OnnxExporterError, ValueError):
    """An op (export) or an ONNX node (load) that xarxa cannot translate; the message names
    the op and the layer (or node) where it was met."""


def require_onnx():
    """The `onnx` package, or an ImportError that says how to install it."""
    try:
        import onnx
    except ImportError:
        raise ImportError("xarxa.onnx needs the 'onnx' package (an optional dependency): "
                          "pip install 'xarxa[onnx]'") from None
    return onnx
