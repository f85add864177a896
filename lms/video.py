"""Video addresses a lesson may embed: YouTube and Vimeo, played through their privacy-enhanced
players (youtube-nocookie.com; Vimeo with do-not-track), the only frames the lesson pages admit."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

YOUTUBE_EMBED = "https://www.youtube-nocookie.com/embed/{}"
VIMEO_EMBED = "https://player.vimeo.com/video/{}?dnt=1"
# The frame sources of the lesson pages' Content-Security-Policy: exactly the embeds above.
EMBED_ORIGINS = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^[0-9]{1,12}$")
_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com",
                  "www.youtube-nocookie.com"}  # fmt: skip
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}


def embed_url(url: str) -> str | None:
    """The privacy-enhanced player address for a pasted YouTube or Vimeo link, else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"}:
        return None
    host = (parts.hostname or "").lower()
    segments = [segment for segment in parts.path.split("/") if segment]
    if host in _YOUTUBE_HOSTS:
        if segments[:1] == ["watch"]:
            candidate = parse_qs(parts.query).get("v", [""])[0]
        elif len(segments) >= 2 and segments[0] in {"embed", "shorts", "live", "v"}:
            candidate = segments[1]
        else:
            return None
        return YOUTUBE_EMBED.format(candidate) if _YOUTUBE_ID.match(candidate) else None
    if host == "youtu.be":
        candidate = segments[0] if segments else ""
        return YOUTUBE_EMBED.format(candidate) if _YOUTUBE_ID.match(candidate) else None
    if host in _VIMEO_HOSTS:
        if host == "player.vimeo.com" and segments[:1] == ["video"]:
            segments = segments[1:]
        candidate = segments[0] if segments else ""
        return VIMEO_EMBED.format(candidate) if _VIMEO_ID.match(candidate) else None
    return None
