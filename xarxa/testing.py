"""Checking gradients: finite differences and PyTorch parity, for xarxa's tests and yours.

`gradcheck(fn, inputs)` compares the backward pass with central finite differences in
float64: for a random upstream gradient v and a random direction u it checks
⟨u, backward(v)⟩ ≈ ⟨v, (f(x + εu) − f(x − εu)) / 2ε⟩ (which dodges kinks better than
per-element probes) and, for small inputs, the full Jacobian too.

`assert_matches_torch(fn_xarxa, fn_torch, inputs)` runs the same inputs through both
libraries and compares the forward values and the gradients of `(out * v).sum()` for a
random v (a plain `.sum()` would hide transposition and broadcasting bugs).
torch is imported only when this function is called.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .tensor import Tensor


def _as_outputs(out) -> list:
    if isinstance(out, Tensor):
        return [out]
    return [o for o in out if isinstance(o, Tensor)]


def _float_mask(inputs) -> list[bool]:
    return [np.asarray(x).dtype.kind == "f" for x in inputs]


def _call(fn, arrays, requires):
    return _as_outputs(fn(*[Tensor(a, requires_grad=r) for a, r in zip(arrays, requires)]))


def gradcheck(fn: Callable, inputs: Sequence, eps: float = 1e-6, rtol: float = 1e-6,
              atol: float = 1e-8, seed: int = 0, jacobian_max: int = 64,
              wrt: Sequence[int] | None = None) -> bool:
    """Check `fn`'s analytic gradients against central differences, in float64.

    Args:
        fn: takes Tensors (one per input) and returns a Tensor or a tuple of Tensors.
        inputs: arrays; floating ones are cast to float64 and checked (or only `wrt`).
        jacobian_max: also compare the full Jacobian when the inputs have at most this
            many elements in total.
    Raises:
        AssertionError naming the input and the mismatch. Returns True otherwise.
    """
    rng = np.random.default_rng(seed)
    floats = _float_mask(inputs)
    arrays = [np.array(x, dtype=np.float64) if f else np.array(x)
              for x, f in zip(inputs, floats)]
    check = [i for i, f in enumerate(floats) if f and (wrt is None or i in wrt)]
    requires = [i in check for i in range(len(arrays))]
    outs = _call(fn, arrays, requires)
    vs = [rng.standard_normal(o.shape) for o in outs]

    def weighted(arrs) -> float:
        with_grad = _call(fn, arrs, [False] * len(arrs))
        return sum(float((o.numpy().astype(np.float64) * v).sum())
                   for o, v in zip(with_grad, vs))

    leaves = [Tensor(a, requires_grad=r) for a, r in zip(arrays, requires)]
    outs = _as_outputs(fn(*leaves))
    total = None
    for o, v in zip(outs, vs):
        term = (o * Tensor(v)).sum()
        total = term if total is None else total + term
    total.backward()
    analytic = {i: (leaves[i].grad.numpy() if leaves[i].grad is not None
                    else np.zeros_like(arrays[i])) for i in check}

    # random-direction check
    directions = {i: rng.standard_normal(arrays[i].shape) for i in check}
    plus = [a + eps * directions[i] if i in directions else a for i, a in enumerate(arrays)]
    minus = [a - eps * directions[i] if i in directions else a for i, a in enumerate(arrays)]
    f_plus, f_minus = weighted(plus), weighted(minus)
    numeric = (f_plus - f_minus) / (2 * eps)
    # float64 round-off in f(x±εu) is ~1e-16·|f|, amplified by 1/2ε in the quotient:
    # the absolute tolerance includes it so that large |f| does not fail spuriously.
    roundoff = 50 * np.finfo(np.float64).eps * max(abs(f_plus), abs(f_minus), 1.0) / eps
    predicted = sum(float((analytic[i] * directions[i]).sum()) for i in check)
    if not np.isclose(predicted, numeric, rtol=rtol, atol=atol + roundoff):
        raise AssertionError(f"gradcheck: directional derivative {predicted!r} from backward "
                             f"vs {numeric!r} from finite differences")

    # full Jacobian (per element) for small inputs
    if sum(arrays[i].size for i in check) <= jacobian_max:
        for i in check:
            numeric_grad = np.zeros_like(arrays[i])
            for k in range(arrays[i].size):
                delta = np.zeros(arrays[i].size)
                delta[k] = eps
                delta = delta.reshape(arrays[i].shape)
                p = [a + delta if j == i else a for j, a in enumerate(arrays)]
                m = [a - delta if j == i else a for j, a in enumerate(arrays)]
                numeric_grad.reshape(-1)[k] = (weighted(p) - weighted(m)) / (2 * eps)
            np.testing.assert_allclose(
                analytic[i], numeric_grad, rtol=rtol, atol=atol + roundoff,
                err_msg=f"gradcheck: gradient of input {i} (shape {arrays[i].shape}) "
                        "differs from finite differences")
    return True


def assert_matches_torch(fn_xarxa: Callable, fn_torch: Callable, inputs: Sequence,
                         rtol: float = 1e-4, atol: float = 1e-5, seed: int = 0,
                         dtype=np.float32) -> None:
    """Compare forward values and input gradients of the same function in xarxa and torch.

    Floating inputs are cast to `dtype` (float32 by default) and require a gradient in both
    libraries; integer/bool inputs (indices, targets, masks) are passed as they are.
    """
    import torch

    rng = np.random.default_rng(seed)
    floats = _float_mask(inputs)
    arrays = [np.array(x, dtype=dtype) if f else np.array(x) for x, f in zip(inputs, floats)]
    xs = [Tensor(a.copy(), requires_grad=f) for a, f in zip(arrays, floats)]
    ts = [torch.tensor(a.copy(), requires_grad=f) for a, f in zip(arrays, floats)]
    outs_x = _as_outputs(fn_xarxa(*xs))
    outs_t = fn_torch(*ts)
    outs_t = [outs_t] if isinstance(outs_t, torch.Tensor) else \
        [o for o in outs_t if isinstance(o, torch.Tensor)]
    assert len(outs_x) == len(outs_t), "assert_matches_torch: different number of outputs"
    total_x = total_t = None
    for k, (ox, ot) in enumerate(zip(outs_x, outs_t)):
        expected = ot.detach().numpy()
        assert ox.shape == tuple(expected.shape), \
            f"output {k}: shape {ox.shape} vs torch {tuple(expected.shape)}"
        np.testing.assert_allclose(ox.numpy(), expected, rtol=rtol, atol=atol,
                                   err_msg=f"output {k}: forward differs from torch")
        assert ox.requires_grad == ot.requires_grad, \
            (f"output {k}: requires_grad is {ox.requires_grad} in xarxa but "
             f"{ot.requires_grad} in torch (did the op drop its graph?)")
        if ox.requires_grad:
            v = rng.standard_normal(ox.shape).astype(ox.dtype)
            tx = (ox * Tensor(v)).sum()
            tt = (ot * torch.tensor(v)).sum()
            total_x = tx if total_x is None else total_x + tx
            total_t = tt if total_t is None else total_t + tt
    if total_x is None:
        return
    total_x.backward()
    total_t.backward()
    for i, (x, t) in enumerate(zip(xs, ts)):
        if not floats[i]:
            continue
        gt = t.grad.numpy() if t.grad is not None else np.zeros_like(arrays[i])
        gx = x.grad.numpy() if x.grad is not None else np.zeros_like(arrays[i])
        assert gx.dtype == arrays[i].dtype, \
            f"input {i}: gradient dtype {gx.dtype}, expected {arrays[i].dtype}"
        np.testing.assert_allclose(gx, gt, rtol=rtol, atol=atol,
                                   err_msg=f"input {i}: gradient differs from torch")
