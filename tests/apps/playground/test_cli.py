"""`xarxa playground`: the URL, the browser, the options, a clean Ctrl-C."""
import http.client
import signal
import socket
import subprocess
import sys
import time
import webbrowser

import pytest

from xarxa.apps.cli import main
from xarxa.apps.playground.server import PlaygroundServer

# SIGINT back to Python's default first: a shell's background job (`pytest &`, nohup)
# starts its children with SIGINT ignored, and Python then installs no KeyboardInterrupt
# handler, so the Ctrl-C these tests send would be lost.
CLI = [sys.executable, "-c", "import signal, sys; "
       "signal.signal(signal.SIGINT, signal.default_int_handler); "
       "from xarxa.apps.cli import main; sys.exit(main())", "playground"]


def test_serves_the_page_and_stops_cleanly_on_ctrl_c():
    proc = subprocess.Popen(CLI + ["--no-browser"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("xarxa playground: http://127.0.0.1:") and "Ctrl-C" in line
        port = int(line.split(":")[3].split("/")[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/")
        assert conn.getresponse().status == 200
        conn.close()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill() if proc.poll() is None else None
    assert proc.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err


def test_a_host_off_loopback_gets_a_warning():
    proc = subprocess.Popen(CLI + ["--no-browser", "--host", "127.0.0.2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("xarxa playground: http://127.0.0.2:")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill() if proc.poll() is None else None
    assert "warning: listening on 127.0.0.2, not on the loopback address" in err


def test_bad_options_and_a_busy_port_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["playground", "--port", "70000"])
    assert exit_info.value.code == 2
    assert "--port expects a number in 0..65535" in capsys.readouterr().err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["playground", "--no-browser", "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_opens_the_browser_unless_told_not_to(monkeypatch, capsys):
    opened = []
    monkeypatch.setattr(webbrowser, "open", opened.append)

    def serve_briefly(self, poll_interval=0.5):
        time.sleep(0.3)  # the browser is opened from a thread
        raise KeyboardInterrupt
    monkeypatch.setattr(PlaygroundServer, "serve_forever", serve_briefly)
    assert main(["playground", "--port", "0"]) == 0
    url = capsys.readouterr().out.split()[2]
    assert opened == [url]
    opened.clear()
    assert main(["playground", "--port", "0", "--no-browser"]) == 0
    assert opened == []
