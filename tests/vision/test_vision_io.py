"""xarxa.vision.io (torchvision.io's image files) and datasets.ImageFolder: uint8 (C, H, W)
tensors, lossless PNG round trips, JPEG within its loss, the read modes, EXIF orientation,
errors, the message without Pillow; ImageFolder's classes, samples and order, as
torchvision's (whose compiled ops do not load here: the references are Pillow's pixels and
torchvision's documented rules)."""
import os
import sys

import numpy as np
import pytest
from PIL import Image

import xarxa as xa
from xarxa.data import DataLoader
from xarxa.vision import datasets, io, transforms


def _image(h, w, c, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (c, h, w), dtype=np.uint8)


@pytest.mark.parametrize("c", [1, 2, 3, 4])
def test_png_round_trip_is_exact_and_pillow_reads_it(tmp_path, c):
    img = _image(5, 7, c)
    path = tmp_path / "a.png"
    io.write_png(xa.tensor(img), path)
    back = io.read_image(path)
    assert back.dtype == np.uint8 and back.shape == (c, 5, 7)
    np.testing.assert_array_equal(back.numpy(), img)
    pil = np.asarray(Image.open(path))
    np.testing.assert_array_equal(pil if pil.ndim == 3 else pil[:, :, None],
                                  img.transpose(1, 2, 0))
    small, big = io.encode_png(xa.tensor(img), 9), io.encode_png(xa.tensor(img), 0)
    assert small.ndim == 1 and small.dtype == np.uint8 and len(small) <= len(big)
    np.testing.assert_array_equal(io.decode_image(small).numpy(), img)


def test_jpeg_round_trip_within_its_loss(tmp_path):
    y, x = np.mgrid[0:32, 0:48]
    img = np.stack([y * 8, x * 5, (x + y) * 3]).astype(np.uint8)   # smooth: JPEG keeps it
    io.write_jpeg(xa.tensor(img), tmp_path / "a.jpg", quality=95)
    back = io.read_image(str(tmp_path / "a.jpg"))
    assert back.shape == (3, 32, 48) and back.dtype == np.uint8
    assert np.abs(back.numpy().astype(int) - img).mean() < 2
    grey = io.decode_jpeg(io.encode_jpeg(xa.tensor(img[:1])))
    assert grey.shape == (1, 32, 48)
    assert len(io.encode_jpeg(xa.tensor(img), quality=10)) < len(io.encode_jpeg(
        xa.tensor(img), quality=95))
    assert [t.shape for t in io.encode_jpeg([xa.tensor(img), xa.tensor(img[:1])])] != []


def test_read_modes(tmp_path):
    rgba = _image(4, 6, 4, seed=1)
    Image.fromarray(rgba.transpose(1, 2, 0), "RGBA").save(tmp_path / "rgba.png")
    rgb = rgba[:3]
    path = tmp_path / "rgba.png"
    np.testing.assert_array_equal(io.read_image(path, io.ImageReadMode.RGB).numpy(), rgb)
    np.testing.assert_array_equal(io.read_image(path, "RGBA").numpy(), rgba)
    grey = io.read_image(path, io.ImageReadMode.GRAY).numpy()
    luma = Image.fromarray(rgb.transpose(1, 2, 0)).convert("L")     # ITU-R 601-2
    np.testing.assert_array_equal(grey[0], np.asarray(luma))
    assert io.read_image(path, "gray_alpha").shape == (2, 4, 6)
    # palette images expand to RGB (RGBA with a transparent entry), 16-bit PNGs to uint16
    pal = Image.fromarray(rgb.transpose(1, 2, 0)).convert("P", palette=Image.ADAPTIVE)
    pal.save(tmp_path / "p.png")
    assert io.read_image(tmp_path / "p.png").shape == (3, 4, 6)
    pal.save(tmp_path / "pt.png", transparency=0)
    assert io.read_image(tmp_path / "pt.png").shape == (4, 4, 6)
    deep = (np.arange(24, dtype=np.uint16) * 2500).reshape(4, 6)
    Image.fromarray(deep).save(tmp_path / "deep.png")
    back = io.read_image(tmp_path / "deep.png")
    assert back.dtype == np.uint16 and (back.numpy()[0] == deep).all()


def test_exif_orientation_and_raw_files(tmp_path):
    img = _image(4, 6, 3, seed=2)
    exif = Image.Exif()
    exif[0x0112] = 6                                           # rotate 90° clockwise
    Image.fromarray(img.transpose(1, 2, 0)).save(tmp_path / "r.jpg", exif=exif, quality=95)
    assert io.read_image(tmp_path / "r.jpg").shape == (3, 4, 6)
    assert io.read_image(tmp_path / "r.jpg", apply_exif_orientation=True).shape == (3, 6, 4)
    data = io.read_file(tmp_path / "r.jpg")
    assert data.dtype == np.uint8 and data.ndim == 1
    io.write_file(tmp_path / "copy.jpg", data)
    assert (tmp_path / "copy.jpg").read_bytes() == (tmp_path / "r.jpg").read_bytes()


def test_errors_name_the_function_and_what_is_wrong(tmp_path):
    with pytest.raises(ValueError, match=r"encode_png: expected a uint8 tensor, got dtype "
                                         r"float32"):
        io.encode_png(xa.zeros(3, 4, 4))
    with pytest.raises(ValueError, match=r"encode_jpeg: expected a \(C, H, W\) image with C "
                                         r"in \(1, 3\), got shape \(4, 2, 2\)"):
        io.encode_jpeg(xa.tensor(_image(2, 2, 4)))
    with pytest.raises(ValueError, match="encode_jpeg: quality must be between 1 and 100"):
        io.encode_jpeg(xa.tensor(_image(2, 2, 3)), quality=0)
    with pytest.raises(ValueError, match=r"decode_image: cannot decode these 5 bytes"):
        io.decode_image(xa.tensor(np.frombuffer(b"hello", np.uint8).copy()))
    with pytest.raises(ValueError, match=r"decode_image: mode must be an ImageReadMode"):
        io.decode_image(io.encode_png(xa.tensor(_image(2, 2, 3))), mode="CMYK")


def test_without_pillow_decoding_says_how_to_install_it(monkeypatch, tmp_path):
    png = io.encode_png(xa.tensor(_image(3, 3, 3)))        # PNG encoding needs no Pillow
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"needs Pillow, an optional dependency: pip "
                                          r"install 'xarxa\[vision\]'"):
        io.decode_image(png)
    io.write_png(xa.tensor(_image(3, 3, 1)), tmp_path / "still.png")


def _tree(root):
    """torchvision's example layout, with a nested folder, a non-image file and an empty
    class folder; two image sizes."""
    for cls, names in {"dog": ["b.png", "nested/a.jpeg", "notes.txt"],
                       "cat": ["2.png", "10.PNG"], "bird": []}.items():
        (root / cls / "nested").mkdir(parents=True, exist_ok=True)
        for i, name in enumerate(names):
            if name.endswith(".txt"):
                (root / cls / name).write_text("not an image")
            else:
                Image.fromarray(_image(6, 5, 3, seed=i).transpose(1, 2, 0)).save(
                    root / cls / name)


def test_image_folder_classes_samples_and_items(tmp_path):
    _tree(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"Found no valid file for the classes bird\. "
                                                r"Supported extensions are: \.jpg, \.jpeg"):
        datasets.ImageFolder(tmp_path)
    ds = datasets.ImageFolder(tmp_path, allow_empty=True)
    assert ds.classes == ["bird", "cat", "dog"]
    assert ds.class_to_idx == {"bird": 0, "cat": 1, "dog": 2}
    rel = [(os.path.relpath(p, tmp_path), t) for p, t in ds.samples]
    assert rel == [("cat/10.PNG", 1), ("cat/2.png", 1), ("dog/b.png", 2),
                   ("dog/nested/a.jpeg", 2)]                # sorted names, as torchvision
    assert ds.targets == [1, 1, 2, 2] and ds.imgs is ds.samples and len(ds) == 4
    img, target = ds[0]
    assert img.dtype == np.uint8 and img.shape == (6, 5, 3) and target == 1
    np.testing.assert_array_equal(img, io.read_image(ds.samples[0][0]).numpy()
                                  .transpose(1, 2, 0))
    tds = datasets.ImageFolder(tmp_path, transform=transforms.ToTensor(),
                               target_transform=lambda t: t * 10, allow_empty=True)
    x, t = tds[-2]
    assert x.shape == (3, 6, 5) and x.dtype == np.float32 and t == 20
    np.testing.assert_allclose(x.numpy(), io.read_image(ds.samples[2][0]).numpy() / 255,
                               rtol=1e-6)
    images, labels = next(iter(DataLoader(tds, batch_size=4)))
    assert images.shape == (4, 3, 6, 5) and labels.tolist() == [10, 10, 20, 20]
    only_png = datasets.ImageFolder(tmp_path, is_valid_file=lambda p: p.endswith(".png"),
                                    allow_empty=True)
    assert [t for _, t in only_png.samples] == [1, 2]
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder in"):
        datasets.ImageFolder(tmp_path / "dog" / "nested")
