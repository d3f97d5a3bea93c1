"""Checking gradients: finite differences and PyTorch parity, for xarxa's tests and yours.

`gradcheck(fn, inputs)` compares the backward pass with central finite differences in
float64: for a random upstream gradient v and a random direction u it checks
⟨u, backward(v)⟩ ≈ ⟨v, (f(x + εu) − f(x − εu)) / 2ε⟩ (which dodges kinks better than
per-element probes) and, for small inputs, the full Jacobian too.

`assert_matches_torch(fn_xarxa, fn_torch, inputs)` runs the same inputs through both
libraries and compares the forward values and the gradients of `(out * v).sum()` for a
random v (a plain `.sum()` would hide transposition and broadcasting bugs).
torch is imported only when this function is called.

Second order: `gradgradcheck(fn, inputs)` is `gradcheck` of fn's first derivative (the VJP
with `create_graph=True`, a function of the inputs and the upstream gradient v), so the
double backward is compared with finite differences of the first derivative;
`assert_double_backward_matches_torch` compares the same double backward with PyTorch's.
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
    if total.requires_grad:  # else no output depends on the inputs: every gradient is 0
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


def first_derivative(fn: Callable, n_inputs: int, wrt: Sequence[int]) -> Callable:
    """fn's VJP as a function: `(*inputs, *vs) -> (d<fn(inputs), vs>/d inputs[i] for i in
    wrt)`, each a Tensor of a graph (`create_graph=True`), zeros where unused."""
    from .autograd import grad

    def vjp(*args):
        xs = [x if not isinstance(x, Tensor) or x.requires_grad or x.dtype.kind != "f"
              else x.detach().requires_grad_() for x in args[:n_inputs]]
        vs = args[n_inputs:]
        outs = [o for o in _as_outputs(fn(*xs)) if o.requires_grad]
        return grad(outs, [xs[i] for i in wrt], grad_outputs=list(vs)[:len(outs)],
                    create_graph=True, materialize_grads=True)
    return vjp


def _differentiable_outputs(fn, arrays, check) -> list:
    return [o for o in _call(fn, arrays, [i in check for i in range(len(arrays))])
            if o.requires_grad]


def gradgradcheck(fn: Callable, inputs: Sequence, eps: float = 1e-6, rtol: float = 1e-5,
                  atol: float = 1e-7, seed: int = 0, jacobian_max: int = 32,
                  wrt: Sequence[int] | None = None) -> bool:
    """Check fn's second derivatives (double backward) against finite differences of its
    first derivative, in float64: `gradcheck` of the VJP `(x, v) -> v·∂fn/∂x` built with
    `create_graph=True`, differentiated with respect to both x and v.

    Args: as `gradcheck`; `wrt` picks the inputs whose gradient is differentiated.
    Raises AssertionError naming the mismatch; returns True otherwise.
    """
    rng = np.random.default_rng(seed + 1)
    floats = _float_mask(inputs)
    arrays = [np.array(x, dtype=np.float64) if f else np.array(x)
              for x, f in zip(inputs, floats)]
    check = [i for i, f in enumerate(floats) if f and (wrt is None or i in wrt)]
    vs = [rng.standard_normal(o.shape) for o in _differentiable_outputs(fn, arrays, check)]
    vjp = first_derivative(fn, len(arrays), check)
    return gradcheck(vjp, arrays + vs, eps=eps, rtol=rtol, atol=atol, seed=seed,
                     jacobian_max=jacobian_max,
                     wrt=check + list(range(len(arrays), len(arrays) + len(vs))))


def assert_double_backward_matches_torch(fn_xarxa: Callable, fn_torch: Callable,
                                         inputs: Sequence, rtol: float = 1e-4,
                                         atol: float = 1e-5, seed: int = 0,
                                         dtype=np.float32) -> None:
    """Compare first and second derivatives with PyTorch's double backward: the VJP
    g = v·∂f/∂x with `create_graph=True` in both libraries (same v), then the gradients of
    ⟨g, u⟩ (same u) with respect to the inputs and to v, in `dtype` (float32 by default:
    the second-order graph must keep the inputs' dtype)."""
    import torch

    floats = _float_mask(inputs)
    arrays = [np.array(x, dtype=dtype) if f else np.array(x) for x, f in zip(inputs, floats)]
    results = []
    for lib in ("xarxa", "torch"):
        make = (lambda a, r: Tensor(a.copy(), requires_grad=r)) if lib == "xarxa" else \
            (lambda a, r: torch.tensor(a.copy(), requires_grad=r))
        grad = grad_of(lib)
        xs = [make(a, f) for a, f in zip(arrays, floats)]
        outs = (fn_xarxa if lib == "xarxa" else fn_torch)(*xs)
        outs = [o for o in (outs if isinstance(outs, (tuple, list)) else [outs])
                if o.requires_grad]
        local = np.random.default_rng(seed + 1)
        vs = [make(local.standard_normal(tuple(o.shape)).astype(dtype), True) for o in outs]
        wanted = [x for x, f in zip(xs, floats) if f]
        firsts = grad(outs, wanted, grad_outputs=vs, create_graph=True,
                      materialize_grads=True)
        us = [local.standard_normal(tuple(g.shape)).astype(dtype) for g in firsts]
        total = sum(((g * make(u, False)).sum() for g, u in zip(firsts, us)
                     if g.requires_grad), start=make(np.zeros((), dtype), False))
        seconds = grad([total], wanted + vs, materialize_grads=True, allow_unused=True) \
            if total.requires_grad else [None] * (len(wanted) + len(vs))
        results.append(([g.detach().numpy() for g in firsts],
                        [None if s is None else _numpy(s) for s in seconds]))
    (fx, sx), (ft, st) = results
    for i, (a, b) in enumerate(zip(fx, ft)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol,
                                   err_msg=f"first derivative {i} differs from torch")
    for i, (a, b) in enumerate(zip(sx, st)):
        a = np.zeros_like(b) if a is None and b is not None else a
        b = np.zeros_like(a) if b is None and a is not None else b
        if a is None:
            continue
        assert a.dtype == dtype, f"second derivative {i}: dtype {a.dtype}, expected {dtype}"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol,
                                   err_msg=f"second derivative {i} (wrt "
                                           f"{'input' if i < len(fx) else 'v'}) differs "
                                           "from torch's double backward")


def _numpy(t) -> np.ndarray:
    """The values of a xarxa or torch Tensor (torch's ZeroTensor, the second derivative of
    a piecewise-linear op, needs `force=True`)."""
    return t.detach().numpy() if isinstance(t, Tensor) else t.detach().numpy(force=True)


def grad_of(lib: str) -> Callable:
    """`autograd.grad` of xarxa or torch (torch's materialize_grads needs allow_unused)."""
    if lib == "xarxa":
        from .autograd import grad
        return grad
    import torch

    def torch_grad(outputs, inputs, **kw):
        if kw.get("materialize_grads"):
            kw["allow_unused"] = True
        return torch.autograd.grad(outputs, inputs, **kw)
    return torch_grad
