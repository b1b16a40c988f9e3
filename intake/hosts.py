"""Which addresses an agency mailbox may reach: mail servers on the Internet, never the portal's own network.

A host is resolved, every address it resolves to is checked, and the connection then goes to a checked
address (not to the name again), so a DNS answer that changes in between cannot lead anywhere else.
MAILBOX_ALLOW_PRIVATE_HOSTS lifts the check for an installation whose mail server is on its own network.
"""

import ipaddress
import socket

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CGNAT = ipaddress.ip_network("100.64.0.0/10")
METADATA = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})


class HostRefused(Exception):
    """The host resolves to an address a mailbox may not reach."""


def is_refused(address):
    """True for loopback, private (RFC 1918, ULA), link-local, CGNAT, unspecified, multicast, reserved and
    metadata addresses — anything that is not a public unicast address."""
    ip = ipaddress.ip_address(str(address).split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped:  # ::ffff:127.0.0.1 is 127.0.0.1
        ip = ip.ipv4_mapped
    return (
        ip in METADATA
        or ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified or ip.is_multicast
        or ip.is_reserved
        or (ip.version == 4 and ip in CGNAT)
        or not ip.is_global
    )


def resolve(host, port):
    """The addresses of `host`, in the resolver's order, without repeats; raises socket.gaierror."""
    addresses = []
    for _family, _type, _proto, _name, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    return addresses


def reachable_addresses(host, port):
    """The checked addresses to connect to; raises HostRefused, or socket.gaierror when the name is unknown."""
    addresses = resolve(host, port)
    if not settings.MAILBOX_ALLOW_PRIVATE_HOSTS and any(is_refused(address) for address in addresses):
        raise HostRefused(host)
    return addresses


def refusal_message(host):
    return _("Máy chủ thư “%(host)s” trỏ tới một địa chỉ trong mạng nội bộ hoặc địa chỉ dành riêng; hộp thư chỉ "
             "được kết nối tới máy chủ thư trên Internet.") % {"host": host}


def validate_mail_host(host, port=993):
    """For the settings form: refuse a host that resolves to a forbidden address. A name that does not resolve
    now is let through; reading the mailbox will say it is not found."""
    try:
        reachable_addresses(host.strip(), port)
    except HostRefused:
        raise ValidationError(refusal_message(host.strip()), code="private_host") from None
    except (socket.gaierror, UnicodeError, ValueError):
        pass


def connect(addresses, port, timeout):
    """A TCP connection to the first of `addresses` that answers; raises the last error."""
    error = OSError("no address")
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error
