"""Whole models in and out of xarxa through ONNX, the ecosystem's exchange format.

* `export(model, args, "model.onnx", ...)` — `torch.onnx.export`'s signature: the model is
  traced once in evaluation mode and every op written as standard ONNX (opset 17 by
  default), nodes named after their layers, the graph checked by `onnx.checker`.
* `load("model.onnx")` — an `OnnxModule`: a xarxa `nn.Module` that computes the graph with
  xarxa's ops, so it runs, differentiates and trains (its weight initializers are
  Parameters), e.g. a network exported from PyTorch, fine-tuned here.

Both need the optional `onnx` package (`pip install 'xarxa[onnx]'`), imported only when
called; `xarxa view model.onnx` opens a file in Netron. See docs/onnx.md.
"""
from .errors import OnnxExporterError, UnsupportedOperatorError
from .export import export, is_in_onnx_export
from .importer import OnnxModule, load

__all__ = ["export", "load", "OnnxModule", "is_in_onnx_export", "OnnxExporterError",
           "UnsupportedOperatorError"]
