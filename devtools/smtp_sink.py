"""A real SMTP server for tests and benchmarks, run in its own process:

    python -m devtools.smtp_sink --port 2525 --log /tmp/mail.jsonl [--store DIR]

Every accepted message is one JSON line in --log (recipients, Message-ID, size), written before
the server answers 250. Addresses at reject.example are refused (550), at tempfail.example
deferred (451), so tests can exercise permanent and temporary failures.
"""

import argparse
import asyncio
import json
import os
import re
import signal
from pathlib import Path

from aiosmtpd.controller import Controller

REJECT_DOMAINS = {"reject.example"}
TEMPFAIL_DOMAINS = {"tempfail.example"}
MESSAGE_ID_RE = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class Sink:
    def __init__(self, log_path, store):
        self.log = open(log_path, "a", encoding="utf-8")
        self.store = Path(store) if store else None
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = address.rpartition("@")[2].lower()
        if domain in REJECT_DOMAINS:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if domain in TEMPFAIL_DOMAINS:
            return f"451 4.3.0 <{address}>: Temporary failure, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        content = envelope.original_content or envelope.content
        found = MESSAGE_ID_RE.search(content[:8192])
        record = {"n": self.count, "from": envelope.mail_from, "to": envelope.rcpt_tos,
                  "message_id": found.group(1).decode() if found else "", "size": len(content)}
        if self.store:
            path = self.store / f"{self.count:06d}.eml"
            path.write_bytes(content)
            record["path"] = str(path)
        self.log.write(json.dumps(record) + "\n")
        self.log.flush()
        os.fsync(self.log.fileno())
        return f"250 2.0.0 Ok: queued as {self.count:06d}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--store")
    args = parser.parse_args()
    if args.store:
        Path(args.store).mkdir(parents=True, exist_ok=True)
    controller = Controller(Sink(args.log, args.store), hostname=args.host, port=args.port,
                            data_size_limit=200 * 1024 * 1024, decode_data=False)
    controller.start()
    print(f"listening on {args.host}:{args.port}", flush=True)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == "__main__":
    main()
