"""One transaction on a sqlite-utils database, shared by the kiosk's and the portal's stores."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlite_utils


@contextmanager
def immediate_transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """One transaction (nested blocks become savepoints).

    The outermost block starts with BEGIN IMMEDIATE: it takes the write lock at once, so it waits
    for the busy timeout when another program writes, instead of failing on the upgrade from a
    read to a write. A COMMIT that fails (a full disk can refuse it) rolls back too, so the
    connection is never left inside a transaction.
    """
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
