"""The webhook transport: kept-alive connections, stale ones replaced, bounded answers, timeouts (real sockets)."""
import json
import socket
import threading

import pytest

from engine.notifications.channels import OutgoingMessage, Recipient, get_channel
from engine.notifications.channels import http as transport


class KeepAliveServer:
    """An HTTP/1.1 server on a raw socket that counts connections.

    Each connection answers ``per_connection`` requests and is then closed by the server without saying so
    (as a receiver's idle timeout does); ``answer`` is the body sent back; ``silent`` never answers at all.
    """

    def __init__(self, per_connection=1000, answer=b"ok", silent=False):
        self.per_connection, self.answer, self.silent = per_connection, answer, silent
        self.connections = 0
        self.keys: list[str] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        stream = conn.makefile("rb")
        try:
            for _ in range(self.per_connection):
                head = []
                while (line := stream.readline()) not in (b"\r\n", b""):
                    head.append(line.decode("latin-1"))
                if not head:
                    return
                length = next(int(h.split(":", 1)[1]) for h in head if h.lower().startswith("content-length"))
                self.keys.append(json.loads(stream.read(length))["idempotency_key"])
                if self.silent:
                    stream.readline()  # wait until the client gives up
                    return
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(self.answer), self.answer))
        finally:
            stream.close()
            conn.close()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        except OSError:
            pass
        self.sock.close()


@pytest.fixture
def server_factory():
    made = []

    def make(**kwargs):
        made.append(KeepAliveServer(**kwargs))
        return made[-1]
    yield make
    for s in made:
        s.close()


def send(url, key):
    channel = get_channel("webhook", {"url": url}, allow=["127.0.0.0/8"], max_attempts=1, sleep=lambda _s: None)
    return channel.send(OutgoingMessage(Recipient(1, "li@example.com", "Li"), "Follow up", "ACME at 15:00", key))


def test_one_kept_alive_connection_serves_many_sends(server_factory):
    server = server_factory()
    results = [send(server.url, f"k{i}") for i in range(5)]
    assert all(r.ok and r.attempts == 1 for r in results)
    assert server.keys == [f"k{i}" for i in range(5)]
    assert server.connections == 1


def test_a_connection_the_server_closed_while_idle_is_replaced(server_factory):
    server = server_factory(per_connection=1)  # closes after each answer although it spoke HTTP/1.1
    results = [send(server.url, f"k{i}") for i in range(3)]
    assert all(r.ok and r.attempts == 1 for r in results)  # no failed attempt, no double send
    assert server.keys == ["k0", "k1", "k2"] and server.connections == 3


def test_an_oversized_answer_is_cut_and_its_connection_not_reused(server_factory):
    server = server_factory(answer=b"x" * (transport.MAX_WEBHOOK_RESPONSE + 5000))
    assert send(server.url, "k0").ok
    assert send(server.url, "k1").ok
    assert server.keys == ["k0", "k1"] and server.connections == 2  # the unread rest made the first unusable


def test_a_receiver_that_never_answers_times_out_and_is_retried_later(server_factory, monkeypatch):
    monkeypatch.setattr(transport, "WEBHOOK_READ_TIMEOUT", 0.3)
    server = server_factory(silent=True)
    result = send(server.url, "k0")
    assert not result.ok and not result.permanent  # worth another attempt later
    assert "timed out" in result.detail and server.keys == ["k0"]


def test_nothing_listening_is_a_retryable_failure():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = send(f"http://127.0.0.1:{port}/hook", "k0")
    assert not result.ok and not result.permanent and "cannot reach 127.0.0.1" in result.detail
