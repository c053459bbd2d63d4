"""JSON text of JSON-ready values (what aas-core3.1's ``to_jsonable`` gives), with orjson.

orjson writes UTF-8 bytes without spaces, keeps non-ASCII characters as they
are and escapes what JSON requires: the same bytes as ``json.dumps(value,
ensure_ascii=False, separators=(",", ":")).encode()`` for these values (str,
bool, list, dict; no floats; a test compares them), several times faster.
"""

from __future__ import annotations

from typing import Any

import orjson

from aas._errors import AasError


def dumps(jsonable: Any) -> bytes:
    """``jsonable`` as compact UTF-8 JSON; ``AasError`` for what JSON cannot hold."""
    try:
        return orjson.dumps(jsonable)
    except orjson.JSONEncodeError as err:
        msg = f"cannot write the AAS as JSON: {err}; expected UTF-8-encodable text"
        raise AasError(msg) from err
