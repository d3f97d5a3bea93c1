"""Triplet miners against a brute-force enumeration of every triplet of small batches."""
import itertools

import numpy as np
import pytest

import xarxa as xa
import xarxa.metric_learning as ml


def batch(seed, classes=4, per_class=3, dim=2):
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(classes), per_class)
    rng.shuffle(labels)
    emb = rng.standard_normal((labels.size, dim)) + labels[:, None] * 0.3   # mixed classes
    return emb, labels


def dist(emb, i, j, metric="euclidean", squared=True):
    diff = emb[i] - emb[j]
    d = {"euclidean": np.sqrt(np.sum(diff ** 2)), "l1": np.sum(np.abs(diff))}[metric]
    return d * d if squared else d


def brute_force(emb, labels, metric="euclidean", squared=True):
    """Every valid (a, p, n) with its distances d_ap, d_an, by nested loops."""
    out = []
    n = len(labels)
    for a, p, q in itertools.product(range(n), repeat=3):
        if a != p and labels[a] == labels[p] and labels[q] != labels[a]:
            out.append((a, p, q, dist(emb, a, p, metric, squared),
                        dist(emb, a, q, metric, squared)))
    return out


def kind(d_ap, d_an, m):
    if d_an <= d_ap:
        return "hard"
    return "easy" if d_an >= d_ap + m else "semi-hard"


def as_set(triplets):
    return set(zip(*(t.numpy().tolist() for t in triplets)))


@pytest.mark.parametrize("seed", range(3))
def test_all_triplets(seed):
    emb, labels = batch(seed)
    got = ml.all_triplets(xa.tensor(labels))
    expected = [t[:3] for t in brute_force(emb, labels)]
    assert list(zip(*(t.numpy().tolist() for t in got))) == expected     # same order too
    assert got.anchor.dtype == np.int64


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("types", [("semi-hard",), ("hard",), ("easy",),
                                   ("semi-hard", "hard")])
@pytest.mark.parametrize("metric,squared", [("euclidean", True), ("l1", False)])
def test_offline_mining(seed, types, metric, squared):
    emb, labels = batch(seed, classes=3, per_class=4)
    m = 1.0
    got = ml.offline_mining(xa.tensor(emb), labels, margin=m, types=types, metric=metric,
                            squared=squared)
    expected = {(a, p, n) for a, p, n, d_ap, d_an in brute_force(emb, labels, metric, squared)
                if kind(d_ap, d_an, m) in types}
    assert as_set(got) == expected and len(got.anchor) == len(expected)
    # the selected triplets are exactly those whose loss has the chosen sign
    if types == ("easy",):
        a, p, n = got
        e = xa.tensor(emb)
        assert ml.triplet_loss(e[a], e[p], e[n], m, metric, squared).item() == 0.0


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("metric,squared", [("euclidean", True), ("euclidean", False),
                                            ("l1", True)])
def test_batch_hard(seed, metric, squared):
    emb, labels = batch(seed, classes=3, per_class=3)
    labels[0] = 9                          # an anchor without a positive is skipped
    got = ml.batch_hard(xa.tensor(emb), xa.tensor(labels), metric=metric, squared=squared)
    expected = []
    for a in range(len(labels)):
        cands = [t for t in brute_force(emb, labels, metric, squared) if t[0] == a]
        if not cands:
            continue
        hardest_p = max(cands, key=lambda t: t[3])[1]
        hardest_n = min(cands, key=lambda t: t[4])[2]
        expected.append((a, hardest_p, hardest_n))
    assert list(zip(*(t.numpy().tolist() for t in got))) == expected
    assert 0 not in got.anchor.numpy()
    assert len(expected) == len(labels) - 1            # N·K triplets (one per anchor)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("margin", [0.5, 2.0])
def test_batch_semi_hard(seed, margin):
    emb, labels = batch(seed, classes=3, per_class=4)
    got = ml.batch_semi_hard(xa.tensor(emb), labels, margin=margin)
    expected = set()
    by_pair = {}
    for a, p, n, d_ap, d_an in brute_force(emb, labels):
        if kind(d_ap, d_an, margin) == "semi-hard":
            best = by_pair.get((a, p))
            if best is None or d_an < best[1]:
                by_pair[(a, p)] = (n, d_an)
    expected = {(a, p, n) for (a, p), (n, _) in by_pair.items()}
    assert as_set(got) == expected and len(got.anchor) == len(expected)
    assert ml.classify_triplets(emb[got.anchor.numpy()], emb[got.positive.numpy()],
                                emb[got.negative.numpy()], margin).tolist() \
        == [ml.SEMI_HARD] * len(expected)


def test_miner_object_and_training_step():
    emb, labels = batch(0)
    e = xa.tensor(emb, requires_grad=True)
    for strategy in ml.TripletMiner.STRATEGIES:
        miner = ml.TripletMiner(strategy, margin=0.5)
        a, p, n = miner(e, labels)
        loss = ml.triplet_loss(e[a], e[p], e[n], margin=0.5)
        loss.backward()
        assert np.all(np.isfinite(e.grad.numpy()))
        e.grad = None
    assert "batch-hard" in repr(ml.TripletMiner())
    with pytest.raises(ValueError, match="TripletMiner: strategy"):
        ml.TripletMiner("random")
    with pytest.raises(ValueError, match="offline_mining: types"):
        ml.offline_mining(e, labels, types=("medium",))
    with pytest.raises(ValueError, match="batch_hard: 12 embeddings but 3 labels"):
        ml.batch_hard(e, labels[:3])


def test_embed_runs_without_a_graph():
    from xarxa import nn
    net = nn.Linear(3, 2)
    x = xa.randn(10, 3)
    out = ml.embed(net, x, batch_size=4)
    assert out.shape == (10, 2) and not out.requires_grad
    np.testing.assert_allclose(out.numpy(), net(x).numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"embed: expected a non-empty batch.*\[0, 3\]"):
        ml.embed(net, xa.zeros(0, 3))
