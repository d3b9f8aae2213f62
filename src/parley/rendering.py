"""Markdown source to sanitized HTML."""

import nh3
from markdown_it import MarkdownIt

# Flack's inline tags, plus the block tags a multi-line chat message needs.
ALLOWED_TAGS = {
    "a", "abbr", "acronym", "b", "code", "em", "i", "strong",
    "p", "br", "pre", "blockquote", "ul", "ol", "li", "del", "s",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

# Raw HTML in the source is shown as text, never passed through.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True}).enable(
    ["linkify", "strikethrough"]
)


def render_markdown(source: str) -> str:
    """Render a message's Markdown and sanitize the result with an allow-list.

    A one-paragraph message renders without its <p> wrapper, as Flack's did
    ("hello *world*!" becomes "hello <em>world</em>!").
    """
    tokens = _markdown.parse(source)
    if [token.type for token in tokens] == ["paragraph_open", "inline", "paragraph_close"]:
        tokens = tokens[1:2]
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return sanitize_html(html).strip()


def sanitize_html(html: str) -> str:
    """Keep only allow-listed tags, attributes and URL schemes; links get rel=nofollow."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
