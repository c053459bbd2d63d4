"""The ``DateTime`` scalar: an ISO 8601 date and time; a bad one is refused saying what to give.

strawberry's own ``DateTime`` refuses ``"yesterday"`` with its parser's words
(``invalid literal for int() with base 10: b'yest'``) and, for a value written in
the query, without a location. This one raises a :class:`GraphQLInputError` that
says what was expected, which graphql-core reports with the argument's location
(or the variable's name) and the guards show as it is (``BAD_USER_INPUT``). It
accepts what ``datetime.fromisoformat`` accepts; a value without a time zone is
left to the fields, which say so by name.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from server.graphql._errors import GraphQLInputError

EXAMPLE = "2026-06-01T12:00:00Z"


def parse_datetime(value: object) -> datetime:
    """An ISO 8601 date-time string as a ``datetime``; else what to give, as bad input."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    msg = f"not an ISO 8601 date and time; expected e.g. {EXAMPLE}"
    raise GraphQLInputError(msg)


DATETIME = strawberry.scalar(
    name="DateTime",
    description=f"An ISO 8601 date and time with a time zone, e.g. {EXAMPLE}",
    serialize=datetime.isoformat,
    parse_value=parse_datetime,
)
"""The scalar of ``datetime`` (the schema's ``StrawberryConfig.scalar_map``)."""
