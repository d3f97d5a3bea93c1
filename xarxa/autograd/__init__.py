"""Reverse-mode automatic differentiation: graph nodes (`Function`), the engine, the ops."""
from .function import Function, enable_grad, is_grad_enabled, no_grad
from .engine import backward, unbroadcast
from .record import Tape, record

__all__ = ["Function", "Tape", "backward", "enable_grad", "record", "is_grad_enabled", "no_grad",
           "unbroadcast"]
