"""Full-text search over every message the caller may read: PostgreSQL's full-text search
(a stored tsvector column of the source with a GIN index, websearch_to_tsquery) in the
scaled setup,
SQLite's FTS5 in the embedded default, behind this one function.

Results come newest first, a page at a time by message id (keyset), each with a snippet
of its source: the words matched are marked, and everything else is escaped text. Both
indexes follow the rows they index in the same transaction, so an edit or a deletion
shows in the next search.

A search's work is bounded whatever the words: it looks at the newest `scan` matches
below the cursor at most (found newest first in the index, never every match), keeps
those the caller may read and that pass the filters, and snippets only the page. A page
may so hold fewer results than asked, even none, with a `next` to go on from.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from markupsafe import escape
from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
)

from parley.database import off_hub
from parley.extensions import db
from parley.models import Channel, ChannelKind, Membership, Message
from parley.services import channels

# The objects the search migration makes that the models do not declare (autogenerate
# and the migrations test leave them alone).
SEARCH_OBJECTS = ("ix_messages_search_vector", "search_vector", "messages_fts")
LANGUAGE = "english"
_START, _STOP = "\x02", "\x03"  # marks around matched words, unlike anything in a message
SNIPPET_WORDS = 24


@dataclass(frozen=True)
class Filters:
    """What a search may be narrowed to."""

    channel_id: int | None = None
    author_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    has_link: bool = False


@dataclass(frozen=True)
class Found:
    """A message found, and its snippet: HTML with the matches in <mark>."""

    message: Message
    snippet: str


def search(
    reader_id: int,
    query: str,
    filters: Filters,
    *,
    before_id: int | None,
    limit: int,
    scan: int,
) -> tuple[list[Found], int | None]:
    """Messages the reader may read that match `query`, newest first: up to `limit` with
    ids below `before_id` among the `scan` newest matches there, and the id to ask
    `before` next (None: no more)."""
    if filters.channel_id is not None:
        channels.check_visible(reader_id, filters.channel_id)
    postgres = db.engine.dialect.name == "postgresql"
    matcher = _Postgres(query) if postgres else _Sqlite.of(query)
    if matcher is None:
        return [], None
    # The scan's lowest match, where the page stops looking (None: there are fewer), and
    # whether any lies below it.
    # Both statements read up to `scan` matches: off the hub on SQLite (database.off_hub).
    edge = off_hub(
        lambda: db.session.scalars(
            matcher.matching_ids(before_id).order_by(matcher.id.desc()).offset(scan - 1).limit(2)
        ).all()
    )
    floor = edge[0] if edge else None
    statement = matcher.page()
    readable = or_(
        Channel.kind == ChannelKind.PUBLIC,
        select(Membership.user_id)
        .where(Membership.channel_id == Message.channel_id, Membership.user_id == reader_id)
        .exists(),
    )
    statement = statement.join(Channel, Channel.id == Message.channel_id).where(
        readable, Message.deleted_at.is_(None), *_narrowed(filters)
    )
    if before_id is not None:
        statement = statement.where(matcher.id < before_id)
    if floor is not None:
        statement = statement.where(matcher.id >= floor)
    # Ordered by the index's own id, so that FTS5 walks its matches newest first.
    page = statement.order_by(matcher.id.desc()).limit(limit + 1)
    rows = off_hub(lambda: db.session.execute(page).all())
    found = [Found(row[0], _marked(row[1])) for row in rows[:limit]]
    if len(rows) > limit:
        return found, found[-1].message.id
    return found, (floor if len(edge) == 2 else None)


class _Postgres:
    """PostgreSQL's full-text search: the stored tsvector column, websearch_to_tsquery."""

    def __init__(self, query: str) -> None:
        self.id: SQLColumnExpression[int] = Message.id
        self.tsquery = func.websearch_to_tsquery(LANGUAGE, query)
        vector: ColumnElement[str] = literal_column("messages.search_vector")  # stored
        self.matches = vector.op("@@")(self.tsquery)

    def matching_ids(self, before_id: int | None) -> Select[int]:
        """The ids of the messages matching, below `before_id`."""
        below = [Message.id < before_id] if before_id is not None else []
        return select(Message.id).where(self.matches, *below)

    def page(self) -> Select[Message, str]:
        """The messages matching, each with its snippet."""
        options = (
            f"StartSel={_START}, StopSel={_STOP}, MaxWords={SNIPPET_WORDS}, MinWords=8, "
            'MaxFragments=2, FragmentDelimiter=" … "'
        )
        snippet = func.ts_headline(LANGUAGE, Message.source, self.tsquery, options)
        return select(Message, snippet).where(self.matches)


# The FTS5 table (its rowid is the message's id); matched through the hidden column of
# the table's own name.
_FTS = table("messages_fts", column("rowid"))
_FTS_NAME: ColumnElement[str] = literal_column("messages_fts")


class _Sqlite:
    """SQLite's FTS5 table of message sources, queried by its rowid (the message's id)."""

    def __init__(self, match: str) -> None:
        self.id: SQLColumnExpression[int] = _FTS.c.rowid
        self.matches = _FTS_NAME.op("MATCH")(match)

    @classmethod
    def of(cls, query: str) -> "_Sqlite | None":
        """The search for the user's words (None: they can match nothing)."""
        match = fts5_query(query)
        return None if match is None else cls(match)

    def matching_ids(self, before_id: int | None) -> Select[int]:
        """The ids of the messages matching, below `before_id`."""
        below = [self.id < before_id] if before_id is not None else []
        return select(self.id).where(self.matches, *below)

    def page(self) -> Select[Message, str]:
        """The messages matching, each with its snippet."""
        snippet = func.snippet(_FTS_NAME, 0, _START, _STOP, " … ", SNIPPET_WORDS // 2)
        return (
            select(Message, snippet)
            .select_from(_FTS)
            .join(Message, Message.id == self.id)
            .where(self.matches)
        )


def _narrowed(filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.channel_id is not None:
        conditions.append(Message.channel_id == filters.channel_id)
    if filters.author_id is not None:
        conditions.append(Message.user_id == filters.author_id)
    if filters.since is not None:
        conditions.append(Message.created_at >= filters.since)
    if filters.until is not None:
        conditions.append(Message.created_at < filters.until)
    if filters.has_link:
        conditions.append(Message.html.contains("<a href="))
    return conditions


_WORDS = re.compile(r'-?"[^"]*"?|\S+')


def fts5_query(query: str) -> str | None:
    """The user's words as an FTS5 query, with websearch_to_tsquery's meaning as far as
    FTS5 can say it: every word or "quoted phrase" (AND), `or` between two of them, and
    -excluded ones taken out of what the rest match (FTS5's NOT needs something on its
    left, so an `or` before an excluded word is dropped). Every word is quoted, so no
    FTS5 syntax of the user's gets through, and punctuation alone is no word, as for
    PostgreSQL; None when nothing is left to match."""
    groups: list[list[str]] = []  # alternatives (or) within, AND between
    excluded: list[str] = []
    alternative = False  # the last token was an `or` after a word
    for token in _WORDS.findall(query):
        negated = token.startswith("-") and len(token) > 1
        word = (token[1:] if negated else token).strip('"')
        if not any(character.isalnum() for character in word):
            continue  # no token in it for FTS5 (an empty phrase would match nothing)
        quoted = '"' + word.replace('"', '""') + '"'
        if negated:
            excluded.append(quoted)
            alternative = False
        elif token.lower() == "or" and groups:
            alternative = True
        elif alternative:
            groups[-1].append(quoted)
            alternative = False
        else:
            groups.append([quoted])
    if not groups:
        return None
    match = " AND ".join(
        group[0] if len(group) == 1 else f"({' OR '.join(group)})" for group in groups
    )
    return f"({match}) NOT ({' OR '.join(excluded)})" if excluded else match


def _marked(snippet: str | None) -> str:
    """The snippet as HTML: escaped, the matches in <mark>."""
    escaped = str(escape(snippet or ""))
    return escaped.replace(_START, "<mark>").replace(_STOP, "</mark>")
