"""xarxa.func against torch.func: every transform on small functions (elementwise, then
matmul-based, then an MLP loss through functional_call) in float64, their compositions
(grad of grad, the Hessian of a tanh MLP's loss in its flattened parameters, MAML's
second-order step), pytrees, has_aux, argnums, the grad-mode rules (no `.grad` touched,
no_grad outside ignored, no_grad inside respected, the caller's graph kept) and the
errors, which name the transform and the function."""
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.func as tf

import xarxa as xa
import xarxa.func as xf
from xarxa import func


def _pair(shape, seed=0, requires_grad=False, dtype=np.float64):
    a = np.random.default_rng(seed).normal(size=shape).astype(dtype)
    return (xa.tensor(a, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


def _close(x, t, rtol=1e-10, atol=1e-12):
    """Tensors or pytrees of them, with the same structure."""
    if isinstance(t, torch.Tensor):
        assert isinstance(x, xa.Tensor), type(x)
        assert x.shape == tuple(t.shape)
        np.testing.assert_allclose(x.detach().numpy(), t.detach().numpy(), rtol=rtol,
                                   atol=atol)
    elif isinstance(t, dict):
        assert isinstance(x, dict) and list(x) == list(t)
        for k in t:
            _close(x[k], t[k], rtol, atol)
    else:
        assert type(x) is type(t) and len(x) == len(t), (type(x), type(t))
        for a, b in zip(x, t):
            _close(a, b, rtol, atol)


# functions written once, run on both libraries (the same method names)
def f_elementwise(x):
    return (x.sin() ** 2 * x.exp()).sum()


def f_two(x, y):
    return (x.tanh() * y + x ** 3 * y.exp()).sum()


def f_vector(x):
    return x.sin() * x.exp()


def f_matmul(w, x):
    return (w @ x).tanh()


def f_tuple_out(x, y):
    return x.sin() * y, (x * y).sum()


# -- grad, grad_and_value --------------------------------------------------------------------
@pytest.mark.parametrize("argnums", [0, 1, -1, (0, 1), (1,)])
def test_grad_matches_torch_for_every_argnums_form(argnums):
    (x, tx), (y, ty) = _pair(4, 0), _pair(4, 1)
    _close(xf.grad(f_two, argnums)(x, y), tf.grad(f_two, argnums)(tx, ty))


def test_grad_of_elementwise_and_matmul_functions_matches_torch():
    x, tx = _pair(5)
    _close(xf.grad(f_elementwise)(x), tf.grad(f_elementwise)(tx))
    (w, tw), (v, tv) = _pair((3, 4), 1), _pair(4, 2)
    loss = lambda w, v: (f_matmul(w, v) ** 2).sum()  # noqa: E731
    _close(xf.grad(loss, (0, 1))(w, v), tf.grad(loss, (0, 1))(tw, tv))


def test_grad_and_value_and_has_aux_match_torch():
    x, tx = _pair(3)

    def f(x, note=None):
        return (x ** 2).sum(), {"double": x * 2, **({"note": note} if note else {})}
    g, (value, aux) = xf.grad_and_value(f, has_aux=True)(x, "kept")
    tg, (tvalue, taux) = tf.grad_and_value(f, has_aux=True)(tx)
    _close((g, value, aux["double"]), (tg, tvalue, taux["double"]))
    assert aux["note"] == "kept"  # torch refuses an aux that is not Tensors; xarxa keeps it
    assert not value.requires_grad and not aux["double"].requires_grad
    g, value = xf.grad_and_value(f_elementwise)(x)
    _close((g, value), tf.grad_and_value(f_elementwise)(tx))
    g, aux = xf.grad(f, has_aux=True)(x)
    _close((g, aux["double"]), (tg, taux["double"]))


def test_grad_of_a_dict_and_a_tuple_argument_has_their_structure():
    (a, ta), (b, tb) = _pair(3, 0), _pair(3, 1)

    def f(p, scale):
        return ((p["a"] * p["b"]).sin().sum() + (scale[0] * scale[1]) ** 2).sum()
    got = xf.grad(f, (0, 1))({"a": a, "b": b}, (a, b))
    want = tf.grad(f, (0, 1))({"a": ta, "b": tb}, (ta, tb))
    _close(got, want)


def test_grad_keeps_float32():
    x, tx = _pair(3, dtype=np.float32)
    g = xf.grad(f_elementwise)(x)
    assert g.dtype == xa.float32
    _close(g, tf.grad(f_elementwise)(tx), rtol=1e-5, atol=1e-6)
    assert xf.hessian(f_elementwise)(x).dtype == xa.float32


def test_an_argument_the_output_does_not_use_gets_zeros():
    (x, _), (y, _) = _pair(3, 0), _pair(2, 1)
    gx, gy = xf.grad(lambda x, y: x.sum(), (0, 1))(x, y)
    assert np.array_equal(gy.numpy(), np.zeros(2)) and np.array_equal(gx.numpy(), np.ones(3))


# -- grad mode: no .grad, no_grad, the caller's graph ------------------------------------------
def test_no_grad_attribute_is_read_or_written():
    x, _ = _pair(3, requires_grad=True)
    w, _ = _pair(3, 1, requires_grad=True)
    f = lambda x: (x * w).sin().sum()  # noqa: E731
    xf.grad(f)(x)
    xf.hessian(f)(x)
    xf.jvp(lambda x: (x * w).sin(), (x,), (x.detach(),))
    _, fn = xf.vjp(lambda x: (x * w).sin(), x)
    fn(xa.ones(3, dtype=xa.float64))
    assert x.grad is None and w.grad is None


def test_no_grad_outside_is_ignored_inside_is_respected_as_torch():
    x, tx = _pair(3, requires_grad=True)
    with xa.no_grad():
        g = xf.grad(f_elementwise)(x)
        h = xf.hessian(f_elementwise)(x)
    with torch.no_grad():
        tg = tf.grad(f_elementwise)(tx)
        th = tf.hessian(f_elementwise)(tx)
    _close((g, h), (tg, th))
    assert not g.requires_grad and not tg.requires_grad

    def inner_no_grad(x, xa_or_torch):
        with xa_or_torch.no_grad():
            c = x.exp()
        return (c * x.sin()).sum()
    _close(xf.grad(inner_no_grad)(x, xa), tf.grad(inner_no_grad)(tx, torch))


def test_the_result_stays_in_the_callers_graph_as_torch():
    x, tx = _pair(3, requires_grad=True)
    g, tg = xf.grad(f_elementwise)(x), tf.grad(f_elementwise)(tx)
    assert g.requires_grad and tg.requires_grad
    g.sum().backward()
    tg.sum().backward()
    _close(x.grad, tx.grad)  # Σ_i ∂²f/∂x_i∂x
    # a tensor the function closes over is differentiated through the gradient too
    (x, tx), (w, tw) = _pair(3), _pair(3, 1, requires_grad=True)
    f = lambda x, w: (x * w).sin().sum()  # noqa: E731
    g, tg = xf.grad(lambda x: f(x, w))(x), tf.grad(lambda x: f(x, tw))(tx)
    assert g.requires_grad and tg.requires_grad
    _close(xa.autograd.grad(g.sum(), w), torch.autograd.grad(tg.sum(), tw))


def test_a_top_level_transform_builds_no_second_order_graph():
    x, _ = _pair(3)
    g = xf.grad(f_elementwise)(x)
    assert not g.requires_grad and g.grad_fn is None
    out, fn = xf.vjp(f_vector, x)
    assert not out.requires_grad and not fn(xa.ones(3, dtype=xa.float64))[0].requires_grad


# -- vjp, jvp --------------------------------------------------------------------------------
def test_vjp_matches_torch_and_can_be_called_twice():
    (x, tx), (y, ty) = _pair(3, 0), _pair(3, 1)
    out, fn = xf.vjp(f_tuple_out, x, y)
    tout, tfn = tf.vjp(f_tuple_out, tx, ty)
    _close(out, tout)
    for seed in (2, 3):
        (c, tc), (s, ts) = _pair(3, seed), _pair((), seed + 10)
        _close(fn((c, s)), tfn((tc, ts)))


def test_vjp_with_aux_and_a_matmul():
    (w, tw), (v, tv) = _pair((3, 4), 1), _pair(4, 2)
    c, tc = _pair(3, 3)
    out, fn, aux = xf.vjp(lambda w, v: (f_matmul(w, v), w.sum()), w, v, has_aux=True)
    tout, tfn, taux = tf.vjp(lambda w, v: (f_matmul(w, v), w.sum()), tw, tv, has_aux=True)
    _close((out, aux, fn(c)), (tout, taux, tfn(tc)))


def test_jvp_matches_torch():
    (x, tx), (y, ty) = _pair(3, 0), _pair(3, 1)
    (u, tu), (v, tv) = _pair(3, 2), _pair(3, 3)
    _close(xf.jvp(f_tuple_out, (x, y), (u, v)), tf.jvp(f_tuple_out, (tx, ty), (tu, tv)))
    _close(xf.jvp(f_vector, (x,), (u,)), tf.jvp(f_vector, (tx,), (tu,)))
    (w, tw), (z, tz) = _pair((3, 4), 4), _pair(4, 5)
    (dw, tdw), (dz, tdz) = _pair((3, 4), 6), _pair(4, 7)
    _close(xf.jvp(f_matmul, (w, z), (dw, dz)), tf.jvp(f_matmul, (tw, tz), (tdw, tdz)))
    got = xf.jvp(lambda x: (x.exp(), x.sum()), (x,), (u,), has_aux=True)
    want = tf.jvp(lambda x: (x.exp(), x.sum()), (tx,), (tu,), has_aux=True)
    _close(got, want)


def test_jvp_of_a_function_of_one_argument_only():
    (x, tx), (y, ty) = _pair(3, 0), _pair(3, 1)
    (u, tu), (v, tv) = _pair(3, 2), _pair(3, 3)
    f = lambda x, y: x.exp() * 2  # noqa: E731
    _close(xf.jvp(f, (x, y), (u, v)), tf.jvp(f, (tx, ty), (tu, tv)))


# -- Jacobians and Hessians ------------------------------------------------------------------
@pytest.mark.parametrize("jac", ["jacrev", "jacfwd"])
def test_jacobians_match_torch(jac):
    mine, theirs = getattr(xf, jac), getattr(tf, jac)
    (x, tx), (y, ty) = _pair(3, 0), _pair(3, 1)
    _close(mine(f_vector)(x), theirs(f_vector)(tx))
    _close(mine(f_elementwise)(x), theirs(f_elementwise)(tx))          # a scalar output
    _close(mine(f_tuple_out, (0, 1))(x, y), theirs(f_tuple_out, (0, 1))(tx, ty))
    (w, tw), (z, tz) = _pair((3, 4), 4), _pair(4, 5)
    _close(mine(f_matmul, (0, 1))(w, z), theirs(f_matmul, (0, 1))(tw, tz))
    _close(mine(f_matmul)(w, z), theirs(f_matmul)(tw, tz))            # shape (3, 3, 4)
    got = mine(lambda p: {"out": p["a"] * p["b"].sum()})({"a": x, "b": y})
    _close(got, theirs(lambda p: {"out": p["a"] * p["b"].sum()})({"a": tx, "b": ty}))
    got, aux = mine(lambda x: (x.exp(), x.max()), has_aux=True)(x)
    _close((got, aux), theirs(lambda x: (x.exp(), x.max()), has_aux=True)(tx))


def test_hessian_and_its_compositions_match_torch():
    (x, tx), (y, ty) = _pair(4, 0), _pair(4, 1)
    want = tf.hessian(f_elementwise)(tx)
    _close(xf.hessian(f_elementwise)(x), want)
    _close(xf.jacrev(xf.jacrev(f_elementwise))(x), want)
    _close(xf.jacfwd(xf.jacrev(f_elementwise))(x), want)
    _close(xf.jacfwd(xf.grad(f_elementwise))(x), want)
    _close(xf.hessian(f_two, (0, 1))(x, y), tf.hessian(f_two, (0, 1))(tx, ty))


def test_grad_of_grad_matches_torch():
    x, tx = _pair((), 0)
    cube = lambda x: x ** 3 + x.sin()  # noqa: E731
    _close(xf.grad(xf.grad(cube))(x), tf.grad(tf.grad(cube))(tx))
    _close(xf.grad(xf.grad(xf.grad(cube)))(x), tf.grad(tf.grad(tf.grad(cube)))(tx))


def test_nested_transforms_do_not_confuse_their_variables():
    """d/dx [x · d/dy (x·y)] = d/dx x² = 2x (4x if the inner grad took y for x)."""
    x, tx = _pair(3)

    def outer(x, grad):
        return (x * grad(lambda y: (x * y).sum())(x)).sum()
    got = xf.grad(lambda x: outer(x, xf.grad))(x)
    _close(got, tf.grad(lambda x: outer(x, tf.grad))(tx))
    _close(got, 2 * tx)


# -- across the op families: the Hessian of small losses -----------------------------------
def _cnn_loss(F, x, y):
    def loss(w, lw):
        h = F.max_pool2d(F.conv2d(x, w).tanh(), 2).reshape(2, -1)
        return F.cross_entropy(h @ lw.T, y)
    return loss


FAMILY_LOSSES = {  # name -> (F, x) -> loss of one parameter vector g of 3 entries
    "layer_norm": lambda F, x: lambda g: (F.layer_norm(x, (3,), g) ** 3).mean(),
    "batch_norm": lambda F, x: lambda g: (F.batch_norm(x, None, None, g, None,
                                                       training=True) ** 3).mean(),
    "log_softmax_nll": lambda F, x: lambda g: F.nll_loss(F.log_softmax(x * g, 1),
                                                         (x[:, 0] > 0).long()),
    "mse_tanh": lambda F, x: lambda g: F.mse_loss((x * g).tanh(), x),
    "avg_pool_softplus": lambda F, x: lambda g: F.softplus(
        F.avg_pool2d((x * g).reshape(1, 1, 4, 3), 2)).sum(),
}


@pytest.mark.parametrize("name", FAMILY_LOSSES)
def test_hessian_through_the_op_families_matches_torch(name):
    import torch.nn.functional as TF

    import xarxa.nn.functional as F
    (x, tx), (g, tg) = _pair((4, 3), 0), _pair(3, 1)
    make = FAMILY_LOSSES[name]
    _close(xf.hessian(make(F, x))(g), tf.hessian(make(TF, tx))(tg))


def test_hessian_of_a_small_cnn_loss_matches_torch():
    import torch.nn.functional as TF

    import xarxa.nn.functional as F
    (x, tx), (w, tw), (lw, tlw) = _pair((2, 1, 6, 6), 0), _pair((2, 1, 3, 3), 1), \
        _pair((3, 8), 2)
    y = np.array([0, 2])
    got = xf.hessian(_cnn_loss(F, x, xa.tensor(y)), (0, 1))(w, lw)
    _close(got, tf.hessian(_cnn_loss(TF, tx, torch.tensor(y)), (0, 1))(tw, tlw))


# -- functional_call: an MLP, its Hessian, MAML ------------------------------------------------
def _mlps(seed=0):
    """The same 2-layer tanh MLP in both libraries, and its parameters as float64 dicts."""
    model = xa.nn.Sequential(xa.nn.Linear(3, 4), xa.nn.Tanh(), xa.nn.Linear(4, 2))
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    rng = np.random.default_rng(seed)
    arrays = {k: rng.normal(size=v.shape) for k, v in model.named_parameters()}
    return (model, {k: xa.tensor(a) for k, a in arrays.items()},
            tmodel, {k: torch.tensor(a) for k, a in arrays.items()})


def _data():
    return _pair((5, 3), 7), _pair((5, 2), 8)


def test_functional_call_matches_torch_and_leaves_the_module_alone():
    model, params, tmodel, tparams = _mlps()
    (x, tx), (y, ty) = _data()
    before = {k: v.numpy().copy() for k, v in model.named_parameters()}

    def loss(p, x, call, model):
        return ((call(model, p, (x,)) - y_of[call]) ** 2).mean()
    y_of = {xf.functional_call: y, tf.functional_call: ty}
    _close(xf.functional_call(model, params, x), tf.functional_call(tmodel, tparams, tx))
    _close(xf.grad(loss)(params, x, xf.functional_call, model),
           tf.grad(loss)(tparams, tx, tf.functional_call, tmodel))
    for k, p in model.named_parameters():
        assert np.array_equal(p.numpy(), before[k]) and p.grad is None
        assert isinstance(p, xa.nn.Parameter)
    assert all(v.grad is None for v in params.values())


def test_gradients_flow_to_the_given_tensors():
    model, params, *_ = _mlps()
    (x, _), _ = _data()
    given = {k: v.requires_grad_() for k, v in params.items()}
    xf.functional_call(model, given, (x,)).sum().backward()
    assert all(v.grad is not None for v in given.values())
    assert all(p.grad is None for p in model.parameters())


def _flat(params):
    return {k: (v.shape, v.numel()) for k, v in params.items()}


def _unflatten(flat, layout):
    out, i = {}, 0
    for k, (shape, n) in layout.items():
        out[k] = flat[i:i + n].reshape(shape)
        i += n
    return out


def test_hessian_of_an_mlp_loss_in_its_flattened_parameters_matches_torch():
    model, params, tmodel, tparams = _mlps(1)
    (x, tx), (y, ty) = _data()
    layout, tlayout = _flat(params), _flat(tparams)
    w = xa.cat([v.reshape(-1) for v in params.values()])
    tw = torch.cat([v.reshape(-1) for v in tparams.values()])

    def loss(w):
        return ((xf.functional_call(model, _unflatten(w, layout), (x,)) - y) ** 2).mean()

    def tloss(w):
        return ((tf.functional_call(tmodel, _unflatten(w, tlayout), (tx,)) - ty) ** 2).mean()
    h = xf.hessian(loss)(w)
    assert h.shape == (w.numel(), w.numel())
    _close(h, tf.hessian(tloss)(tw))
    _close(xf.jacrev(xf.grad(loss))(w), tf.hessian(tloss)(tw))


def test_maml_step_matches_torch():
    """One inner SGD step on the support set, the loss of the adapted weights on the query
    set, differentiated through the inner step (second order) to the initial weights."""
    model, params, tmodel, tparams = _mlps(2)
    (xs, txs), (ys, tys) = _data()
    (xq, txq), (yq, tyq) = _pair((4, 3), 9), _pair((4, 2), 10)

    def meta_loss(p, lib, call, model, xs, ys, xq, yq):
        inner = lambda p: ((call(model, p, (xs,)) - ys) ** 2).mean()  # noqa: E731
        g = lib.grad(inner)(p)
        adapted = {k: p[k] - 0.1 * g[k] for k in p}
        return ((call(model, adapted, (xq,)) - yq) ** 2).mean()
    got = xf.grad(meta_loss)(params, xf, xf.functional_call, model, xs, ys, xq, yq)
    want = tf.grad(meta_loss)(tparams, tf, tf.functional_call, tmodel, txs, tys, txq, tyq)
    _close(got, want)
    # the same with autograd.grad(create_graph=True) and .backward(), as MAML is written
    p = {k: v.requires_grad_() for k, v in params.items()}
    inner = ((xf.functional_call(model, p, (xs,)) - ys) ** 2).mean()
    grads = xa.autograd.grad(inner, list(p.values()), create_graph=True)
    adapted = {k: v - 0.1 * g for (k, v), g in zip(p.items(), grads)}
    ((xf.functional_call(model, adapted, (xq,)) - yq) ** 2).mean().backward()
    _close({k: v.grad for k, v in p.items()}, want)


def test_functional_call_restores_after_an_error_and_returns_rebound_buffers():
    model, params, *_ = _mlps()
    own = dict(model.named_parameters())
    with pytest.raises(ValueError):
        xf.functional_call(model, params, (xa.ones(5, 7),))
    assert all(p is own[k] for k, p in model.named_parameters())

    class Counter(xa.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("count", xa.zeros(()))

        def forward(self, x):
            self.count = self.count + 1   # rebinds the buffer, as torch's docs' example
            return x
    counter, given = Counter(), {"count": xa.zeros(())}
    xf.functional_call(counter, given, (xa.ones(1),))
    assert float(given["count"]) == 1 and float(counter.count) == 0


def test_functional_call_tie_weights_and_strict_as_torch():
    def tied(nn):
        m = nn.Sequential(nn.Linear(2, 2, bias=False), nn.Linear(2, 2, bias=False))
        m[1].weight = m[0].weight
        return m
    model, tmodel = tied(xa.nn), tied(torch.nn)
    tmodel.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    w, tw = _pair((2, 2), 3, dtype=np.float32)
    x, tx = _pair((1, 2), 4, dtype=np.float32)
    _close(xf.functional_call(model, {"0.weight": w}, x),
           tf.functional_call(tmodel, {"0.weight": tw}, tx), rtol=1e-6, atol=1e-6)
    _close(xf.functional_call(model, {"0.weight": w}, x, tie_weights=False),
           tf.functional_call(tmodel, {"0.weight": tw}, tx, tie_weights=False),
           rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match=r"functional_call: .*\['0.weight', '1.weight'\].*tied"):
        xf.functional_call(model, {"0.weight": w, "1.weight": w * 2}, x)
    with pytest.raises(RuntimeError, match="Unexpected key.*'nope'.*\n.*Missing key.*'1.weight'"):
        xf.functional_call(model, {"0.weight": w, "nope": w}, x, tie_weights=False,
                           strict=True)
    with pytest.raises(TypeError, match="functional_call: expected an nn.Module"):
        xf.functional_call(lambda x: x, {}, x)
    with pytest.raises(TypeError, match="'0.weight' must be a Tensor"):
        xf.functional_call(model, {"0.weight": 1.0}, x)
    with pytest.raises(ValueError, match="appear in several dicts"):
        xf.functional_call(model, ({"0.weight": w}, {"0.weight": w}), x)


# -- errors ----------------------------------------------------------------------------------
def test_errors_name_the_transform_and_the_function():
    x, _ = _pair(3)

    def loss(x):
        return x.sin()
    cases = [
        (lambda: xf.grad(loss)(x), RuntimeError, r"grad\(loss\): .*scalar Tensor.*shape \(3,\)"
                                                 r".*vjp or jacrev"),
        (lambda: xf.grad(lambda x: 3.0)(x), RuntimeError, r"grad\(<lambda>\): .*got float"),
        (lambda: xf.grad(loss, argnums=2)(x), RuntimeError,
         r"grad\(loss\): got argnums=2, but only 1 positional"),
        (lambda: xf.grad(loss, argnums=(0, -2))(x, x), RuntimeError, "must be unique"),
        (lambda: xf.grad(loss, argnums=())(x), RuntimeError, "must be non-empty"),
        (lambda: xf.jacrev(loss, argnums=1.5)(x), RuntimeError,
         r"jacrev\(loss\): argnums must be an int or a tuple of ints"),
        (lambda: xf.grad(loss, has_aux=True)(x), RuntimeError,
         r"has_aux=True .*tuple \(output, aux\)"),
        (lambda: xf.grad(loss)(3.0), ValueError,
         r"grad\(loss\): argument 0 must be a Tensor or a tuple, list or dict"),
        (lambda: xf.grad(loss)(xa.arange(3)), ValueError,
         r"grad\(loss\): argument 0 must be floating point.*int64"),
        (lambda: xf.vjp(loss, x)[1](xa.ones(2)), RuntimeError,
         r"vjp\(loss\) vjp_fn: cotangent 0 has shape \(2,\), expected the output's shape"),
        (lambda: xf.vjp(loss, x)[1]((x, x)), RuntimeError,
         r"vjp_fn: cotangent must have the structure of the output"),
        (lambda: xf.jvp(loss, x, x), RuntimeError, r"jvp\(loss\): primals and tangents must "
                                                   "be tuples"),
        (lambda: xf.jvp(loss, (x,), (xa.ones(2),)), RuntimeError,
         r"jvp\(loss\): tangent 0 has shape \(2,\)"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()


# -- namespaces ------------------------------------------------------------------------------
def test_import_forms_and_torch_func_under_compat():
    assert func is xf is xa.func and "func" in xa.__all__
    code = ("import xarxa.compat as c; c.install(); import torch.func, xarxa.func; "
            "from torch.func import functional_call; "
            "assert torch.func.grad is xarxa.func.grad; "
            "assert functional_call is xarxa.func.functional_call")
    subprocess.run([sys.executable, "-c", code], check=True)
