"""generator= on the initialisers and the samplers, and `xa.random.use_generator`: a model
built from its own seeded generator, in any thread, without touching the process-wide one."""
import inspect
import threading

import numpy as np
import pytest

import xarxa as xa
from xarxa import nn
from xarxa.random import use_generator
from xarxa.utils.data import (RandomSampler, SubsetRandomSampler, TensorDataset,
                              WeightedRandomSampler, random_split)

INITS = ["normal_", "uniform_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
         "kaiming_normal_"]


def weights(model):
    return [p.numpy().copy() for p in model.parameters()]


def mlp():
    """Layers whose reset_parameters draw from the default generator (not run)."""
    return nn.ModuleList([nn.Linear(3, 16), nn.Linear(16, 16), nn.Conv2d(2, 4, 3),
                          nn.BatchNorm1d(4), nn.Linear(16, 1, init="he")])


@pytest.mark.parametrize("name", INITS)
def test_initialisers_take_torchs_generator_argument(name):
    torch = pytest.importorskip("torch")
    ours = list(inspect.signature(getattr(nn.init, name)).parameters)
    assert ours == list(inspect.signature(getattr(torch.nn.init, name)).parameters)
    fn = getattr(nn.init, name)
    before = xa.random.get_rng_state()
    a = fn(nn.Parameter(np.empty((5, 4), np.float32)), generator=xa.Generator().manual_seed(3))
    b = fn(nn.Parameter(np.empty((5, 4), np.float32)), generator=np.random.default_rng(3))
    assert np.array_equal(a.numpy(), b.numpy())  # an xa.Generator is a NumPy stream inside
    assert xa.random.get_rng_state() == before   # the default generator was not drawn from
    g = xa.Generator().manual_seed(3)
    assert not np.array_equal(fn(nn.Parameter(np.empty((5, 4), np.float32)), generator=g)
                              .numpy(), fn(nn.Parameter(np.empty((5, 4), np.float32)),
                                           generator=g).numpy())  # the stream advances
    with pytest.raises(TypeError, match="generator must be"):
        fn(nn.Parameter(np.empty((5, 4), np.float32)), generator=3)


def test_notes_normal_takes_a_generator_too():
    a = nn.init.notes_normal_(nn.Parameter(np.empty((5, 4))), generator=np.random.default_rng(1))
    b = nn.init.notes_normal_(nn.Parameter(np.empty((5, 4))), np.random.default_rng(1))
    assert np.array_equal(a.numpy(), b.numpy())


def test_use_generator_builds_the_same_model_as_manual_seed_and_leaves_the_global_alone():
    xa.manual_seed(11)
    expected = weights(mlp())
    xa.manual_seed(5)
    before = xa.random.get_rng_state()
    with use_generator(xa.Generator().manual_seed(11)) as g:
        assert isinstance(g, xa.Generator)
        assert all(np.array_equal(a, b) for a, b in zip(weights(mlp()), expected))
        x = xa.randn(3)  # creation functions draw from it too
    assert xa.random.get_rng_state() == before
    with use_generator(np.random.default_rng(11)):
        assert all(np.array_equal(a, b) for a, b in zip(weights(mlp()), expected))
        assert xa.randn(3).tolist() == x.tolist()
    with pytest.raises(TypeError, match="use_generator: generator must be"):
        with use_generator(11):
            pass


def test_manual_seed_and_rng_state_inside_a_block_stay_in_the_block():
    g = xa.Generator().manual_seed(0)
    xa.manual_seed(1)
    outside = xa.random.get_rng_state()
    with use_generator(g):
        xa.manual_seed(7)  # this thread's default for the rest of the block
        state = xa.random.get_rng_state()
        a = xa.rand(4).tolist()
        xa.random.set_rng_state(state)
        assert xa.rand(4).tolist() == a
        with use_generator(None):  # None: the process-wide one again
            assert xa.random.get_rng_state() == outside
    assert g.initial_seed() == 0 and xa.random.get_rng_state() == outside
    xa.manual_seed(7)
    assert xa.rand(4).tolist() == a


def test_two_threads_build_models_at_once_as_they_would_one_after_the_other():
    seeds = [0, 1, 2, 3]
    sequential = []
    for seed in seeds:
        with use_generator(xa.Generator().manual_seed(seed)):
            sequential.append([weights(mlp()) for _ in range(20)])
    barrier, built = threading.Barrier(len(seeds)), {}

    def build(seed):
        with use_generator(xa.Generator().manual_seed(seed)):
            barrier.wait()  # all threads draw at the same time
            built[seed] = [weights(mlp()) for _ in range(20)]
    xa.manual_seed(0)
    before = xa.random.get_rng_state()
    threads = [threading.Thread(target=build, args=(s,)) for s in seeds]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for seed, models in zip(seeds, sequential):
        for ours, theirs in zip(built[seed], models):
            assert all(np.array_equal(a, b) for a, b in zip(ours, theirs))
    assert xa.random.get_rng_state() == before


def test_a_new_thread_starts_on_the_process_wide_generator():
    seen = []
    with use_generator(np.random.default_rng(0)):
        t = threading.Thread(target=lambda: seen.append(xa.random.generator()))
        t.start()
        t.join()
    assert seen[0] is xa.random.generator()


def test_samplers_and_random_split_draw_from_an_xa_generator_s_own_stream():
    g = xa.Generator().manual_seed(4)
    first = list(RandomSampler(range(10), generator=g))
    assert first == np.random.default_rng(4).permutation(10).tolist()
    assert list(RandomSampler(range(10), generator=g)) != first  # g advanced, as in torch
    ds = TensorDataset(xa.arange(20))
    g.manual_seed(4)
    a = random_split(ds, [10, 10], generator=g)[0].indices
    b = random_split(ds, [10, 10], generator=g)[0].indices
    assert list(a) != list(b)
    for make in (lambda gen: SubsetRandomSampler(list(range(5, 15)), generator=gen),
                 lambda gen: WeightedRandomSampler([1.0] * 8, 6, generator=gen)):
        assert list(make(xa.Generator().manual_seed(2))) == \
            list(make(np.random.default_rng(2)))


def test_samplers_without_a_generator_follow_the_threads_default():
    with use_generator(xa.Generator().manual_seed(9)):
        inside = list(RandomSampler(range(10)))
        split = random_split(TensorDataset(xa.arange(10)), [5, 5])[0].indices
    assert inside == np.random.default_rng(9).permutation(10).tolist()
    rng = np.random.default_rng(9)
    rng.permutation(10)
    assert list(split) == rng.permutation(10)[:5].tolist()
