"""Reverse-mode automatic differentiation: graph nodes (`Function`), the engine, the ops."""
from .function import Function, enable_grad, is_grad_enabled, no_grad
from .engine import backward, unbroadcast

__all__ = ["Function", "backward", "enable_grad", "is_grad_enabled", "no_grad",
           "unbroadcast"]
