"""Full-text search over every message the caller may read: PostgreSQL's full-text search
(a stored tsvector column of the source with a GIN index, websearch_to_tsquery) in the
scaled setup,
SQLite's FTS5 in the embedded default, behind this one function.

Results come newest first, a page at a time by message id (keyset), each with a snippet
of its source: the words matched are marked, and everything else is escaped text. Both
indexes follow the rows they index in the same transaction, so an edit or a deletion
shows in the next search.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from markupsafe import escape
from sqlalchemy import ColumnElement, Select, column, func, literal_column, or_, select, table

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
    reader_id: int, query: str, filters: Filters, *, before_id: int | None, limit: int
) -> tuple[list[Found], int | None]:
    """Messages the reader may read that match `query`, newest first: up to `limit` with
    ids below `before_id`, and the id to ask `before` next (None: no more)."""
    if filters.channel_id is not None:
        channels.check_visible(reader_id, filters.channel_id)
    postgres = db.engine.dialect.name == "postgresql"
    statement = _postgres(query) if postgres else _sqlite(query)
    if statement is None:
        return [], None
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
        statement = statement.where(Message.id < before_id)
    rows = db.session.execute(statement.order_by(Message.id.desc()).limit(limit + 1)).all()
    found = [Found(row[0], _marked(row[1])) for row in rows[:limit]]
    return found, (found[-1].message.id if len(rows) > limit else None)


def _postgres(query: str) -> Select[Message, str] | None:
    tsquery = func.websearch_to_tsquery(LANGUAGE, query)
    vector: ColumnElement[str] = literal_column("messages.search_vector")  # to_tsvector, stored
    options = (
        f"StartSel={_START}, StopSel={_STOP}, MaxWords={SNIPPET_WORDS}, MinWords=8, "
        'MaxFragments=2, FragmentDelimiter=" … "'
    )
    snippet = func.ts_headline(LANGUAGE, Message.source, tsquery, options)
    return select(Message, snippet).where(vector.op("@@")(tsquery))


def _sqlite(query: str) -> Select[Message, str] | None:
    match = fts5_query(query)
    if match is None:
        return None
    snippet = func.snippet(_FTS_NAME, 0, _START, _STOP, " … ", SNIPPET_WORDS // 2)
    return (
        select(Message, snippet)
        .join(_FTS, _FTS.c.rowid == Message.id)
        .where(_FTS_NAME.op("MATCH")(match))
    )


# The FTS5 table (its rowid is the message's id); matched through the hidden column of
# the table's own name.
_FTS = table("messages_fts", column("rowid"))
_FTS_NAME: ColumnElement[str] = literal_column("messages_fts")


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


_WORDS = re.compile(r'-?"[^"]*"|\S+')


def fts5_query(query: str) -> str | None:
    """The user's words as an FTS5 query, with websearch_to_tsquery's meaning: every
    word (AND), "quoted phrases", -excluded words, `or` between two alternatives.
    Everything is quoted, so no FTS5 syntax of the user's gets through."""
    terms: list[str] = []
    for token in _WORDS.findall(query):
        negated = token.startswith("-") and len(token) > 1
        word = token[1:] if negated else token
        word = word.strip('"')
        if not word.strip():
            continue
        if word.lower() == "or" and not negated and terms:
            terms.append("OR")
            continue
        quoted = '"' + word.replace('"', '""') + '"'
        terms.append(f"NOT {quoted}" if negated and terms else quoted)
    while terms and terms[-1] == "OR":
        terms.pop()
    if not terms or terms[0].startswith("NOT "):
        return None
    return " ".join(terms)


def _marked(snippet: str | None) -> str:
    """The snippet as HTML: escaped, the matches in <mark>."""
    escaped = str(escape(snippet or ""))
    return escaped.replace(_START, "<mark>").replace(_STOP, "</mark>")
