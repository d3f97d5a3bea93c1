"""The exported script, run in a fresh Python, reproduces the run's losses from the seed."""
import re
import subprocess
import sys

import pytest

CONFIGS = [
    # mini-batches (the shuffled order), a schedule, weighted cross-entropy, every kind of feature
    {"dataset": "moons", "noise": 0.1, "features": ["x1", "x2", "x1x2", "sinx1", "x2sq"],
     "hidden": [8, 8], "activation": "relu", "init": "he", "loss": "weighted_cross_entropy",
     "optimizer": "momentum", "lr": 0.05, "batch": "mini", "batch_size": 16,
     "schedule": "step", "step_size": 50, "lr_gamma": 0.5},
    # regression, one sample per update, Huber, RMSprop, cosine schedule
    {"dataset": "regression", "features": ["x1", "x1sq", "sinx1"], "loss": "huber",
     "delta": 0.5, "optimizer": "rmsprop", "lr": 0.01, "batch": "one", "schedule": "cosine",
     "t_max": 100, "points": 200},
    # constant initialisation, imbalanced blobs, focal loss, Nesterov, exponential decay
    {"dataset": "blobs", "imbalance": 0.2, "noise": 0.2, "loss": "focal", "gamma": 2,
     "optimizer": "nesterov", "init": "constant", "init_value": 0.3,
     "schedule": "exponential", "lr_gamma": 0.99},
]
LINE = re.compile(r"step (\d+): train loss (\S+?)(?:, accuracy (\S+))?; "
                  r"test loss (\S+?)(?:, accuracy (\S+))?$")


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c["dataset"])
def test_exported_script_reproduces_the_losses(client, config, tmp_path):
    run_id, _ = client.create(**config)
    losses = client.control(run_id, action="step", steps=120)["losses"]
    status, text, head = client.request("GET", f"/api/runs/{run_id}/export")
    assert status == 200 and head["Content-Disposition"].startswith("attachment;")
    assert "playground" not in text.split('"""', 2)[2]  # plain xarxa, no playground code
    path = tmp_path / "run.py"
    path.write_text(text)
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert [int(LINE.match(x).group(1)) for x in lines] == [100, 120]
    step, train, train_acc, test, test_acc = LINE.match(lines[-1]).groups()
    assert float(train) == pytest.approx(losses[1], rel=2e-6)
    assert float(test) == pytest.approx(losses[2], rel=2e-6)
    if not config["dataset"] == "regression":
        assert float(train_acc) == pytest.approx(losses[3], abs=1e-4)
        assert float(test_acc) == pytest.approx(losses[4], abs=1e-4)
    # and it takes another number of updates from its command line
    out = subprocess.run([sys.executable, str(path), "3"], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert out.stdout.strip().startswith("step 3:")
