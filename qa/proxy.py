"""The client's address behind trusted reverse proxies (`QA_TRUSTED_PROXIES`), as pure ASGI middleware.

Only when the connection comes from a trusted proxy is `X-Forwarded-For` read, right to left, skipping hops that
are trusted proxies themselves; the first other hop is the client. Anything left of it was written by the client
and could be forged, so it is never used. From any other peer the header is ignored. The rate limit and the
access log then see the client, not the proxy.
"""

from __future__ import annotations

import ipaddress

from .settings import proxy_networks


class ForwardedClient:
    def __init__(self, app, trusted: str):
        self.app = app
        self.networks = proxy_networks(trusted)

    def trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    def client_of(self, peer: str, headers: list[tuple[bytes, bytes]]) -> str:
        if not self.trusted(peer):
            return peer
        values = [v.decode("latin-1") for k, v in headers if k == b"x-forwarded-for"]
        hops = [h.strip() for h in ",".join(values).split(",") if h.strip()]
        client = peer
        for hop in reversed(hops):
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                break  # a malformed hop ends what can be believed; the last believed address stands
            client = hop
            if not self.trusted(hop):
                break
        return client

    async def __call__(self, scope, receive, send):
        if self.networks and scope["type"] == "http" and scope.get("client"):
            host = scope["client"][0]
            client = self.client_of(host, scope["headers"])
            if client != host:
                scope = {**scope, "client": (client, 0)}
        await self.app(scope, receive, send)
