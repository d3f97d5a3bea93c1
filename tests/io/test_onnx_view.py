"""A trained model opens in Netron from one command (issue 22): `xarxa train --export-onnx`
writes model.onnx (ONNX Runtime gives the checkpoint's outputs), `xarxa view` serves a file
or a checkpoint with Netron's page made offline (no telemetry, no consent look-up, no
update lock, a Content-Security-Policy that allows this server only), and headless Chromium
renders the graph with the layers' names, fetching nothing from elsewhere (skipped without
Chromium and its driver, which .ci/run installs)."""
import json
import sys
import threading
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

import xarxa as xa

pytest.importorskip("onnx")
pytest.importorskip("netron")
from xarxa.apps import view  # noqa: E402
from xarxa.apps.cli import main  # noqa: E402
from headless import CHROMIUM, DRIVER, start_chromium



@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "cnn"
    assert main(["train", "--model", "cnn", "--epochs", "1", "--subset", "64",
                 "--batch-size", "32", "--out", str(out), "--no-progress",
                 "--export-onnx"]) == 0
    return out


@pytest.fixture
def served(run_dir):
    server = view.serve(str(run_dir / "model.onnx"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def test_train_writes_model_onnx_with_the_checkpoints_outputs(run_dir):
    import onnxruntime as ort
    from xarxa.apps.train.run import restore
    ckpt = xa.load(str(run_dir / "checkpoint.npz"))
    _, model = restore(ckpt, ckpt["extra"]["config"], str(run_dir / "checkpoint.npz"))
    x = xa.tensor(xa.datasets.digits().arrays[0][:5])
    with xa.no_grad():
        expected = model.eval()(x).numpy()
    session = ort.InferenceSession(str(run_dir / "model.onnx"),
                                   providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": x.numpy()})[0]   # 5 images: the batch is dynamic
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_a_checkpoint_is_exported_for_viewing(run_dir, tmp_path):
    path = view.model_file(str(run_dir / "checkpoint.npz"), str(tmp_path))
    assert path == str(tmp_path / "checkpoint.onnx")
    assert xa.onnx.load(path).input_names == ["input"]
    assert view.model_file(str(run_dir / "model.onnx"), str(tmp_path)) == \
        str(run_dir / "model.onnx")
    assert main(["view", str(tmp_path / "missing.onnx"), "--no-browser"]) == 2


def test_the_page_is_served_offline(served, run_dir):
    status, headers, page = _get(served.url)
    page = page.decode()
    assert status == 200 and "connect-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Set-Cookie"].startswith("consent=")       # no ipinfo.io consent look-up
    assert '<meta name="version"' not in page and '<meta name="date"' not in page
    assert '<meta name="file" content="/data/model.onnx">' in page
    status, _, data = _get(served.url + "data/model.onnx")
    assert data == (run_dir / "model.onnx").read_bytes()
    assert _get(served.url + "index.js")[0] == 200
    for path in ("../../../etc/passwd", "data/other.onnx", "nothing.js"):
        with pytest.raises(urllib.error.HTTPError, match="404"):
            _get(served.url + path)


@pytest.mark.skipif(not (CHROMIUM and DRIVER),
                    reason="needs Chromium and its driver (Debian: apt-get install chromium "
                    "chromium-driver; .ci/run installs them)")
def test_netron_renders_the_graph_with_layer_names(served, tmp_path, monkeypatch):
    driver = start_chromium(tmp_path / "profile", window=(1400, 1000),
                            logs=("browser", "performance"), monkeypatch=monkeypatch)
    try:
        driver.get(served.url)
        end, ids = time.monotonic() + 30, []
        while time.monotonic() < end and not ids:
            ids = driver.execute_script("return Array.from(document.querySelectorAll("
                                        "'[id^=\"node-name-\"]')).map(e => e.id)")
            time.sleep(0.1)
        # the CNN's layers, as xarxa summary names them
        assert {"node-name-features.0", "node-name-features.1", "node-name-classifier.1"} \
            <= set(ids), ids
        driver.save_screenshot(str(tmp_path / "netron.png"))
        hosts = set()
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                url = message["params"]["request"]["url"]
                if url.startswith(("http:", "https:", "ws:", "wss:")):
                    hosts.add(url.split("/")[2])
        assert hosts == {served.url.split("/")[2]}, hosts   # nothing from the network
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors
    finally:
        driver.quit()


def test_view_without_netron_says_how_to_install_it(run_dir, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "netron", None)   # as if not installed
    assert main(["view", str(run_dir / "model.onnx"), "--no-browser"]) == 2
    assert "pip install 'xarxa[onnx]'" in capsys.readouterr().err
