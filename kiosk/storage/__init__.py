"""SQLite storage (sqlite-utils, WAL, synchronous=FULL): schema, migrations, repository, audit."""

from kiosk.storage.database import OpenedDatabase, open_database
from kiosk.storage.repository import Repository

__all__ = ["OpenedDatabase", "Repository", "open_database"]
