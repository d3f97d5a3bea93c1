"""The ops and layers beyond xarxa.models through ONNX (issue 22), one table: each small
network is exported (onnx.checker inside), run by ONNX Runtime on a batch of another size
than the traced one, and loaded back; both must give xarxa's outputs. Then the refusals:
an op with no ONNX form is named with its layer, on export and on load."""
import io

import numpy as np
import pytest

import xarxa as xa
from xarxa import nn
from xarxa.nn import functional as F

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


class Fn(nn.Module):
    """forward = fn(self, *inputs): a few ops, with the layers given as submodules."""

    def __init__(self, fn, **layers):
        super().__init__()
        self.fn = fn
        for name, layer in layers.items():
            setattr(self, name, layer)

    def forward(self, *xs):
        return self.fn(self, *xs)


class InPlaceResidual(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 3, padding=1)

    def forward(self, x):
        out = self.conv(x)
        out += x                  # written in place inside the graph
        return out.relu_()


def pool_unpool(m, x):
    y, idx = m.pool(x)
    return m.unpool(y, idx, output_size=x.shape)


IMG = (2, 5, 5)   # (C, H, W) of the image cases
# name -> (model, input shape without batch, input dtype)
OPS = {
    "gelu": (Fn(lambda m, x: F.gelu(x) + F.gelu(x, approximate="tanh")), (6,)),
    "silu-softplus-elu": (Fn(lambda m, x: F.silu(x) + F.softplus(x, beta=2.0, threshold=1.0)
                             + F.elu(x, 0.7) + F.leaky_relu(x, 0.2)), (6,)),
    "softmax-temperature": (Fn(lambda m, x: xa.softmax(x, dim=1, temperature=3.0)
                               + F.log_softmax(x, dim=-1)), (6,)),
    "step-sigmoid-tanh": (Fn(lambda m, x: F.step(x) + xa.sigmoid(x) * xa.tanh(x)), (6,)),
    "arithmetic": (Fn(lambda m, x: (x * 2 - 1) / (x.abs() + 1) + x ** 3 - 2 ** x
                      + (-x).exp() - xa.sqrt(x * x + 1).log()), (6,)),
    "math": (Fn(lambda m, x: xa.sin(x) + xa.cos(x) * xa.atan(x) + xa.erf(x)
                + xa.reciprocal(x * x + 1) + xa.rsqrt(x * x + 1) + xa.log1p(x * x)
                + xa.expm1(x) + xa.floor(x * 3) + xa.round(x * 3) + xa.square(x)), (6,)),
    "clamp-maximum-minimum": (Fn(lambda m, x: xa.clamp(x, -0.5, 0.5) + xa.maximum(x, x * 0.5)
                                 - xa.minimum(x, 0.1 * x)), (6,)),
    "where-comparisons": (Fn(lambda m, x: xa.where(x > 0, x, x * 0.1) + (x <= 0.2).float()
                             + (~(x != x)).float()), (6,)),
    "argmax": (Fn(lambda m, x: xa.argmax(x, dim=1)), (6,)),
    "reductions": (Fn(lambda m, x: x.sum(dim=2, keepdim=True) * x.mean(dim=1, keepdim=True)
                      + x.var(dim=2, keepdim=True) + x.std(dim=2, keepdim=True)
                      + xa.max(x, dim=2, keepdim=True)[0]
                      + xa.norm(x, dim=2, keepdim=True)), (3, 4)),
    "cat-flip-permute-reshape": (Fn(lambda m, x: xa.cat([x, x.flip(1)], 1).permute(0, 2, 1)
                                    .reshape(x.shape[0], -1)), (3, 4)),
    "stack-unsqueeze-squeeze": (Fn(lambda m, x: xa.stack([x, x * 2], dim=1).unsqueeze(1)
                                   .squeeze(1)), (3, 4)),
    "getitem": (Fn(lambda m, x: x[:, 1:3, ::2].sum(dim=2) + x[..., -1][:, :2]
                   + x[:, ::-1, 0][:, 1:]), (3, 4)),
    "index-select-gather-masked-fill": (
        Fn(lambda m, x: xa.index_select(x, 1, xa.tensor([2, 0]))
           + xa.gather(x, 0, xa.zeros(1, 2, 4, dtype=xa.int64))   # row 0 of the batch
           + x[:, :2].masked_fill(xa.tensor([True, False, True, False]), 0.5)), (3, 4)),
    "pad-repeat-expand": (Fn(lambda m, x: F.pad(x, (1, 2)).repeat(1, 2, 1)[:, :, :4]
                             + x[:, :1].expand(x.shape[0], 6, 4)), (3, 4)),
    "linear-3d-matmul": (Fn(lambda m, x: m.fc(x) @ m.fc(x).transpose(1, 2),
                            fc=nn.Linear(4, 5)), (3, 4)),
    "layer-norm-dropout": (Fn(lambda m, x: m.drop(m.norm(x)), norm=nn.LayerNorm(4),
                              drop=nn.Dropout(0.5)), (3, 4)),
    "batch-norm-1d": (Fn(lambda m, x: m.bn(x), bn=nn.BatchNorm1d(4)), (4,)),
    "embedding": (Fn(lambda m, i: m.emb(i).sum(dim=1), emb=nn.Embedding(10, 3)), (5,),
                  np.int64),
    "conv-groups-dilation": (Fn(lambda m, x: m.conv(x),
                                conv=nn.Conv2d(2, 4, 3, padding=2, dilation=2, groups=2)), IMG),
    "conv-same-stride-2": (Fn(lambda m, x: m.conv(x),
                              conv=nn.Conv2d(2, 3, 4, stride=2, padding="same")), IMG),
    "conv-transpose": (Fn(lambda m, x: m.up(x), up=nn.ConvTranspose2d(
        2, 3, 3, stride=2, padding=1, output_padding=1)), IMG),
    "conv-transpose-groups": (Fn(lambda m, x: m.up(x),
                                 up=nn.ConvTranspose2d(2, 4, 3, stride=2, groups=2)), IMG),
    "pools": (Fn(lambda m, x: m.max(x) + m.avg(x) + m.ada(m.avg(x)).mean()
                 + m.cells(x)[:, :, :, :1].mean(),
                 max=nn.MaxPool2d(3, 2, 1), avg=nn.AvgPool2d(3, 2, 1),
                 ada=nn.AdaptiveAvgPool2d(3), cells=nn.AdaptiveAvgPool2d((2, 3))), IMG),
    "upsample": (Fn(lambda m, x: m.odd(x)[:, :, :5, :5] + m.three(x)[:, :, :5, :5],
                    odd=nn.Upsample(size=(7, 6)), three=nn.Upsample(scale_factor=3)), IMG),
    "bed-of-nails-position": (Fn(lambda m, x: m.up(x), up=nn.BedOfNailsUnpool(3, (1, 2))), IMG),
    "max-unpool-functional": (Fn(lambda m, x: F.max_unpool2d(
        *F.max_pool2d(x, 2, return_indices=True), 2)), (2, 6, 4)),
    "max-unpool-padded": (Fn(pool_unpool, pool=nn.MaxPool2d(3, 2, 1, return_indices=True),
                             unpool=nn.MaxUnpool2d(3, 2, 1)), IMG),
    "max-pool-indices": (Fn(lambda m, x: F.max_pool2d(x, 2, return_indices=True)[1]), (2, 6, 4)),
    "in-place-residual": (InPlaceResidual(), IMG),
    "detach-and-constants": (Fn(lambda m, x: x * x.detach() + xa.tensor([1.0, 2.0, 3.0])),
                             (3,)),
    "two-outputs": (Fn(lambda m, x: (x + 1, x)), (3,)),
}


def _input(shape, dtype, batch, seed):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "i":
        return xa.tensor(rng.integers(0, 10, (batch, *shape)))
    return xa.tensor(rng.normal(size=(batch, *shape)).astype(np.float32))


def _outputs(result):
    return [r.numpy() for r in (result if isinstance(result, tuple) else (result,))]


@pytest.mark.parametrize("name", list(OPS))
def test_op_exports_runs_in_onnx_runtime_and_loads(name):
    model, shape, *dtype = OPS[name]
    dtype = dtype[0] if dtype else np.float32
    xa.manual_seed(0)
    model.apply(lambda m: m.reset_parameters() if hasattr(m, "reset_parameters") else None)
    model.eval()
    buffer = io.BytesIO()
    xa.onnx.export(model, _input(shape, dtype, 2, 0), buffer, input_names=["x"],
                   dynamic_axes={"x": {0: "batch"}}, opset_version=18 if "reduc" in name
                   else None)
    x = _input(shape, dtype, 3, 1)
    with xa.no_grad():
        expected = _outputs(model(x))
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    got = session.run(None, {"x": x.numpy()})
    loaded = xa.onnx.load(buffer.getvalue())
    with xa.no_grad():
        back = _outputs(loaded(x))
    assert len(got) == len(back) == len(expected)
    for e, g, b in zip(expected, got, back):
        assert g.shape == e.shape and g.dtype == e.dtype
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(b, e, rtol=1e-5, atol=1e-6)


class Block(nn.Module):
    def forward(self, x):
        return xa.scatter(x, 1, xa.tensor([[0], [1]]), value=0.0)


def test_an_op_without_onnx_form_is_named_with_its_layer():
    model = nn.Sequential(nn.Linear(3, 3), nn.Sequential(nn.ReLU(), Block()))
    with pytest.raises(xa.onnx.UnsupportedOperatorError,
                       match=r"^onnx.export: op Scatter in layer '1.1' \(Block\): no ONNX "
                             "form in xarxa's exporter$"):
        xa.onnx.export(model, xa.randn(2, 3), None)
    with pytest.raises(xa.onnx.UnsupportedOperatorError, match=r"op Atan2 in Fn.forward"):
        xa.onnx.export(Fn(lambda m, x: xa.atan2(x, x + 1)), xa.randn(2, 3), None)


def test_values_computed_from_the_input_outside_the_ops_are_refused():
    """sort finds its order in NumPy: a trace would freeze the example's order (a second
    trace on other values sees it change)."""
    model = nn.Sequential(nn.Linear(4, 4), Fn(lambda m, x: xa.sort(x, dim=1)[0]))
    with pytest.raises(xa.onnx.UnsupportedOperatorError,
                       match=r"op GatherElements in layer '1' reads values computed from the "
                             "input outside the ops"):
        xa.onnx.export(model, xa.randn(2, 4), None)

    def branches(m, x):
        return x * 2 if float(x.sum().item()) > 0 else x - 1
    with pytest.raises(xa.onnx.OnnxExporterError, match="another path for other input"):
        xa.onnx.export(Fn(branches), xa.zeros(2, 3), None)   # other values: sum > 0


def test_a_custom_function_and_a_write_outside_the_graph_are_refused():
    class Twice(xa.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    with pytest.raises(xa.onnx.UnsupportedOperatorError, match="op Twice .*custom Function"):
        xa.onnx.export(Fn(lambda m, x: Twice.apply(x) + 1), xa.randn(2, 3), None)

    def writes(m, x):
        y = x.detach() * 1
        y += 1     # y needs no gradient: a plain write the trace cannot see
        return x + y
    with pytest.raises(xa.onnx.OnnxExporterError, match="written in place"):
        xa.onnx.export(Fn(writes), xa.randn(2, 3), None)


def test_load_names_the_node_it_cannot_compute():
    from onnx import TensorProto, helper
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["r"], name="first"),
         helper.make_node("Hardmax", ["r"], ["y"], name="odd_one")], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(xa.onnx.UnsupportedOperatorError,
                       match="node 'odd_one' is a Hardmax, which xarxa cannot compute"):
        xa.onnx.load(model)
    bad = helper.make_graph([helper.make_node("Pad", ["x", "p"], ["y"], mode="reflect",
                                              name="mirror")], "g",
                            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                            [helper.make_tensor("p", TensorProto.INT64, [4], [0, 1, 0, 1])])
    loaded = xa.onnx.load(helper.make_model(bad, opset_imports=[helper.make_opsetid("", 17)]))
    with pytest.raises(xa.onnx.UnsupportedOperatorError, match="node 'mirror' .*'reflect'"):
        loaded(xa.randn(2, 3))
