"""Markdown source to sanitized HTML, with mentions of a channel's members."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from parley.models.user import NICKNAME_MAX_LENGTH

# Flack's inline tags, plus the block tags a multi-line chat message needs, plus the
# span of a mention (its class and data attributes are this renderer's, never the
# author's: raw HTML in the source is shown as text).
ALLOWED_TAGS = {
    "a", "abbr", "acronym", "b", "code", "em", "i", "strong",
    "p", "br", "pre", "blockquote", "ul", "ol", "li", "del", "s", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "span": {"data-user-id", "data-mention"}}
ALLOWED_CLASSES = {"span": {"mention"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

CHANNEL_WIDE = ("channel", "here")  # @channel: every member; @here: those online
MENTIONS_MAX = 50  # "@"s looked at in one message: a message cannot make a query huge
_AT = re.compile(r"(?<![\w@])@")


@dataclass
class Rendered:
    """A message's HTML, and whom it mentions: members by id, and @channel / @here."""

    html: str
    user_ids: set[int] = field(default_factory=set)
    channel_wide: set[str] = field(default_factory=set)

    @property
    def mentions_anyone(self) -> bool:
        """Whether the message mentions anybody at all."""
        return bool(self.user_ids or self.channel_wide)


def mention_candidates(source: str) -> set[str]:
    """Every text after an "@" that could be a nickname: each prefix of up to
    NICKNAME_MAX_LENGTH characters that ends where a word does."""
    candidates: set[str] = set()
    for found in list(_AT.finditer(source))[:MENTIONS_MAX]:
        after = source[found.end() : found.end() + NICKNAME_MAX_LENGTH + 1].split("\n")[0]
        for end in range(1, min(len(after), NICKNAME_MAX_LENGTH) + 1):
            if end == len(after) or not _is_word(after[end]):
                candidates.add(after[:end])
    return candidates


def _is_word(character: str) -> bool:
    return character.isalnum() or character == "_"


def _mention(state: StateInline, silent: bool) -> bool:
    """Inline rule: "@" + a member's nickname (the longest that fits), "@channel" or
    "@here", not inside a word, becomes a mention."""
    src, pos = state.src, state.pos
    if src[pos] != "@" or (pos > 0 and (_is_word(src[pos - 1]) or src[pos - 1] == "@")):
        return False
    seen = state.env.setdefault("mentions_seen", [0])
    if seen[0] >= MENTIONS_MAX:
        return False
    members: Mapping[str, int] = state.env.get("members", {})
    after = src[pos + 1 : min(state.posMax, pos + 1 + NICKNAME_MAX_LENGTH)]
    for end in range(len(after), 0, -1):
        if pos + 1 + end < state.posMax and _is_word(src[pos + 1 + end]):
            continue  # the name would end inside a word
        name = after[:end]
        if name in CHANNEL_WIDE and state.env.get("channel_wide_allowed", True):
            meta: dict[str, object] = {"channel_wide": name}
        elif name in members:
            meta = {"user_id": members[name]}
        else:
            continue
        if not silent:
            token = state.push("mention", "span", 0)
            token.content = "@" + name
            token.meta = meta
        seen[0] += 1
        state.pos += 1 + end
        return True
    return False


def _render_mention(
    renderer: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    if "user_id" in token.meta:
        user_id = int(token.meta["user_id"])
        env.setdefault("user_ids", set()).add(user_id)
        attributes = f'data-user-id="{user_id}"'
    else:
        wide = str(token.meta["channel_wide"])
        env.setdefault("channel_wide", set()).add(wide)
        attributes = f'data-mention="{wide}"'
    return f'<span class="mention" {attributes}>{escapeHtml(token.content)}</span>'


# Raw HTML in the source is shown as text, never passed through.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True}).enable(
    ["linkify", "strikethrough"]
)
_markdown.inline.ruler.before("emphasis", "mention", _mention)
_markdown.add_render_rule("mention", _render_mention)


def render_markdown(source: str) -> str:
    """Render Markdown that mentions nobody (API v1's messages, Flack's rendering)."""
    return render_message(source, {}).html


def render_message(
    source: str, members: Mapping[str, int], *, channel_wide: bool = True
) -> Rendered:
    """Render a message's Markdown, its mentions of `members` (nickname -> id) and, if
    `channel_wide`, of @channel / @here (else they stay text), and sanitize the result
    with an allow-list.

    A one-paragraph message renders without its <p> wrapper, as Flack's did
    ("hello *world*!" becomes "hello <em>world</em>!").
    """
    env: dict[str, object] = {"members": members, "channel_wide_allowed": channel_wide}
    tokens = _markdown.parse(source, env)
    if [token.type for token in tokens] == ["paragraph_open", "inline", "paragraph_close"]:
        tokens = tokens[1:2]
    html = _markdown.renderer.render(tokens, _markdown.options, env)
    return Rendered(
        sanitize_html(html).strip(),
        set(env.get("user_ids", set())),  # type: ignore[call-overload]
        set(env.get("channel_wide", set())),  # type: ignore[call-overload]
    )


def sanitize_html(html: str) -> str:
    """Keep only allow-listed tags, attributes and URL schemes; links get rel=nofollow."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
