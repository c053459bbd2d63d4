"""Opening the history file: attached with row groups small enough that a large batch's
samples are written straight to the file, compressed, instead of through the WAL.

DuckDB writes an insert's rows to the database file at once (*optimistic writes*) when
they fill a row group, and the rest at commit with them; rows that fill none go to the
WAL, and are compressed into the file only at the next checkpoint (every 16 MiB of WAL).
With DuckDB's default of 122,880 rows a row group, a batch of 100,000 samples fills
none: it paid the WAL's serialisation, then the checkpoint's compression. At
``ROW_GROUP_SIZE`` rows, a batch from that size on is written once, compressed
(``docs/history.md``, "Appends straight to the file"). Smaller batches (the ingest
worker's usual) take the WAL as before.

The row group size is an option of ``ATTACH``, not of a connection to a file, so the
file is attached to an in-memory database and made the default one (``USE``). A second
``duckdb.connect`` to the file in the same process (or a second store) then fails
(DuckDB refuses to attach a file twice: ``ResourceInUseException``) instead of sharing
the store's database; a second process fails on the file's lock (``IOException``), as
before. Another connection to the store's database is ``con.cursor()`` (its tables are
``history.<name>``).
"""

from __future__ import annotations

import duckdb

__all__ = ["ROW_GROUP_SIZE", "Config", "connect"]

ROW_GROUP_SIZE = 65_536
"""Rows a row group (a multiple of DuckDB's vector size, 2,048)."""

_ALIAS = "history"


Config = dict[str, str | bool | int | float | list[str]]


def connect(path: str | None, config: Config) -> duckdb.DuckDBPyConnection:
    """A connection to ``path`` (``None``: in memory), with DuckDB's ``config``.

    Raises ``duckdb.IOException`` when the file cannot be opened or is locked by another
    process, ``duckdb.ResourceInUseException`` when this process has it open already.
    """
    con = duckdb.connect(":memory:", config=config)
    if path is None:
        return con
    try:
        con.execute(f"ATTACH $path AS {_ALIAS} (ROW_GROUP_SIZE {ROW_GROUP_SIZE})", {"path": path})
        con.execute(f"USE {_ALIAS}")
    except BaseException:
        con.close()
        raise
    return con
