"""Errors a source raises. The runner turns them into events; nothing here reaches the user raw."""


class ScrapeError(Exception):
    """A source could not do its work; retrying the job later may help (network, 5xx, timeouts)."""


class ConfigurationError(ScrapeError):
    """A source is not configured or its credentials are refused: retrying will not help."""


class BlockedURLError(ScrapeError):
    """A URL was refused before any request: private address, bad scheme, robots.txt."""
