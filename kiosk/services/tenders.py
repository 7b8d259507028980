"""Tender types (收款方式): how money is paid in or out at the till. The chain maintains
them (kiosk admin tender); each names the till account it moves."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.errors import InvalidInput, N_
from kiosk.services import permissions
from kiosk.services.accounts import till_account
from kiosk.services.session import Session
from kiosk.store import models, settings

TILL_ACCOUNTS = ("outlet_cash", "outlet_bank")


@dataclass(frozen=True)
class TenderChoice:
    code: str
    name: str


def till_account_kind(code: str) -> str:
    """The till account an active tender moves; a clear refusal for any other code."""
    tender = settings.tender(code, active_only=True)
    if tender is None:
        raise InvalidInput(N_("Unknown tender '{tender}'."), tender=str(code)[:12])
    return tender.account_kind


def drawer(session: Session, code: str) -> models.Account:
    """The till account of this terminal that a tender's money goes into (or out of)."""
    return till_account(session.actor.outlet_id, session.actor.terminal_id,
                        till_account_kind(code))


def drawer_giving_back(session: Session, code: str) -> models.Account:
    """The till account money goes back out of, by the tender it came in by: a tender the
    chain has retired since still gives back what it took."""
    tender = settings.tender(code)
    if tender is None:
        raise InvalidInput(N_("Unknown tender '{tender}'."), tender=str(code)[:12])
    return till_account(session.actor.outlet_id, session.actor.terminal_id,
                        tender.account_kind)


def name_of(code: str) -> str:
    """The tender's name as the chain wrote it (现金), for receipts; the code if unknown."""
    tender = settings.tender(code)
    return tender.name if tender is not None else code


def choices(session: Session) -> list[TenderChoice]:
    permissions.require(session, permissions.QUERY)
    return [TenderChoice(t.code, t.name) for t in settings.active_tenders()]
