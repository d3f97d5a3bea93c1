"""read_idx on crafted files: the header is checked before a gzip stream is inflated, and
no more is inflated than the header declares."""
import gzip
import struct
import tracemalloc

import numpy as np
import pytest

from xarxa.data.datasets import read_idx

MIB = 1 << 20


def header(code=0x08, dims=(3,)) -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


def peak_bytes(fn) -> int:
    """The peak of Python-tracked memory (NumPy's buffers included) while fn() runs."""
    tracemalloc.start()
    try:
        fn()
    except ValueError:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def test_a_bad_header_is_refused_before_inflating(tmp_path):
    # 8 MiB of zeros behind a one-byte "header": it used to be inflated whole first
    path = tmp_path / "bomb.gz"
    path.write_bytes(gzip.compress(b"\x07" + bytes(8 * MIB)))
    assert path.stat().st_size < 20_000
    with pytest.raises(ValueError, match=r"bomb\.gz: bad magic number 07000000"):
        read_idx(path)
    assert peak_bytes(lambda: read_idx(path)) < MIB


def test_inflating_stops_where_the_header_says(tmp_path):
    # a valid header for 3 bytes, then 8 MiB more: refused after reading 4 extra bytes
    path = tmp_path / "trailing.gz"
    path.write_bytes(gzip.compress(header(dims=(3,)) + bytes(8 * MIB)))
    with pytest.raises(ValueError, match=r"trailing\.gz: expected 11 bytes .*file has more "
                                         r"than 11 \(trailing data\)"):
        read_idx(path)
    assert peak_bytes(lambda: read_idx(path)) < MIB


def test_a_header_declaring_more_than_the_gzip_can_hold(tmp_path):
    # 2**32 - 1 images of 255 x 255: refused from the header, nothing allocated
    path = tmp_path / "liar.gz"
    path.write_bytes(gzip.compress(header(dims=(2 ** 32 - 1, 255, 255)) + bytes(100)))
    with pytest.raises(ValueError, match=r"liar\.gz: the header declares shape "
                                         r"\(4294967295, 255, 255\).*more than a \d+-byte "
                                         "gzip file can inflate to"):
        read_idx(path)
    # in proportion, but the stream ends early: truncated, named
    short = tmp_path / "short.gz"
    short.write_bytes(gzip.compress(header(dims=(1000,)) + bytes(10)))
    with pytest.raises(ValueError, match=r"short\.gz: expected 1008 bytes .* file has 18 "
                                         r"\(truncated\)"):
        read_idx(short)


def test_a_plain_file_is_measured_before_it_is_read(tmp_path):
    path = tmp_path / "huge-header.idx"
    path.write_bytes(header(code=0x0E, dims=(2 ** 31, 2 ** 31)) + bytes(16))
    with pytest.raises(ValueError, match=r"huge-header\.idx: expected \d+ bytes for shape "
                                         r"\(2147483648, 2147483648\) of float64, file has "
                                         r"28 \(truncated\)"):
        read_idx(path)


@pytest.mark.parametrize("gz", [False, True])
def test_a_bad_dimension_count_names_the_file(tmp_path, gz):
    data = header(dims=(1,) * 65) + b"\x05"
    path = tmp_path / "dims.idx"
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(ValueError, match=r"dims\.idx: the header declares 65 dimensions, "
                                         "NumPy arrays have at most 64"):
        read_idx(path)
    data = header(dims=(1,) * 64) + b"\x05"  # the most NumPy holds: read
    path.write_bytes(gzip.compress(data) if gz else data)
    assert read_idx(path).shape == (1,) * 64
    truncated = tmp_path / "few.idx"
    truncated.write_bytes(bytes([0, 0, 8, 20]) + bytes(12))
    with pytest.raises(ValueError, match=r"few\.idx: truncated header, 20 dimension sizes need "
                                         "80 bytes, the file ends after 12"):
        read_idx(truncated)


def test_big_endian_values_come_back_native_and_writable(tmp_path):
    values = np.array([[1.5, -2.0], [3.25, 1e30]], np.float32)
    path = tmp_path / "f.gz"
    path.write_bytes(gzip.compress(header(0x0D, (2, 2)) + values.astype(">f4").tobytes()))
    out = read_idx(path)
    np.testing.assert_array_equal(out, values)
    assert out.dtype == np.float32 and out.dtype.isnative and out.flags.writeable
    labels = tmp_path / "l.idx"
    labels.write_bytes(header(0x08, (4,)) + bytes([3, 1, 4, 1]))
    out = read_idx(labels)
    out[0] = 9  # uint8 needs no byte swap: the array read is returned, writable
    np.testing.assert_array_equal(out, [9, 1, 4, 1])
