"""The httpx transport that puts the address guard under every connection.

httpx's `AsyncHTTPTransport` takes no network backend, so `GuardedTransport` is a transport of its
own (httpx's documented `AsyncBaseTransport` interface) over an `httpcore.AsyncConnectionPool`
built with `network_backend=GuardedBackend(guard)`: httpcore asks that backend for every new TCP
connection, and the backend resolves the host through the guard, checks every answer, and opens the
socket to an address that passed. The pool still knows the host by its name, so TLS sends that name
(SNI) and checks the certificate against it, and a kept-alive connection is only reused for the
same scheme, host and port. No proxy is ever used: the pool is built without one and the client
with `trust_env=False`.
"""

from __future__ import annotations

import contextlib
import ssl
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

    def __init__(self, stream: Iterable[bytes] | AsyncIterable[bytes]) -> None:
        assert isinstance(stream, AsyncIterable)
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            await close()


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport whose connections all go through `GuardedBackend`."""

    def __init__(
        self, guard: AddressGuard, *, limits: httpx.Limits, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self._connection_pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(guard),
        )

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
        with _httpx_errors():
            response = await self._connection_pool.handle_async_request(core_request)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._connection_pool.aclose()
