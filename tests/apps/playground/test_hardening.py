"""The playground server under hostile bodies, racing tabs and clients that hang up, and runs
that train at the same time without a process-wide lock or the process-wide generator."""
import http.client
import json
import re
import socket
import struct
import threading
import time

import numpy as np
import pytest

import xarxa as xa
from xarxa.apps.playground import views
from xarxa.apps.playground.config import ConfigError, parse_config


def _raw_post(client, path, raw):
    return client.request("POST", path, raw=raw, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("raw, message", [
    (b'{"lr": 1' + b"0" * 400 + b"}", r"^lr: must lie in \[1e-05, 10\], got an integer of 401"),
    (b'{"seed": ' + b"7" * 5000 + b"}", r"^seed: must lie in .*got an integer of 5000 digits"),
    (b'{"seed": -' + b"7" * 5000 + b"}", r"^seed: must lie in"),
    (b'{"hidden": [4, ' + b"9" * 5000 + b"]}", r"^hidden\[1\]: must lie in"),
    (b"[" * 30000 + b"]" * 30000, r"^the body nests arrays or objects more than \d+ deep"),
    (b'{"hidden": ' + b"[" * 30000 + b"]" * 30000 + b"}", r"^the body nests arrays"),
    (b'{"features": ' + b"[" * 950 + b"]" * 950 + b"}", r"^the body nests arrays"),
])
def test_hostile_bodies_are_400s_naming_the_setting(client, capsys, raw, message):
    status, data, _ = _raw_post(client, "/api/runs", raw)
    assert status == 400 and re.search(message, data["error"]), data
    assert "Traceback" not in capsys.readouterr().err


def test_hostile_numbers_in_requests_to_a_run(client, capsys):
    run_id, _ = client.create()
    huge = b"1" * 5000
    for path, raw, name in (("control", b'{"action": "step", "steps": ' + huge + b"}", "steps"),
                            ("control", b'{"action": "play", "speed": 1e999}', "speed"),
                            ("trace", b'{"set": "train", "index": ' + huge + b"}", "index")):
        status, data, _ = _raw_post(client, f"/api/runs/{run_id}/{path}", raw)
        assert status == 400 and data["error"].startswith(f"{name}: "), data
    assert "Traceback" not in capsys.readouterr().err


def test_huge_python_integers_are_config_errors_too():
    with pytest.raises(ConfigError, match=r"^lr: must lie in .*got an integer of 401 digits"):
        parse_config({"lr": 10 ** 400})
    with pytest.raises(ConfigError, match=r"^seed: .*got an integer of 6001 digits"):
        parse_config({"seed": -10 ** 6000})  # str() of it would raise
    assert parse_config({"lr": 10, "seed": 2 ** 31 - 1}).lr == 10.0


def _watch(port, run_id):
    """An open event stream (the run counts as watched while it is kept)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/api/runs/{run_id}/events", headers={"Host": f"127.0.0.1:{port}"})
    response = conn.getresponse()  # it holds the socket now
    assert response.readline().startswith(b"event: hello")
    return response


def test_tabs_creating_runs_at_once_near_the_limit_get_201_or_503(server, client, capsys):
    server.runs.limit = 3
    watched, _ = client.create()
    stream = _watch(client.port, watched)
    for _round in range(2):
        barrier, statuses = threading.Barrier(4), []

        def open_tab():
            barrier.wait()
            statuses.append(client.request("POST", "/api/runs", {"hidden": [8]})[0])
        tabs = [threading.Thread(target=open_tab) for _ in range(4)]
        for t in tabs:
            t.start()
        for t in tabs:
            t.join()
        assert set(statuses) <= {201, 503} and 201 in statuses, statuses
        assert len(server.runs._runs) <= 3
    assert client.request("GET", f"/api/runs/{watched}/export")[0] == 200  # never evicted
    stream.close()
    assert "Traceback" not in capsys.readouterr().err


def _hang_up(port, data, reset):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(data)
    if reset:  # RST instead of FIN: the server's next read or write fails
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def test_clients_hanging_up_mid_request_print_nothing(client, capsys):
    host = f"Host: 127.0.0.1:{client.port}\r\n".encode()
    post = b"POST /api/runs HTTP/1.1\r\n" + host + b"Content-Type: application/json\r\n"
    partial = [post + b'Content-Length: 100\r\n\r\n{"lr"',                  # body cut short
               b"GET /api/opt",                                               # request line
               post.replace(b"json", b"text") + b"Content-Length: 2\r\n\r\n{}",  # refused
               b"GET /static/app.js HTTP/1.1\r\n" + host + b"\r\n"]           # reply unread
    for _ in range(3):
        for data in partial:
            for reset in (False, True):
                _hang_up(client.port, data, reset)
    time.sleep(1.0)  # the server's threads meet the closed sockets
    assert client.request("GET", "/api/options")[0] == 200
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err, err


def test_runs_built_at_once_get_their_seeds_weights_and_leave_the_global_generator(server,
                                                                                   client):
    xa.manual_seed(123)
    before = xa.random.get_rng_state()
    barrier, made = threading.Barrier(4), {}

    def open_tab(seed):
        barrier.wait()
        made[seed] = client.create(seed=seed, hidden=[8, 8], init="he")[0]
    tabs = [threading.Thread(target=open_tab, args=(s,)) for s in range(4)]
    for t in tabs:
        t.start()
    for t in tabs:
        t.join()
    assert xa.random.get_rng_state() == before  # nobody reseeded the process-wide one
    for seed, run_id in made.items():
        xa.manual_seed(seed)  # what the exported script does
        expected = xa.nn.Sequential(xa.nn.Linear(2, 8, init="he"), xa.nn.Linear(8, 8, init="he"),
                                    xa.nn.Linear(8, 1, init="he"))
        got = [p.numpy() for p in server.runs.get(run_id).model.parameters()]
        assert all(np.array_equal(a, b.numpy()) for a, b in zip(got, expected.parameters()))


def test_a_run_neither_waits_for_another_nor_records_its_nodes(server, client, monkeypatch):
    a, _ = client.create(seed=1)
    b, _ = client.create(seed=2, batch="mini", batch_size=25)
    inside, release = threading.Event(), threading.Event()
    original = views.loss_landscape

    def slow_for_a(run):  # run a's step request stops inside its computation
        if run.id == a:
            inside.set()
            release.wait(30)
        return original(run)
    monkeypatch.setattr(views, "loss_landscape", slow_for_a)
    stuck = threading.Thread(target=client.control, args=(a,), kwargs={"action": "step"})
    stuck.start()
    try:
        assert inside.wait(30)
        done = []
        other = threading.Thread(target=lambda: done.append(client.control(b, action="step")))
        other.start()
        other.join(15)
        assert done, "run b waited for run a's computation"
    finally:
        release.set()
        stuck.join()
    monkeypatch.undo()
    # b's table while a trains in its thread: only b's nodes, as in a run trained alone
    client.control(a, action="play", speed=100)
    try:
        table = client.control(b, action="step")["table"]
    finally:
        client.control(a, action="pause")
    c, _ = client.create(seed=2, batch="mini", batch_size=25)
    client.control(c, action="step")
    alone = client.control(c, action="step")["table"]
    assert table["rows"] == alone["rows"]
    assert json.dumps(table["rows"]) == json.dumps(alone["rows"])
