"""One check for the PNG files the package writes (plots, curves, landscapes)."""
from pathlib import Path

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_picture(path: Path, min_side: int = 100, min_bytes: int = 1000,
                   min_std: float = 0.0) -> None:
    """`path` is a PNG of at least `min_side` pixels a side and `min_bytes` bytes whose
    colours vary by more than `min_std` (not a blank canvas)."""
    from matplotlib.image import imread
    data = Path(path).read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > min_bytes, path
    image = imread(path)
    assert image.shape[0] > min_side and image.shape[1] > min_side, image.shape
    assert image[..., :3].std() > min_std if image.ndim == 3 else image.std() > min_std
