"""Writes that a concurrent writer may have made first, settled by a unique index.

Checking before inserting leaves a window in which another writer inserts the same
row; the unique index closes it, and the loser of the race meets an IntegrityError.
These helpers say, once, what losing means: the winner's row, or a conflict. The
guarded write runs in a savepoint, so losing undoes that write alone (its rows and the
events it staged), and the unit of work keeps what it wrote before it.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from parley.changes import unit_of_work
from parley.services.errors import ConflictError

Row = TypeVar("Row")


def insert_or_find(
    write: Callable[[], Row], find_winner: Callable[[], Row | None]
) -> tuple[Row, bool]:
    """Run `write`, which flushes a row a unique index guards: (its row, True); or, when
    a concurrent writer won the index, undo the write and return (the winner, False). A
    violation with no winner to find is not a race and is raised."""
    try:
        with unit_of_work.savepoint():
            return write(), True
    except IntegrityError:
        winner = find_winner()
        if winner is None:
            raise
        return winner, False


@contextmanager
def conflict_if_taken(field: str, reason: str) -> Iterator[None]:
    """Around a flush that a concurrent writer may have beaten to a unique value: undo
    it and answer a ConflictError naming the field, as the check before it would."""
    try:
        with unit_of_work.savepoint():
            yield
    except IntegrityError:
        raise ConflictError(field, reason) from None
