"""The sources of leads, one module each, and their registry (`scraping.sources.registry`).

Importing this package imports every source module, which registers it: `REGISTRY` then holds them
all. Adding a source is adding a module that registers its `run()` and importing it here; no job
code changes.
"""

from scraping.sources import crunchbase, google, linkedin, website
from scraping.sources.registry import REGISTRY, SourceContext, SourceFunc, register, source_names

__all__ = [
    "REGISTRY",
    "SourceContext",
    "SourceFunc",
    "crunchbase",
    "google",
    "linkedin",
    "register",
    "source_names",
    "website",
]
