"""`xa.onnx.export` and `xa.onnx.load` as functions (issue 22): torch.onnx.export's arguments
(names, dynamic axes, opsets, export_params, a path or a file), the model's mode kept, the
initializers' kinds, node names that match xa.inspect.summary's layers; `load` from every
source, files that did not come from xarxa (kinds by use), and wrong calls refused."""
import io

import numpy as np
import pytest

import xarxa as xa
from xarxa import nn

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.bn = nn.BatchNorm2d(2)
        self.fc = nn.Linear(2 * 4 * 4, 3)
        self.seen = []

    def forward(self, image):
        self.seen.append(xa.onnx.is_in_onnx_export())
        return self.fc(self.bn(self.conv(image)).flatten(1))


def test_export_writes_a_file_and_returns_the_checked_model(tmp_path):
    net = Net()
    path = tmp_path / "net.onnx"
    proto = xa.onnx.export(net, xa.randn(2, 1, 4, 4), path)
    assert isinstance(proto, onnx.ModelProto)
    assert onnx.load(str(path)) == proto
    onnx.checker.check_model(str(path), full_check=True)
    assert [i.name for i in proto.graph.input] == ["image"]   # forward's parameter name
    assert [o.name for o in proto.graph.output] == ["output"]
    assert proto.producer_name == "xarxa" and proto.doc_string.endswith("Net")
    assert [n.name for n in proto.graph.node] == ["conv", "bn", "Flatten", "fc"]
    kinds = {t.name: t.doc_string for t in proto.graph.initializer}
    assert kinds == {"conv.weight": "parameter", "conv.bias": "parameter",
                     "bn.weight": "parameter", "bn.bias": "parameter",
                     "bn.running_mean": "buffer", "bn.running_var": "buffer",
                     "fc.weight": "parameter", "fc.bias": "parameter"}
    assert [d.dim_value for d in proto.graph.output[0].type.tensor_type.shape.dim] == [2, 3]
    assert len(proto.graph.value_info) >= 3   # every edge has its shape, for viewers


def test_mode_names_axes_and_opset_as_pytorch():
    net = Net().train()
    net.fc.eval()
    buffer = io.BytesIO()
    proto = xa.onnx.export(net, (xa.randn(2, 1, 4, 4),), buffer, input_names=["x"],
                           output_names=["logits"], dynamic_axes={"x": [0], "logits": [0]},
                           opset_version=18, dynamo=True, do_constant_folding=True)
    assert net.training and net.conv.training and not net.fc.training   # as they were
    assert net.seen == [True, True] and not xa.onnx.is_in_onnx_export()  # traced twice
    assert buffer.getvalue() == proto.SerializeToString()
    assert proto.opset_import[0].version == 18
    x_dims = proto.graph.input[0].type.tensor_type.shape.dim
    y_dims = proto.graph.output[0].type.tensor_type.shape.dim
    assert x_dims[0].dim_param == "x_dynamic_axes_1" and x_dims[1].dim_value == 1
    assert y_dims[0].dim_param == "logits_dynamic_axes_1" and y_dims[1].dim_value == 3


def test_export_params_false_and_initializers_as_inputs():
    net = Net()
    proto = xa.onnx.export(net, xa.randn(2, 1, 4, 4), None, export_params=False)
    assert not proto.graph.initializer
    assert [i.name for i in proto.graph.input][:2] == ["image", "conv.weight"]
    proto = xa.onnx.export(net, xa.randn(2, 1, 4, 4), None, keep_initializers_as_inputs=True)
    assert len(proto.graph.input) == 1 + len(proto.graph.initializer)


def test_verbose_prints_the_graph(capsys):
    xa.onnx.export(nn.Linear(3, 2), xa.randn(2, 3), None, verbose=True)
    assert "Gemm" in capsys.readouterr().out


def test_node_names_are_the_layers_summary_shows():
    model = xa.models.LeNet5()
    proto = xa.onnx.export(model, xa.randn(2, 1, 32, 32), None)
    table = str(xa.inspect.summary(model, (1, 32, 32)))
    names = [n.name for n in proto.graph.node]
    for layer in ("features.0", "features.2", "classifier.1", "classifier.5"):
        assert layer in names and layer in table


@pytest.mark.parametrize("call, error, message", [
    (lambda: xa.onnx.export(Net(), xa.randn(2, 1, 4, 4), None, opset_version=16),
     ValueError, "opset_version must be between 17"),
    (lambda: xa.onnx.export(Net(), xa.randn(2, 1, 4, 4), None, input_names=["a", "b"]),
     ValueError, "1 tensor input"),
    (lambda: xa.onnx.export(Net(), xa.randn(2, 1, 4, 4), None, output_names=["a", "b"]),
     ValueError, "returns 1 output"),
    (lambda: xa.onnx.export(Net(), xa.randn(2, 1, 4, 4), None, export_format="x"),
     TypeError, "export_format"),
    (lambda: xa.onnx.export(lambda x: x, xa.randn(2), None), TypeError, "nn.Module"),
    (lambda: xa.onnx.load(3), TypeError, "expected a path"),
])
def test_wrong_calls_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_load_reads_paths_files_bytes_and_protos(tmp_path):
    net = Net().eval()
    x = xa.randn(2, 1, 4, 4)
    proto = xa.onnx.export(net, x, tmp_path / "n.onnx")
    with xa.no_grad():
        expected = net(x).numpy()
    data = proto.SerializeToString()
    with open(tmp_path / "n.onnx", "rb") as f:
        sources = [str(tmp_path / "n.onnx"), tmp_path / "n.onnx", data, proto, f]
        for source in sources:
            loaded = xa.onnx.load(source)
            np.testing.assert_allclose(loaded(x).detach().numpy(), expected, rtol=1e-5,
                                       atol=1e-6)
    assert "Conv" in repr(loaded) and "BatchNormalization" in repr(loaded)
    assert loaded.input_names == ["image"] and loaded.output_names == ["output"]
    with pytest.raises(ValueError, match=r"takes 1 input\(s\) \['image'\], got 2"):
        loaded(x, x)


def test_a_foreign_file_gets_parameters_buffers_and_constants_by_use():
    """No doc_strings (a file from elsewhere): weights by their place in the graph."""
    rng = np.random.default_rng(0)
    inits = {"w": rng.normal(size=(2, 1, 3, 3)), "scale": np.ones(2), "bias": np.zeros(2),
             "mean": rng.normal(size=2), "var": np.ones(2) * 2, "shape": np.array([0, -1]),
             "offset": rng.normal(size=18), "half": np.array(0.5)}
    tensors = [numpy_helper.from_array(v.astype(np.int64 if k == "shape" else np.float32), k)
               for k, v in inits.items()]
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c", "scale", "bias", "mean", "var"],
                              ["b"]),
             helper.make_node("Reshape", ["b", "shape"], ["r"]),
             helper.make_node("Add", ["r", "offset"], ["a"]),
             helper.make_node("Mul", ["a", "half"], ["y"])]
    graph = helper.make_graph(nodes, "foreign",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                             [1, 1, 3, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              tensors)
    loaded = xa.onnx.load(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))
    assert sorted(n for n, _ in loaded.named_parameters()) == ["bias", "offset", "scale", "w"]
    assert sorted(n for n, _ in loaded.named_buffers()) == ["mean", "var"]
    x = rng.normal(size=(1, 1, 3, 3)).astype(np.float32)
    import onnxruntime as ort
    expected = ort.InferenceSession(helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()).run(
        None, {"x": x})[0]
    np.testing.assert_allclose(loaded(xa.tensor(x)).detach().numpy(), expected, rtol=1e-5,
                               atol=1e-6)


def test_inputs_inside_lists_and_keywords_are_graph_inputs():
    """Every tensor the model is given becomes an input (none is frozen as a constant)."""
    class Pair(nn.Module):
        def forward(self, xs, scale=None):
            return xs[0] * scale + xs[1]

    import onnxruntime as ort
    a, b, s = xa.randn(2, 3), xa.randn(2, 3), xa.randn(2, 3)
    proto = xa.onnx.export(Pair(), ([a, b], {"scale": s}), None)
    assert [i.name for i in proto.graph.input] == ["xs_0", "xs_1", "scale"]
    session = ort.InferenceSession(proto.SerializeToString())
    u, v, w = (np.ones((2, 3), np.float32) * k for k in (2, 3, 4))
    np.testing.assert_allclose(session.run(None, {"xs_0": u, "xs_1": v, "scale": w})[0],
                               u * w + v)
    with pytest.raises(ValueError, match=r"dynamic_axes names \['z'\]"):
        xa.onnx.export(Pair(), ([a, b], {"scale": s}), None, dynamic_axes={"z": [0]})


def test_a_module_with_its_own_forward_attribute_keeps_it():
    layer = nn.Linear(3, 3)
    own = layer.forward
    layer.forward = lambda x: own(x) * 2
    custom = layer.forward
    xa.onnx.export(nn.Sequential(layer), xa.randn(2, 3), None)
    assert layer.forward is custom
