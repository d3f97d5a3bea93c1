"""A small modern CNN: 3×3 convolutions, batch normalisation, ReLU, max-pooling (notes 1.5)."""
from __future__ import annotations

from .. import nn
from ..tensor import Tensor
from .facts import ModelFacts, image_channels

__all__ = ["CNN"]


class CNN(ModelFacts, nn.Module):
    """conv3×3 (C→32, padding 1) + BN + ReLU, max-pool 2, conv3×3 (32→64, padding 1) + BN +
    ReLU, max-pool 2, FC → 128 + ReLU, FC → num_classes.

    The network of the nn issue's benchmark: on 28×28 images the first FC layer is
    3136 → 128 (64 · 7 · 7). ``image_size`` sets that size for other inputs (8 for the
    digits: 64 · 2 · 2 = 256).

    Shape:
        input (N, in_channels, image_size, image_size); output (N, num_classes).

    Example:
        >>> model = CNN(image_size=8)
        >>> model(xa.randn(4, 1, 8, 8)).shape
        (4, 10)
    """

    # facts for xarxa train (models/facts.py)
    recipes = {"mnist-family": dict(epochs=3), "*": dict(epochs=10, lr=0.02)}
    summary_dataset = "fashion-mnist"

    @classmethod
    def config_for(cls, name, shape, num_classes, hidden, activation, dataset) -> dict:
        return {"num_classes": num_classes, "in_channels": image_channels(name, shape, dataset),
                "image_size": shape[-1]}

    def __init__(self, num_classes: int = 10, in_channels: int = 1, image_size: int = 28):
        super().__init__()
        if image_size < 4:
            raise ValueError(f"CNN: image_size must be at least 4 (two 2×2 poolings), got "
                             f"{image_size}")
        self.image_size = int(image_size)
        side = self.image_size // 2 // 2
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(64 * side * side, 128), nn.ReLU(), nn.Linear(128, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[-2:] != (self.image_size, self.image_size):
            raise ValueError(f"CNN: expected input (N, C, {self.image_size}, {self.image_size}), "
                             f"got {tuple(x.shape)}")
        return self.classifier(self.features(x))
