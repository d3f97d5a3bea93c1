"""The embedding network of a Siamese system (notes §1.3.8): one network, shared by every
branch, mapping an image to a point of a small space where distances mean similarity."""
from __future__ import annotations

from .. import nn
from ..tensor import Tensor
from .facts import ModelFacts, image_channels

__all__ = ["SiameseNet"]


class SiameseNet(ModelFacts, nn.Module):
    """f_θ: image → embedding of ``embedding_dim`` numbers (N > M, notes §1.3.8).

    ==============================================  ==============  ==========
    layer                                           output (28×28)  parameters
    ==============================================  ==============  ==========
    conv 3×3 (C → 32) + BN + ReLU, max-pool 2       32 × 14 × 14    352
    conv 3×3 (32 → 64) + BN + ReLU, max-pool 2      64 × 7 × 7      18,560
    FC 3136 → 128 + ReLU                            128             401,536
    FC 128 → embedding_dim                          64              8,256
    L2 normalisation (``normalize=True``)           64              0
    ==============================================  ==============  ==========

    428,704 parameters with the defaults (28×28 inputs, 1 channel, ``embedding_dim=64``).
    A Siamese network is this one network applied to every input of a pair or triplet
    (shared parameters): train it with ``xarxa.metric_learning`` (``contrastive_loss``,
    ``triplet_loss`` and a ``TripletMiner`` on the embeddings of a batch). With
    ``normalize=True`` the embeddings lie on the unit sphere (‖f(x)‖ = 1), so every
    distance is at most 2 and a margin has the same meaning throughout training.

    Args:
        embedding_dim: M, the size of the embedding.
        normalize: divide each embedding by its L2 norm.
        in_channels, image_size: the input images (square).

    Shape:
        input (N, in_channels, image_size, image_size); output (N, embedding_dim).

    Example:
        >>> net = SiameseNet(embedding_dim=2, normalize=False)
        >>> net(xa.randn(4, 1, 28, 28)).shape
        (4, 2)
    """

    # facts for xarxa train (models/facts.py): embeddings, trained by a metric loss
    task = "siamese"
    task_options = ("miner", "margin")
    recipes = {"*": dict(epochs=5, batch_size=128, optimizer="adam", lr=1e-3, momentum=0.0,
                         loss="triplet")}

    @classmethod
    def config_for(cls, name, shape, num_classes, hidden, activation, dataset) -> dict:
        channels = image_channels(name, shape, dataset)
        if shape[-1] != shape[-2]:
            raise ValueError(f"{name} needs square images; {dataset} has {tuple(shape)}")
        return {"in_channels": channels, "image_size": shape[-1]}

    def __init__(self, embedding_dim: int = 64, normalize: bool = True, in_channels: int = 1,
                 image_size: int = 28):
        super().__init__()
        for name, value in (("embedding_dim", embedding_dim), ("in_channels", in_channels),
                            ("image_size", image_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"SiameseNet: {name} must be a positive integer, got "
                                 f"{value!r}")
        if image_size < 4:
            raise ValueError(f"SiameseNet: image_size must be at least 4 (two 2×2 poolings), "
                             f"got {image_size}")
        self.embedding_dim, self.normalize, self.image_size = embedding_dim, normalize, image_size
        side = image_size // 4
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
            nn.MaxPool2d(2))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(64 * side * side, 128), nn.ReLU(),
                                  nn.Linear(128, embedding_dim))

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[-2:] != (self.image_size, self.image_size):
            raise ValueError(f"SiameseNet: expected input (N, C, {self.image_size}, "
                             f"{self.image_size}), got {tuple(x.shape)}")
        e = self.head(self.features(x))
        if self.normalize:   # as torch.nn.functional.normalize: e / max(‖e‖, ε)
            e = e / (e * e).sum(dim=1, keepdim=True).sqrt().clamp(min=1e-12)
        return e

    def extra_repr(self) -> str:
        return f"embedding_dim={self.embedding_dim}, normalize={self.normalize}"
