""".safetensors: the layout checked byte by byte against the format's specification,
round trips, malformed files refused, and (when the `safetensors` package is installed,
as the test extra does) files exchanged with the reference implementation both ways."""
import json
import struct

import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa.io.safetensors import load_file, read_metadata, save_file
from state_dict_models import cnn, inputs, mlp

# the format's dtype names (the specification's table), for arrays of NumPy dtypes
SPEC = {"float64": "F64", "float32": "F32", "float16": "F16", "int64": "I64", "int32": "I32",
        "int16": "I16", "int8": "I8", "uint8": "U8", "uint16": "U16", "uint32": "U32",
        "uint64": "U64", "bool": "BOOL", "complex64": "C64"}


def _arrays():
    rng = np.random.default_rng(0)
    out = {f"a_{d}": (rng.standard_normal((2, 3)) * 50).astype(d) for d in SPEC}
    out["a_bool"] = rng.standard_normal(5) > 0
    out["scalar"] = np.array(2.5, np.float32)
    out["empty"] = np.zeros((0, 4), np.float64)
    out["view"] = np.arange(12, dtype=np.int32).reshape(3, 4).T  # non-contiguous
    return out


def _parse(raw: bytes):
    """The specification, read independently of xarxa: (header, buffer)."""
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    return header, raw[8 + n:], n


def test_the_file_follows_the_specification_byte_by_byte(tmp_path):
    arrays = _arrays()
    save_file(arrays, tmp_path / "a.safetensors", metadata={"format": "np", "epoch": "3"})
    raw = (tmp_path / "a.safetensors").read_bytes()
    header, buffer, n = _parse(raw)
    assert raw[8:9] == b"{" and n % 8 == 0  # the reference writer pads to 8 bytes
    assert header.pop("__metadata__") == {"format": "np", "epoch": "3"}
    assert list(header) == list(arrays)  # the dict's order is kept in the header
    spans = sorted(tuple(e["data_offsets"]) for e in header.values())
    assert spans[0][0] == 0 and spans[-1][1] == len(buffer)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))  # no gap, no overlap
    for name, a in arrays.items():
        e = header[name]
        assert e["dtype"] == SPEC[a.dtype.name] and e["shape"] == list(a.shape)
        begin, end = e["data_offsets"]
        assert begin % a.dtype.itemsize == 0  # aligned for its dtype
        expected = np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()
        assert buffer[begin:end] == expected


def test_round_trip_keeps_values_dtypes_shapes_and_order(tmp_path):
    arrays = _arrays()
    xa.save({k: xa.Tensor(v) for k, v in arrays.items()}, tmp_path / "a.safetensors")
    back = xa.load(tmp_path / "a.safetensors")
    assert list(back) == list(arrays)
    for k, v in arrays.items():
        assert isinstance(back[k], xa.Tensor) and back[k].numpy().dtype == v.dtype
        np.testing.assert_array_equal(back[k].numpy(), v)
    assert read_metadata(tmp_path / "a.safetensors") == {}
    big_endian = {"w": np.arange(4, dtype=">f8")}
    save_file(big_endian, tmp_path / "b.safetensors")
    np.testing.assert_array_equal(load_file(tmp_path / "b.safetensors")["w"].numpy(),
                                  [0, 1, 2, 3])


def test_bad_input_is_refused_before_touching_the_disk(tmp_path):
    path = tmp_path / "m.safetensors"
    with pytest.raises(TypeError, match=r"save: a .safetensors file holds tensors only, got "
                                        r"a dict at 'model' .*\.npz"):
        xa.save({"model": {"w": xa.ones(2)}, "epoch": 3}, path)
    with pytest.raises(TypeError, match=r"save: dtype <U1 of 'n' has no \.safetensors name"):
        xa.save({"n": np.array(["a"])}, path)
    with pytest.raises(TypeError, match=r"metadata must be a dict of str -> str, got "
                                        r"\{'epoch': 3\}"):
        save_file({"w": np.ones(2)}, path, metadata={"epoch": 3})
    with pytest.raises(TypeError, match=r"holds a dict of name -> tensor, got list"):
        xa.save([xa.ones(2)], path)
    with pytest.raises(ValueError, match=r"'__metadata__' is reserved"):
        xa.save({"__metadata__": xa.ones(2)}, path)
    assert list(tmp_path.iterdir()) == []


def _file(tmp_path, header, buffer=b"", pad=True):
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    if pad:
        raw += b" " * (-len(raw) % 8)
    path = tmp_path / "bad.safetensors"
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + buffer)
    return path


F32 = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}


@pytest.mark.parametrize("header, buffer, match", [
    (b"abc", None, r"3 bytes, shorter than the 8-byte header length"),
    (struct.pack("<Q", 10**6) + b"{}", None, r"header length 1000000 does not fit a file of 10"),
    (b"[]", b"", r"the header does not start with '\{'"),
    (b"{\"a\": ", b"", r"the header is not valid JSON"),
    (b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],'
     b'"data_offsets":[4,8]}}', b"\0" * 8, r"duplicate key 'a'"),
    ({"a": {**F32, "dtype": "F8_E4M3"}}, b"\0" * 8, r"dtype 'F8_E4M3', which xarxa cannot hold"),
    ({"a": {**F32, "shape": [-2]}}, b"\0" * 8, r"shape \[-2\], not a list of non-negative"),
    ({"a": {**F32, "shape": [2.0]}}, b"\0" * 8, r"shape \[2.0\]"),
    ({"a": {**F32, "data_offsets": [8, 0]}}, b"\0" * 8, r"data_offsets \[8, 0\]"),
    ({"a": {**F32, "data_offsets": [0, 12]}}, b"\0" * 12, r"needs 8 bytes, its data_offsets "
                                                          r"\[0, 12\] span 12"),
    ({"a": {**F32, "data_offsets": [4, 12]}}, b"\0" * 12, r"'a' starts at byte 4 .*expected 0"),
    ({"a": F32, "b": F32}, b"\0" * 8, r"'b' starts at byte 0 of the buffer, expected 8"),
    ({"a": F32}, b"\0" * 9, r"the tensors cover 8 bytes, the buffer holds 9"),
    ({"a": F32}, b"\0" * 7, r"the tensors cover 8 bytes, the buffer holds 7"),
    ({"a": {"dtype": "F32", "shape": [2]}}, b"\0" * 8, r"exactly the keys dtype, shape"),
    ({"a": {**F32, "extra": 1}}, b"\0" * 8, r"exactly the keys dtype, shape"),
    ({"__metadata__": {"epoch": 3}, "a": F32}, b"\0" * 8, r"__metadata__ must map strings"),
    (b"\xff{}", b"", r"does not start with|not valid JSON"),
])
def test_malformed_files_are_refused_naming_the_problem(tmp_path, header, buffer, match):
    if buffer is None:
        path = tmp_path / "bad.safetensors"
        path.write_bytes(header)  # raw bytes, no framing
    else:
        path = _file(tmp_path, header, buffer)
    with pytest.raises(ValueError, match=r"load: .*bad\.safetensors is not a valid "
                                         r"\.safetensors file: .*" + match):
        xa.load(path)


def test_bfloat16_reads_as_the_same_float32_values(tmp_path):
    values = torch.tensor([1.5, -2.25, 3e38, 1e-40, float("inf")], dtype=torch.bfloat16)
    bits = values.view(torch.int16).numpy().astype("<i2").tobytes()
    path = _file(tmp_path, {"b": {"dtype": "BF16", "shape": [5], "data_offsets": [0, 10]}},
                 bits)
    got = xa.load(path)["b"].numpy()
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, values.float().numpy())


# -- with the reference implementation --------------------------------------------------
def test_files_move_both_ways_with_the_reference_implementation(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    arrays = _arrays()
    st.save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()},
                 str(tmp_path / "ref.safetensors"), metadata={"who": "reference"})
    back = xa.load(tmp_path / "ref.safetensors")
    assert read_metadata(tmp_path / "ref.safetensors") == {"who": "reference"}
    for k, v in arrays.items():
        assert back[k].numpy().dtype == v.dtype
        np.testing.assert_array_equal(back[k].numpy(), v)
    save_file(arrays, tmp_path / "mine.safetensors", metadata={"who": "xarxa"})
    theirs = st.load_file(str(tmp_path / "mine.safetensors"))
    assert sorted(theirs) == sorted(arrays)
    for k, v in arrays.items():
        assert theirs[k].dtype == v.dtype
        np.testing.assert_array_equal(theirs[k], v)
    from safetensors import safe_open
    with safe_open(str(tmp_path / "mine.safetensors"), "np") as f:
        assert f.metadata() == {"who": "xarxa"}


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_models_move_between_torch_and_xarxa_through_safetensors(tmp_path, name):
    sst = pytest.importorskip("safetensors.torch")
    x = inputs(name)
    # xarxa -> torch
    xa.manual_seed(2)
    mine = {"mlp": mlp, "cnn": cnn}[name](xa)
    mine(xa.tensor(x * 3 - 1))  # training mode: the running statistics move
    mine.eval()
    xa.save(mine.state_dict(), tmp_path / "x.safetensors")
    model = {"mlp": mlp, "cnn": cnn}[name](torch).eval()
    model.load_state_dict(sst.load_file(str(tmp_path / "x.safetensors")))
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ref, mine(xa.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)
    # torch -> xarxa
    torch.manual_seed(3)
    model = {"mlp": mlp, "cnn": cnn}[name](torch).eval()
    sst.save_file(model.state_dict(), str(tmp_path / "t.safetensors"))
    mine = {"mlp": mlp, "cnn": cnn}[name](xa).eval()
    mine.load_state_dict(xa.load(tmp_path / "t.safetensors"))
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(mine(xa.tensor(x)).numpy(), ref, rtol=1e-5, atol=1e-6)
