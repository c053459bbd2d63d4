"""GraphQL and AAS serving: the read side of Twinweave."""

from server._app import create_app
from server._errors import ServerError
from server._settings import ServerSettings
from server._uvicorn import uvicorn_options

__all__ = ["ServerError", "ServerSettings", "create_app", "uvicorn_options"]
