"""The playground server's API: settings accepted and refused with clear messages, requests
from other origins refused, training that learns, tables and frames that say what the
network computes (checked against PyTorch and plain NumPy), runs that do not disturb each
other, and the bound on open runs."""
import base64
import json
import re
import threading

import numpy as np
import pytest
import torch

from xarxa.apps.playground import server as server_module
from xarxa.apps.playground.config import MAX_LAYERS, MAX_STEPS_PER_REQUEST, MAX_WIDTH


ACCEPTED = [
    {},
    {"dataset": "moons", "noise": 0.1, "loss": "hinge", "optimizer": "sgd", "batch": "one"},
    {"dataset": "circles", "features": ["x1sq", "x2sq"], "hidden": [], "loss": "mse"},
    {"dataset": "spirals", "features": list("x1 x2 x1sq x2sq x1x2 sinx1 sinx2".split()),
     "hidden": [MAX_WIDTH] * MAX_LAYERS, "activation": "relu", "init": "he", "points": 2000},
    {"dataset": "blobs", "imbalance": 0.1, "loss": "weighted_cross_entropy", "init": "zeros",
     "optimizer": "nesterov", "schedule": "step", "step_size": 10, "lr_gamma": 0.5},
    {"dataset": "blobs", "loss": "focal", "gamma": 0.0, "init": "constant", "init_value": -2,
     "activation": "step", "optimizer": "adagrad", "schedule": "exponential"},
    {"dataset": "regression", "features": ["x1", "sinx1"], "loss": "huber", "delta": 0.1,
     "optimizer": "rmsprop", "alpha": 0.9, "schedule": "cosine", "t_max": 50,
     "batch": "mini", "batch_size": 8, "outliers": 0.3},
    {"dataset": "xor", "loss": "l1", "optimizer": "gd", "batch": "one", "activation": "sigmoid",
     "init": "notes", "seed": 2**31 - 1, "speed": 100},
]


@pytest.mark.parametrize("config", ACCEPTED, ids=range(len(ACCEPTED)))
def test_configurations_accepted(client, config):
    run_id, hello = client.create(**config)
    expected = dict(client.request("GET", "/api/options")[1]["defaults"], **config)
    assert hello["config"] == expected
    n_train = round(expected["split"] * expected["points"])
    assert len(hello["train"]) == n_train
    assert len(hello["test"]) == expected["points"] - n_train
    assert client.request("DELETE", f"/api/runs/{run_id}")[0] == 200


REFUSED = [
    ({"hidden": [4] * 7}, r"hidden: expected a list of at most 6 layer widths"),
    ({"hidden": [33]}, r"hidden\[0\]: must lie in \[1, 32\], got 33"),
    ({"hidden": [4, 2.5]}, r"hidden\[1\]: expected an integer in \[1, 32\], got 2.5"),
    ({"hidden": "4,4"}, r"hidden: expected a list"),
    ({"points": 5000}, r"points: must lie in \[20, 2000\], got 5000"),
    ({"points": "500"}, r"points: expected an integer in \[20, 2000\], got '500'"),
    ({"lr": 0}, r"lr: must lie in \[1e-05, 10\], got 0"),
    ({"lr": True}, r"lr: expected a number"),
    ({"lr": "__import__('os').system('true')"}, r"lr: expected a number"),
    ({"dataset": "mnist"}, r"dataset: unknown 'mnist'; expected one of xor, moons, circles"),
    ({"activation": "gelu"}, r"activation: unknown 'gelu'; expected one of step, sigmoid"),
    ({"optimizer": "lbfgs"}, r"optimizer: unknown 'lbfgs'"),
    ({"features": ["x3"]}, r"features: unknown 'x3'; expected some of x1, x2"),
    ({"features": []}, r"features: choose at least one input feature"),
    ({"features": ["x1", "x1"]}, r"features: each may appear once"),
    ({"dataset": "regression", "features": ["x1", "x2"]},
     r"features: the regression data has one input x1, so x2 cannot be used"),
    ({"dataset": "regression", "loss": "hinge"},
     r"loss: 'hinge' is a classification loss; for regression choose one of mse, l1, huber"),
    ({"batch": "mini", "batch_size": 400},
     r"batch_size: 400 is more than the 250 training points"),
    ({"code": "print(1)"}, r"unknown setting 'code'; known settings: activation, alpha"),
    ({"noise": 0.6}, r"noise: must lie in \[0, 0.5\], got 0.6"),
    ({"speed": 0}, r"speed: must lie in \[1, 100\]"),
]


@pytest.mark.parametrize("config, message", REFUSED, ids=[m[:30] for _, m in REFUSED])
def test_configurations_refused_with_clear_messages(client, config, message):
    status, data, _ = client.request("POST", "/api/runs", config)
    assert status == 400
    assert re.search(message, data["error"]), data


@pytest.mark.parametrize("raw, message", [
    (b"[1, 2]", "expected a JSON object, got list"),
    (b"{not json", "the body is not valid JSON"),
    (b'{"lr": NaN}', r"lr: must lie in"),
    (b'{"lr": Infinity}', r"lr: must lie in"),
])
def test_bad_bodies_refused(client, raw, message):
    status, data, _ = client.request("POST", "/api/runs", raw=raw,
                                     headers={"Content-Type": "application/json"})
    assert status == 400 and re.search(message, data["error"]), data


def test_requests_from_other_origins_are_refused(client):
    # another site's page (Origin), DNS rebinding (Host), a cross-site fetch (Fetch metadata)
    for headers in ({"Origin": "http://evil.example"}, {"Host": "evil.example"},
                    {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}):
        status, data, head = client.request("POST", "/api/runs", {}, headers=headers)
        assert status == 403 and data["error"].startswith("refused"), (headers, data)
        assert not any(k.lower().startswith("access-control") for k in head)
    status, data, _ = client.request("GET", "/api/options",
                                     headers={"Origin": "http://evil.example"})
    assert status == 403
    # no CORS preflight is granted, and a form post (not JSON) is refused
    status, _, head = client.request("OPTIONS", "/api/runs",
                                     headers={"Origin": "http://evil.example",
                                              "Access-Control-Request-Method": "POST"})
    assert status == 405 and "Access-Control-Allow-Origin" not in head
    status, data, _ = client.request("POST", "/api/runs", raw=b"dataset=xor",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 415 and "JSON" in data["error"]
    big = b'{"x": "' + b"a" * (server_module.MAX_BODY + 1) + b'"}'
    status, data, _ = client.request("POST", "/api/runs", raw=big,
                                     headers={"Content-Type": "application/json"})
    assert status == 413
    # the same site's requests pass, and a shared link opened from elsewhere shows the page
    same = {"Sec-Fetch-Site": "same-origin"}
    assert client.request("GET", "/api/options", headers=same)[0] == 200
    status, page, head = client.request("GET", "/?dataset=moons",
                                        headers={"Sec-Fetch-Site": "cross-site",
                                                 "Sec-Fetch-Mode": "navigate"})
    assert status == 200 and "<canvas" in page and "frame-ancestors 'none'" in \
        head["Content-Security-Policy"]


def test_static_files_only_from_the_package_and_nothing_from_the_network(client):
    for name, kind in server_module.STATIC.items():
        status, text, head = client.request("GET", f"/static/{name}")
        assert status == 200 and head["Content-Type"].startswith(kind)
        assert "http://" not in text and "https://" not in text, name  # works offline
    for path in ("/static/../server.py", "/static/server.py", "/etc/passwd", "/api/runs/zz"):
        assert client.request("GET", path)[0] == 404, path
    status, data, _ = client.request("POST", "/api/runs/0123456789abcdef/control",
                                     {"action": "play"})
    assert status == 404 and "reload the page" in data["error"]


def test_controls_refuse_bad_requests(client):
    run_id, _ = client.create()
    url = f"/api/runs/{run_id}"
    for body, message in (({"action": "fly"}, "control: expected"),
                          ({"action": "step", "steps": MAX_STEPS_PER_REQUEST + 1},
                           r"steps: must lie in \[1, 1000\]"),
                          ({"action": "play", "speed": 1000}, r"speed: must lie in"),
                          ({"action": "play", "eval": "1"}, "control: expected")):
        status, data, _ = client.request("POST", url + "/control", body)
        assert status == 400 and re.search(message, data["error"]), data
    for body, message in (({"set": "val", "index": 0}, "trace: expected"),
                          ({"set": "train", "index": 250}, r"index: must lie in \[0, 249\]"),
                          ({"set": "test", "index": -1}, r"index: must lie in")):
        status, data, _ = client.request("POST", url + "/trace", body)
        assert status == 400 and re.search(message, data["error"]), data


def test_loss_falls_on_xor(client):
    run_id, hello = client.create(dataset="xor", hidden=[4, 4], activation="tanh")
    first = client.control(run_id, action="step", steps=1)["losses"]
    last = client.control(run_id, action="step", steps=299)["losses"]
    assert last[0] == 300
    assert first[1] > 0.3 and last[1] < 0.1 and last[2] < 0.1  # train and test loss
    assert last[4] == 1.0  # every test point on the right side


def _torch_loss(model, x, label):
    """The run's network and cross-entropy on logits [0, s], computed again in PyTorch."""
    h = torch.tensor(x, dtype=torch.float64)[None]
    weights = []
    for layer in model:
        if hasattr(layer, "weight"):
            w = torch.tensor(layer.weight.numpy(), dtype=torch.float64, requires_grad=True)
            b = torch.tensor(layer.bias.numpy(), dtype=torch.float64, requires_grad=True)
            weights.append(w)
            h = h @ w.T + b
        else:
            h = torch.tanh(h)
    loss = torch.nn.functional.cross_entropy(torch.nn.functional.pad(h, (1, 0)),
                                             torch.tensor([label]))
    loss.backward()
    return loss.item(), weights[0].grad.norm().item()


def test_clicked_point_table_is_that_points_forward_and_backward(server, client):
    run_id, _ = client.create()
    client.control(run_id, action="step", steps=20)
    status, table, _ = client.request("POST", f"/api/runs/{run_id}/trace",
                                      {"set": "test", "index": 7})
    assert status == 200
    labels = [row[0] for row in table["rows"]]
    ops = [row[1] for row in table["rows"]]
    # the notes' cross-entropy: softmax row and loss, the pad of the one-score trick hidden
    assert ops[:7] == ["Linear", "Tanh", "Linear", "Tanh", "Linear", "softmax",
                       "cross_entropy"]
    assert labels[7:] == ["W1", "b1", "W2", "b2", "W3", "b3"] and "Pad" not in ops
    assert table["header"][3] == "forward" and "∂out/∂node" in table["header"][4]
    run = server.runs.get(run_id)
    loss, grad_norm = _torch_loss(run.model, run.data.f_test[7], int(run.data.y_test[7]))
    assert float(table["rows"][6][3]) == pytest.approx(loss, rel=1e-5)
    s = np.array(json.loads(table["rows"][5][3]))      # S = (1 − σ(s), σ(s)) of the score x5
    assert s.shape == (1, 2) and s.sum() == pytest.approx(1.0, abs=1e-4)
    w1_grad = np.array(json.loads(table["rows"][7][4]))   # 4×2: every element, a row a line
    assert w1_grad.shape == (4, 2) and table["rows"][7][4].count("\n") == 3
    assert np.linalg.norm(w1_grad) == pytest.approx(grad_norm, rel=1e-3)
    assert "| node | op |" in table["markdown"]


def test_tracing_and_watching_do_not_change_the_training(client):
    a, _ = client.create(seed=3)
    b, _ = client.create(seed=3)
    for _ in range(5):
        client.request("POST", f"/api/runs/{a}/trace", {"set": "train", "index": 3})
        la = client.control(a, action="step", steps=10)["losses"]
        lb = client.control(b, action="step", steps=10)["losses"]
        assert la == lb


def test_one_step_shows_that_steps_table(client):
    run_id, _ = client.create(batch="mini", batch_size=25)
    result = client.control(run_id, action="step", steps=1)
    table = result["table"]
    assert result["step"] == 1 and table["title"].startswith("update 1:")
    assert "a batch of 25 samples" in table["title"]
    assert table["rows"][0][2].startswith("x, W1, b1")  # the batch is the input x
    assert "shape 25×2" in table["markdown"]              # too large to read: summarised
    # … and one sample of that batch, at the same weights, a student can follow
    assert table["batch"] == 25
    sample = table["sample"]
    assert "one sample" in sample["title"] and "update 1" in sample["title"]
    assert "shape" not in sample["markdown"]             # every value in full
    assert [r[1] for r in sample["rows"]][:7] == [r[1] for r in table["rows"]][:7]
    assert "table" not in client.control(run_id, action="step", steps=2)


def test_the_one_step_tables_do_not_change_the_training(client):
    a, _ = client.create(seed=5, batch="mini", batch_size=10)
    b, _ = client.create(seed=5, batch="mini", batch_size=10)
    for _ in range(3):
        la = client.control(a, action="step", steps=1)["losses"]
    lb = client.control(b, action="step", steps=3)["losses"]
    assert la == lb


def test_a_full_batch_step_offers_its_first_point(client):
    run_id, _ = client.create()
    table = client.control(run_id, action="step", steps=1)["table"]
    assert table["batch"] > 1 and "a batch of" in table["title"]
    n = table["batch"]
    assert table["rows"][0][3].startswith(f"shape {n}×4,")        # the first layer, n rows
    assert np.array(json.loads(table["sample"]["rows"][0][3])).shape == (1, 4)   # one


def _events(port, run_id):
    """A generator of (event, data) read from the run's event stream."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/api/runs/{run_id}/events", headers={"Host": f"127.0.0.1:{port}"})
    response = conn.getresponse()
    assert response.getheader("Content-Type").startswith("text/event-stream")
    kind = None
    try:
        while True:
            line = response.readline().decode().rstrip("\n")
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                yield kind, json.loads(line[6:])
    finally:
        conn.close()


def _unbytes(b64):
    return np.frombuffer(base64.b64decode(b64), np.uint8) / 127.5 - 1


def test_frames_show_what_the_network_computes(client):
    run_id, hello = client.create(features=["x1", "x2", "x1x2"], hidden=[3, 2])
    stream = _events(client.port, run_id)
    kind, first = next(stream)
    assert kind == "hello" and first["config"]["hidden"] == [3, 2]
    client.control(run_id, action="step", steps=5)
    rows = []
    for kind, frame in stream:
        rows += frame["history"]
        if kind == "frame" and frame["step"] == 5:
            break
    assert [len(layer) for layer in frame["plane"]["units"]] == [3, 3, 2]
    assert [r[0] for r in rows] == [0, 5]  # each curve point sent once
    assert frame["landscape"]["n"] == 21 and len(frame["landscape"]["loss"]) == 21 * 21
    assert frame["hessian"][-1][0] == 5
    # the boundary and the first hidden layer again, in NumPy, from the frame's weights
    R, g = hello["domain"], hello["grid"]
    xs = np.linspace(-R, R, g)
    x1, x2 = np.meshgrid(xs, xs[::-1])
    f = np.stack([x1.ravel(), x2.ravel(), (x1 * x2).ravel()], axis=1)
    (w1, w2, w3) = [np.array(layer["W"]) for layer in frame["weights"]]
    (b1, b2, b3) = [np.array(layer["b"]) for layer in frame["weights"]]
    h1 = np.tanh(f @ w1.T + b1)
    s = (np.tanh(h1 @ w2.T + b2) @ w3.T + b3)[:, 0]
    np.testing.assert_allclose(_unbytes(frame["plane"]["values"]), np.tanh(s / 2), atol=0.01)
    sub = h1.reshape(g, g, 3)[::2, ::2]
    for k, unit in enumerate(frame["plane"]["units"][1]):
        assert unit["scale"] == 1.0
        np.testing.assert_allclose(_unbytes(unit["map"]), sub[..., k].ravel(), atol=0.01)


def test_a_playing_run_neither_blocks_nor_disturbs_another(client):
    a, _ = client.create(seed=1)
    b, _ = client.create(seed=1)
    client.control(a, action="play", speed=5)
    try:
        lb = [client.control(b, action="step", steps=10)["losses"] for _ in range(10)]
    finally:
        client.control(a, action="pause")
    assert client.control(a, action="pause")["step"] > 0  # a trained meanwhile
    c, _ = client.create(seed=1)
    lc = [client.control(c, action="step", steps=10)["losses"] for _ in range(10)]
    assert lb == lc


def test_open_runs_are_bounded(server, client, monkeypatch):
    monkeypatch.setattr(server.runs, "limit", 2)
    a, _ = client.create()
    b, _ = client.create()
    c, _ = client.create()  # nobody watches a or b: the oldest gives way
    assert client.request("POST", f"/api/runs/{a}/control", {"action": "play"})[0] == 404
    streams = [_events(client.port, r) for r in (b, c)]
    for s in streams:
        next(s)  # connected: the runs are watched now
    status, data, _ = client.request("POST", "/api/runs", {})
    assert status == 503 and "already has 2 runs open" in data["error"]
    for s in streams:
        s.close()


def test_a_diverging_run_stops_with_a_message(client):
    run_id, _ = client.create(dataset="regression", features=["x1"], loss="mse", lr=10,
                              optimizer="sgd", hidden=[8])
    result = client.control(run_id, action="step", steps=200)
    assert "diverged" in result["error"] and "lower the learning rate" in result["error"]
    assert client.control(run_id, action="play")["playing"] is False
    client.control(run_id, action="reset")
    assert client.control(run_id, action="pause")["error"] is None


def test_threads_end_with_the_server():
    srv = server_module.PlaygroundServer("127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    run = srv.runs.create(server_module.parse_config({}))
    run.play()
    srv.shutdown()
    srv.close()
    assert not run._thread.is_alive()


def test_a_bug_is_a_500_with_its_message_and_the_server_lives_on(client, monkeypatch, capsys):
    from xarxa.apps.playground.run import Run

    def broken(self):
        raise RuntimeError("boom")
    monkeypatch.setattr(Run, "hello", broken)
    status, data, _ = client.request("POST", "/api/runs", {})
    assert status == 500 and "internal error (RuntimeError: boom)" in data["error"]
    assert "Traceback" in capsys.readouterr().err
    monkeypatch.undo()
    assert client.request("POST", "/api/runs", {})[0] == 201
