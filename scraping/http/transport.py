"""The httpx transport that puts the address guard under every connection.

httpx's `AsyncHTTPTransport` takes no network backend, so `GuardedTransport` is a transport of its
own (httpx's documented `AsyncBaseTransport` interface) over an `httpcore.AsyncConnectionPool`
built with `network_backend=GuardedBackend(guard)`: httpcore asks that backend for every new TCP
connection, and the backend resolves the host through the guard, checks every answer, and opens the
socket to an address that passed. The pool still knows the host by its name, so TLS sends that name
(SNI) and checks the certificate against it, and a kept-alive connection is only reused for the
same scheme, host and port. No proxy is ever used: the pool is built without one and the client
with `trust_env=False`.

There is one pool per origin (scheme, host, port), holding at most `per_origin` connections: httpcore's
pool looks at every connection it holds on every request and every response (and counts them again
for each one it looks at), so one pool for a crawl of a hundred sites spends more time there than on
the request. The pools of the origins used least recently are closed once more than `max_origins`
are open, when nothing is in flight on them.
"""

from __future__ import annotations

import contextlib
import ssl
from collections import OrderedDict
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any

import httpcore
import httpx

from scraping.errors import BlockedURLError
from scraping.http.guard import AddressGuard

# httpcore's errors and the httpx errors they become, as httpx's own transport maps them.
_HTTPX_ERRORS: dict[type[Exception], type[httpx.TransportError]] = {
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.ProxyError: httpx.ProxyError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.ProtocolError: httpx.ProtocolError,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
}


@contextlib.contextmanager
def _httpx_errors() -> Iterator[None]:
    """Raise httpcore's errors as the most specific httpx error; anything else (the guard's) as is."""
    try:
        yield
    except Exception as exc:
        for kind in type(exc).__mro__:
            if kind in _HTTPX_ERRORS:
                raise _HTTPX_ERRORS[kind](str(exc)) from exc
        raise


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that resolves and checks a host itself and connects to that address."""

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._guard.resolve(host, port)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise BlockedURLError("unix sockets are not used by the scraping layer")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _ResponseStream(httpx.AsyncByteStream):
    """A response body read from httpcore, its errors raised as httpx errors."""

    def __init__(
        self, stream: Iterable[bytes] | AsyncIterable[bytes], on_close: _Origin | None = None
    ) -> None:
        assert isinstance(stream, AsyncIterable)
        self._stream = stream
        self._origin = on_close

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        try:
            if close is not None:
                await close()
        finally:
            if self._origin is not None:
                self._origin.in_flight -= 1
                self._origin = None


class _Origin:
    """The connection pool of one origin and the requests in flight on it."""

    def __init__(self, pool: httpcore.AsyncConnectionPool) -> None:
        self.pool = pool
        self.in_flight = 0


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport whose connections all go through `GuardedBackend`, one pool per origin."""

    def __init__(
        self,
        guard: AddressGuard,
        *,
        per_origin: int,
        max_origins: int = 256,
        keepalive_expiry: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._backend = GuardedBackend(guard)
        self._ssl_context = ssl_context or httpx.create_ssl_context(trust_env=False)
        self._per_origin = max(1, per_origin)
        self._max_origins = max(1, max_origins)
        self._keepalive_expiry = keepalive_expiry
        self._origins: OrderedDict[tuple[bytes, bytes, int | None], _Origin] = OrderedDict()

    async def _origin(self, url: httpx.URL) -> _Origin:
        key = (url.raw_scheme, url.raw_host, url.port)
        origin = self._origins.get(key)
        if origin is not None:
            self._origins.move_to_end(key)
            return origin
        origin = self._origins[key] = _Origin(
            httpcore.AsyncConnectionPool(
                ssl_context=self._ssl_context,
                max_connections=self._per_origin,
                max_keepalive_connections=self._per_origin,
                keepalive_expiry=self._keepalive_expiry,
                network_backend=self._backend,
            )
        )
        if len(self._origins) > self._max_origins:
            idle = [old for old, state in self._origins.items() if state.in_flight == 0 and old != key]
            for old in idle[: len(self._origins) - self._max_origins]:
                await self._origins.pop(old).pool.aclose()
        return origin

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        origin = await self._origin(request.url)
        origin.in_flight += 1
        try:
            with _httpx_errors():
                response = await origin.pool.handle_async_request(core_request)
        except BaseException:
            origin.in_flight -= 1
            raise
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream, on_close=origin),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        origins, self._origins = list(self._origins.values()), OrderedDict()
        for origin in origins:
            await origin.pool.aclose()
