"""The synthetic sets the playground added: XOR as a cloud and two circles."""
import numpy as np
import pytest

from xarxa.data.datasets.synthetic import circles, xor_points


def test_xor_points_label_is_the_sign_of_the_product():
    x, y = xor_points(400, noise=0.0, seed=1, padding=0.1)
    assert x.dtype == np.float32 and y.dtype == np.int64 and x.shape == (400, 2)
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] < 0).astype(np.int64))
    assert np.abs(x).min() >= 0.1 - 1e-6 and np.abs(x).max() <= 1.0 + 1e-6
    assert 150 < y.sum() < 250  # the quadrants are equally likely
    noisy, _ = xor_points(400, noise=0.2, seed=1)
    assert np.abs(noisy - x).max() > 0.2  # noise moves points, labels stay
    np.testing.assert_array_equal(xor_points(50, seed=4)[0], xor_points(50, seed=4)[0])


def test_circles_radii_and_classes():
    x, y = circles(301, noise=0.0, seed=0, factor=0.3)
    r = np.linalg.norm(x, axis=1)
    np.testing.assert_allclose(r[y == 0], 1.0, rtol=1e-6)
    np.testing.assert_allclose(r[y == 1], 0.3, rtol=1e-6)
    assert (y == 0).sum() == 151 and (y == 1).sum() == 150


@pytest.mark.parametrize("call, message", [
    (lambda: xor_points(0), r"xor_points: n must be an integer >= 1, got 0"),
    (lambda: xor_points(10, noise=-1), r"xor_points: noise must be >= 0"),
    (lambda: xor_points(10, padding=1.0), r"xor_points: padding must lie in \[0, 1\)"),
    (lambda: circles(10, factor=1.0), r"circles: factor must lie in \(0, 1\)"),
    (lambda: circles(10, noise=float("nan")), r"circles: noise must be >= 0"),
])
def test_errors_name_the_generator(call, message):
    with pytest.raises(ValueError, match=message):
        call()
