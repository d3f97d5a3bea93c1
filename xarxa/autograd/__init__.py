"""Reverse-mode automatic differentiation: graph nodes (`Function`), the engine, the ops."""
from .function import Function
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .engine import backward, unbroadcast
from .record import Tape, record
from .grad import grad
from .variable import Variable

__all__ = ["Function", "Tape", "backward", "enable_grad", "record", "is_grad_enabled", "no_grad",
           "inference_mode", "set_grad_enabled", "grad",
           "unbroadcast", "Variable"]
