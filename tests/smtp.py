"""A real SMTP server for tests: portal.smtp_sink (aiosmtpd) in its own process."""

import json
import socket
import subprocess
import sys
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
            [sys.executable, "-m", "portal.smtp_sink", "--port", str(self.port), "--log", str(self.log),
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
