"""The graph as PyTorch shows it: node names (`MulBackward0`), `AccumulateGrad` for the
leaves, and `next_functions`.

xarxa's nodes are `Function` subclasses named after their op (`Mul`, `Linear`): that label
is what the see-inside tools print (`inspect.trace`, `inspect.dot`, error messages), and
it is `grad_fn.name` (a str). PyTorch scripts call `grad_fn.name()` and print
`grad_fn=<MulBackward0>`; `TORCH_NAMES` below is the one table from xarxa's op to
PyTorch's node name, checked against PyTorch in tests/autograd/test_node_names.py.

Where xarxa's graph is shaped differently, the name is PyTorch's for the node that plays
the same part: a fused node is named after PyTorch's top node (`cross_entropy` is one
xarxa node, `NllLossBackward0` after `LogSoftmaxBackward0` in PyTorch; `linear` on a batch
of rows is `AddmmBackward0`); ops that are reshapes here (`squeeze`, `flatten`) are
`ViewBackward0`, swaps of two dims (`transpose`, `.t()`, `.T` of a matrix)
`TransposeBackward0`. Ops PyTorch lacks (the notes' `step`, `bed_of_nails_unpool`) get
`<Label>Backward0`; a user's own `Function` gets `<Class>Backward`, as in PyTorch.
"""
from __future__ import annotations

import weakref

import numpy as np


def _name_of(node) -> str:
    """The PyTorch name of a node, from the table (a string or a rule on the node)."""
    rule = TORCH_NAMES.get(type(node).__name__)
    if rule is None:
        cls = type(node)
        if cls.__module__.startswith("xarxa."):
            return f"{node.label}Backward0"
        return f"{cls.__name__}Backward"  # a user's Function, as PyTorch names it
    return rule if isinstance(rule, str) else rule(node)


class NodeName(str):
    """A node's label (`'Mul'`, a str: what `inspect` prints); calling it gives PyTorch's
    name, so that `grad_fn.name()` is `'MulBackward0'` as in PyTorch."""

    def __new__(cls, label: str, node):
        self = super().__new__(cls, label)
        self._node = node
        return self

    def __call__(self) -> str:
        return _name_of(self._node)


class AccumulateGrad:
    """The node through which a leaf receives its gradient (PyTorch's `AccumulateGrad`):
    what `next_functions` shows for an input that is a leaf requiring grad. `variable` is
    the leaf; the same object is given for a leaf while someone holds it."""

    __slots__ = ("variable", "__weakref__")
    next_functions = ()
    metadata: dict = {}

    def __init__(self, variable):
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"  # PyTorch's (a C++ node)

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"


# id(leaf) -> its AccumulateGrad while the latter lives (it holds the leaf, so the id cannot
# be reused meanwhile). Tensors cannot be weak dict keys: their == is elementwise.
_accumulators: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def accumulate_grad(leaf) -> AccumulateGrad:
    node = _accumulators.get(id(leaf))
    if node is None or node.variable is not leaf:
        node = _accumulators[id(leaf)] = AccumulateGrad(leaf)
    return node


def next_functions(node) -> tuple:
    """`((node_or_None, 0), …)`, one pair per input of `node`: the node that made the input,
    an `AccumulateGrad` for a leaf that requires grad, None for an input without gradient
    (a constant, or one that needs none). The 0 is PyTorch's `input_nr`: xarxa's nodes have
    one differentiable output. After `backward()` has freed a node that saved values, its
    inputs are gone and so is this tuple (it is then empty)."""
    from .engine import node_of
    pairs = []
    for t, needed in zip(node.inputs, node.needs_input_grad):
        child = None
        if needed and t is not None:
            child = t._ctx
            if child is not None and child.seq > node.seq:  # rebased by an in-place op
                child = node_of(t, node.seq)
            if child is None:
                child = accumulate_grad(t)
        pairs.append((child, 0))
    return tuple(pairs)


# -- the table ----------------------------------------------------------------------------

def _ndims(node):
    """The inputs' numbers of dimensions, or None once backward freed them."""
    return [None if t is None else len(getattr(t, "_data", t).shape)
            for t in node.inputs] or None


def _matmul(node) -> str:
    dims = _ndims(node)
    if dims is None:
        return "MmBackward0"
    a, b = dims[:2]
    if a == 1 and b == 1:
        return "DotBackward0"
    if a == 2 and b == 2:
        return "MmBackward0"
    if a == 2 and b == 1:
        return "MvBackward0"
    if a == 1 and b == 2:
        return "SqueezeBackward4"
    if a == 3 and b == 3 and node.inputs[0]._data.shape[0] == node.inputs[1]._data.shape[0]:
        return "BmmBackward0"  # as torch.bmm (matmul of two such batches: UnsafeView)
    return "UnsafeViewBackward0"


def _linear(node) -> str:
    dims = _ndims(node)
    bias = node.inputs[2] is not None if dims else node.needs_input_grad[2]
    ndim = dims[0] if dims else 2
    if ndim == 2:
        return "AddmmBackward0" if bias else "MmBackward0"
    if ndim == 1:
        return "ViewBackward0" if bias else "SqueezeBackward4"
    return "ViewBackward0" if bias else "UnsafeViewBackward0"


def _getitem(node) -> str:
    a = node.attrs
    if a.get("advanced"):
        return "IndexBackward0"
    items = a.get("index")
    items = items if isinstance(items, tuple) else (items,)
    if any(i is None for i in items):
        return "UnsqueezeBackward0"
    ints = [i for i in items if isinstance(i, (int, np.integer))]
    slices = [i for i in items if isinstance(i, slice) and i != slice(None)]
    return "SelectBackward0" if ints and not slices else "SliceBackward0"


def _permute(node) -> str:
    axes = node.attrs.get("axes", ())
    moved = [i for i, a in enumerate(axes) if i != a]
    return "TransposeBackward0" if len(moved) == 2 else "PermuteBackward0"


# a composed loss's reduction node, by the loss it ends (nn/losses/_common.reduce)
_FUSED_IN_TORCH = {"huber_loss": "HuberLossBackward0",
                   "smooth_l1_loss": "SmoothL1LossBackward0",
                   "nll_loss": "NllLossBackward0",
                   "multi_margin_loss": "MultiMarginLossBackward0"}


def _reduce(node) -> str:
    a = node.attrs
    fused = _FUSED_IN_TORCH.get(a.get("op"))
    if fused:
        return fused
    if a.get("denom") is not None and a.get("op") == "kl_div":
        return "DivBackward0"  # batchmean
    return "SumBackward0" if a.get("reduction") == "sum" else "MeanBackward0"


def _rounding(node) -> str:
    kind = node.attrs.get("kind", "round")
    if kind == "round" and node.attrs.get("decimals", 0):
        return "RoundBackward1"
    return f"{kind.capitalize()}Backward0"


TORCH_NAMES: dict = {
    # _linear.py: a backward kernel recorded under create_graph ("MaxPool2dBackward"), named
    # as PyTorch names its double-backward nodes ("…BackwardBackward0")
    "LinearMap": lambda node: f"{node.label}Backward0",
    # activation.py
    "ReLU": "ReluBackward0", "Sigmoid": "SigmoidBackward0", "Tanh": "TanhBackward0",
    "LeakyReLU": "LeakyReluBackward0", "ELU": "EluBackward0", "GELU": "GeluBackward0",
    "SiLU": "SiluBackward0", "Softplus": "SoftplusBackward0", "Softmax": "SoftmaxBackward0",
    "LogSoftmax": "LogSoftmaxBackward0", "Step": "StepBackward0",
    # conv.py
    "Conv2d": "ConvolutionBackward0", "ConvTranspose2d": "ConvolutionBackward0",
    "Conv2dWeight": "ConvolutionBackwardBackward0",   # only in a double-backward graph
    # elementwise.py
    "Add": "AddBackward0", "Mul": "MulBackward0", "Div": "DivBackward0",
    "Sub": lambda n: ("RsubBackward1" if n.inputs and isinstance(n.inputs[0], np.ndarray)
                      else "SubBackward0"),
    "Neg": "NegBackward0", "PowScalar": "PowBackward0", "Pow": "PowBackward1",
    "Exp": "ExpBackward0", "Log": "LogBackward0", "Sqrt": "SqrtBackward0",
    "Abs": "AbsBackward0", "Clamp": "ClampBackward1", "Maximum": "MaximumBackward0",
    "Minimum": "MinimumBackward0", "Where": "WhereBackward0",
    "Cast": lambda n: "CloneBackward0" if n.attrs.get("copy") else "ToCopyBackward0",
    # embedding.py
    "Embedding": "EmbeddingBackward0",
    # indexing.py
    "Gather": "GatherBackward0", "IndexSelect": "IndexSelectBackward0",
    "Scatter": lambda n: ("ScatterBackward1" if n.attrs.get("value") is not None
                          else "ScatterBackward0"),
    "MaskedFill": "MaskedFillBackward0", "Flip": "FlipBackward0",
    "Repeat": "RepeatBackward0", "Contiguous": "CloneBackward0",
    # linalg.py, vector.py
    "MatMul": _matmul, "Linear": _linear, "Norm": "LinalgVectorNormBackward0",
    # loss.py
    "MSE": "MseLossBackward0", "CrossEntropy": "NllLossBackward0",
    "BCEWithLogits": "BinaryCrossEntropyWithLogitsBackward0",
    "BCE": "BinaryCrossEntropyBackward0", "Reduce": _reduce,
    # math.py
    "Sin": "SinBackward0", "Cos": "CosBackward0", "Tan": "TanBackward0",
    "Asin": "AsinBackward0", "Acos": "AcosBackward0", "Atan": "AtanBackward0",
    "Atan2": "Atan2Backward0", "Sinh": "SinhBackward0", "Cosh": "CoshBackward0",
    "Erf": "ErfBackward0", "Log1p": "Log1PBackward0", "Expm1": "Expm1Backward0",
    "Log2": "Log2Backward0", "Log10": "Log10Backward0", "Reciprocal": "ReciprocalBackward0",
    "Rsqrt": "RsqrtBackward0", "Square": "PowBackward0", "Rounding": _rounding,
    # norm.py
    "BatchNorm": "NativeBatchNormBackward0", "BatchNormReLU": "ReluBackward0",  # fused
    "LayerNorm": "NativeLayerNormBackward0",
    # pool.py
    "MaxPool2d": "MaxPool2DWithIndicesBackward0", "AvgPool2d": "AvgPool2DBackward0",
    "AdaptiveAvgPool2d": lambda n: ("MeanBackward1" if n.attrs.get("out_size") == (1, 1)
                                    else "AdaptiveAvgPool2DBackward0"),
    "MaxUnpool2d": "MaxUnpool2DBackward0", "UpsampleNearest": "UpsampleNearest2DBackward0",
    "BedOfNails": "BedOfNailsBackward0",
    # resample.py (bilinear and bicubic interpolate: one node, rows·x·colsᵀ)
    "Resample2d": lambda n: ("UpsampleBicubic2DBackward0" if n.attrs.get("mode") == "bicubic"
                             else "UpsampleBilinear2DBackward0"),
    # reduce.py
    "Sum": lambda n: "SumBackward0" if n.attrs.get("axes") is None else "SumBackward1",
    "Mean": lambda n: "MeanBackward0" if n.attrs.get("axes") is None else "MeanBackward1",
    "Var": lambda n: "StdBackward0" if n.attrs.get("sqrt") else "VarBackward0",
    "MaxReduce": lambda n: (("Max" if n.attrs.get("largest", True) else "Min")
                            + ("Backward1" if n.attrs.get("dim") is None else "Backward0")),
    # shape.py
    "Reshape": "ViewBackward0", "Permute": _permute, "Expand": "ExpandBackward0",
    "Cat": "CatBackward0", "Stack": "StackBackward0", "Pad": "ConstantPadNdBackward0",
    "GetItem": _getitem,
    # nn: module backward hooks (PyTorch's BackwardHookFunction)
    "BackwardHookJoin": "BackwardHookFunctionBackward",
    "BackwardHookPass": "BackwardHookFunctionBackward",
}
