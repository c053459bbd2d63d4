"""``Twin.allowedTransitions``: the lifecycle moves ``setLifecycle`` would accept now."""

from __future__ import annotations

import ontology
from server.graphql._context import Context
from server.graphql._writes import writable

_ORDER = list(ontology.Lifecycle)


async def allowed_transitions(ctx: Context, twin: ontology.Twin) -> list[ontology.Lifecycle]:
    """The graph store's rules from the twin's state, in lifecycle order; none when the
    principal may not change the twin (the Authorizer's ``write`` decision)."""
    allowed = ontology.LIFECYCLE_TRANSITIONS[twin.lifecycle]
    if not allowed or not (await writable(ctx, [twin.id]))[0]:
        return []
    return sorted(allowed, key=_ORDER.index)
