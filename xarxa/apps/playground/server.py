"""The playground's HTTP server: the static page, a small JSON API and server-sent events.

Python's standard library serves it (`http.server.ThreadingHTTPServer`): a local teaching
tool with one user and a few pages needs no framework, and nothing to install means
`xarxa playground` works offline right after `pip install xarxa`. Server-sent events (a
long GET response, which the browser's `EventSource` reads and reconnects by itself)
carry the frames one way, which is all the page needs; its buttons are plain POSTs.

    GET  /                           the page (its state lives in the query string)
    GET  /static/<file>              its JavaScript and CSS (shipped in the package)
    GET  /api/options                choices, bounds and defaults of every setting
    POST /api/runs                   settings -> a new run {id, hello}
    GET  /api/runs/<id>/events       server-sent events: hello, then frames
    POST /api/runs/<id>/control      {"action": play | pause | step | reset, "steps", "speed"}
    POST /api/runs/<id>/trace        {"set": train | test, "index"} -> forward/backward table
    GET  /api/runs/<id>/export       the Python script that reproduces the run
    DELETE /api/runs/<id>            stop the run

Safety: nothing a request sends is evaluated; every setting is checked (`config`); a
request whose Host is not this server's loopback address (DNS rebinding), whose Origin is
another site's, or whose Sec-Fetch-Site says cross-site is refused with 403 — no CORS
headers are ever sent, and POST bodies must be JSON (which a foreign page cannot send
without a preflight this server refuses). Each run trains in its own thread; at most
`MAX_RUNS` exist at once.
"""
from __future__ import annotations

import json
import re
import secrets
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from .config import (BATCHES, CLASSIFICATION_LOSSES, DATASETS, FEATURES, INITS,
                     MAX_LAYERS, MAX_STEPS_PER_REQUEST, MAX_WIDTH, OPTIMIZERS,
                     REGRESSION_LOSSES, SCHEDULES, ACTIVATIONS, MAX_SPEED, Config, ConfigError,
                     NUMBERS, json_int, number, parse_config)
from .export import script
from .run import Run

MAX_RUNS = 8            # runs alive at once (each has a thread and a model)
MAX_BODY = 64 * 1024    # bytes of JSON a request may send
MAX_NESTING = 8         # arrays/objects inside one another (settings need 2)
TOO_DEEP = (f"the body nests arrays or objects more than {MAX_NESTING} deep; settings are "
            "one JSON object of numbers, names and lists")
KEEPALIVE = 15.0        # seconds between comments on an idle event stream
STATIC = {"index.html": "text/html", "app.js": "text/javascript",
          "draw.js": "text/javascript", "style.css": "text/css"}
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
_RUN_PATH = re.compile(r"^/api/runs/([0-9a-f]{16})(?:/(events|control|trace|export))?$")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class HTTPError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class Runs:
    """The live runs, bounded; runs nobody watches make room for new ones."""

    def __init__(self, limit: int = MAX_RUNS):
        self.limit = limit
        self._runs: dict[str, Run] = {}
        self._building = 0   # runs being built (outside the lock: it takes a while)
        self._closed = False
        self._lock = threading.Lock()

    def create(self, config: Config) -> Run:
        with self._lock:
            if self._closed:
                raise HTTPError(503, "the playground is shutting down")
            victim = None
            if len(self._runs) + self._building >= self.limit:  # a place is held while built
                idle = sorted((r for r in self._runs.values() if r.listeners == 0),
                              key=lambda r: r.unwatched_since)
                if not idle:
                    raise HTTPError(503, f"the playground already has {self.limit} runs open; "
                                    "close a tab and try again")
                victim = self._runs.pop(idle[0].id)
            self._building += 1
        try:
            if victim is not None:
                victim.stop()
            run = Run(config, secrets.token_hex(8))
        except BaseException:
            with self._lock:
                self._building -= 1
            raise
        with self._lock:
            self._building -= 1
            closed = self._closed
            if not closed:
                self._runs[run.id] = run
        if closed:  # the server closed while it was built
            run.stop()
            raise HTTPError(503, "the playground is shutting down")
        return run

    def get(self, run_id: str) -> Run:
        with self._lock:
            run = self._runs.get(run_id)
        if run is None:
            raise HTTPError(404, f"no run {run_id}: it was closed or the server restarted; "
                            "reload the page")
        return run

    def delete(self, run_id: str) -> None:
        with self._lock:
            run = self._runs.pop(run_id, None)
        if run is not None:
            run.stop()

    def stop_all(self) -> None:
        with self._lock:
            runs, self._runs, self._closed = list(self._runs.values()), {}, True
        for run in runs:
            run.stop()


def _nesting(value) -> int:
    """How deep arrays and objects nest in a parsed body (a loop: no recursion to exhaust)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        value, depth = todo.pop()
        if isinstance(value, (list, dict)):
            deepest = max(deepest, depth)
            todo += [(v, depth + 1) for v in (value.values() if isinstance(value, dict)
                                               else value)]
    return deepest


def options() -> dict:
    """Everything the page's controls need: choices, bounds and defaults."""
    return {"defaults": Config().to_dict(),
            "choices": {"dataset": DATASETS, "activation": ACTIVATIONS, "init": INITS,
                        "optimizer": OPTIMIZERS, "schedule": SCHEDULES, "batch": BATCHES,
                        "loss": CLASSIFICATION_LOSSES, "regression_loss": REGRESSION_LOSSES},
            "features": {k: label for k, (label, _) in FEATURES.items()},
            "bounds": {k: [lo, hi] for k, (_, lo, hi) in NUMBERS.items()},
            "max_layers": MAX_LAYERS, "max_width": MAX_WIDTH}


class Handler(BaseHTTPRequestHandler):
    server_version = "xarxa-playground"
    server: "PlaygroundServer"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # quiet: the terminal shows the URL, not every frame request

    # -- checks ---------------------------------------------------------------------------
    def _check_origin(self, page: bool = False) -> None:
        host = self.headers.get("Host", "")
        if self.server.loopback and host not in self.server.hosts:
            raise HTTPError(403, f"refused: Host {host!r} is not this server's address "
                            f"({', '.join(sorted(self.server.hosts))})")
        origin = self.headers.get("Origin")
        if origin is not None and origin != f"http://{host}":
            raise HTTPError(403, f"refused: cross-origin request from {origin}")
        site = self.headers.get("Sec-Fetch-Site")
        navigating = page and self.headers.get("Sec-Fetch-Mode") == "navigate"
        if site not in (None, "same-origin", "none") and not navigating:
            raise HTTPError(403, f"refused: a {site} request")

    def _body(self) -> dict:
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            raise HTTPError(415, "requests must send JSON (Content-Type: application/json)")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise HTTPError(411, "Content-Length is required") from None
        if not 0 <= length <= MAX_BODY:
            raise HTTPError(413, f"request body of {length} bytes; at most {MAX_BODY}")
        try:  # overlong integers stay text (`json_int`): int() of 5000 digits raises
            body = json.loads(self.rfile.read(length) or b"{}", parse_int=json_int)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise HTTPError(400, f"the body is not valid JSON: {error}") from None
        except RecursionError:  # the parser recurses once per level
            raise HTTPError(400, TOO_DEEP) from None
        if _nesting(body) > MAX_NESTING:  # refused before a message's repr() recurses into it
            raise HTTPError(400, TOO_DEEP)
        if not isinstance(body, dict):
            raise HTTPError(400, f"expected a JSON object, got {type(body).__name__}")
        return body

    # -- replies --------------------------------------------------------------------------
    def _headers(self, status: int, ctype: str, length: int | None = None, **extra) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", CSP)
        for key, value in extra.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()

    def _send(self, status: int, data: bytes, ctype: str, **extra) -> None:
        self._headers(status, ctype, len(data), **extra)
        if self.command != "HEAD":
            self.wfile.write(data)

    def _json(self, obj, status: int = 200) -> None:
        self._send(status, json.dumps(obj, separators=(",", ":"), allow_nan=False).encode(),
                   "application/json; charset=utf-8")

    def _dispatch(self, method: str) -> None:
        try:
            path = self.path.split("?", 1)[0]
            self._check_origin(page=method == "GET" and path == "/")
            self._route(method, path)
        except HTTPError as error:
            self._json({"error": str(error)}, error.status)
        except ConfigError as error:
            self._json({"error": str(error)}, 400)
        except ConnectionError:  # the page hung up: nobody to answer
            pass
        except Exception as error:  # noqa: BLE001 - a bug: say so, keep serving
            traceback.print_exc()
            self._json({"error": f"internal error ({type(error).__name__}: {error}); "
                                 "please report it"}, 500)

    def do_GET(self):  # noqa: N802 - http.server's names
        self._dispatch("GET")

    def do_POST(self):  # noqa: N802
        self._dispatch("POST")

    def do_DELETE(self):  # noqa: N802
        self._dispatch("DELETE")

    def do_OPTIONS(self):  # noqa: N802 - no CORS preflight is ever granted
        self._json({"error": "cross-origin requests are not served"}, 405)

    def do_PUT(self):  # noqa: N802
        self._json({"error": "method not allowed"}, 405)

    # -- routes ---------------------------------------------------------------------------
    def _route(self, method: str, path: str) -> None:
        if method == "GET" and path in ("/", "/index.html"):
            return self._static("index.html")
        if method == "GET" and path.startswith("/static/"):
            return self._static(path[len("/static/"):])
        if method == "GET" and path == "/api/options":
            return self._json(options())
        if method == "POST" and path == "/api/runs":
            run = self.server.runs.create(parse_config(self._body()))
            return self._json({"id": run.id, "hello": run.hello()}, 201)
        match = _RUN_PATH.match(path)
        if not match:
            raise HTTPError(404, f"nothing at {path}")
        run, action = self.server.runs.get(match.group(1)), match.group(2)
        if method == "DELETE" and action is None:
            self.server.runs.delete(run.id)
            return self._json({"deleted": run.id})
        if method == "GET" and action == "events":
            return self._events(run)
        if method == "GET" and action == "export":
            name = f"xarxa_playground_{run.config.dataset}.py"
            return self._send(200, script(run.config, run.step_count).encode(),
                              "text/x-python; charset=utf-8",
                              Content_Disposition=f'attachment; filename="{name}"')
        if method == "POST" and action == "control":
            return self._json(self._control(run, self._body()))
        if method == "POST" and action == "trace":
            body = self._body()
            which = body.get("set", "train")
            if which not in ("train", "test") or set(body) - {"set", "index"}:
                raise HTTPError(400, f"trace: expected {{\"set\": \"train\" or \"test\", "
                                f"\"index\": n}}, got {body!r}")
            size = len(run.tensors[which][0])
            index = number("index", body.get("index"), int, 0, size - 1)
            return self._json(run.trace_point(which, index))
        raise HTTPError(405, f"{method} {path} is not supported")

    def _control(self, run: Run, body: dict) -> dict:
        action = body.get("action")
        unknown = set(body) - {"action", "steps", "speed"}
        if action not in ("play", "pause", "step", "reset") or unknown:
            raise HTTPError(400, "control: expected {\"action\": play, pause, step or reset} "
                            f"(with \"steps\" for step, \"speed\" for play), got {body!r}")
        speed = body.get("speed")
        if speed is not None:
            run.set_speed(number("speed", speed, int, 1, MAX_SPEED))
        if action == "play":
            run.play()
        elif action == "pause":
            run.pause()
        elif action == "reset":
            run.reset()
        else:
            steps = number("steps", body.get("steps", 1), int, 1, MAX_STEPS_PER_REQUEST)
            result = run.step(steps)
            return {"step": run.step_count, **result, "error": run.error,
                    "controls": run.controls}
        return {"step": run.step_count, "playing": run.playing, "error": run.error,
                "controls": run.controls}

    def _static(self, name: str) -> None:
        if name not in STATIC:
            raise HTTPError(404, f"no file {name!r}")
        data = resources.files(__package__).joinpath("static", name).read_bytes()
        self._send(200, data, STATIC[name] + "; charset=utf-8")

    def _events(self, run: Run) -> None:
        """Server-sent events: `hello` once, then every new frame, until the page goes."""
        self._headers(200, "text/event-stream; charset=utf-8")

        def send(kind: str, obj) -> None:
            data = json.dumps(obj, separators=(",", ":"), allow_nan=False)
            self.wfile.write(f"event: {kind}\ndata: {data}\n\n".encode())
            self.wfile.flush()

        with run.cond:
            run.listeners += 1
        cursor, seen = {}, -1
        try:
            send("hello", run.hello())
            while not self.server.stopping:
                seq = run.wait(seen, KEEPALIVE)
                if run.stopped:
                    send("closed", {"id": run.id})
                    break
                if seq == seen:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                    continue
                seen = seq
                send("frame", run.update(cursor))
        except (ConnectionError, TimeoutError):  # the page went away
            pass
        finally:
            with run.cond:
                run.listeners -= 1
                run.unwatched_since = time.monotonic()


class PlaygroundServer(ThreadingHTTPServer):
    daemon_threads = True   # open event streams never keep the process alive
    allow_reuse_address = True

    def __init__(self, host: str, port: int):
        if ":" in host:  # an IPv6 address such as ::1
            self.address_family = socket.AF_INET6
        super().__init__((host, port), Handler)
        self.runs = Runs()
        self.stopping = False
        self.loopback = host in LOOPBACK
        port = self.server_address[1]
        self.hosts = {f"{h}:{port}" for h in ("127.0.0.1", "localhost", "[::1]")}

    def handle_error(self, request, client_address) -> None:
        """A page that hangs up mid-request (a closed tab, a reload) is no error: nothing on
        the terminal (socketserver would print a traceback); anything else as usual."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}/"

    def close(self) -> None:
        """Stop serving, stop every run's thread, release the port."""
        self.stopping = True
        self.runs.stop_all()
        self.server_close()
