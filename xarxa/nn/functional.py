"""The stateless API (`import xarxa.nn.functional as F`): every op and loss as a function."""
from ..autograd.ops import (linear, log_softmax, relu, sigmoid, softmax, step,  # noqa: F401
                            tanh)
