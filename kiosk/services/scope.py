"""Store mode and unified mode (门店模式 / 统一模式) of the member, card and journal
queries (灵玑云): store mode reads this outlet's data only; unified mode reads the whole
chain's and needs a chain-wide right (a supervisor's day close, finance, or admin)."""

from __future__ import annotations

from kiosk.errors import InvalidInput, N_
from kiosk.services import permissions
from kiosk.services.session import Session

STORE, UNIFIED = "store", "unified"
MODES = ((STORE, N_("Store mode (this outlet)")), (UNIFIED, N_("Unified mode (the chain)")))
# Any one of these lets a person read the whole chain's members, cards and journal.
CHAIN_RIGHTS = (permissions.DAY_CLOSE, permissions.FINANCE, permissions.ADMIN)


def outlet_in_scope(session: Session, mode: str) -> int | None:
    """The outlet a query in `mode` is limited to: the operator's own (store mode), or
    None (unified mode, refused without a chain-wide right)."""
    if mode == UNIFIED:
        permissions.require_any(session, *CHAIN_RIGHTS)
        return None
    if mode != STORE:
        raise InvalidInput(N_("Unknown query mode {mode}."), mode=str(mode)[:20])
    permissions.require(session, permissions.QUERY)
    return session.actor.outlet_id
