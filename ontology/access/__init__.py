"""Authorization: the one point every read and write asks (see ``_authorizer``)."""

from ontology.access._authorizer import ANONYMOUS, Action, AllowAll, Authorizer, Principal

__all__ = ["ANONYMOUS", "Action", "AllowAll", "Authorizer", "Principal"]
