"""What the fake provider servers share: a real HTTP server in a thread, answering POSTs with JSON."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class JsonHandler(BaseHTTPRequestHandler):
    """Reads a POST body and sends back the JSON `answer` makes of it; subclasses define `answer`."""

    def answer(self, body: bytes) -> tuple[int, dict]:
        raise NotImplementedError

    def do_POST(self):
        status, reply = self.answer(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # keep test output quiet
        pass


@contextmanager
def serving(handler: type[JsonHandler]) -> Iterator[str]:
    """Run the handler on a free local port until the block ends; yields the server's base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
