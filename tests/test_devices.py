"""Devices under PyTorch's names (issue 11, "Devices"): `xa.device`, `Tensor.device`,
`Tensor.to` in every form PyTorch accepts, `device=`/`dtype=` on every factory, the default
device and dtype, and the `cuda` / `accelerator` / `backends` modules that device boilerplate
touches. Expected behaviour comes from torch (CPU build) run side by side."""
import pickle

import numpy as np
import pytest
import torch

import xarxa as xa

ONLY_CPU = r"device '{}' is not available: this build of xarxa runs on the CPU only"


# -- xa.device ---------------------------------------------------------------------------------

SPECS = [("cpu",), ("cpu:0",), ("cpu", 0), ("cuda",), ("cuda:1",), ("mps",), ("cuda", 2)]


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_device_repr_str_type_index_match_torch(spec):
    d, t = xa.device(*spec), torch.device(*spec)
    assert repr(d) == repr(t)
    assert str(d) == str(t)
    assert (d.type, d.index) == (t.type, t.index)


def test_device_equality_and_hashing_match_torch():
    names = ["cpu", "cpu:0", "cuda", "cuda:0"]
    for a in names:
        for b in names:
            assert (xa.device(a) == xa.device(b)) == (torch.device(a) == torch.device(b))
            # a device never equals a string in PyTorch 2.13 (compare .type instead)
            assert (xa.device(a) == b) == (torch.device(a) == b)
            assert (xa.device(a) != b) == (torch.device(a) != b)
    assert {xa.device("cpu"): 1}[xa.device("cpu")] == 1
    assert xa.device(xa.device("cpu:0")) == xa.device("cpu:0")
    assert pickle.loads(pickle.dumps(xa.device("cpu:0"))) == xa.device("cpu:0")


@pytest.mark.parametrize("spec", [("foo",), ("cpu:x",), ("cuda:-1",), ("cpu:0:1",),
                                  ("CPU",), ("cpu", -1)], ids=str)
def test_invalid_device_names_are_refused_like_torch(spec):
    with pytest.raises(RuntimeError) as expected:
        torch.device(*spec)
    with pytest.raises(RuntimeError) as got:
        xa.device(*spec)
    assert str(got.value) == str(expected.value)


def test_device_of_a_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match=r"device: expected a string such as 'cpu'.*1.5"):
        xa.device(1.5)


# -- Tensor.device, is_cuda, cpu(), cuda() -------------------------------------------------------

def test_tensor_device_properties_match_torch():
    x, t = xa.zeros(2), torch.zeros(2)
    assert x.device == xa.device("cpu") and repr(x.device) == repr(t.device)
    assert x.is_cuda is t.is_cuda is False
    assert x.is_cpu is t.is_cpu is True
    assert x.get_device() == t.get_device() == -1
    assert x.cpu() is x and t.cpu() is t


def test_cuda_is_refused_naming_the_device():
    with pytest.raises(RuntimeError, match="Tensor.cuda: " + ONLY_CPU.format("cuda")):
        xa.zeros(2).cuda()


# -- Tensor.to: every form of torch.Tensor.to -----------------------------------------------------

def _forms(lib):
    """The same .to calls written for xarxa (lib=xa) and for torch (lib=torch)."""
    other64 = lib.zeros(1, dtype=lib.float64)
    return {
        "device str": lambda x: x.to("cpu"),
        "device str:0": lambda x: x.to("cpu:0"),
        "device object": lambda x: x.to(lib.device("cpu")),
        "dtype": lambda x: x.to(lib.float64),
        "same dtype": lambda x: x.to(lib.float32),
        "device, dtype": lambda x: x.to("cpu", lib.float64),
        "other tensor": lambda x: x.to(other64),
        "dtype=": lambda x: x.to(dtype=lib.float64),
        "device= dtype=": lambda x: x.to(device="cpu", dtype=lib.float64, non_blocking=True),
        "all positional": lambda x: x.to("cpu", lib.float64, True, False),
        "dtype, non_blocking, copy": lambda x: x.to(lib.float32, False, True),
        "copy=True": lambda x: x.to("cpu", copy=True),
        "no arguments": lambda x: x.to(),
        "int dtype": lambda x: x.to(lib.int64),
    }


@pytest.mark.parametrize("form", list(_forms(torch)))
def test_to_accepts_every_torch_form(form):
    x = xa.tensor([1.5, -2.0])
    t = torch.tensor([1.5, -2.0])
    out_x, out_t = _forms(xa)[form](x), _forms(torch)[form](t)
    assert str(out_x.dtype) == str(out_t.dtype)
    assert (out_x is x) == (out_t is t)           # unchanged -> the same tensor, as in torch
    np.testing.assert_array_equal(out_x.numpy(), out_t.numpy())
    if out_x is not x:
        assert not np.shares_memory(out_x.numpy(), x.numpy())


def test_to_is_differentiable_between_floats_like_torch():
    x = xa.tensor([1.0, 2.0], requires_grad=True)
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    (x.to("cpu", xa.float64) * xa.tensor([3.0, 4.0], dtype=xa.float64)).sum().backward()
    (t.to("cpu", torch.float64) * torch.tensor([3.0, 4.0], dtype=torch.float64)).sum().backward()
    assert x.grad.dtype == xa.float32
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    y = x.to(copy=True)
    assert y.requires_grad and y.grad_fn is not None   # a copy stays in the graph


@pytest.mark.parametrize("call, name", [
    (lambda x: x.to("cuda"), "cuda"), (lambda x: x.to("cuda:0"), "cuda:0"),
    (lambda x: x.to("mps"), "mps"), (lambda x: x.to(xa.device("cuda", 1)), "cuda:1"),
    (lambda x: x.to(0), "cuda:0"), (lambda x: x.to(device="cuda", dtype=xa.float64), "cuda"),
])
def test_to_an_unavailable_device_names_it(call, name):
    with pytest.raises(RuntimeError, match="Tensor.to: " + ONLY_CPU.format(name)):
        call(xa.zeros(2))


def test_to_bad_arguments_are_type_errors():
    x = xa.zeros(2)
    with pytest.raises(TypeError, match="Tensor.to: got multiple values for argument 'device'"):
        x.to("cpu", device="cpu")
    with pytest.raises(TypeError, match="Tensor.to: expected a device"):
        x.to(1.5)
    with pytest.raises(TypeError, match=r"Tensor.to: unexpected keyword argument\(s\) \['dev'\]"):
        x.to(dev="cpu")
    with pytest.raises(TypeError, match="Tensor.to: expected a dtype"):
        x.to("cpu", "float64")
    with pytest.raises(TypeError, match="Tensor.to: too many positional arguments"):
        x.to("cpu", xa.float64, False, False, 1)
    with pytest.raises(RuntimeError, match="device type at start of device string: bogus"):
        x.to("bogus")


def test_parse_to_gives_module_to_its_arguments():
    # Module.to (xarxa/nn/module.py) can share Tensor.to's parser
    from xarxa.devices import parse_to
    other = xa.zeros(1, dtype=xa.float64)
    assert parse_to((other,), {}) == (xa.device("cpu"), xa.float64, False, False)
    assert parse_to(("cpu", xa.float32), {"non_blocking": True}) == \
        (xa.device("cpu"), xa.float32, True, False)
    assert parse_to((), {"dtype": torch.float16}) == (None, torch.float16, False, False)


# -- factories: device= and dtype= everywhere -----------------------------------------------------

def _factories(lib):
    like = lib.zeros(2, 3)
    return {
        "tensor": lambda **kw: lib.tensor([1.0, 2.0], **kw),
        "as_tensor": lambda **kw: lib.as_tensor([1.0, 2.0], **kw),
        "zeros": lambda **kw: lib.zeros(2, 3, **kw),
        "zeros size=": lambda **kw: lib.zeros(size=(2, 3), **kw),
        "ones": lambda **kw: lib.ones((2, 3), **kw),
        "empty": lambda **kw: lib.empty(2, 3, **kw),
        "full": lambda **kw: lib.full((2, 3), 7, **kw),
        "arange": lambda **kw: lib.arange(0, 6, 2, **kw),
        "linspace": lambda **kw: lib.linspace(0, 1, 5, **kw),
        "eye": lambda **kw: lib.eye(3, 2, **kw),
        "rand": lambda **kw: lib.rand(2, 3, **kw),
        "randn": lambda **kw: lib.randn(2, 3, **kw),
        "randint": lambda **kw: lib.randint(0, 5, (2, 3), **kw),
        "randperm": lambda **kw: lib.randperm(4, **kw),
        "zeros_like": lambda **kw: lib.zeros_like(like, **kw),
        "ones_like": lambda **kw: lib.ones_like(like, **kw),
        "empty_like": lambda **kw: lib.empty_like(like, **kw),
        "full_like": lambda **kw: lib.full_like(like, 2, **kw),
        "rand_like": lambda **kw: lib.rand_like(like, **kw),
        "randn_like": lambda **kw: lib.randn_like(like, **kw),
    }


FLOAT_ONLY = {"rand", "randn", "rand_like", "randn_like", "linspace"}


@pytest.mark.parametrize("name", list(_factories(torch)))
def test_factory_takes_device_and_dtype_like_torch(name):
    make_x, make_t = _factories(xa)[name], _factories(torch)[name]
    default_x, default_t = make_x(), make_t()
    assert str(default_x.dtype) == str(default_t.dtype)
    assert default_x.shape == tuple(default_t.shape)
    for device in ("cpu", "cpu:0", xa.device("cpu")):
        assert make_x(device=device).device == xa.device("cpu")
    dtypes = [(xa.float64, torch.float64)] + \
        ([] if name in FLOAT_ONLY else [(xa.int32, torch.int32)])
    for dx, dt in dtypes:
        assert str(make_x(dtype=dx, device="cpu").dtype) == \
            str(make_t(dtype=dt, device="cpu").dtype)
    if name != "as_tensor":   # torch.as_tensor has no requires_grad either
        assert make_x(dtype=xa.float64, requires_grad=True).requires_grad


@pytest.mark.parametrize("name", list(_factories(torch)))
@pytest.mark.parametrize("device", ["cuda", "cuda:0", "mps"])
def test_factory_on_an_unavailable_device_names_it(name, device):
    op = name.split(" ")[0]
    with pytest.raises(RuntimeError, match=f"{op}: " + ONLY_CPU.format(device)):
        _factories(xa)[name](device=device)


def test_factory_shape_errors_name_the_factory():
    with pytest.raises(ValueError, match=r"zeros: expected a shape of non-negative integers"):
        xa.zeros(2, -1)
    with pytest.raises(TypeError, match="ones: give the shape either positionally or as size="):
        xa.ones(2, size=(2,))


# -- default device and dtype ---------------------------------------------------------------------

def test_set_default_device_accepts_the_cpu_only():
    xa.set_default_device("cpu")
    assert xa.get_default_device() == xa.device("cpu")
    assert xa.zeros(1).device == xa.device("cpu")
    xa.set_default_device(None)
    for name in ("cuda", "cuda:0", "mps"):
        with pytest.raises(RuntimeError, match="set_default_device: " + ONLY_CPU.format(name)):
            xa.set_default_device(name)
    assert xa.get_default_device() == xa.device("cpu")
    assert repr(xa.get_default_device()) == repr(torch.get_default_device())
    with xa.device("cpu"):
        assert xa.ones(1).device == xa.device("cpu")
    with pytest.raises(RuntimeError, match=ONLY_CPU.format("cuda")):
        with xa.device("cuda"):
            pass


def test_set_default_dtype_like_torch():
    assert xa.get_default_dtype() == xa.float32
    try:
        xa.set_default_dtype(xa.float64)
        torch.set_default_dtype(torch.float64)
        for make_x, make_t in [(lambda: xa.tensor(1.5), lambda: torch.tensor(1.5)),
                               (lambda: xa.zeros(2), lambda: torch.zeros(2)),
                               (lambda: xa.arange(0.0, 1.0, 0.5),
                                lambda: torch.arange(0.0, 1.0, 0.5))]:
            assert str(make_x().dtype) == str(make_t().dtype)
        assert xa.get_default_dtype() == xa.float64
    finally:
        xa.set_default_dtype(xa.float32)
        torch.set_default_dtype(torch.float32)
    with pytest.raises(TypeError):
        torch.set_default_dtype(torch.int64)
    with pytest.raises(TypeError, match="set_default_dtype: expected a floating dtype"):
        xa.set_default_dtype(xa.int64)
    assert xa.get_default_dtype() == xa.float32


# -- the modules device boilerplate touches -------------------------------------------------------

def test_cuda_accelerator_and_backends_report_no_gpu():
    assert xa.cuda.is_available() is False and xa.cuda.device_count() == 0
    xa.cuda.manual_seed(0)
    xa.cuda.manual_seed_all(0)    # accepted without a GPU, as in PyTorch
    xa.cuda.empty_cache()
    with pytest.raises(RuntimeError, match=ONLY_CPU.format("cuda")):
        xa.cuda.current_device()
    assert xa.accelerator.is_available() is False
    assert xa.accelerator.current_accelerator() is None
    assert xa.accelerator.device_count() == 0
    assert xa.backends.mps.is_available() is False and xa.backends.cudnn.is_available() is False


def test_backend_flags_are_assignable():
    cudnn = xa.backends.cudnn
    saved = cudnn.benchmark, cudnn.deterministic, xa.backends.cuda.matmul.allow_tf32
    try:
        cudnn.benchmark = True
        cudnn.deterministic = True
        xa.backends.cuda.matmul.allow_tf32 = True
        assert xa.backends.cudnn.benchmark and xa.backends.cudnn.deterministic
    finally:
        cudnn.benchmark, cudnn.deterministic, xa.backends.cuda.matmul.allow_tf32 = saved


def test_pytorch_device_boilerplate_runs_unchanged():
    for lib in (torch, xa):   # the same lines under both libraries
        device = lib.device("cuda" if lib.cuda.is_available() else "cpu")
        device = lib.device("mps" if lib.backends.mps.is_available() else device)
        accel = lib.accelerator.current_accelerator().type if lib.accelerator.is_available() \
            else "cpu"
        lib.backends.cudnn.benchmark = False
        lib.manual_seed(0)
        x = lib.randn(4, 3, device=device)
        y = lib.zeros(4, dtype=lib.long).to(accel)
        w = lib.ones(3, 2, requires_grad=True, device=device)
        loss = (x.to(device) @ w).sum() + y.sum()
        loss.backward()
        assert w.grad.shape == (3, 2) and str(x.device) == "cpu"
