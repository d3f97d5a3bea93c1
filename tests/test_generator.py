"""xa.Generator: PyTorch's seedable generator object, accepted wherever generator= is."""
import numpy as np
import pytest

import xarxa as xa


def test_the_same_seed_gives_the_same_numbers_everywhere():
    a = xa.randn(5, generator=xa.Generator().manual_seed(7))
    b = xa.randn(5, generator=xa.Generator().manual_seed(7))
    assert a.tolist() == b.tolist()
    ds = xa.utils.data.TensorDataset(xa.arange(20))
    s1 = xa.utils.data.random_split(ds, [0.5, 0.5], generator=xa.Generator().manual_seed(3))
    s2 = xa.utils.data.random_split(ds, [0.5, 0.5], generator=xa.Generator().manual_seed(3))
    assert list(s1[0].indices) == list(s2[0].indices)
    l1 = xa.utils.data.DataLoader(ds, batch_size=5, shuffle=True,
                                  generator=xa.Generator().manual_seed(1))
    l2 = xa.utils.data.DataLoader(ds, batch_size=5, shuffle=True,
                                  generator=xa.Generator().manual_seed(1))
    assert [b[0].tolist() for b in l1] == [b[0].tolist() for b in l2]


def test_seed_state_and_device_like_torch():
    g = xa.Generator()
    assert g.manual_seed(42) is g and g.initial_seed() == 42
    state = g.get_state()
    first = xa.rand(3, generator=g).tolist()
    g.set_state(state)
    assert xa.rand(3, generator=g).tolist() == first
    assert isinstance(g.seed(), int)
    with pytest.raises(RuntimeError, match="cuda"):
        xa.Generator(device="cuda")
    with pytest.raises(ValueError, match="non-negative integer"):
        g.manual_seed(-1)


def test_a_numpy_generator_still_works():
    a = xa.rand(2, generator=np.random.default_rng(0))
    assert a.shape == (2,)
