"""A real insurer's interface for the tests: http.server on 127.0.0.1 serving an
InsurerBook (kiosk/hw/insurer.py) as docs/insurer-api.md says, with switches that make
it fail the ways a network does.

    with InsurerServer(opening=50000) as insurer:
        ... insurer.url ... insurer.book.deducted() ...
        insurer.lose_answers = 1   # the next deduction is made, its answer never sent
"""

from __future__ import annotations

import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kiosk.hw.insurer import InsurerBook


class InsurerServer:
    def __init__(self, opening: int = 0, *, timeout: float = 1.0) -> None:
        self.book = InsurerBook(opening)
        self.timeout = timeout  # the kiosk's, set in its link: a lost answer outlasts it
        self.lose_answers = 0  # deductions made whose answers are never sent
        self.refuse_service = 0  # calls answered 503 before anything is done
        self.down = False  # every call answered 503
        self.chaos = 0.0  # a share of deductions whose answer is lost, at random
        self.calls: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                path = self.path.strip("/")
                server.calls.append(path)
                if server._fail_first():
                    self._send(503, {"error": "unavailable"})
                    return
                if path == "balance":
                    self._send(200, {"balance": server.book.balance(body["card"])})
                    return
                if path in ("deduct", "refund"):
                    reply = (server.book.deduct(body["card"], body["amount"], body["key"])
                             if path == "deduct" else server.book.refund(
                                 body["card"], body["amount"], body["key"], body["reference"]))
                    if server._lose():
                        time.sleep(server.timeout * 2)  # the kiosk gave up waiting
                        return
                elif path == "query":
                    reply = server.book.query(body["key"])
                elif path == "cancel":
                    reply = server.book.cancel(body["key"])
                else:
                    self._send(404, {"error": "no such call"})
                    return
                self._send(200, {"status": reply.status, "reference": reply.reference,
                                 "balance": reply.balance, "message": reply.message})

            def _send(self, code: int, answer: dict) -> None:
                data = json.dumps(answer).encode("utf-8")
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _fail_first(self) -> bool:
        with self._lock:
            if self.down:
                return True
            if self.refuse_service:
                self.refuse_service -= 1
                return True
            return False

    def _lose(self) -> bool:
        with self._lock:
            if self.lose_answers:
                self.lose_answers -= 1
                return True
            return self.chaos > 0 and random.random() < self.chaos

    def __enter__(self) -> "InsurerServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
