"""A tiny SMTP server on 127.0.0.1 that keeps what it is sent: the app's real mail path, without a mail host."""
from __future__ import annotations

import socketserver
import threading
from contextlib import contextmanager


class _Session(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.server.hold.wait()  # a mail server that has stalled, until the test lets it go
        self.reply("220 sink ready")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 sink")
            elif command == "DATA":
                self.reply("354 end with .")
                lines = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(chunk.decode(errors="replace"))
                self.server.messages.append("".join(lines))
                self.reply("250 kept")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:  # MAIL FROM, RCPT TO, RSET, NOOP
                self.reply("250 ok")


@contextmanager
def smtp_sink(hold: threading.Event | None = None):
    """(host, port, messages): messages fills as the app sends.

    With ``hold``, the server answers no one until that event is set.
    """
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Session)
    server.daemon_threads = True
    server.messages = []
    if hold is None:
        hold = threading.Event()
        hold.set()
    server.hold = hold
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[0], server.server_address[1], server.messages
    finally:
        server.shutdown()
        server.server_close()
