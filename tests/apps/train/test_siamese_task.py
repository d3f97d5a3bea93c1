"""The Siamese task's losses and miners (notes 1.3.8), against the triplet and contrastive
losses written here in torch on the triplets each strategy is defined to pick."""
import numpy as np
import pytest
import torch

import xarxa as xa
from xarxa.data import TensorDataset
from xarxa.models import SiameseNet
from xarxa.apps.train.siamese_task import MetricLoss, OfflineTriplets

MARGIN = 0.5


def batch(seed=0, n=12, d=4, classes=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.permutation(np.arange(n) % classes)


def ours(loss, miner, emb, labels):
    e = xa.tensor(emb, requires_grad=True)
    value = MetricLoss(loss, miner, MARGIN)(e, xa.tensor(labels))
    value.backward()
    return value.item(), e.grad.numpy()


def theirs(loss, triplets, emb):
    e = torch.tensor(emb, requires_grad=True)
    a, p, n = (torch.tensor(i) for i in zip(*triplets))
    d_ap, d_an = ((e[a] - e[p]) ** 2).sum(1), ((e[a] - e[n]) ** 2).sum(1)
    if loss == "triplet":
        value = torch.relu(MARGIN + d_ap - d_an).mean()
    else:   # the two pairs of each triplet: (a, p) positive, (a, n) negative
        value = torch.cat([d_ap, torch.relu(MARGIN - d_an.sqrt()) ** 2]).mean()
    value.backward()
    return value.item(), e.grad.numpy()


def hardest(emb, labels):
    """Each anchor's furthest positive and closest negative (squared distances)."""
    d = ((emb[:, None] - emb[None]) ** 2).sum(-1)
    out = []
    for a in range(len(labels)):
        pos = [j for j in range(len(labels)) if labels[j] == labels[a] and j != a]
        neg = [j for j in range(len(labels)) if labels[j] != labels[a]]
        out.append((a, max(pos, key=lambda j: d[a, j]), min(neg, key=lambda j: d[a, j])))
    return out


def semi_hard(emb, labels):
    """For each anchor-positive pair, the closest negative with d_ap < d_an < d_ap + m."""
    d = ((emb[:, None] - emb[None]) ** 2).sum(-1)
    out = []
    for a in range(len(labels)):
        for p in range(len(labels)):
            if p == a or labels[p] != labels[a]:
                continue
            semi = [n for n in range(len(labels)) if labels[n] != labels[a]
                    and d[a, p] < d[a, n] < d[a, p] + MARGIN]
            if semi:
                out.append((a, p, min(semi, key=lambda n: d[a, n])))
    return out


@pytest.mark.parametrize("loss", ["triplet", "contrastive"])
@pytest.mark.parametrize("miner, picks", [("batch-hard", hardest), ("semi-hard", semi_hard)])
def test_online_miners_and_losses_match_torch(loss, miner, picks):
    emb, labels = batch()
    triplets = picks(emb, labels)
    assert len(triplets) > 0
    value, grad = ours(loss, miner, emb, labels)
    ref_value, ref_grad = theirs(loss, triplets, emb)
    assert value == pytest.approx(ref_value, rel=1e-10)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-9, atol=1e-12)


def test_random_triplets_are_valid_and_one_per_anchor():
    emb, labels = batch(1, n=20, classes=4)
    a, p, n = (t.numpy() for t in MetricLoss("triplet", "none", MARGIN).triplets(
        xa.tensor(emb), labels))
    assert a.tolist() == list(range(20))
    assert (labels[p] == labels[a]).all() and (p != a).all() and (labels[n] != labels[a]).all()
    draws = MetricLoss("triplet", "none", MARGIN, seed=0)
    first, second = (draws.triplets(xa.tensor(emb), labels) for _ in range(2))
    assert not np.array_equal(first.negative.numpy(), second.negative.numpy())  # random


def test_a_batch_without_triplets_teaches_nothing():
    e = xa.tensor(np.random.default_rng(0).standard_normal((5, 3)), requires_grad=True)
    for miner in ("batch-hard", "semi-hard", "none"):
        value = MetricLoss("triplet", miner, MARGIN)(e, xa.tensor(np.zeros(5, np.int64)))
        value.backward()
        assert value.item() == 0.0 and not np.any(e.grad.numpy())


def test_offline_batches_are_stacked_non_easy_triplets():
    rng = np.random.default_rng(0)
    x, y = rng.random((60, 1, 8, 8)).astype(np.float32), np.arange(60) % 3
    xa.manual_seed(0)
    model = SiameseNet(embedding_dim=4, image_size=8)
    loader = OfflineTriplets(TensorDataset(x, y), model, batch_size=8, margin=MARGIN, seed=2,
                             pool=30)
    assert len(loader) == 8
    batches = list(loader)
    assert loader.state_dict() == {"passes": 1} and len(batches) == 8
    model.eval()
    for images, labels in batches:
        b = len(labels) // 3
        assert b == 8 and images.shape == (24, 1, 8, 8)
        t = labels.numpy()
        assert (t[:b] == t[b:2 * b]).all() and (t[2 * b:] != t[:b]).all()
        e = model(images).numpy()   # the weights did not change: the epoch-start embeddings
        d_ap = ((e[:b] - e[b:2 * b]) ** 2).sum(1)
        d_an = ((e[:b] - e[2 * b:]) ** 2).sum(1)
        assert (d_an < d_ap + MARGIN).all()   # semi-hard or hard, never easy
    # the same seed and pass give the same batches (a resumed run continues exactly)
    again = OfflineTriplets(TensorDataset(x, y), model, 8, MARGIN, seed=2, pool=30)
    np.testing.assert_array_equal(next(iter(again))[0].numpy(), batches[0][0].numpy())
    # the loss takes such a batch in thirds: anchors, positives, negatives
    emb = rng.standard_normal((9, 4))
    value, _ = ours("triplet", "in-order", emb, np.zeros(9, np.int64))
    ref, _ = theirs("triplet", [(i, 3 + i, 6 + i) for i in range(3)], emb)
    assert value == pytest.approx(ref, rel=1e-10)


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match=r"MetricLoss: miner must be one of"):
        MetricLoss("triplet", "hardest", 0.2)
    with pytest.raises(ValueError, match=r"MetricLoss: loss must be one of"):
        MetricLoss("cross-entropy", "none", 0.2)


def test_defaults_semi_hard_and_a_margin_per_loss():
    from xarxa.apps.train.siamese_task import _settings
    assert _settings({"loss": "triplet"}) == {"loss": "triplet", "miner": "semi-hard",
                                              "margin": 0.2}
    assert _settings({"loss": "contrastive", "miner": "none"})["margin"] == 1.0
    with pytest.raises(ValueError, match=r"--miner must be one of none, batch-hard"):
        _settings({"loss": "triplet", "miner": "hardest"})
