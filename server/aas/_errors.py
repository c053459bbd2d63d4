"""The Part 2 error body: a ``Result`` with ``messages``, and the status that goes with it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from starlette.responses import JSONResponse

from server._errors import ServerError

_CODES = {400: "BadRequest", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed"}


class ApiError(ServerError):
    """An AAS API request that cannot be answered: the status and the text the client sees."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def error_response(status: int, text: str) -> JSONResponse:
    """``{"messages": [{code, correlationId, messageType, text, timestamp}]}`` with ``status``."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"
    message = {
        "code": _CODES.get(status, "Error" if status < 500 else "InternalServerError"),
        "correlationId": uuid.uuid4().hex,
        "messageType": "Error",
        "text": text,
        "timestamp": now,
    }
    headers = {"Allow": "GET, HEAD"} if status == 405 else None
    return JSONResponse({"messages": [message]}, status_code=status, headers=headers)
