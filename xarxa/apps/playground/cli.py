"""`xarxa playground`: its options and the loop that serves until Ctrl-C.

    xarxa playground                      # 127.0.0.1, a free port, opens the browser
    xarxa playground --port 8000 --no-browser
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading
import webbrowser

from .server import LOOPBACK, PlaygroundServer


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"--port expects a number in 0..65535 (0: any free "
                                         f"port), got {text!r}")
    return port


def add_parser(sub) -> None:
    p = sub.add_parser("playground", help="train a network live in the browser and see "
                       "inside it while it learns",
                       description="Serve the playground page on this machine: choose data, "
                       "network and training, watch the boundary, the units, the curves, the "
                       "loss landscape and the Hessian, click a point for its forward/backward "
                       "table, export the run as a Python script. Works offline.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default "
                   "127.0.0.1: this machine only; anything else is reachable from the network)")
    p.add_argument("--port", type=_port, default=0, help="port (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="print the URL, open nothing")


def serve(host: str = "127.0.0.1", port: int = 0, open_browser: bool = True) -> int:
    """Serve until Ctrl-C; returns the exit status."""
    try:
        server = PlaygroundServer(host, port)
    except OSError as error:
        raise OSError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    if host not in LOOPBACK:
        print(f"xarxa playground: warning: listening on {host}, not on the loopback address: "
              "anyone who can reach this machine on that port can use the playground (it "
              "runs no code they send, but it spends this machine's CPU)", file=sys.stderr)
    print(f"xarxa playground: {server.url}  (Ctrl-C stops it)", flush=True)
    if open_browser:  # in a thread: some browsers' launchers block until they exit
        threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        print("\nxarxa playground: stopped", flush=True)
    finally:
        # a second Ctrl-C while the runs' threads finish their step must not leave a traceback
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) \
            if threading.current_thread() is threading.main_thread() else None
        try:
            server.close()
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
    return 0


def run(args) -> int:
    return serve(args.host, args.port, open_browser=not args.no_browser)
