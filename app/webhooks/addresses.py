"""Where a webhook may be sent: http(s) URLs, and only to public addresses unless the
``WEBHOOK_ALLOW_PRIVATE`` setting permits loopback and private ones.

A subscription is an administrator's, but a URL that reaches the server's own network
(``http://127.0.0.1:6379``, a cloud's metadata address) would let the webhook probe it.
The host is resolved when the subscription is saved and again before each attempt (a
name can be pointed elsewhere later); redirects are not followed.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

URL_MAX = 2000


class AddressRefused(ValueError):
    """The URL is not one a webhook may be sent to; the message says why."""


def check_url(url: str, *, allow_private: bool) -> str:
    """``url`` if a webhook may be sent there, else ``AddressRefused``."""
    if len(url) > URL_MAX:
        raise AddressRefused(_l("The address is too long."))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused(_l("Give a full web address starting with https:// or http://."))
    if parts.username or parts.password:
        raise AddressRefused(_l("Leave user names and passwords out of the address."))
    if not allow_private:
        check_public(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    return url


def check_public(host: str, port: int) -> None:
    """Refuse a host that is, or resolves to, a loopback, private, link-local or otherwise
    reserved address."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefused(_l("The server name cannot be found.")) from exc
    for *_rest, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if not address.is_global or address.is_multicast:
            raise AddressRefused(
                _l(
                    "The address leads to a private or local network (%(address)s): webhooks "
                    "go to public addresses only.",
                    address=str(address),
                )
            )
