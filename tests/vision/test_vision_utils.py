"""xarxa.vision.utils: make_grid's layout written out by hand for a tiny batch, and
save_image's PNG decoded by matplotlib."""
import io
import subprocess
import sys

import matplotlib.image as mpimg
import numpy as np
import pytest

import xarxa as xa
from xarxa.vision.utils import make_grid, png_bytes, save_image

# three one-channel 2×2 images holding 0..11
BATCH = np.arange(12, dtype=np.float32).reshape(3, 1, 2, 2)
P = -1.0
# nrow=2, padding=1, pad_value=-1: 2 columns, 2 rows, the fourth slot left as padding
EXPECTED = np.array([
    [P, P, P, P, P, P, P],
    [P, 0, 1, P, 4, 5, P],
    [P, 2, 3, P, 6, 7, P],
    [P, P, P, P, P, P, P],
    [P, 8, 9, P, P, P, P],
    [P, 10, 11, P, P, P, P],
    [P, P, P, P, P, P, P]], np.float32)


def test_make_grid_layout_by_hand():
    grid = make_grid(xa.tensor(BATCH), nrow=2, padding=1, pad_value=P)
    assert grid.shape == (3, 7, 7) and grid.dtype == xa.float32
    for channel in grid.numpy():              # one channel repeated to three, as torchvision
        np.testing.assert_array_equal(channel, EXPECTED)
    as_list = make_grid([xa.tensor(b) for b in BATCH], nrow=2, padding=1, pad_value=P)
    np.testing.assert_array_equal(as_list.numpy(), grid.numpy())
    # default nrow=8: one row of three, padding 2 -> (2 + 2)·1 + 2 by (2 + 2)·3 + 2
    assert make_grid(xa.tensor(BATCH)).shape == (3, 6, 14)


def test_make_grid_single_images_and_normalize():
    one = make_grid(xa.tensor(BATCH[:1]))    # a batch of one: no padding
    assert one.shape == (3, 2, 2) and one.numpy()[2].tolist() == [[0, 1], [2, 3]]
    assert make_grid(xa.tensor(BATCH[0, 0])).shape == (3, 2, 2)           # (H, W)
    rgb = np.arange(12, dtype=np.float32).reshape(3, 2, 2)
    np.testing.assert_array_equal(make_grid(xa.tensor(rgb)).numpy(), rgb)  # (C, H, W)
    x = xa.tensor(BATCH)
    whole = make_grid(x, nrow=3, padding=0, normalize=True).numpy()[0]
    np.testing.assert_allclose(whole, np.hstack(list(BATCH[:, 0])) / 11, rtol=1e-6)
    ranged = make_grid(x, nrow=3, padding=0, normalize=True, value_range=(2, 10)).numpy()[0]
    np.testing.assert_allclose(ranged, (np.clip(np.hstack(list(BATCH[:, 0])), 2, 10) - 2) / 8,
                               rtol=1e-6)
    each = make_grid(x, nrow=3, padding=0, normalize=True, scale_each=True).numpy()[0]
    np.testing.assert_allclose(each, np.tile([[0, 1 / 3], [2 / 3, 1]], 3), rtol=1e-6)
    np.testing.assert_array_equal(x.numpy(), BATCH)                        # input untouched
    with pytest.raises(TypeError, match="make_grid: value_range has to be a tuple"):
        make_grid(x, normalize=True, value_range=[0, 1])
    with pytest.raises(ValueError, match=r"make_grid: expected images \(N, C, H, W\)"):
        make_grid(xa.zeros(1, 1, 1, 2, 2))


def test_save_image_writes_a_png_that_decodes_to_the_expected_pixels(tmp_path):
    values = np.array([0.0, 0.2, 0.5, 1.0, 1.7, -0.3, 0.999, 0.0021, 0.6, 0.25, 0.75, 0.1],
                      np.float32).reshape(3, 1, 2, 2)
    path = tmp_path / "grid.png"
    save_image(xa.tensor(values), path, nrow=2, padding=1, pad_value=0.5)
    decoded = mpimg.imread(path)
    assert decoded.shape == (7, 7, 3)
    # torchvision's conversion: byte = clamp(⌊255·v + 0.5⌋, 0, 255); padding 0.5 -> 128
    p = 128
    expected = np.array([
        [p, p, p, p, p, p, p],
        [p, 0, 51, p, 255, 0, p],
        [p, 128, 255, p, 255, 1, p],
        [p, p, p, p, p, p, p],
        [p, 153, 64, p, p, p, p],
        [p, 191, 26, p, p, p, p],
        [p, p, p, p, p, p, p]])
    for c in range(3):
        np.testing.assert_array_equal(np.rint(decoded[:, :, c] * 255), expected)
    buffer = io.BytesIO()
    save_image(xa.tensor(values), buffer, format="png", nrow=2, padding=1, pad_value=0.5)
    assert buffer.getvalue() == path.read_bytes()
    with pytest.raises(ValueError, match="save_image: only PNG files are written here"):
        save_image(xa.tensor(values), tmp_path / "grid.jpg")
    with pytest.raises(ValueError, match="save_image: only the PNG format"):
        save_image(xa.tensor(values), buffer, format="jpeg")


@pytest.mark.parametrize("channels", [None, 2, 4])
def test_png_bytes_grey_and_alpha(tmp_path, channels):
    rng = np.random.default_rng(5)
    shape = (3, 5) if channels is None else (3, 5, channels)
    pixels = rng.integers(0, 256, shape, dtype=np.uint8)
    path = tmp_path / "p.png"
    path.write_bytes(png_bytes(pixels))
    decoded = np.rint(mpimg.imread(path) * 255).astype(np.uint8)
    if channels == 2:          # matplotlib expands grey + alpha to RGBA
        decoded = decoded[:, :, [0, 3]]
    np.testing.assert_array_equal(decoded, pixels)
    with pytest.raises(ValueError, match="png_bytes: expected uint8 pixels"):
        png_bytes(pixels.astype(np.float32))


def test_vision_imports_numpy_only():
    """`from xarxa.vision import ...` (the torchvision line of a script) pulls in neither
    matplotlib nor torch: the PNG writer is zlib + struct."""
    code = ("import sys; from xarxa.vision import datasets, models, transforms, utils; "
            "print(sorted(m for m in ('torch', 'matplotlib', 'PIL') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
