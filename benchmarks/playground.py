"""How fast the playground trains and redraws: a 2-8-8-1 network on 500 training points.

    python benchmarks/playground.py [--seconds 5]

The server runs in this process on a free loopback port; a client thread reads the run's
server-sent events as a page would (and decodes every frame's JSON). For each speed
setting (updates per frame) the run plays for --seconds and the script reports the
updates per second and the frames per second that arrived, then the cost of each piece
alone (medians), then each run's updates per second when two runs play at once against one
alone (runs share no lock: each trains in its own thread), and the same two numbers for
two pages playing at once at 5 updates per frame.

Targets (issue 13): ≥ 30 updates/s with the boundary redrawn ≥ 10 times a second.
Run it once, on a quiet machine if you can: it reports the load average it saw.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import threading
import time

import numpy as np

from xarxa.apps.playground import views
from xarxa.apps.playground.run import FPS
from xarxa.apps.playground.server import PlaygroundServer

CONFIG = {"dataset": "xor", "points": 1000, "split": 0.5, "hidden": [8, 8],
          "activation": "tanh", "optimizer": "adam", "lr": 0.01, "batch": "full"}


class Reader(threading.Thread):
    """Reads one run's event stream: the arrival time, update number and size of frames."""

    def __init__(self, port: int, run_id: str):
        super().__init__(daemon=True)
        self.port, self.run_id, self.frames = port, run_id, []

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request("GET", f"/api/runs/{self.run_id}/events",
                     headers={"Host": f"127.0.0.1:{self.port}"})
        response = conn.getresponse()
        kind = None
        while True:
            line = response.readline()
            if not line:
                return
            if line.startswith(b"event: "):
                kind = line[7:].strip()
            elif line.startswith(b"data: ") and kind == b"frame":
                frame = json.loads(line[6:])
                self.frames.append((time.monotonic(), frame["step"], len(line)))


def post(port: int, path: str, body: dict) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json",
                                                  "Host": f"127.0.0.1:{port}"})
    data = json.loads(conn.getresponse().read())
    conn.close()
    return data


def play(port: int, readers: list[Reader], ids: list[str], speed: int, seconds: float):
    """(updates/s, frames/s, median frame bytes) of each run while all of them play."""
    for run_id in ids:
        post(port, f"/api/runs/{run_id}/control", {"action": "play", "speed": speed})
    time.sleep(0.5)  # warm-up
    marks = [len(r.frames) for r in readers]
    time.sleep(seconds)
    ends = [len(r.frames) for r in readers]
    for run_id in ids:
        post(port, f"/api/runs/{run_id}/control", {"action": "pause"})
    out = []
    for r, a, b in zip(readers, marks, ends):
        got = r.frames[a:b]
        span = got[-1][0] - got[0][0]
        out.append(((got[-1][1] - got[0][1]) / span, (len(got) - 1) / span,
                    statistics.median(f[2] for f in got)))
    return out


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}; "
          f"frames at most {FPS}/s")
    server = PlaygroundServer("127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        created = post(port, "/api/runs", CONFIG)
        run_id = created["id"]
        reader = Reader(port, run_id)
        reader.start()
        print(f"\n2-8-8-1 tanh network, {len(created['hello']['train'])} training points "
              f"(+{len(created['hello']['test'])} test points scored every frame), Adam, "
              f"full batch; {args.seconds:g} s per row\n")
        print("| updates per frame | updates/s | frames/s | frame size |")
        print("|---:|---:|---:|---:|")
        for speed in (1, 2, 5, 25, 100):
            ups, fps, size = play(port, [reader], [run_id], speed, args.seconds)[0]
            print(f"| {speed} | {ups:.0f} | {fps:.1f} | {size / 1024:.1f} KiB |", flush=True)

        run = server.runs.get(run_id)
        with run.compute, np.errstate(all="ignore"):
            step = median_time(run._train_step, 200)
            evaluate = median_time(run._evaluate, 50)
            plane = median_time(lambda: views.plane(run), 50)
            weights = median_time(lambda: views.weights(run.model), 50)
            land = median_time(lambda: views.loss_landscape(run), 5)
            hess = median_time(lambda: views.top_eigenvalue(run), 5)
        print("\n| piece (median) | time |\n|---|---:|")
        for name, t in (("one update (forward, loss, backward, Adam)", step),
                        ("train and test loss and accuracy", evaluate),
                        ("boundary 50×50 and every unit's picture", plane),
                        ("weights for the drawing", weights),
                        ("loss landscape 21×21 (every 2 s while playing)", land),
                        ("Hessian λmax, Lanczos ≤ 20 products (every 1 s)", hess)):
            print(f"| {name} | {t * 1e3:.2f} ms |")

        # 100 updates per frame: the updates dominate; one alone just before two at once
        alone = play(port, [reader], [run_id], 100, args.seconds)[0][0]
        second = post(port, "/api/runs", dict(CONFIG, seed=1))["id"]
        other = Reader(port, second)
        other.start()
        time.sleep(0.3)
        pair = play(port, [reader, other], [run_id, second], 100, args.seconds)
        print("\n| 100 updates per frame | updates/s of each run |\n|---|---:|")
        print(f"| one run alone | {alone:.0f} |")
        print(f"| two runs at once | {pair[0][0]:.0f} and {pair[1][0]:.0f} "
              f"(together {pair[0][0] + pair[1][0]:.0f}) |")
        both = play(port, [reader, other], [run_id, second], 5, args.seconds)
        print("\ntwo pages playing at once (5 updates per frame): " + "; ".join(
            f"run {i + 1}: {ups:.0f} updates/s, {fps:.1f} frames/s"
            for i, (ups, fps, _) in enumerate(both)))
    finally:
        server.shutdown()
        server.close()


if __name__ == "__main__":
    main()
