"""Social profiles: canonical profile URLs of LinkedIn company pages, X/Twitter, Facebook, Instagram,
YouTube, GitHub, TikTok, XING company pages and Pinterest. Share links, login pages and posts are not
profiles; LinkedIn /in/ pages are people.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

_SHARE_PATHS = re.compile(
    r"^/(sharer|share|sharearticle|intent|dialog|plugins|home|search|hashtag|i|login|signup|"
    r"watch|embed|results|shorts|p|reel|reels|explore|tr|events|groups|marketplace|legal|about|"
    r"privacy|policies|help|settings|feed|jobs|notifications|messages|sharing|permalink\.php|"
    r"orgs|features|topics|sponsors|pricing|enterprise|site)(?:[/.?]|$)",
    re.I,
)


def social_profile(url: str) -> tuple[str, str] | None:
    """(network, canonical profile URL) for a social link; ("person", url) for a LinkedIn /in/ page."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    for prefix in ("www.", "m.", "mobile.", "web."):  # web.facebook.com is Facebook's own alias
        host = host.removeprefix(prefix)
    path = re.sub(r"/{2,}", "/", unquote(parts.path)).rstrip("/")
    segments = [segment for segment in path.split("/") if segment]
    if not segments:
        return None
    # Country subdomains (au.linkedin.com) are LinkedIn; notlinkedin.com is not.
    if host == "linkedin.com" or host.endswith(".linkedin.com"):
        if len(segments) >= 2 and segments[0] in ("company", "school", "showcase"):
            return "linkedin", f"https://www.linkedin.com/{segments[0]}/{segments[1].lower()}"
        if len(segments) >= 2 and segments[0] == "in":
            return "person", f"https://www.linkedin.com/in/{segments[1].lower()}"
        return None
    if _SHARE_PATHS.match(path):
        return None
    handle = segments[0]
    if host in ("twitter.com", "x.com"):
        if re.fullmatch(r"[A-Za-z0-9_]{1,15}", handle):
            return "twitter", f"https://x.com/{handle.lower()}"
    elif host in ("facebook.com", "fb.com"):
        if handle == "profile.php":
            return None
        if re.fullmatch(r"[A-Za-z0-9.\-]{2,80}", handle) and not handle.endswith(".php"):
            return "facebook", f"https://www.facebook.com/{handle.lower()}"
    elif host == "instagram.com":
        if re.fullmatch(r"[A-Za-z0-9._]{1,30}", handle):
            return "instagram", f"https://www.instagram.com/{handle.lower()}"
    elif host == "youtube.com":
        if handle == "channel" and len(segments) >= 2:  # channel ids are case-sensitive
            return "youtube", f"https://www.youtube.com/channel/{segments[1]}"
        if handle in ("c", "user") and len(segments) >= 2:
            return "youtube", f"https://www.youtube.com/{handle}/{segments[1].lower()}"
        if handle.startswith("@"):
            return "youtube", f"https://www.youtube.com/{handle.lower()}"
    elif host == "tiktok.com":
        if re.fullmatch(r"@[A-Za-z0-9._]{2,24}", handle):
            return "tiktok", f"https://www.tiktok.com/{handle.lower()}"
    elif host == "xing.com":
        if handle in ("pages", "companies") and len(segments) >= 2:
            return "xing", f"https://www.xing.com/{handle}/{segments[1].lower()}"
    elif re.fullmatch(r"(?:[a-z]{2}\.)?pinterest\.(?:com|[a-z]{2}|co\.[a-z]{2}|com\.[a-z]{2})", host):
        # country domains and subdomains: pinterest.pt, pinterest.co.uk, pl.pinterest.com
        if re.fullmatch(r"[A-Za-z0-9_]{3,30}", handle) and len(segments) == 1:
            return "pinterest", f"https://www.pinterest.com/{handle.lower()}"
    elif host == "github.com":
        if re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})", handle):
            return "github", f"https://github.com/{handle.lower()}"
    return None
