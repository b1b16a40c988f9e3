"""A private Postfix (Debian's) on loopback for tests: its own config_directory and queue_directory under a
temporary directory, its master in the foreground as the test's child; never the system-wide instance."""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.smtp import free_port

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = relay.portal.test
mydomain = portal.test
myorigin = $myhostname
mydestination =
local_recipient_maps =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:{next_hop}
smtp_dns_support_level = disabled
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtputf8_enable = no
biff = no
maillog_file = {root}/maillog
maillog_file_prefixes = {root}
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtp_connection_cache_on_demand = no
"""


def _master_cf(port):
    """Debian's master.cf, nothing chrooted (the queue is ours), smtpd only on our loopback port."""
    lines = []
    for line in Path("/etc/postfix/master.cf").read_text().splitlines():
        fields = line.split()
        if not fields or line.startswith(("#", " ", "\t")):
            lines.append(line)
            continue
        if fields[0] == "smtp" and fields[1] == "inet":
            fields[0] = f"127.0.0.1:{port}"
        if len(fields) >= 8:
            fields[4] = "n"
        lines.append("  ".join(fields))
    return "\n".join(lines) + "\n"


class Postfix:
    """`postfix -c <dir> start-fg`, relaying everything it accepts to 127.0.0.1:next_hop."""

    def __init__(self, next_hop):
        if not Path(POSTFIX).exists():
            raise RuntimeError("Postfix is missing: `make test` installs it (apt-get install postfix).")
        self.root = Path(tempfile.mkdtemp(prefix="portal-postfix-"))
        self.root.chmod(0o755)
        self.config = self.root / "etc"
        self.config.mkdir()
        (self.root / "queue").mkdir()  # `postfix check` makes what is inside, with Postfix's owners and modes
        (self.root / "data").mkdir()
        owner = pwd.getpwnam("postfix")
        os.chown(self.root / "data", owner.pw_uid, owner.pw_gid)
        self.port = free_port()
        (self.config / "main.cf").write_text(MAIN_CF.format(root=self.root, next_hop=next_hop))
        (self.config / "master.cf").write_text(_master_cf(self.port))
        self.process = None

    def _postfix(self, *args):
        return subprocess.run([POSTFIX, "-c", str(self.config), *args], capture_output=True, text=True, timeout=60)

    def start(self):
        made = self._postfix("check")  # creates the queue directories with their owners and modes
        if made.returncode:
            raise RuntimeError(f"postfix check failed: {made.stderr}{made.stdout}")
        self.process = subprocess.Popen([POSTFIX, "-c", str(self.config), "start-fg"], stdout=subprocess.DEVNULL,
                                        stderr=open(self.root / "stderr.log", "ab"), start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("Postfix exited:\n" + self.log())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"220"):
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("Postfix did not answer:\n" + self.log())

    def stop(self):
        if self.process and self.process.poll() is None:
            self._postfix("stop")
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self):
        return "\n".join(path.read_text(errors="replace") for path in (self.root / "maillog",
                                                                        self.root / "stderr.log") if path.exists())
