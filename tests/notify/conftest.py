"""A local HTTP SMS gateway for the notify tests: it checks each request's signature the
way a gateway operator would, from the documented protocol (not from our code)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

SECRET = "gateway-test-secret"
SMS_BACKEND = "yiwang.notify.channels.sms_http.HttpSmsChannel"


@dataclass
class Gateway:
    url: str = ""
    secret: str = SECRET
    #: What to answer next: (HTTP status, JSON body); empty -> 200 {"code": 0, "msgid": ...}.
    answers: deque[tuple[int, dict[str, Any]]] = field(default_factory=deque)
    delay: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.received if r["signature_ok"]]

    def channel_settings(self, **options: Any) -> list[dict[str, Any]]:
        return [
            {
                "code": "sms",
                "backend": SMS_BACKEND,
                "options": {
                    "url": self.url,
                    "secret": self.secret,
                    "sign": "吉林政务服务",
                    "timeout": 5,
                    **options,
                },
            }
        ]


def _handler(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            stamp = self.headers.get("X-Yiwang-Timestamp", "")
            given = self.headers.get("X-Yiwang-Signature", "")
            expected = hmac.new(
                SECRET.encode(), stamp.encode() + b"." + raw, hashlib.sha256
            ).hexdigest()
            fresh = stamp.isdigit() and abs(time.time() - int(stamp)) < 300
            ok = fresh and hmac.compare_digest(given, expected)
            with gateway.lock:
                gateway.received.append(
                    {
                        "body": json.loads(raw),
                        "signature_ok": ok,
                        "content_type": self.headers.get("Content-Type"),
                    }
                )
                n = len(gateway.received)
                answer = gateway.answers.popleft() if gateway.answers else None
            if gateway.delay:
                time.sleep(gateway.delay)
            if not ok:
                status, body = 401, {"code": 401, "msg": "signature mismatch"}
            else:
                status, body = answer or (200, {"code": 0, "msgid": f"msg-{n}"})
            data = json.dumps(body, ensure_ascii=False).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: a real gateway's log is not ours to test

    return Handler


@pytest.fixture
def sms_gateway() -> Iterator[Gateway]:
    gateway = Gateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gateway))
    server.daemon_threads = True
    host, port = server.server_address[:2]
    gateway.url = f"http://{host!s}:{port}/sms/send"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def sms_channel(settings: Any, sms_gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> Gateway:
    """The SMS channel configured against the local gateway."""
    for name in (
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    settings.YIWANG_NOTIFY_CHANNELS = sms_gateway.channel_settings()
    return sms_gateway
