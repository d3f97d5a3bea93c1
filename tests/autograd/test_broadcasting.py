"""Hypothesis-drawn broadcasting pairs for the binary ops: gradcheck and torch parity."""
import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import xarxa as xa
from xarxa.testing import assert_matches_torch, gradcheck

BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / b, lambda a, b: a / b),
    "maximum": (xa.maximum, torch.maximum),
}

shape_pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                max_side=3)


def _values(shape, rng):
    # magnitudes in [0.5, 1.5] with random signs: away from 0 (div) and from ties (maximum)
    n = int(np.prod(shape)) if shape else 1
    return ((0.5 + rng.permutation(n) / max(n, 1)) * rng.choice([-1, 1], n)).reshape(shape)


@given(pair=shape_pairs, op=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2**16))
def test_binary_ops_broadcast_like_numpy(pair, op, seed):
    rng = np.random.default_rng(seed)
    a, b = _values(pair.input_shapes[0], rng), _values(pair.input_shapes[1], rng) * 1.01
    fx, ft = BINARY[op]
    assert gradcheck(fx, [a, b], jacobian_max=0)
    assert_matches_torch(fx, ft, [a, b])


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
       data=st.data())
def test_reductions_over_any_dim(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    keepdim = data.draw(st.booleans())
    x = _values(shape, np.random.default_rng(0))
    assert_matches_torch(lambda t: t.sum(dim=dim, keepdim=keepdim),
                         lambda t: t.sum(dim=dim, keepdim=keepdim), [x])
    assert_matches_torch(lambda t: t.max(dim=dim, keepdim=keepdim).values,
                         lambda t: t.max(dim=dim, keepdim=keepdim).values, [x])
    assert_matches_torch(lambda t: t.mean(dim=dim, keepdim=keepdim),
                         lambda t: t.mean(dim=dim, keepdim=keepdim), [x])
