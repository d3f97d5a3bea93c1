"""The Siamese wrapper (shared weights) and Recall@k against a brute-force reference."""
import numpy as np
import pytest

import xarxa as xa
import xarxa.metric_learning as ml
from xarxa import nn


def test_siamese_shares_one_network():
    xa.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    siamese = ml.Siamese(net)
    assert [id(p) for p in siamese.parameters()] == [id(p) for p in net.parameters()]
    x1, x2 = xa.randn(5, 3), xa.randn(5, 3)
    e1, e2 = siamese(x1, x2)
    np.testing.assert_array_equal(e1.numpy(), net(x1).numpy())
    np.testing.assert_array_equal(e2.numpy(), net(x2).numpy())
    assert isinstance(siamese(x1), xa.Tensor)
    # the gradient of both branches accumulates into the one set of weights
    ml.contrastive_loss(e1, e2, np.array([1, 0, 1, 0, 1])).backward()
    grads = [p.grad.numpy().copy() for p in net.parameters()]
    siamese.zero_grad()
    ml.contrastive_loss(net(x1), net(x2), np.array([1, 0, 1, 0, 1])).backward()
    for g, p in zip(grads, net.parameters()):
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-6)
    # batched: one call on the concatenated inputs, the same embeddings
    batched = ml.Siamese(net, batched=True)
    for a, b in zip(batched(x1, x2, x1[:2]), (e1, e2, e1[:2])):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    assert "batched=True" in repr(batched)
    with pytest.raises(TypeError, match="Siamese: net must be a Module"):
        ml.Siamese(lambda x: x)


def brute_recall(gallery, labels, k, query=None, query_labels=None):
    loo = query is None
    if loo:
        query, query_labels = gallery, labels
    hits, total = 0, 0
    for i, (q, lq) in enumerate(zip(query, query_labels)):
        cands = [(np.sqrt(np.sum((q - g) ** 2)), j) for j, g in enumerate(gallery)
                 if not (loo and j == i)]
        if not any(labels[j] == lq for _, j in cands):
            continue
        total += 1
        nearest = sorted(cands)[:k]
        hits += any(labels[j] == lq for _, j in nearest)
    return hits / total


@pytest.mark.parametrize("seed", range(3))
def test_recall_at_k_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, 20)
    emb = rng.standard_normal((20, 3)) + labels[:, None]
    got = ml.recall_at_k(xa.tensor(emb), labels, k=[1, 2, 5])
    for k in (1, 2, 5):
        assert got[k] == pytest.approx(brute_recall(emb, labels, k))
    q, ql = rng.standard_normal((6, 3)) + 1, rng.integers(0, 4, 6)
    assert ml.recall_at_k(emb, labels, k=3, query=q, query_labels=ql) \
        == pytest.approx(brute_recall(emb, labels, 3, q, ql))


def test_recall_at_k_hand_made():
    emb = [[0.0], [0.1], [5.0], [5.2], [9.0]]
    labels = [0, 0, 1, 1, 2]          # class 2 has a single item: it cannot be retrieved
    assert ml.recall_at_k(emb, labels, k=1) == 1.0
    # query 0.0 of class 1: its nearest neighbours are items 0, 1 (class 0), then 2
    assert ml.recall_at_k(emb, labels, k=[2, 3], query=[[0.0]], query_labels=[1]) \
        == {2: 0.0, 3: 1.0}
    with pytest.raises(ValueError, match=r"recall_at_k: k must be an integer in \[1, 4\]"):
        ml.recall_at_k(emb, labels, k=5)
    with pytest.raises(ValueError, match="recall_at_k: no query has a relevant item"):
        ml.recall_at_k([[0.0], [1.0]], [0, 1])
