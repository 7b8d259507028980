"""Batch recharge lists (批量充值清单): a company's list of card numbers and amounts.

    import (draft) -> submit -> review by a second operator -> run
    draft or submitted -> void;  submitted -> withdrawn back to draft

Every row is checked on import (unknown card, duplicate card, bad amount, a card that
cannot be recharged), reported by line number, and a file with any bad row imports
nothing. Running posts one recharge per line under a key made from the list and line,
so a rerun after a crash posts only the lines still missing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import InvalidInput, N_, NotFound
from kiosk.money import FEN_PER_YUAN, format_yuan, parse_yuan
from kiosk.services import audit, card_status, permissions, prepaid, reviewed_lists, tenders
from kiosk.services.recharge import recharge
from kiosk.services.reviewed_lists import STATUS_NAMES, RunReport  # noqa: F401 (re-exported)
from kiosk.services.session import Session
from kiosk.store import batch_lists as batch_store
from kiosk.store import models
from kiosk.store import operators as operator_store
from kiosk.store.db import database
from kiosk.tables import Problem, looks_like_header
from kiosk.text import plain_text

MAX_NAME = 100


@dataclass(frozen=True)
class BatchSummary:
    batch_id: int
    name: str
    status: str
    lines: int
    total: int
    posted: int
    created_by: str
    reviewed_by: str


def parse_list(path: str | Path, *, line_most: int, list_most: int
               ) -> list[tuple[int, str, int]]:
    """(line, card number, amount in fen) for every row; TableProblems if any is bad.
    A line above `line_most` fen is a bad row; a list above `list_most` is refused."""
    def parse_row(line: int, cells: list[str]) -> tuple[str, tuple[int, str, int]]:
        number = "".join(cells[0].split()) if cells else ""
        amount = parse_yuan(cells[1] if len(cells) > 1 else "")
        if amount > line_most:
            raise InvalidInput(N_("{amount} is more than the {most} one line may recharge"),
                               amount=format_yuan(amount), most=format_yuan(line_most))
        return number, (line, number, amount)
    rows = reviewed_lists.checked_rows(path, parse_row, header=looks_like_header,
                                       store_problems=_card_problems)
    total = sum(amount for _, _, amount in rows)
    if total > list_most:
        raise InvalidInput(N_("The list totals {total}, more than the {most} one list may "
                              "recharge: split it (or raise batch_list_max_yuan)."),
                           total=format_yuan(total), most=format_yuan(list_most))
    return rows


def _card_problems(rows: list[tuple[int, str, int]]) -> list[Problem]:
    found, principal = batch_store.cards_for_recharge([number for _, number, _ in rows])
    problems = []
    for line, number, amount in rows:
        card = found.get(number)
        room = prepaid.room_on(card, principal.get(number, 0)) if card is not None else None
        if card is None:
            problems.append(Problem(line, N_("no card with number {number}"),
                                    {"number": number[:24]}))
        elif card.product.kind == "insurance":
            problems.append(Problem(line, N_("card {number} is an insurance card"),
                                    {"number": number[-4:]}))
        elif card.status != "active":
            problems.append(Problem(line, N_("card {number} is not active ({status})"),
                                    {"number": number[-4:],
                                     "status": card_status.name(card.status)}))
        elif room is not None and amount > room:
            problems.append(Problem(
                line, N_("card {number} would pass the prepaid card limit of {cap} "
                         "(单用途商业预付卡管理办法): it can take at most {room}"),
                {"number": number[-4:], "cap": format_yuan(prepaid.cap_for(card.anonymous)),
                 "room": format_yuan(room)}))
    return problems


class RepeatedList(InvalidInput):
    """The same cards and amounts as a list already imported: a second payment only if
    the clerk says it is one (a company's monthly list is the same every month)."""

    default_message = N_("This file has the same cards and amounts as list #{number} "
                         "({name}, {date}): import it again only if it is a new payment.")


def import_list(session: Session, path: str | Path, *, name: str, tender: str = "bank",
                repeat_confirmed: bool = False) -> int:
    permissions.require(session, permissions.RECHARGE)
    plain_text(name)
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(N_("A list name has 1 to {most} characters."), most=MAX_NAME,
                           field="name")
    tenders.till_account_kind(tender)  # a tender the chain has
    settings = session.runtime.settings
    rows = parse_list(path, line_most=settings.batch_line_max_yuan * FEN_PER_YUAN,
                      list_most=settings.batch_list_max_yuan * FEN_PER_YUAN)
    earlier = None if repeat_confirmed else _same_list(session.actor.outlet_id, rows)
    if earlier is not None:
        raise RepeatedList(number=earlier.id, name=earlier.name,
                           date=earlier.created_at.date().isoformat())
    with audit.transaction(session):
        batch = batch_store.add(
            [{"line_no": line, "card_number": number, "amount": amount}
             for line, number, amount in rows],
            outlet=session.actor.outlet_id, name=name, tender=tender,
            created_by=session.actor.operator_id, created_at=session.now(),
            total=sum(amount for _, _, amount in rows))
        audit.append(session, "batch.import", subject=f"batch:{batch.id}",
                     details={"lines": len(rows), "total": batch.total})
    return batch.id


def _same_list(outlet_id: int, rows) -> models.BatchList | None:
    """A list of this outlet, not voided or withdrawn, with exactly these lines."""
    wanted = [(number, amount) for _, number, amount in rows]
    for candidate in batch_store.live_lists_totalling(
            outlet_id, sum(amount for _, amount in wanted)):
        lines = [(line.card_number, line.amount)
                 for line in batch_store.lines_of(candidate.id)]
        if lines == wanted:
            return candidate
    return None


def _move(session: Session, batch_id: int, *, allowed: tuple[str, ...], to: str,
          action: str, check=None, **changes) -> None:
    """The list from one of `allowed` to `to`, decided on its locked row (`check`, if
    given, too: a buyer recorded meanwhile waits for it)."""
    with database.atomic():
        batch = _locked_batch(session, batch_id)
        if check is not None and batch.status in allowed:
            check(batch)
        reviewed_lists.move(session, batch, allowed=allowed, to=to, action=action,
                            subject=f"batch:{batch.id}", **changes)


def _locked_batch(session: Session, batch_id: int) -> models.BatchList:
    batch = batch_store.locked(batch_id, session.actor.outlet_id)
    if batch is None:
        raise NotFound(N_("No batch list #{number} at this outlet."), number=batch_id)
    return batch


def get_batch(session: Session, batch_id: int) -> models.BatchList:
    permissions.require(session, permissions.QUERY)
    batch = batch_store.of_outlet(batch_id, session.actor.outlet_id)
    if batch is None:
        raise NotFound(N_("No batch list #{number} at this outlet."), number=batch_id)
    return batch


def set_purchase(session: Session, batch_id: int, purchase: prepaid.Purchase) -> None:
    """The buyer of the list (a company, or a person) and the accounts the money came
    from and went to, as the prepaid card rules make us record them; while a draft."""
    permissions.require(session, permissions.RECHARGE)
    with database.atomic():
        batch = _locked_batch(session, batch_id)
        if batch.status != "draft":
            raise InvalidInput(N_("Only a draft list can change."))
        checked = prepaid.check_sale(0, batch.tender, purchase, company=False)
        prepaid.record_sale(session, checked or prepaid.Purchase(purchase.buyer_kind),
                            amount=batch.total, tender=batch.tender, batch_id=batch.id)


def _check_sale(batch: models.BatchList) -> None:
    """A list is one purchase: its total follows the real-name and no-cash rules. A
    list without a buyer recorded is a company's (lists are companies' purchases)."""
    purchase = prepaid.batch_purchase(batch.id)
    prepaid.check_sale(batch.total, batch.tender, purchase,
                       company=purchase is None or purchase.buyer_kind == "company")


def submit(session: Session, batch_id: int) -> None:
    permissions.require(session, permissions.RECHARGE)
    _move(session, batch_id, allowed=("draft",), to="submitted", action="batch.submit",
          check=_check_sale)


def withdraw(session: Session, batch_id: int) -> None:
    """Take a submitted list back before anyone reviewed it."""
    permissions.require(session, permissions.RECHARGE)
    _move(session, batch_id, allowed=("submitted",), to="draft", action="batch.withdraw")


def void(session: Session, batch_id: int) -> None:
    permissions.require(session, permissions.RECHARGE)
    _move(session, batch_id, allowed=("draft", "submitted"), to="void", action="batch.void")


def review(session: Session, batch_id: int, credentials) -> None:
    """A second operator (not the one who imported it) checks and approves the list."""
    permissions.require(session, permissions.RECHARGE)
    reviewer = reviewed_lists.second_operator(session, credentials, permissions.RECHARGE,
                                              get_batch(session, batch_id).created_by_id)
    _move(session, batch_id, allowed=("submitted",), to="reviewed", action="batch.review",
          reviewed_by=reviewer.id)


def run(session: Session, batch_id: int) -> RunReport:
    """Post every line not yet posted; safe to run again after any interruption."""
    permissions.require(session, permissions.RECHARGE)
    batch = get_batch(session, batch_id)
    if batch.status not in ("reviewed", "run"):
        raise InvalidInput(N_("Only a reviewed list can be run."))
    # Its buyer was checked at submission, on the locked list; a list past the draft
    # can no longer change it.

    def post(line: models.BatchLine):
        result = recharge(session, card_number=line.card_number, amount=line.amount,
                          tender=batch.tender, key=f"batch-{batch.id}-{line.line_no}",
                          batch_id=batch.id)
        if line.operation_id != result.operation_id:
            batch_store.record_line(line.id, result.operation_id)
        return result

    report = reviewed_lists.run_lines(batch_store.lines_of(batch.id),
                                      lambda line: line.line_no, post)
    if not report.failed and batch.status != "run":
        _move(session, batch.id, allowed=("reviewed",), to="run", action="batch.run")
    return report


@dataclass(frozen=True)
class BatchLineView:
    line_no: int
    card_number: str
    amount: int
    operation_id: int | None  # the recharge that posted it


def lines(session: Session, batch_id: int) -> list[BatchLineView]:
    """A list's lines, for its reviewer to check before approving, and after its run."""
    batch = get_batch(session, batch_id)
    return [BatchLineView(line.line_no, line.card_number, line.amount, line.operation_id)
            for line in batch_store.lines_of(batch.id)]


def summaries(session: Session, *, limit: int = 50) -> list[BatchSummary]:
    """The outlet's latest lists with their line counts, in three queries."""
    permissions.require(session, permissions.QUERY)
    batches = batch_store.latest(session.actor.outlet_id, limit)
    counts = batch_store.line_counts(b.id for b in batches)
    logins = operator_store.login_ids([b.created_by_id for b in batches]
                                      + [b.reviewed_by_id for b in batches])
    return [BatchSummary(b.id, b.name, b.status, counts.get(b.id, (0, 0))[0], b.total,
                         counts.get(b.id, (0, 0))[1], logins.get(b.created_by_id, ""),
                         logins.get(b.reviewed_by_id, "")) for b in batches]
