"""A playground server on a free loopback port for the tests, and a small HTTP client."""
import http.client
import json
import threading

import pytest

from xarxa.apps.playground.server import PlaygroundServer


class Client:
    def __init__(self, port: int):
        self.port = port

    def request(self, method, path, body=None, headers=None, raw=None):
        """(status, decoded JSON or text, headers) of one request."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        head = {"Host": f"127.0.0.1:{self.port}"}
        if body is not None:
            raw = json.dumps(body).encode()
            head["Content-Type"] = "application/json"
        head.update(headers or {})
        conn.request(method, path, body=raw, headers=head)
        r = conn.getresponse()
        data = r.read().decode()
        conn.close()
        if r.getheader("Content-Type", "").startswith("application/json"):
            data = json.loads(data)
        return r.status, data, dict(r.getheaders())

    def create(self, **config):
        status, data, _ = self.request("POST", "/api/runs", config)
        assert status == 201, data
        return data["id"], data["hello"]

    def control(self, run_id, **body):
        status, data, _ = self.request("POST", f"/api/runs/{run_id}/control", body)
        assert status == 200, data
        return data


@pytest.fixture
def server():
    srv = PlaygroundServer("127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.close()
    thread.join(timeout=5)


@pytest.fixture
def client(server):
    return Client(server.server_address[1])
