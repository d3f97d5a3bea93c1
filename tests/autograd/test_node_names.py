"""`grad_fn` as PyTorch shows it (xarxa/autograd/names.py): `grad_fn.name()` and the tensor's
`grad_fn=<…>` against PyTorch's for the common ops, `next_functions` as `(node, input_nr)`
pairs with `AccumulateGrad` for leaves, while `grad_fn.name` stays xarxa's label for the
see-inside tools."""
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import xarxa as xa
import xarxa.nn.functional as F
from xarxa.autograd import names
from xarxa.autograd.function import Function

RNG = np.random.default_rng(0)
A = RNG.standard_normal((2, 3)).astype(np.float32)
B = RNG.standard_normal((2, 3)).astype(np.float32)
W = RNG.standard_normal((4, 3)).astype(np.float32)
BIAS = RNG.standard_normal(4).astype(np.float32)
IMG = RNG.standard_normal((1, 2, 4, 4)).astype(np.float32)
KER = RNG.standard_normal((3, 2, 3, 3)).astype(np.float32)
A3 = RNG.standard_normal((4, 2, 3)).astype(np.float32)
B3 = RNG.standard_normal((4, 3, 5)).astype(np.float32)
LABELS = np.array([0, 2])


def _leaves(lib):
    def t(a, grad=True):
        if lib is torch:
            return torch.tensor(a, requires_grad=grad)
        return xa.tensor(a, requires_grad=grad)
    return t


# name -> f(lib, F, t): the same computation in both libraries (t makes a leaf)
SAME = {
    "add": lambda L, F, t: t(A) + t(B), "add scalar": lambda L, F, t: t(A) + 1,
    "sub": lambda L, F, t: t(A) - t(B), "rsub": lambda L, F, t: 1 - t(A),
    "mul": lambda L, F, t: t(A) * t(B), "mul scalar": lambda L, F, t: t(A) * 2,
    "div": lambda L, F, t: t(A) / t(B), "neg": lambda L, F, t: -t(A),
    "matmul 2-D": lambda L, F, t: t(A) @ t(W).T.detach(),
    "mm": lambda L, F, t: L.mm(t(A), t(W.T.copy())),
    "bmm": lambda L, F, t: L.bmm(t(A3), t(B3)),
    "dot": lambda L, F, t: t(A[0]) @ t(B[0]),
    "mv": lambda L, F, t: t(A) @ t(B[0]),
    "sum": lambda L, F, t: t(A).sum(), "sum dim": lambda L, F, t: t(A).sum(1),
    "mean": lambda L, F, t: t(A).mean(), "mean dim": lambda L, F, t: t(A).mean(0),
    "max": lambda L, F, t: t(A).max(), "max dim": lambda L, F, t: t(A).max(1)[0],
    "min": lambda L, F, t: t(A).min(), "var": lambda L, F, t: t(A).var(),
    "std": lambda L, F, t: t(A).std(0),
    "relu": lambda L, F, t: F.relu(t(A)), "sigmoid": lambda L, F, t: t(A).sigmoid(),
    "tanh": lambda L, F, t: t(A).tanh(), "exp": lambda L, F, t: t(A).exp(),
    "log": lambda L, F, t: t(np.abs(A)).log(), "sqrt": lambda L, F, t: t(np.abs(A)).sqrt(),
    "abs": lambda L, F, t: t(A).abs(), "pow": lambda L, F, t: t(A) ** 2,
    "pow tensor": lambda L, F, t: t(np.abs(A)) ** t(B),
    "sin": lambda L, F, t: t(A).sin(), "cos": lambda L, F, t: t(A).cos(),
    "log1p": lambda L, F, t: t(np.abs(A)).log1p(), "erf": lambda L, F, t: t(A).erf(),
    "reciprocal": lambda L, F, t: t(A).reciprocal(), "floor": lambda L, F, t: t(A).floor(),
    "round decimals": lambda L, F, t: t(A).round(decimals=1),
    "clamp": lambda L, F, t: t(A).clamp(0, 1), "maximum": lambda L, F, t: L.maximum(t(A), t(B)),
    "where": lambda L, F, t: L.where(t(A, False) > 0, t(A), t(B)),
    "view": lambda L, F, t: t(A).view(6), "reshape": lambda L, F, t: t(A).reshape(3, 2),
    "flatten": lambda L, F, t: t(A).flatten(),
    "transpose": lambda L, F, t: t(A).transpose(0, 1),
    "permute 3-D": lambda L, F, t: t(A3).permute(2, 0, 1),
    "expand": lambda L, F, t: t(A[:, :1].copy()).expand(2, 3),
    "select": lambda L, F, t: t(A)[0], "slice": lambda L, F, t: t(A)[:, 1:],
    "index": lambda L, F, t: t(A)[[0, 1]], "unsqueeze by None": lambda L, F, t: t(A)[None],
    "cat": lambda L, F, t: L.cat([t(A), t(B)]), "stack": lambda L, F, t: L.stack([t(A), t(B)]),
    "gather": lambda L, F, t: t(A).gather(1, L.tensor([[0], [1]])),
    "scatter src": lambda L, F, t: t(A).scatter(1, L.tensor([[0], [1]]), t(B[:, :1].copy())),
    "scatter value": lambda L, F, t: t(A).scatter(1, L.tensor([[0], [1]]), 1.0),
    "index_select": lambda L, F, t: t(A).index_select(0, L.tensor([1])),
    "masked_fill": lambda L, F, t: t(A).masked_fill(t(A, False) > 0, 0.0),
    "flip": lambda L, F, t: t(A).flip(0), "repeat": lambda L, F, t: t(A).repeat(2, 1),
    "clone": lambda L, F, t: t(A).clone(), "to float64": lambda L, F, t: t(A).double(),
    "contiguous": lambda L, F, t: t(A).T.contiguous(),
    "linear 2-D": lambda L, F, t: F.linear(t(A), t(W), t(BIAS)),
    "linear 2-D no bias": lambda L, F, t: F.linear(t(A), t(W)),
    "linear 3-D": lambda L, F, t: F.linear(t(A3), t(W), t(BIAS)),
    "conv2d": lambda L, F, t: F.conv2d(t(IMG), t(KER)),
    "max_pool2d": lambda L, F, t: F.max_pool2d(t(IMG), 2),
    "avg_pool2d": lambda L, F, t: F.avg_pool2d(t(IMG), 2),
    "adaptive_avg_pool2d 1": lambda L, F, t: F.adaptive_avg_pool2d(t(IMG), 1),
    "adaptive_avg_pool2d 2": lambda L, F, t: F.adaptive_avg_pool2d(t(IMG), 2),
    "interpolate nearest": lambda L, F, t: F.interpolate(t(IMG), scale_factor=2),
    "pad": lambda L, F, t: F.pad(t(A), (1, 1)),
    "softmax": lambda L, F, t: F.softmax(t(A), 1),
    "log_softmax": lambda L, F, t: F.log_softmax(t(A), 1),
    "leaky_relu": lambda L, F, t: F.leaky_relu(t(A)), "elu": lambda L, F, t: F.elu(t(A)),
    "gelu": lambda L, F, t: F.gelu(t(A)), "silu": lambda L, F, t: F.silu(t(A)),
    "softplus": lambda L, F, t: F.softplus(t(A)),
    "layer_norm": lambda L, F, t: F.layer_norm(t(A), (3,)),
    "batch_norm": lambda L, F, t: F.batch_norm(t(IMG), None, None, training=True),
    "embedding": lambda L, F, t: F.embedding(L.tensor([0, 1]), t(W)),
    "mse_loss": lambda L, F, t: F.mse_loss(t(A), t(B)),
    "mse_loss sum": lambda L, F, t: F.mse_loss(t(A), t(B), reduction="sum"),
    "cross_entropy": lambda L, F, t: F.cross_entropy(t(A), L.tensor(LABELS)),
    "nll_loss": lambda L, F, t: F.nll_loss(t(A), L.tensor(LABELS)),
    "l1_loss": lambda L, F, t: F.l1_loss(t(A), t(B)),
    "l1_loss sum": lambda L, F, t: F.l1_loss(t(A), t(B), reduction="sum"),
    "huber_loss": lambda L, F, t: F.huber_loss(t(A), t(B)),
    "smooth_l1_loss": lambda L, F, t: F.smooth_l1_loss(t(A), t(B)),
    "binary_cross_entropy": lambda L, F, t: F.binary_cross_entropy(
        t(1 / (1 + np.exp(-A))), t(np.abs(B) / 3, False)),
    "bce_with_logits": lambda L, F, t: F.binary_cross_entropy_with_logits(
        t(A), t(np.abs(B) / 3, False)),
    "norm": lambda L, F, t: t(A).norm(),
}

# Where xarxa's graph differs from PyTorch's, the name xarxa gives (and why).
DIFFERENT = {
    # a reshape in xarxa; PyTorch makes the unsqueeze a node of its own
    "unsqueeze": (lambda L, F, t: t(A).unsqueeze(0), "ViewBackward0"),
    "squeeze": (lambda L, F, t: t(A[None]).squeeze(0), "ViewBackward0"),
    # every swap of two dims is one Permute node here: .t() and .T are transposes
    "t": (lambda L, F, t: t(A).t(), "TransposeBackward0"),
    "T": (lambda L, F, t: t(A).T, "TransposeBackward0"),
    # 2 / x is one Div node (PyTorch: a Mul by the reciprocal)
    "rdiv": (lambda L, F, t: 2 / t(A), "DivBackward0"),
    # x.square() is PowBackward0 in both, x ** 2.5 too; 2 ** x is Pow of a constant tensor
    "rpow": (lambda L, F, t: 2 ** t(A), "PowBackward1"),
    # the reshape of a non-contiguous tensor copies in both, but is one node here
    "reshape transposed": (lambda L, F, t: t(A).T.reshape(6), "ViewBackward0"),
    # sort's values are a gather of the input at the sorted indices, topk a slice of them
    "sort": (lambda L, F, t: t(A).sort()[0], "GatherBackward0"),
    "topk": (lambda L, F, t: t(A).topk(2)[0], "SliceBackward0"),
}


def _name(out):
    return out.grad_fn.name()


@pytest.mark.parametrize("case", list(SAME))
def test_node_names_match_pytorch(case):
    f = SAME[case]
    ours, theirs = f(xa, F, _leaves(xa)), f(torch, TF, _leaves(torch))
    assert _name(ours) == _name(theirs)
    assert f"grad_fn=<{_name(theirs)}>" in repr(ours)


@pytest.mark.parametrize("case", list(DIFFERENT))
def test_node_names_where_the_graphs_differ(case):
    f, expected = DIFFERENT[case]
    assert _name(f(xa, F, _leaves(xa))) == expected


def test_inspect_keeps_xarxa_labels():
    x = xa.tensor(A, requires_grad=True)
    y = (x * 2).floor()
    assert y.grad_fn.name == "Rounding".replace("Rounding", "Floor")  # the label, a str
    assert (x * 2).grad_fn.name == "Mul" and isinstance((x * 2).grad_fn.name, str)
    assert (x * 2).grad_fn.name() == "MulBackward0" and y.grad_fn.name() == "FloorBackward0"
    with xa.inspect.record() as tape:
        z = (x * x).sum()
    assert [t.grad_fn.name for t in tape.tensors] == ["Mul", "Sum"]
    assert "Mul" in str(xa.inspect.trace(z)) and "MulBackward0" not in str(xa.inspect.trace(z))


def test_grad_fn_repr_is_pytorchs():
    x, t = xa.tensor(A, requires_grad=True), torch.tensor(A, requires_grad=True)
    pattern = r"<MulBackward0 object at 0x[0-9a-f]+>"
    assert re.fullmatch(pattern, repr((x * 2).grad_fn))
    assert re.fullmatch(pattern, repr((t * 2).grad_fn))


def _structure(node, depth=3):
    """next_functions as nested (name, input_nr) pairs, comparable across libraries."""
    if node is None:
        return None
    if depth == 0:
        return node.name()
    return (node.name(), tuple((_structure(n, depth - 1), nr) for n, nr in node.next_functions))


@pytest.mark.parametrize("case", ["add scalar", "mul", "mse_loss", "conv2d", "cat", "sum",
                                  "relu", "max_pool2d", "matmul 2-D"])
def test_next_functions_match_pytorch(case):
    f = SAME[case]
    ours, theirs = f(xa, F, _leaves(xa)), f(torch, TF, _leaves(torch))
    assert _structure(ours.grad_fn) == _structure(theirs.grad_fn)


def test_next_functions_of_a_small_network_match_pytorch():
    def net(L, F, t):
        h = F.relu(F.conv2d(t(IMG), t(KER)))
        return F.mse_loss(h.sum((1, 2, 3)), t(np.zeros(1, np.float32), False))
    ours, theirs = net(xa, F, _leaves(xa)), net(torch, TF, _leaves(torch))
    assert _structure(ours.grad_fn, 6) == _structure(theirs.grad_fn, 6)


def test_next_functions_where_the_graphs_differ():
    """linear is one node of (input, weight, bias) here; PyTorch's addmm takes (bias, input,
    weightᵀ); `where` lists its condition (None: no gradient), PyTorch's does not."""
    x, w, b = (xa.tensor(a, requires_grad=True) for a in (A, W, BIAS))
    node = F.linear(x, w, b).grad_fn
    assert [n.variable for n, _ in node.next_functions] == [x, w, b]
    cond = xa.tensor(A) > 0
    assert [n is None for n, _ in xa.where(cond, x, x * 2).grad_fn.next_functions] == \
        [True, False, False]


def test_accumulate_grad_holds_the_leaf_and_is_one_object_per_leaf():
    w = xa.tensor(A, requires_grad=True)
    c = xa.tensor(B)                       # no gradient: None, as in PyTorch
    y = w * c
    (acc, nr), (none, nr2) = y.grad_fn.next_functions
    assert isinstance(acc, names.AccumulateGrad) and acc.variable is w and nr == nr2 == 0
    assert none is None and acc.next_functions == ()
    assert acc.name() == "torch::autograd::AccumulateGrad" and type(acc).__name__ == \
        type(torch.tensor(A, requires_grad=True).mul(2).grad_fn.next_functions[0][0]).__name__
    assert (w + 1).grad_fn.next_functions[0][0] is acc
    assert re.fullmatch(r"<AccumulateGrad object at 0x[0-9a-f]+>", repr(acc))
    p = xa.nn.Parameter(xa.tensor(A))
    assert (p * 2).grad_fn.next_functions[0][0].variable is p


def test_next_functions_after_inplace_ops_and_backward():
    x = xa.tensor(A, requires_grad=True)
    h = x * 2
    h.add_(1)                              # the in-place add is a node of the graph
    mul = ("MulBackward0", ((("torch::autograd::AccumulateGrad", ()), 0), (None, 0)))
    assert _structure(h.grad_fn) == ("AddBackward0", ((mul, 0), (None, 0)))
    y = h.sum()
    y.backward(retain_graph=True)  # the graph kept: its structure too
    assert _structure(y.grad_fn) == ("SumBackward0", ((_structure(h.grad_fn, 2), 0),))
    y.backward()
    # freed: a node that saved values (Sum keeps its input's shape) lets its inputs go with
    # them, so PyTorch's structure after backward is not kept (documented in names.py); the
    # names are
    assert y.grad_fn.next_functions == () and y.grad_fn.name() == "SumBackward0"
    assert "grad_fn=<SumBackward0>" in repr(y)


def test_a_users_function_is_named_as_pytorch_names_it():
    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return 3 * x ** 2 * grad

    class TorchCube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return 3 * x ** 2 * grad

    ours = Cube.apply(xa.tensor(A, requires_grad=True))
    theirs = TorchCube.apply(torch.tensor(A, requires_grad=True))
    assert ours.grad_fn.name() == "CubeBackward"
    assert theirs.grad_fn.name() == "TorchCubeBackward"
    assert ours.grad_fn.name == "Cube"


def test_metadata_is_a_dict_per_node():
    x = xa.tensor(A, requires_grad=True)
    node = (x * 2).grad_fn
    node.metadata["note"] = 1
    assert node.metadata == {"note": 1} and (x * 3).grad_fn.metadata == {}


def test_every_op_node_has_a_pytorch_name():
    """The table covers every Function of xarxa.autograd.ops (a new op adds its name)."""
    import inspect

    from xarxa.autograd import ops
    classes = {cls.__name__ for module in vars(ops).values() if inspect.ismodule(module)
               for cls in vars(module).values()
               if isinstance(cls, type) and issubclass(cls, Function) and cls is not Function
               and cls.__module__.startswith("xarxa.autograd.ops")}
    missing = sorted(classes - set(names.TORCH_NAMES))
    assert not missing, f"add their PyTorch names to autograd/names.py: {missing}"
