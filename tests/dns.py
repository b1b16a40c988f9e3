"""A real DNS server for tests (dnslib, UDP on loopback, a free port), serving the TXT records a test puts in."""

import socket

import pytest
from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestDns(BaseResolver):
    """`txt[name] = value` publishes a TXT record (split in 255-byte strings as a zone would); a name in
    `failing` answers SERVFAIL; any other name is NXDOMAIN."""

    __test__ = False

    def __init__(self):
        self.txt, self.failing, self.asked = {}, set(), []
        self.port = free_udp_port()
        self.server = DNSServer(self, port=self.port, address="127.0.0.1",
                                logger=DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data"))

    @property
    def nameserver(self):
        return f"127.0.0.1:{self.port}"

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        self.asked.append(name)
        if name in self.failing:
            reply.header.rcode = RCODE.SERVFAIL
        elif name not in self.txt:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.TXT:
            value = self.txt[name].encode()
            reply.add_answer(RR(name, QTYPE.TXT, rdata=TXT([value[i:i + 255] for i in range(0, len(value), 255)]),
                                ttl=60))
        return reply

    def start(self):
        self.server.start_thread()
        return self

    def stop(self):
        self.server.stop()
        self.server.server.server_close()


@pytest.fixture
def test_dns(settings):
    """A DNS server the test controls, used by the portal's DKIM lookups (settings.DKIM_DNS_NAMESERVERS)."""
    server = TestDns().start()
    settings.DKIM_DNS_NAMESERVERS = [server.nameserver]
    yield server
    server.stop()


def publish(server, key):
    """Publish a DKIM key's TXT record as the page tells the agency to."""
    server.txt[key.dns_name] = key.dns_value
