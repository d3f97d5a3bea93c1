"""Hostile weight files must fail (or load) in bounded time and memory, with one
ValueError naming the file. Each file is built here, by hand. The load runs in a
child process, so that a reader that hangs or balloons is caught by a timeout and
by the child's own peak memory (VmHWM from /proc/self/status, read in the child:
ru_maxrss would survive exec and measure the parent)."""
import json
import os
import pickle
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

import xarxa as xa

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(),
                                reason="peak memory is read from /proc/self/status")

MIB = 1024 * 1024
SECONDS = 5  # each load takes milliseconds once fixed; before, minutes to forever

# The child: import xarxa, note the peak so far, load, report the time, the error
# and how much the peak grew during the load.
CHILD = r"""
import json, sys, time
def peak():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) * 1024
import xarxa as xa
before = peak()
start = time.perf_counter()
try:
    out, error = xa.load(sys.argv[1]), None
except BaseException as e:
    out, error = None, [type(e).__name__, isinstance(e, ValueError), str(e)]
print(json.dumps({"seconds": time.perf_counter() - start, "error": error,
                  "grew": peak() - before, "loaded": type(out).__name__}))
"""


def load_in_child(path, timeout=30):
    """{'seconds', 'error': [type, is a ValueError, message] or None, 'grew', 'loaded'}."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(root), *filter(None, [os.environ.get("PYTHONPATH")])])}
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, str(path)], env=env,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"xa.load({path}) ran for more than {timeout} s")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def refused_quickly(path, match, grew=32 * MIB):
    """One ValueError naming the file and saying `match`, in bounded time and memory."""
    r = load_in_child(path)
    assert r["error"] is not None, f"{path} loaded: {r}"
    kind, is_value_error, message = r["error"]
    assert is_value_error, f"{kind}: {message}"
    assert str(path) in message and match in message, message
    assert r["seconds"] < SECONDS, r
    assert r["grew"] < grew, f"peak memory grew by {r['grew'] / MIB:.0f} MiB: {r}"
    return r


# -- .pth ------------------------------------------------------------------------------
def _x(s: str) -> bytes:
    """pickle's BINUNICODE of s."""
    return b"X" + struct.pack("<I", len(s.encode())) + s.encode()


def _state_dict_pickle(keys, numel):
    """data.pkl of {key: a 1-element view of a uint8 storage `key` of `numel` bytes},
    written opcode by opcode as torch.save writes it (protocol 2)."""
    out = [b"\x80\x02}("]  # PROTO 2, EMPTY_DICT, MARK
    for key in keys:
        out += [_x(f"t{key}"), b"ctorch._utils\n_rebuild_tensor_v2\n(",
                b"(" + _x("storage") + b"ctorch\nByteStorage\n" + _x(key) + _x("cpu")
                + b"J" + struct.pack("<i", numel) + b"tQ",  # the persistent id, BINPERSID
                b"K\x00K\x01\x85K\x01\x85\x89",  # offset 0, size (1,), stride (1,), False
                b"ccollections\nOrderedDict\n)R", b"tR"]  # hooks; the call
    return b"".join(out) + b"u."  # SETITEMS, STOP


def _records(pkl: bytes):
    return [("archive/data.pkl", pkl), ("archive/byteorder", b"little"),
            ("archive/version", b"3\n")]


def _zip(path, records, overlapping=(), size=0):
    """A stored zip written byte by byte: `records` (name, bytes) as usual, then one
    local header per name in `overlapping`, stacked, each record declaring `size` bytes
    that run over the headers after it into one shared blob (so all of them read
    nearly the same bytes; CPython 3.11's zipfile does not notice)."""
    body, central = bytearray(), bytearray()

    def entry(name, offset, crc, n):
        central.extend(struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 0, 20, 0, 0, 0, 0,
                                   0x21, crc, n, n, len(name), 0, 0, 0, 0, 0, offset))
        central.extend(name)

    for name, data in records:
        name = name.encode()
        crc, offset = zlib.crc32(data), len(body)
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, crc, len(data),
                            len(data), len(name), 0) + name + data
        entry(name, offset, crc, len(data))
    starts = []
    for name in overlapping:
        name = name.encode()
        starts.append((name, len(body)))
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, 0, size, size,
                            len(name), 0) + name
    body += bytes(size)  # the shared blob: every record ends inside it
    for name, offset in starts:
        begin = offset + 30 + len(name)
        entry(name, offset, zlib.crc32(body[begin:begin + size]), size)
    n = len(records) + len(starts)
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, len(central), len(body), 0)
    Path(path).write_bytes(bytes(body + central + eocd))
    return path


def test_the_hand_written_archive_is_what_torch_saves(tmp_path):
    # the harness: the same writer and pickle, without overlap, load in xarxa and torch
    path = _zip(tmp_path / "good.pth", _records(_state_dict_pickle(["0", "1"], 4))
                + [("archive/data/0", b"\x07\0\0\0"), ("archive/data/1", b"\x09\0\0\0")])
    assert {k: v.tolist() for k, v in xa.load(path).items()} == {"t0": [7], "t1": [9]}
    torch = pytest.importorskip("torch")
    assert torch.load(path, weights_only=True)["t1"].tolist() == [9]


def test_shared_references_do_not_make_the_pth_walk_exponential(tmp_path):
    # 30 nested tuples, each holding its child 10 times (one object, then 9 BINGETs of
    # its memo entry): 1.2 KB that a walk not memoising tuples expands to 10**30 visits
    t = ("leaf",)
    for _ in range(30):
        t = (t,) * 10
    pkl = pickle.dumps(t, protocol=2)
    assert len(pkl) < 2000 and pkl.count(b"h") >= 9 * 30  # BINGET: shared, not copied
    path = _zip(tmp_path / "shared.pth", _records(pkl))
    r = load_in_child(path)
    assert r["error"] is None and r["loaded"] == "tuple", r
    assert r["seconds"] < SECONDS and r["grew"] < 32 * MIB, r
    out = xa.load(path)  # sharing is kept: the result is as small as the pickle
    assert out[0] is out[9] and out[0][0] is out[9][3]


def _shared_tuple_ops() -> bytes:
    """The opcodes (no PROTO, no STOP) of 30 nested tuples each holding its child 10
    times: 1.2 KB whose hash visits 10**30 tuples (Python does not cache tuple hashes)."""
    t = ("leaf",)
    for _ in range(30):
        t = (t,) * 10
    return pickle.dumps(t, protocol=2)[2:-1]


_T = "ctorch._utils\n_rebuild_tensor_v2\n"


@pytest.mark.parametrize("name,pkl", [
    # written by hand: pickle.dumps({t: 1}) would itself hash t forever
    ("key", b"\x80\x02}" + _shared_tuple_ops() + b"K\x01s."),  # SETITEM
    ("keys", b"\x80\x02}(" + _shared_tuple_ops() + b"K\x01u."),  # SETITEMS
    ("dict", b"(" + _shared_tuple_ops() + b"K\x01d."),  # DICT (protocol 0/1)
    ("set", b"\x80\x04\x8f(" + _shared_tuple_ops() + b"\x90."),  # EMPTY_SET, ADDITEMS
    ("frozenset", b"\x80\x04(" + _shared_tuple_ops() + b"\x91."),  # FROZENSET
    ("pairs", b"\x80\x02ccollections\nOrderedDict\n]" + _shared_tuple_ops()  # OrderedDict
     + b"K\x01\x86a\x85R."),  # ([(t, 1)]): the scan cannot see a list's items
    ("geometry", b"\x80\x02" + _T.encode() + b"((" + _x("storage")  # a tensor whose
     + b"ctorch\nByteStorage\n" + _x("0") + _x("cpu") + b"K\x01tQK\x00]"  # size [t] an
     + _shared_tuple_ops() + b"a]NNtR."),  # error message would repr in full
])
def test_hash_bombs_are_refused_before_unpickling(tmp_path, name, pkl):
    path = _zip(tmp_path / f"{name}.pth", _records(pkl) + [("archive/data/0", b"\0")])
    match = {"pairs": "OrderedDict is called with arguments",
             "geometry": "bad tensor geometry"}.get(name, "hash bomb")
    r = refused_quickly(path, match)
    assert r["seconds"] < 2, r


def test_small_shared_keys_still_load(tmp_path):
    # the cap counts hashed objects: a key of 3 levels (1,111 tuples) is fine
    t = ("leaf",)
    for _ in range(3):
        t = (t,) * 10
    path = _zip(tmp_path / "keys.pth", _records(pickle.dumps({t: 1, frozenset([t]): 2})))
    assert xa.load(path) == {t: 1, frozenset([t]): 2}


def test_a_tuple_that_contains_itself_is_refused_not_walked_forever(tmp_path):
    loop = []
    t = (loop, "x")
    loop.append(t)
    path = _zip(tmp_path / "loop.pth", _records(pickle.dumps(t, protocol=2)))
    refused_quickly(path, "contains itself")


def test_overlapping_pth_records_are_refused_before_reading(tmp_path):
    # 1,000 storages of 256 KiB in a 0.5 MB file: before, 250 MiB were read, then refused
    keys = [str(i) for i in range(1000)]
    path = _zip(tmp_path / "overlap.pth", _records(_state_dict_pickle(keys, 256 * 1024)),
                [f"archive/data/{k}" for k in keys], 256 * 1024)
    assert path.stat().st_size < 600_000
    with zipfile.ZipFile(path) as z:  # zipfile reads the records without complaint
        assert z.read("archive/data/0")[:4] == b"PK\x03\x04"
    refused_quickly(path, "overlap", grew=8 * MIB)


# -- .safetensors ------------------------------------------------------------------------
def _safetensors(path, header: bytes, buffer=b""):
    Path(path).write_bytes(struct.pack("<Q", len(header)) + header + buffer)
    return path


def _entry(shape, end=0, dtype="F32"):
    return json.dumps({"a": {"dtype": dtype, "shape": shape,
                             "data_offsets": [0, end]}}).encode()


HOSTILE_HEADERS = {  # name: (header, buffer, what the error says)
    "huge": (_entry([2 ** 70]), b"", "too large"),  # before: OverflowError
    "wraps": (_entry([2 ** 32, 2 ** 32]), b"", "too large"),  # 2**64 * 4 bytes wrap to 0
    "wraps_u8": (_entry([2 ** 61, 2 ** 3], dtype="U8"), b"", "too large"),
    "empty": (_entry([2 ** 62, 0], dtype="F64"), b"", "too large"),  # NumPy refuses it
    "dims": (_entry([1] * 65, 4), b"\0" * 4, "65 dimensions"),  # NumPy holds at most 64
    "deep": (b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}", b"",  # RecursionError
             "nested too deeply"),
}


@pytest.mark.parametrize("name", HOSTILE_HEADERS)
def test_hostile_safetensors_headers(tmp_path, name):
    header, buffer, match = HOSTILE_HEADERS[name]
    refused_quickly(_safetensors(tmp_path / f"{name}.safetensors", header, buffer), match)


def test_large_but_empty_safetensors_shapes_still_load(tmp_path):
    path = _safetensors(tmp_path / "ok.safetensors", _entry([2 ** 40, 0], dtype="U8"))
    assert xa.load(path)["a"].shape == (2 ** 40, 0)


def test_raw_storages_count_in_the_memory_budget_before_they_are_read(tmp_path, monkeypatch):
    # Disjoint records hold at most the file's size, so only a smaller budget can show
    # that storages are counted: with 0.5 times the file's size, a storage of 64 KiB
    # in a file of 65 KB is refused before its bytes are read.
    from xarxa.io import pth
    path = _zip(tmp_path / "big.pth", _records(_state_dict_pickle(["0"], 65536))
                + [("archive/data/0", bytes(65536))])
    assert len(xa.load(path)["t0"]) == 1
    reads = []
    monkeypatch.setattr(pth, "_MAX_GROWTH", 0.5)
    monkeypatch.setattr(pth, "_read", lambda a, name, size: reads.append(name) or
                        a.read(name))
    with pytest.raises(ValueError, match=f"{path}.*storages and tensors would take more "
                                         "than 0.5 times the file's size"):
        xa.load(path)
    assert "archive/data/0" not in reads
