"""The version protocol through every alias: a node's saved *output* written through
`detach()`, a `no_grad` view or a reshape is refused at backward as PyTorch refuses it —
never a silent wrong gradient — and the rest of PyTorch's engine behaviour around it
(hooks that change the type, a second backward through nodes that saved nothing, trailing
Nones from a custom Function, per-thread grad mode)."""
import threading

import numpy as np
import pytest
import torch

import xarxa as xa

MODIFIED = "modified by an inplace operation"
OPS = ["exp", "sigmoid", "tanh"]  # each saves its output for backward


def _alias(lib, kind, h):
    """An alias of `h`'s storage that is outside the graph, made the way `kind` says."""
    if kind == "detach":
        return h.detach()
    if kind == "no_grad view":
        with lib.no_grad():
            return h.view(2, 1)
    if kind == "reshape":
        return h.reshape(2, 1)
    if kind == "view of detach":
        return h.detach()[0:1]
    raise AssertionError(kind)


WRITES = {
    "zero_": lambda a: a.zero_(),
    "add_": lambda a: a.add_(1.0),
    "mul_": lambda a: a.mul_(2.0),
    "fill_": lambda a: a.fill_(3.0),
    "setitem": lambda a: a.__setitem__(0, 5.0),
    "copy_": lambda a: a.copy_(a * 0 + 7.0),
}


def _run(lib, op, kind, write):
    w = lib.tensor([0.5, 1.0], requires_grad=True)
    h = getattr(w, op)()
    y = h.sum()
    a = _alias(lib, kind, h)
    with lib.no_grad():
        WRITES[write](a)
    y.backward()
    return w.grad


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("kind", ["detach", "no_grad view", "reshape", "view of detach"])
@pytest.mark.parametrize("op", OPS)
def test_a_saved_output_written_through_an_alias_is_refused_like_torch(op, kind, write):
    with pytest.raises(RuntimeError, match=MODIFIED):
        _run(torch, op, kind, write)
    with pytest.raises(RuntimeError, match=MODIFIED) as info:
        _run(xa, op, kind, write)
    assert "an output of" in str(info.value) and "alias" in str(info.value)


def test_the_issue_example():
    w = xa.tensor([0.5, 1.0], requires_grad=True)
    h = w.exp()
    y = h.sum()
    h.detach().zero_()
    with pytest.raises(RuntimeError, match=f"{MODIFIED}.*Exp|Exp.*{MODIFIED}"):
        y.backward()
    assert w.grad is None  # nothing was accumulated


@pytest.mark.parametrize("op", OPS)
def test_an_alias_written_before_the_node_is_made_is_fine(op):
    def run(lib):
        w = lib.tensor([0.5, 1.0], requires_grad=True)
        h = w * 1.0
        h.detach().mul_(2.0)  # before the op that saves: its saved values are current
        getattr(h, op)().sum().backward()
        return w.grad.numpy()

    np.testing.assert_allclose(run(xa), run(torch), rtol=1e-6)


def test_a_write_to_an_alias_of_a_value_nobody_saved_is_fine_like_torch():
    def run(lib):
        w = lib.tensor([0.5, 1.0], requires_grad=True)
        h = w * 2.0  # mul by a constant saves the constant, not h
        y = (h + 1.0).sum()
        h.detach().zero_()
        y.backward()
        return w.grad.numpy()

    np.testing.assert_array_equal(run(xa), run(torch))


def test_writes_to_the_numpy_array_are_untracked_as_in_torch():
    def run(lib):
        w = lib.tensor([0.5, 1.0], requires_grad=True)
        h = w.exp()
        y = h.sum()
        h.detach().numpy()[...] = 0.0  # the caller's array: no version, as in PyTorch
        y.backward()
        return w.grad.numpy()

    np.testing.assert_array_equal(run(xa), run(torch))


def test_a_write_through_data_is_refused_where_torch_is_silent():
    """Documented difference: xarxa's `.data` shares the version counter."""
    w = xa.tensor([0.5, 1.0], requires_grad=True)
    h = w.exp()
    y = h.sum()
    h.data.zero_()
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_pooling_indices_written_in_place_leave_the_gradient_right():
    """PyTorch refuses (its backward saved the indices it returned); xarxa's max-pool saves
    its own argmax, not the returned indices, so the gradient stays the unwritten one."""
    def run(lib, write):
        F = lib.nn.functional
        x = lib.arange(16.0).reshape(1, 1, 4, 4).requires_grad_()
        out, idx = F.max_pool2d(x, 2, return_indices=True)
        y = (out * out).sum()
        if write:
            with lib.no_grad():
                idx.zero_()
        y.backward()
        return x.grad.numpy()

    with pytest.raises(RuntimeError, match=MODIFIED):
        run(torch, True)
    np.testing.assert_array_equal(run(xa, True), run(torch, False))


def _square_function(lib):
    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x * x * scale

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g * ctx.scale, None, None  # a trailing None too many: accepted

    return Square


def test_a_custom_function_may_return_trailing_nones_like_torch():
    grads = []
    for lib in (torch, xa):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        _square_function(lib).apply(x, 3.0).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[1], grads[0])


def test_a_tensor_a_custom_function_saved_is_checked_like_torch():
    for lib in (torch, xa):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1.0
        y = _square_function(lib).apply(h, 3.0).sum()
        with lib.no_grad():
            h.detach().add_(1.0)
        with pytest.raises(RuntimeError, match=MODIFIED):
            y.backward()


def test_a_second_backward_through_nodes_that_saved_nothing_like_torch():
    results = []
    for lib in (torch, xa):
        x = lib.tensor([1.0], requires_grad=True)
        y = x + 1
        y.sum().backward()
        (y * 3).sum().backward()
        results.append(x.grad.tolist())
    assert results[1] == results[0] == [4.0]


def test_a_second_backward_through_a_node_that_saved_values_still_needs_retain_graph():
    x = xa.tensor([1.0], requires_grad=True)
    y = x.exp()
    y.sum().backward()
    with pytest.raises(RuntimeError, match="already freed.*retain_graph=True"):
        (y * 3).sum().backward()


def test_a_released_graph_keeps_no_activation_alive():
    x = xa.tensor(np.ones((256, 256), np.float32), requires_grad=True)
    h = x + 1.0  # add saves nothing: its node stays walkable
    z = (h * 2.0).sum()
    import weakref
    ref = weakref.ref(h)
    del h
    z.backward()
    assert ref() is None  # the released nodes hold h's shape, not h


@pytest.mark.parametrize("bad", ["int64", "float64"])
def test_a_hook_that_changes_the_dtype_is_refused_like_torch(bad):
    for lib in (torch, xa):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        w.register_hook(lambda g: g.to(getattr(lib, bad)))
        with pytest.raises(RuntimeError, match="has changed the type of value"):
            (w * 2).sum().backward()
        assert w.grad is None


def test_a_hook_on_a_non_leaf_that_changes_the_dtype_is_refused():
    w = xa.tensor([1.0, 2.0], requires_grad=True)
    h = w * 2
    h.register_hook(lambda g: g.long())
    with pytest.raises(RuntimeError, match="has changed the type of value"):
        h.sum().backward()


def test_grad_mode_is_per_thread():
    """One thread inside no_grad() for a while; another builds a graph meanwhile."""
    inside, release = threading.Event(), threading.Event()
    seen = {}

    def quiet():
        with xa.no_grad():
            inside.set()
            release.wait(10)
            seen["quiet"] = (xa.tensor([1.0], requires_grad=True) * 2).requires_grad

    def busy():
        inside.wait(10)
        w = xa.tensor([1.0, 2.0], requires_grad=True)
        seen["enabled"] = xa.is_grad_enabled()
        (w * w).sum().backward()
        seen["grad"] = w.grad.tolist()
        release.set()

    threads = [threading.Thread(target=quiet), threading.Thread(target=busy)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert seen == {"quiet": False, "enabled": True, "grad": [2.0, 4.0]}
    assert xa.is_grad_enabled()


def test_a_recorder_sees_only_its_own_thread():
    ready, done = threading.Event(), threading.Event()

    def other():
        ready.wait(10)
        w = xa.tensor([1.0], requires_grad=True)
        (w * 3).exp()
        done.set()

    t = threading.Thread(target=other)
    t.start()
    with xa.autograd.record() as tape:
        ready.set()
        done.wait(10)
        w = xa.tensor([2.0], requires_grad=True)
        w.sin()
    t.join(10)
    assert [x.grad_fn.name for x in tape.tensors] == ["Sin"]


def test_versions_hold_under_threads():
    """Many threads bumping at once: every write is counted (the clock is locked)."""
    t = xa.zeros(3)
    n, per = 4, 2000

    def writer():
        for _ in range(per):
            with xa.no_grad():
                t.add_(1.0)

    threads = [threading.Thread(target=writer) for _ in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert t._version == n * per
