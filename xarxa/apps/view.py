"""``xarxa view MODEL``: a network in Netron, the viewer deep-learning courses use, served
from this machine.

    xarxa view model.onnx                      # an ONNX file (xa.onnx.export, PyTorch, …)
    xarxa view runs/cnn-digits-…/checkpoint.npz  # a `xarxa train` checkpoint, exported first

The page is Netron's own (the optional ``netron`` package: ``pip install 'xarxa[onnx]'``),
served here rather than by ``netron.start`` so that nothing is fetched from the network:
the page's consent check (a request to ipinfo.io), its usage reports and its
"update to the newest version" lock (after 180 days) are switched off, and the browser is
told (Content-Security-Policy) to load nothing from anywhere but this server. Node names
are the model's layer paths, as ``xarxa summary`` prints them.
"""
from __future__ import annotations

import http.server
import os
import re
import sys
import tempfile
import time
import webbrowser

__all__ = ["add_parser", "run", "serve", "netron_dir"]

# Netron's page loads scripts, styles, fonts and workers from its own folder, and the model
# from /data/; nothing else may be fetched (no telemetry, no look-up of the country)
_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
           "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
           "worker-src 'self' blob:; frame-src 'none'; object-src 'none'")
_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css",
          ".png": "image/png", ".ico": "image/x-icon", ".json": "application/json",
          ".svg": "image/svg+xml", ".woff": "font/woff", ".woff2": "font/woff2",
          ".ttf": "font/ttf", ".otf": "font/otf"}


def netron_dir() -> str:
    """The folder of Netron's web page (the ``netron`` package), or an ImportError with the
    install hint."""
    try:
        import netron
    except ImportError:
        raise ImportError("xarxa view needs the 'netron' package (an optional dependency): "
                          "pip install 'xarxa[onnx]'") from None
    return os.path.dirname(os.path.realpath(netron.__file__))


def _page(static: str, name: str) -> bytes:
    """Netron's index.html for `name`, with neither a version (no usage reports) nor a
    build date (no "please update" lock)."""
    with open(os.path.join(static, "index.html"), encoding="utf-8") as f:
        html = f.read()
    html = re.sub(r'\s*<meta name="(version|date)" content="[^"]*">', "", html)
    safe = re.sub(r'[^\w.\-]', "_", name)
    meta = (f'<meta name="type" content="Python">\n<meta name="file" content="/data/{safe}">\n'
            f'<meta name="name" content="{safe}">\n<meta name="identifier" content="{safe}">')
    return html.replace('<meta charset="utf-8">', '<meta charset="utf-8">\n' + meta, 1) \
        .encode("utf-8")


def serve(path: str, host: str = "localhost", port: int = 0):
    """An HTTP server (not yet serving: call `serve_forever`, e.g. in a thread) showing the
    model file `path` in Netron; its address is `server.url`."""
    static = netron_dir()
    name = os.path.basename(path)
    with open(path, "rb") as f:
        model = f.read()
    page = _page(static, name)
    model_path = "/data/" + re.sub(r'[^\w.\-]', "_", name)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            route = self.path.split("?", 1)[0].split("#", 1)[0]
            if route in ("/", "/index.html"):
                return self._send(page, "text/html", cookie=True)
            if route == model_path:
                return self._send(model, "application/octet-stream")
            file = os.path.realpath(os.path.join(static, route.lstrip("/")))
            kind = _TYPES.get(os.path.splitext(file)[1])
            if kind and os.path.commonpath([static, file]) == static and os.path.isfile(file):
                with open(file, "rb") as f:
                    return self._send(f.read(), kind)
            self.send_error(404)

        def _send(self, body: bytes, kind: str, cookie: bool = False):
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", _POLICY)
            if cookie:   # consent already given: the page asks no one (no ipinfo.io look-up)
                self.send_header("Set-Cookie", f"consent={int(time.time() * 1000)}; Path=/; "
                                 "SameSite=Strict")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):   # quiet: the command prints the address once
            pass

    server = http.server.ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    server.url = f"http://{host}:{server.server_address[1]}/"
    return server


def model_file(path: str, workdir: str) -> str:
    """`path` itself if it is an ONNX file, else the `xarxa train` checkpoint it names,
    exported to ONNX in `workdir`."""
    if not os.path.isfile(path):
        raise ValueError(f"{path}: no such file")
    with open(path, "rb") as f:
        head = f.read(4)
    if path.endswith(".onnx") or not head.startswith(b"PK"):   # checkpoints are zip files
        return path
    from .train.run import export_onnx
    target = os.path.join(workdir, os.path.splitext(os.path.basename(path))[0] + ".onnx")
    return export_onnx(path, target)


def add_parser(sub) -> None:
    p = sub.add_parser("view", help="open a model (.onnx or a checkpoint) in Netron",
                       description="Serve a model to Netron's page from this machine and open "
                       "it in the browser; nothing is fetched from the network. A `xarxa "
                       "train` checkpoint is exported to ONNX first.")
    p.add_argument("model", help="an .onnx file or a checkpoint written by xarxa train")
    p.add_argument("--host", default="localhost", help="address to serve on (default: "
                   "localhost)")
    p.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="print the address only")


def run(args) -> int:
    with tempfile.TemporaryDirectory(prefix="xarxa-view-") as workdir:
        try:
            path = model_file(args.model, workdir)
            server = serve(path, args.host, args.port)
        except ImportError as error:   # an optional package missing: one line, status 2
            print(f"xarxa view: error: {error}", file=sys.stderr)
            return 2
        print(f"Netron shows {args.model} at {server.url}  (Ctrl-C to stop)", flush=True)
        if not args.no_browser:
            webbrowser.open(server.url)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    return 0
