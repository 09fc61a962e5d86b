"""A tiny SMTP server on a loopback port for the tests: a real socket conversation (RFC 5321)."""

from __future__ import annotations

import socket
import socketserver
import threading
from contextlib import contextmanager


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive messages, several per connection."""

    def handle(self):
        self.wfile.write(b"220 test ESMTP\r\n")
        envelope = {"from": None, "to": [], "data": b""}
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.wfile.write(b"250 test\r\n")
            elif command.startswith("MAIL FROM:"):
                envelope = {"from": line.decode().strip()[10:], "to": [], "data": b""}
                self.wfile.write(b"250 OK\r\n")
            elif command.startswith("RCPT TO:"):
                envelope["to"].append(line.decode().strip()[8:])
                self.wfile.write(b"250 OK\r\n")
            elif command == "DATA":
                self.wfile.write(b"354 go ahead\r\n")
                chunks = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    chunks.append(chunk)
                envelope["data"] = b"".join(chunks)
                self.server.received.append(envelope)
                self.wfile.write(b"250 queued\r\n")
            elif command == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


@contextmanager
def running_smtp_server():
    """Serve SMTP on a free loopback port until the block ends; mails land in `server.received`."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on: connecting fails at once, like an SMTP server that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
