"""Real SMTP servers for tests: devtools.smtp_sink (aiosmtpd) in its own process, and FaultySmtp."""

import json
import re
import socket
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """A real SMTP server (aiosmtpd) in its own process, logging what it accepts."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.log = tmp_path / "smtp.jsonl"
        self.store = tmp_path / "smtp-store"
        self.log.touch()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "devtools.smtp_sink", "--port", str(self.port), "--log", str(self.log),
             "--store", str(self.store)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("SMTP sink did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def messages(self):
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]

    def received_by(self):
        counts = {}
        for message in self.messages():
            for rcpt in message["to"]:
                counts[rcpt] = counts.get(rcpt, 0) + 1
        return counts


class FaultySmtp:
    """A raw SMTP server on loopback, in a thread of the test process, that misbehaves on purpose.

    Every message whose final dot arrives is recorded in `received` (recipients, Message-ID) unless the
    server refuses it with an answer; then, by the message's ordinal n (1, 2, …):
    - `drop_after_dot(n)`: it is stored and the connection closed without an answer;
    - `late_reply(n)`: it is stored and answered 250 after `late_seconds`;
    - `tempfail_first`: each recipient's first that many messages are answered 451 (not stored);
    - `permfail(n)`: answered 554 (not stored).
    `stop()` and `start()` again on the same port refuse connections for a while.
    Every DATA received, stored or not, is in `attempts` (recipients, Message-ID, answer); the bytes of
    each stored message are in `raw`.
    """

    def __init__(self, *, drop_after_dot=lambda n: False, late_reply=lambda n: False, late_seconds=0.0,
                 tempfail_first=0, permfail=lambda n: False):
        self.port = free_port()
        self.drop_after_dot, self.late_reply, self.late_seconds = drop_after_dot, late_reply, late_seconds
        self.tempfail_first, self.permfail = tempfail_first, permfail
        self.received, self.attempts, self.raw, self.connections = [], [], [], 0
        self.lock = threading.Lock()
        self.server = None

    def start(self):
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                outer._session(self.rfile, self.wfile)

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def received_by(self):
        counts = {}
        for rcpts, _message_id in self.received:
            for rcpt in rcpts:
                counts[rcpt] = counts.get(rcpt, 0) + 1
        return counts

    def _session(self, rfile, wfile):
        def say(line):
            wfile.write(line.encode() + b"\r\n")
            wfile.flush()

        with self.lock:
            self.connections += 1
        say("220 faulty.test ESMTP")
        rcpts = []
        while line := rfile.readline():
            verb = line[:4].upper()
            if verb == b"EHLO":
                wfile.write(b"250-faulty.test\r\n250 8BITMIME\r\n")
                wfile.flush()
            elif verb in (b"HELO", b"NOOP"):
                say("250 OK")
            elif verb in (b"MAIL", b"RSET"):
                rcpts = []
                say("250 OK")
            elif verb == b"RCPT":
                rcpts.append(line.split(b"<", 1)[1].split(b">", 1)[0].decode())
                say("250 OK")
            elif verb == b"DATA":
                say("354 End data with <CR><LF>.<CR><LF>")
                if not self._data(rfile, say, rcpts):
                    return
                rcpts = []
            elif verb == b"QUIT":
                say("221 Bye")
                return
            else:
                say("502 Command not implemented")

    def _data(self, rfile, say, rcpts):
        """Read one message up to its final dot and answer it; False when the connection is to be dropped."""
        lines = []
        while (line := rfile.readline()) not in (b".\r\n", b""):
            lines.append(line)
        if not line:
            return False  # the client went away before the final dot: nothing is stored
        found = re.search(rb"^Message-ID:\s*(\S+)", b"".join(lines[:40]), re.IGNORECASE | re.MULTILINE)
        message_id = found.group(1).decode() if found else ""
        with self.lock:
            n = len(self.attempts) + 1
            earlier = sum(1 for rs, _m, answer in self.attempts if answer.startswith("451") and rs == rcpts)
            if earlier < self.tempfail_first:
                answer = "451 4.3.0 Try again later"
            elif self.permfail(n):
                answer = "554 5.7.1 Message refused"
            elif self.drop_after_dot(n):
                answer = ""
            else:
                answer = "250 2.0.0 Ok: queued"
            self.attempts.append((list(rcpts), message_id, answer))
            if answer[:1] not in ("4", "5"):
                self.received.append((list(rcpts), message_id))
                self.raw.append(b"".join(line[1:] if line.startswith(b"..") else line for line in lines))
        if not answer:
            return False
        if answer.startswith("250") and self.late_reply(n):
            time.sleep(self.late_seconds)
        say(answer)
        return True
