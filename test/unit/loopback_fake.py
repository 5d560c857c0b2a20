"""A loopback HTTP server for the Python tests of the node scripts that talk
to a cloud's metadata service and APIs (burst_member_test.py,
demand_seed_test.py): `routes` maps (method, path) to handler(request) ->
(status, body); every request is recorded in `requests`."""

from __future__ import annotations

import http.server
import threading
import urllib.parse


class Fake(http.server.ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[tuple[str, str], object] = {}
        self.requests: list[dict] = []
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def handle_any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urllib.parse.urlsplit(self.path)
        req = {
            "method": self.command, "path": split.path,
            "query": dict(urllib.parse.parse_qsl(split.query)),
            "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
        }
        self.server.requests.append(req)
        route = self.server.routes.get((self.command, split.path))
        status, out = route(req) if route else (404, b"not found")
        self.send_response(status)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_PUT = do_POST = do_PATCH = handle_any
