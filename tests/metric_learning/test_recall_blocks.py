"""recall_at_k computed a block of queries at a time with np.partition (no N × N matrix, no
full sort) against a brute-force reference that sorts every query's whole gallery by
(distance, gallery index): the documented tie rule, on data full of exact ties."""
import numpy as np
import pytest

import xarxa.metric_learning as ml
from xarxa.metric_learning import retrieval


def brute_recall(gallery, labels, ks, query=None, query_labels=None):
    """{k: recall}: each query's gallery sorted by (distance, index) with np.lexsort (NaN
    last), self excluded in leave-one-out; queries with no relevant item left out."""
    g = np.asarray(gallery, np.float64)
    loo = query is None
    q, ql = (g, labels) if loo else (np.asarray(query, np.float64), query_labels)
    found = {k: [] for k in ks}
    for i in range(len(q)):
        d = np.sqrt(((q[i] - g) ** 2).sum(axis=1))
        idx = np.arange(len(g))
        if loo:
            d, idx = np.delete(d, i), np.delete(idx, i)
        if not (labels[idx] == ql[i]).any():
            continue
        order = idx[np.lexsort((idx, d))]
        for k in ks:
            found[k].append((labels[order[:k]] == ql[i]).any())
    return {k: float(np.mean(v)) for k, v in found.items()}


def tied_points(rng, n, d=2, span=3):
    """Small integer coordinates: many embeddings coincide and many distances are equal
    (all exact in float32, whichever way the distances are computed)."""
    return rng.integers(0, span, (n, d)).astype(np.float32)


@pytest.mark.parametrize("block", [1, 5, 1024])
def test_blocked_recall_keeps_the_tie_rule(block, monkeypatch):
    monkeypatch.setattr(retrieval, "_BLOCK", block)
    monkeypatch.setattr(retrieval, "_DIRECT_LIMIT", 0)     # blocks of `block` rows
    rng = np.random.default_rng(block)
    ks = [1, 2, 3, 5, 10]
    emb, labels = tied_points(rng, 40), rng.integers(0, 3, 40)
    assert ml.recall_at_k(emb, labels, k=ks) == brute_recall(emb, labels, ks)
    query, q_labels = tied_points(rng, 13), rng.integers(0, 3, 13)
    assert ml.recall_at_k(emb, labels, k=ks, query=query, query_labels=q_labels) \
        == brute_recall(emb, labels, ks, query, q_labels)


def test_ties_go_to_the_lower_gallery_index():
    # query 0.0: items 1 and 2 are both at distance 1 (then 3, then 0); only 2 is relevant
    emb, labels = [[9.0], [1.0], [-1.0], [5.0]], [0, 1, 0, 1]
    assert ml.recall_at_k(emb, labels, k=[1, 2], query=[[0.0]], query_labels=[0]) \
        == {1: 0.0, 2: 1.0}


def test_several_blocks_at_the_default_size():
    # 2,100 queries: two blocks of 1,050 rows, distances by the GEMM form, ties everywhere
    rng = np.random.default_rng(0)
    emb, labels = tied_points(rng, 2100, span=6), rng.integers(0, 10, 2100)
    assert len(retrieval._blocks(2100, 2100 * 2)) == 2
    assert ml.recall_at_k(emb, labels, k=[1, 5]) == brute_recall(emb, labels, [1, 5])


def test_top_k_hits_match_a_stable_sort_with_ties_and_nan():
    """_hits (partition, no sort) against np.argsort(kind='stable'), which puts NaN last."""
    rng = np.random.default_rng(1)
    d = rng.integers(0, 4, (50, 30)).astype(np.float32)      # four values: ties everywhere
    d[rng.random(d.shape) < 0.1] = np.nan
    d[3] = np.nan                                              # a row of NaN only
    relevant = rng.random(d.shape) < 0.2
    ks = [1, 2, 4, 7, 30]
    order = np.argsort(d, axis=1, kind="stable")
    want = np.stack([np.take_along_axis(relevant, order[:, :k], axis=1).any(axis=1)
                     for k in ks], axis=1)
    np.testing.assert_array_equal(retrieval._hits(d, relevant, ks), want)
