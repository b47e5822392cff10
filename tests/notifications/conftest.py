"""Real local servers for channel tests: an HTTP receiver and an SMTP server."""
import json
import socket
import ssl
import subprocess
import threading
from collections import deque
from datetime import datetime, timezone

import pytest
from aiosmtpd.controller import Controller
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from engine.clock import FrozenClock


class Receiver:
    """A WSGI app that records requests and answers from a script."""

    def __init__(self):
        self.requests = []
        self.script = deque()

    def answer(self, status=200, body="ok", headers=None):
        self.script.append((status, body, headers or {}))

    def __call__(self, environ, start_response):
        request = Request(environ)
        raw = request.get_data()
        self.requests.append({"path": request.full_path.rstrip("?"), "headers": dict(request.headers),
                              "body": raw, "json": json.loads(raw) if raw else None})
        status, body, headers = self.script.popleft() if self.script else (200, "ok", {})
        if isinstance(body, dict):
            body = json.dumps(body)
        return Response(body, status=status, headers=headers)(environ, start_response)


def _serve(app, ssl_context=None):
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=ssl_context)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def receiver():
    app = Receiver()
    server, thread = _serve(app)
    app.url = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory):
    """A self-signed certificate for localhost / 127.0.0.1."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


@pytest.fixture
def tls_receiver(tls_cert):
    app = Receiver()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_cert)
    seen_sni = []
    context.sni_callback = lambda sock, name, ctx: seen_sni.append(name)
    server, thread = _serve(app, context)
    app.port = server.server_port
    app.sni = seen_sni
    yield app
    server.shutdown()
    thread.join()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailSink:
    """aiosmtpd handler: keeps messages; can answer a scripted code first."""

    def __init__(self):
        self.envelopes = []
        self.script = deque()

    async def handle_DATA(self, server, session, envelope):
        if self.script:
            return self.script.popleft()
        self.envelopes.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp_server():
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    yield sink
    controller.stop()


@pytest.fixture(name="free_port")
def free_port_fixture():
    return free_port


@pytest.fixture
def tls_smtp_server(tls_cert):
    """SMTP requiring STARTTLS and login sales/pw."""
    from aiosmtpd.smtp import AuthResult

    sink = MailSink()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_cert)

    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"sales", b"pw"))

    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True, authenticator=authenticator)
    controller.start()
    sink.port = controller.port
    yield sink
    controller.stop()


@pytest.fixture
def clock():
    return FrozenClock(datetime(2026, 3, 9, 1, 0, tzinfo=timezone.utc))


class Sleeps(list):
    """Records backoff delays instead of sleeping."""

    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()
