"""fashion_canvas: Fashion-MNIST items on a larger canvas with per-pixel masks, the masks
recomputed here pixel by pixel from the items the layout says were placed."""
import numpy as np
import pytest

import xarxa as xa
from xarxa.data import DataLoader
from xarxa.data.datasets.canvas import FOREGROUND


@pytest.fixture(scope="module")
def fashion_test_items():
    x, y = xa.datasets.fashion_mnist(train=False).tensors
    return x.numpy()[:, 0], y.numpy()


def reference(placements, items, size):
    """The documented rule, one pixel at a time: the last item whose pixel there is
    brighter than FOREGROUND gives the value and the label (class + 1); a pixel no item
    covers brightly keeps the brightest faint value (or 0) and label 0."""
    image, mask = np.zeros((size, size), np.float32), np.zeros((size, size), np.int64)
    for r in range(size):
        for c in range(size):
            covering = [(items[s][r - t, c - left], label) for s, label, t, left in placements
                        if t <= r < t + 28 and left <= c < left + 28]
            bright = [(v, label) for v, label in covering if v > FOREGROUND]
            if bright:
                image[r, c], mask[r, c] = bright[-1][0], bright[-1][1] + 1
            elif covering:
                image[r, c] = max(v for v, _ in covering)
    return image, mask


def test_masks_agree_with_the_items_placed(fashion_test_items):
    items, labels = fashion_test_items
    ds = xa.datasets.fashion_canvas(train=False, size=40, items=(2, 3), seed=5, n=12)
    assert ds.classes == ["background", "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    images, masks = ds.__getbatch__(range(12))
    images, masks = images.numpy(), masks.numpy()
    assert images.shape == (12, 1, 40, 40) and images.dtype == np.float32
    assert masks.shape == (12, 40, 40) and masks.dtype == np.int64
    overlapped = 0
    for i in range(12):
        placed = ds.placements(i)
        assert 2 <= len(placed) <= 3
        for s, label, top, left in placed:   # real test items, with their own labels
            assert label == labels[s] and 0 <= top <= 12 and 0 <= left <= 12
        image, mask = reference(placed, items, 40)
        np.testing.assert_array_equal(images[i, 0], image)
        np.testing.assert_array_equal(masks[i], mask)
        # every placed item shows: its class is in the mask unless a later item covers it
        shown = {label + 1 for _, label, _, _ in placed[-1:]}
        assert shown <= set(np.unique(mask))
        cover = np.zeros((40, 40), int)
        for s, _, top, left in placed:
            cover[top:top + 28, left:left + 28] += items[s] > FOREGROUND
        overlapped += bool((cover > 1).any())
    assert overlapped > 0   # a small canvas: some items overlap, and the rule is exercised
    # a pixel is labelled an item exactly where the image is brighter than FOREGROUND
    np.testing.assert_array_equal(masks > 0, images[:, 0] > FOREGROUND)
    x, m = ds[3]
    np.testing.assert_array_equal(x.numpy(), images[3])
    np.testing.assert_array_equal(m.numpy(), masks[3])


def test_layout_is_a_function_of_the_seed():
    a = xa.datasets.fashion_canvas(train=False, n=1500, seed=1)
    b = xa.datasets.fashion_canvas(train=False, n=30, seed=1)
    c = xa.datasets.fashion_canvas(train=False, n=30, seed=2)
    for i in (0, 7, 29):   # canvas i does not depend on how many canvases are made
        assert a.placements(i) == b.placements(i)
    assert a.placements(1200) == xa.datasets.fashion_canvas(train=False, n=1201,
                                                            seed=1).placements(1200)
    assert [b.placements(i) for i in range(30)] != [c.placements(i) for i in range(30)]
    items = a.item_images > FOREGROUND   # items avoid each other where there is room
    overlaps = 0
    for i in range(300):
        cover = np.zeros((64, 64), int)
        for s, _, top, left in a.placements(i):
            cover[top:top + 28, left:left + 28] += items[s]
        overlaps += bool((cover > 1).any())
    assert overlaps < 0.3 * 300
    counts = np.bincount(a.counts, minlength=4)
    assert counts[0] == 0 and min(counts[1:]) > 400   # 1, 2 or 3 items, uniformly
    assert a.tops.max() <= 64 - 28 and a.lefts.max() <= 64 - 28
    train = xa.datasets.fashion_canvas(train=True, n=30, seed=1)
    assert len(train.item_images) == 60000 and len(a.item_images) == 10000
    single = xa.datasets.fashion_canvas(train=False, n=5, items=1, size=28)
    assert all(single.placements(i)[0][2:] == (0, 0) for i in range(5))


def test_loads_in_batches():
    ds = xa.datasets.fashion_canvas(train=False, n=10, size=32)
    batches = list(DataLoader(ds, batch_size=4))
    assert [tuple(x.shape) for x, _ in batches] == [(4, 1, 32, 32)] * 2 + [(2, 1, 32, 32)]
    assert [tuple(m.shape) for _, m in batches][0] == (4, 32, 32)
    assert "10 canvases 32×32" in repr(ds)


def test_bad_arguments_are_named():
    cases = [(dict(size=20), r"fashion_canvas: size must be an integer ≥ 28.*20"),
             (dict(items=(3, 1)), r"fashion_canvas: items must be.*\(3, 1\)"),
             (dict(items=0), r"fashion_canvas: items must be.*0"),
             (dict(seed=-1), r"fashion_canvas: seed must be a non-negative integer, got -1"),
             (dict(n=0), r"fashion_canvas: n must be a positive integer.*0")]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            xa.datasets.fashion_canvas(**kwargs)
    with pytest.raises(TypeError, match=r"fashion_canvas: train must be a bool"):
        xa.datasets.fashion_canvas(train="yes")
    with pytest.raises(IndexError, match=r"FashionCanvas: index out of range for 3"):
        xa.datasets.fashion_canvas(train=False, n=3)[3]
