"""Metric learning (§1.3.8): distances, contrastive and triplet losses, triplet mining,
the Siamese wrapper and retrieval metrics.

    from xarxa.metric_learning import Siamese, batch_hard, triplet_loss
"""
from .distances import METRICS, distance_matrix, paired_distance  # noqa: F401
from .losses import (EASY, HARD, SEMI_HARD, ContrastiveLoss, TripletLoss,  # noqa: F401
                     TripletMarginLoss, classify_triplets, contrastive_loss, triplet_loss,
                     triplet_margin_loss, triplet_types)
from .miners import (TripletMiner, Triplets, all_triplets, batch_hard,  # noqa: F401
                     batch_semi_hard, embed, offline_mining)
from .retrieval import recall_at_k  # noqa: F401
from .siamese import Siamese  # noqa: F401

__all__ = [
    "METRICS", "distance_matrix", "paired_distance",
    "contrastive_loss", "triplet_loss", "triplet_margin_loss", "triplet_types",
    "classify_triplets", "EASY", "SEMI_HARD", "HARD",
    "ContrastiveLoss", "TripletLoss", "TripletMarginLoss",
    "Triplets", "all_triplets", "offline_mining", "batch_hard", "batch_semi_hard", "embed",
    "TripletMiner", "Siamese", "recall_at_k",
]
