"""Insurers that keep their cards' balances and deduct online (在线余额接口), and those
that do not (the balance is ours, on the card's accounts: the default).

For an insurer set `online`, the card's balance is the insurer's answer, and a charge
asks the insurer to deduct under the sale's idempotency key before anything posts:

    a row for the key (pending) -> the insurer deducts -> the charge posts, and the row
    becomes `posted` in the same transaction

so the journal holds only what the insurer confirmed. When the insurer's answer is
lost (a timeout), the key is asked again (query): deducted, the charge posts; not, it
is cancelled under the key (a late deduction is then refused). A charge that cannot
post after the insurer deducted (its rules refused it on the locked card, the store
failed) cancels the deduction. A row moves on only by conditional updates, and posting
needs it still `pending`: a terminal cancelling a key and another posting it never
both succeed. What nobody settled (a terminal that died mid-sale) is cancelled by
`settle` (kiosk insurer settle)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.errors import DeviceError, InvalidInput, KioskError, N_
from kiosk.hw.insurer import (CANCELLED, DONE, NONE, REFUSED, InsurerGateway,
                              InsurerUnreachable, Reply, make_gateway)
from kiosk.money import format_yuan
from kiosk.services import audit, permissions
from kiosk.services.operations import InsufficientFunds
from kiosk.services.session import Session
from kiosk.store import insurer_links as store
from kiosk.store import models, schema
from kiosk.store.models import DeductionStatus as Status

HELD, ONLINE = "held", "online"
MODE_NAMES = {HELD: N_("held by us"), ONLINE: N_("online at the insurer")}
MAX_TIMEOUT = 60
SETTLE_AFTER_MINUTES = 10
log = logging.getLogger(__name__)


class InsurerRefused(InsufficientFunds):
    default_message = N_("The insurer refused the deduction: the card holds {balance} at "
                         "the insurer. Pay by another tender.")


class NotCharged(KioskError):
    default_message = N_("The insurer's deduction was cancelled: nothing was charged. "
                         "The customer types the PIN again to charge the sale anew.")


class OutcomeUnknown(KioskError):
    default_message = N_("The insurer did not answer: whether it deducted is not known "
                         "and nothing was posted. The customer types the PIN again to ask "
                         "again (it never deducts twice); a sale left so is cancelled at "
                         "the insurer.")


class CancelPending(KioskError):
    default_message = N_("Nothing was charged; the insurer did not answer the "
                         "cancellation of its deduction, which is retried (kiosk insurer "
                         "settle).")


class RefundRefused(KioskError):
    default_message = N_("The insurer refused to give this back ({reason}): nothing was "
                         "refunded.")


class RefundNotMade(KioskError):
    default_message = N_("The insurer's refund was cancelled: nothing was refunded. Try "
                         "the refund again.")


class RefundOutcomeUnknown(KioskError):
    default_message = N_("The insurer did not answer: whether it gave the money back is "
                         "not known and nothing was posted. Try the refund again (it never "
                         "refunds twice); a refund left so is cancelled at the insurer.")


class NoLongerOnline(KioskError):
    default_message = N_("The insurer deducted this charge online but is no longer linked "
                         "online: link it again (administration) to give the money back.")


class InsurerOffline(KioskError):
    default_message = N_("The insurer's system does not answer: its balance cannot be "
                         "read. Try again, or pay by another tender.")


@dataclass(frozen=True)
class Link:
    issuer: str
    mode: str  # held, online
    url: str
    timeout_seconds: int


@dataclass(frozen=True)
class SettleReport:
    cancelled: int
    posted: int  # found posted meanwhile: nothing to do
    open: int  # the insurer still did not answer


# -- set-up ---------------------------------------------------------------------------------
def links(session: Session) -> list[Link]:
    """Every insurer of a card product, and how its cards pay."""
    permissions.require_any(session, permissions.ADMIN, permissions.FINANCE)
    found = {row.issuer: Link(row.issuer, row.mode, row.url, row.timeout_seconds)
             for row in store.links()}
    for issuer in store.issuers():
        found.setdefault(issuer, Link(issuer, HELD, "", 10))
    return sorted(found.values(), key=lambda link: link.issuer)


def set_link(session: Session, issuer: str, *, online: bool, url: str = "",
             timeout_seconds: int = 10) -> None:
    """An insurer's cards pay online at its interface (`url`: sim or http(s)), or from
    the balance held by us."""
    permissions.require(session, permissions.ADMIN)
    issuer, url = issuer.strip(), url.strip()
    if not issuer or len(issuer) > 50:
        raise InvalidInput(N_("An insurer's name has 1 to {most} characters."), most=50,
                           field="issuer")
    if online:
        if not url or len(url) > 200:
            raise InvalidInput(N_("An online insurer needs its interface's address (sim or "
                                  "an http(s) URL)."), field="url")
        if not 1 <= timeout_seconds <= MAX_TIMEOUT:
            raise InvalidInput(N_("The timeout is 1 to {most} seconds."), most=MAX_TIMEOUT,
                               field="timeout")
        try:
            make_gateway(url, timeout_seconds)
        except DeviceError as error:
            raise InvalidInput(error.message_id, field="url", **error.params) from None
    with audit.transaction(session):
        schema.hold_meta_row()
        store.save_link(issuer, mode=ONLINE if online else HELD, url=url if online else "",
                        timeout_seconds=timeout_seconds,
                        updated_by=session.actor.operator_id, updated_at=session.now())
        audit.append(session, "insurer.link", subject=f"insurer:{issuer}",
                     details={"mode": ONLINE if online else HELD, "url": url if online else ""})


def gateway_of(card: models.Card) -> InsurerGateway | None:
    """The interface of the insurer that keeps this card's balance; None when the
    balance is ours (not an insurance card, or its insurer is not online)."""
    product = card.product
    if product.kind != "insurance" or not product.issuer:
        return None
    link = store.link(product.issuer)
    if link is None or link.mode != ONLINE:
        return None
    return make_gateway(link.url, link.timeout_seconds)


def balance(session: Session, card: models.Card) -> int | None:
    """The card's balance at its insurer (None: the balance is ours); InsurerOffline
    when the insurer does not answer."""
    permissions.require_any(session, permissions.CHARGE, permissions.QUERY)
    gateway = gateway_of(card)
    if gateway is None:
        return None
    try:
        return gateway.balance(card.number)
    except InsurerUnreachable:
        raise InsurerOffline() from None


# -- the deduction --------------------------------------------------------------------------
def deduct(session: Session, card: models.Card, amount: int, key: str) -> Reply:
    """Ask the card's insurer to deduct `amount` under the sale's `key`, before the
    charge posts: the confirmed reply, or a refusal that says what happened."""
    permissions.require(session, permissions.CHARGE)
    return _made_at_insurer(
        session, card, amount, key, lambda gateway: gateway.deduct(card.number, amount, key),
        lambda reply: InsurerRefused(balance=format_yuan(reply.balance or 0)))


# A refund's outcomes said as a refund's, not a sale's.
_AS_REFUND = {NotCharged: RefundNotMade, CancelPending: RefundNotMade,
              OutcomeUnknown: RefundOutcomeUnknown}


def give_back(session: Session, card: models.Card, amount: int, key: str,
              reference: str) -> Reply:
    """Ask the card's insurer to give `amount` of its deduction `reference` back under
    the refund's `key`, before the refund posts: kept as a deduction of minus `amount`,
    so it is settled (queried, cancelled, posted once) exactly as a deduction is. The
    refund's supervisor signed before this is asked."""
    permissions.require(session, permissions.CHARGE)
    try:
        return _made_at_insurer(
            session, card, -amount, key,
            lambda gateway: gateway.refund(card.number, amount, key, reference),
            lambda reply: RefundRefused(reason=reply.message or "-"))
    except tuple(_AS_REFUND) as error:
        raise _AS_REFUND[type(error)]() from None


def _made_at_insurer(session: Session, card: models.Card, amount: int, key: str,
                     ask: Callable[[InsurerGateway], Reply],
                     refused: Callable[[Reply], KioskError]) -> Reply:
    """The call under `key` recorded (moving `amount` off the card at the insurer), then
    asked: the confirmed reply, or an error that says what happened."""
    gateway = gateway_of(card)
    if gateway is None:
        raise NoLongerOnline()
    row = store.add_deduction(key=key, issuer=card.product.issuer, card=card.id,
                              amount=amount, outlet=session.actor.outlet_id,
                              terminal=session.actor.terminal_id, created_at=session.now())
    if row.card_id != card.id or row.amount != amount:
        raise InvalidInput(N_("This sale's key was used for another card or amount."))
    if row.status == Status.POSTED:
        return Reply(DONE, row.reference)
    if row.status in (Status.CANCELLING, Status.CANCELLED):
        raise NotCharged()
    # Refused before: the insurer is asked again.
    store.move(key, (Status.REFUSED,), Status.PENDING)
    try:
        reply = ask(gateway)
    except InsurerUnreachable:
        reply = _asked_again(session, gateway, key)
    if reply.status == DONE:
        return reply
    if reply.status == REFUSED:
        store.move(key, (Status.PENDING,), Status.REFUSED, settled_at=session.now())
        raise refused(reply)
    return _cancel(session, gateway, key)  # cancelled at the insurer: settle ours


def _asked_again(session: Session, gateway: InsurerGateway, key: str) -> Reply:
    """The deduction's answer was lost: whether it was made, by the same key."""
    try:
        reply = gateway.query(key)
    except InsurerUnreachable:
        raise OutcomeUnknown() from None
    if reply.status == DONE:
        return reply
    return _cancel(session, gateway, key)  # not made: never to be made late


def _cancel(session: Session, gateway: InsurerGateway, key: str) -> Reply:
    """Cancel the key's deduction at the insurer, unless the charge posted (then its
    reply). Raises NotCharged once cancelled, CancelPending if the insurer is silent."""
    if not store.move(key, (Status.PENDING, Status.CANCELLING), Status.CANCELLING):
        row = store.deduction(key)
        if row is not None and row.status == Status.POSTED:
            return Reply(DONE, row.reference)
        raise NotCharged()
    try:
        reply = gateway.cancel(key)
    except InsurerUnreachable:
        raise CancelPending() from None
    if reply.status not in (CANCELLED, NONE):
        raise CancelPending()
    _record_cancelled(session, key)
    raise NotCharged()


def _record_cancelled(session: Session, key: str) -> None:
    """The deduction cancelled and audited in one transaction, by the one terminal that
    moved it (another settling the same key at once finds it moved already)."""
    with audit.transaction(session):
        if store.move(key, (Status.CANCELLING,), Status.CANCELLED,
                      settled_at=session.now()):
            audit.append(session, "insurer.cancel", subject=f"deduction:{key}")


def mark_posted(key: str, reference: str, operation_id: int) -> None:
    """Inside the charge's transaction: the deduction posted, once; a key cancelled
    meanwhile (settled by another terminal) refuses the charge, which rolls back."""
    if not store.move(key, (Status.PENDING,), Status.POSTED, reference=reference,
                      operation=operation_id):
        raise NotCharged()


def undo(session: Session, card: models.Card, key: str) -> None:
    """After a charge (or a refund) the insurer confirmed could not post: cancel it at
    the insurer (best effort; what is left is settled later). Never raises."""
    permissions.require(session, permissions.CHARGE)
    try:
        _cancel(session, gateway_of(card), key)
    except NotCharged:
        pass
    except Exception as error:  # the insurer or the store failing again: `settle` retries
        log.warning("insurer deduction %s left to settle: %s", key, error)


def settle(session: Session, *, older_than_minutes: int = SETTLE_AFTER_MINUTES) -> SettleReport:
    """Cancel at the insurer every deduction no charge posted for, asked more than
    `older_than_minutes` ago (a terminal that died mid-sale, an answer never heard)."""
    permissions.require(session, permissions.FINANCE)
    before = session.now() - dt.timedelta(minutes=older_than_minutes)
    cancelled = posted = still_open = 0
    for row in store.unsettled(before):
        gateway = gateway_of(row.card)
        if gateway is None:  # its insurer was set back to held: asked again once online
            still_open += 1
            continue
        try:
            _cancel(session, gateway, row.key)
            posted += 1
        except NotCharged:
            cancelled += 1
        except (CancelPending, DeviceError):
            still_open += 1
    return SettleReport(cancelled, posted, still_open)
