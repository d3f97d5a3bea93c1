"""The playground's sharpness panel (views.extreme_eigenvalues): λmax and λmin of the
training loss's Hessian, so that zero initialisation's saddle shows there — the gradient
vanishes (nothing trains) and λmin < 0 < λmax — while a trained network sits in a bowl."""
import numpy as np

from xarxa.apps.playground import views
from xarxa.apps.playground.config import Config
from xarxa.apps.playground.run import Run
from xarxa.inspect import hessian


def _run(**settings):
    return Run(Config(dataset="xor", points=40, hidden=(2,), **settings))


def test_zero_initialisation_is_a_saddle_in_the_sharpness_panel():
    run = _run(init="zeros")
    lam_max, lam_min = views.extreme_eigenvalues(run)
    full = hessian(run.view_loss_fn, list(run.model.parameters()))
    np.testing.assert_allclose([lam_max, lam_min],
                               [full.eigenvalues[-1], full.eigenvalues[0]], rtol=1e-3,
                               atol=1e-6)
    assert lam_min < 0 < lam_max                       # the loss bends down: a saddle
    assert full.curvature == "saddle"
    assert views.top_eigenvalue(run) == lam_max


def test_frames_carry_both_eigenvalues():
    run = _run(init="xavier")
    run._publish(views_due=True)
    step, lam_max, lam_min = run.hessian[-1]
    assert step == 0 and lam_min <= lam_max
