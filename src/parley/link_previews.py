"""Link previews: which links a message has, and what a linked page says about itself."""

import re
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from typing import Any

from markupsafe import escape

MAX_LINKS = 3  # previews per message
TITLE_MAX, DESCRIPTION_MAX = 200, 500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Preview:
    """What a page says about itself, as plain text."""

    url: str
    title: str
    description: str

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return asdict(self)


def links_to_preview(html: str) -> list[str]:
    """The distinct http(s) links of a message's sanitized HTML, in order, at most
    MAX_LINKS: only links the sanitizer kept are ever fetched."""
    parser = _LinkParser()
    parser.feed(html)
    parser.close()
    unique = list(dict.fromkeys(parser.links))
    return unique[:MAX_LINKS]


def extract_preview(url: str, html: str) -> Preview:
    """OpenGraph title and description first, then <title> and meta description."""
    parser = _MetadataParser()
    parser.feed(html)
    parser.close()
    meta = parser.meta
    title = meta.get("og:title") or parser.title or ""
    description = meta.get("og:description") or meta.get("description") or ""
    return Preview(url, clean_text(title, TITLE_MAX), clean_text(description, DESCRIPTION_MAX))


def clean_text(text: str, limit: int) -> str:
    """One line of plain text: no control characters, spaces collapsed, bounded."""
    text = _SPACE.sub(" ", _CONTROL.sub("", text)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def flack_html(preview: dict[str, Any]) -> str:
    """Flack's HTML for a preview, appended to a v1 message's html; text is escaped."""
    url, title = escape(preview["url"]), escape(preview["title"] or preview["url"])
    description = escape(preview["description"] or "No description found.")
    return (
        f'<blockquote><p><a href="{url}" rel="nofollow noopener noreferrer">{title}</a></p>'
        f"<p>{description}</p></blockquote>"
    )


class _LinkParser(HTMLParser):
    """Collects the http(s) href of every <a>, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if href and href.lower().startswith(("http://", "https://")):
            self.links.append(href)


class _MetadataParser(HTMLParser):
    """Collects <title> and <meta name|property=... content=...> from a page's HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title: str | None = None
        self._in_title = False
        self._title_parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        if tag == "meta":
            key = (values.get("property") or values.get("name") or "").lower()
            if key and "content" in values:
                self.meta.setdefault(key, values["content"])
        elif tag == "title" and self.title is None:
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
            self.title = "".join(self._title_parts)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title_parts.append(data)
