"""The journal as lookups, reports and checks read it: operations and their entries,
with the cards and accounts they name. What posts to it is in ledger.py and
operations.py; nothing here writes."""

from __future__ import annotations

import peewee as pw

from kiosk.store import models

Operation = models.Operation


def operation(operation_id: int | None) -> models.Operation | None:
    return Operation.get_or_none(Operation.id == operation_id) if operation_id else None


def last_unreversed(card_id: int, kind: str, day) -> models.Operation | None:
    """The card's latest operation of `kind` on business date `day` that nothing has
    taken back from yet."""
    return (Operation.select().where(
        Operation.card == card_id, Operation.kind == kind, Operation.business_date == day,
        Operation.reversed_amount == 0).order_by(Operation.id.desc()).first())


def still_reversible(card_ids: list[int], kinds: tuple[str, ...], outlet_id: int,
                     since=None, limit: int = 50) -> list[models.Operation]:
    """The cards' operations of `kinds` at the outlet (on or after business date `since`)
    with something left to take back, newest first."""
    query = Operation.select().where(
        Operation.card.in_(card_ids), Operation.kind.in_(kinds), Operation.outlet == outlet_id,
        Operation.reversed_amount < Operation.amount)
    if since is not None:
        query = query.where(Operation.business_date >= since)
    return list(query.order_by(Operation.id.desc()).limit(limit))


def issued_on(card_id: int, replacements_followed: int = 20):
    """The business date the card was issued (None: issued before this system): its own
    issue, or the batch of its main card's sub cards that named it; a replacement card
    counts from the card it replaced (the holder bought the value then)."""
    card = models.Card.get_by_id(card_id)
    issue = (Operation.select(Operation.business_date)
             .where(Operation.card == card_id, Operation.kind == "card_issue")
             .order_by(Operation.id).first())
    if issue is None and card.main_card_id is not None:
        issue = (Operation.select(Operation.business_date)
                 .where(Operation.card == card.main_card_id,
                        Operation.kind == "sub_card_issue",
                        Operation.result.contains(f'"{card.number}"'))
                 .order_by(Operation.id).first())
    if issue is not None:
        return issue.business_date
    predecessor = models.Card.get_or_none(models.Card.replaced_by == card_id)
    if predecessor is None or replacements_followed == 0:
        return None
    return issued_on(predecessor.id, replacements_followed - 1)


ANY = object()  # a filter of listed() that is not given


def listed(*, outlet_id=ANY, business_date=ANY, operator_id=ANY, operation_id=ANY,
           card_ids=ANY, limit: int | None = None, offset: int = 0) -> list[models.Operation]:
    """Operations matching every filter given (operator_id None: the system's), newest
    first, with `card_number` and `operator_login` (None for none) read in the same
    query."""
    O, Card, Operator = Operation, models.Card, models.Operator
    query = (O.select(O, Card.number.alias("card_number"),
                      Operator.login_id.alias("operator_login"))
             .join_from(O, Card, pw.JOIN.LEFT_OUTER)
             .join_from(O, Operator, pw.JOIN.LEFT_OUTER, on=(O.operator == Operator.id)))
    for wanted, condition in ((outlet_id, lambda: O.outlet == outlet_id),
                              (business_date, lambda: O.business_date == business_date),
                              (operator_id, lambda: O.operator == operator_id),
                              (operation_id, lambda: O.id == operation_id),
                              (card_ids, lambda: O.card.in_(card_ids))):
        if wanted is not ANY:
            query = query.where(condition())
    query = query.order_by(O.id.desc())
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(query.objects())  # joined columns as attributes of the operation


def receipt_ids(operation_ids: list[int]) -> dict[int, int]:
    """The receipt of each operation that has one."""
    R = models.Receipt
    return dict(R.select(R.operation, R.id).where(R.operation.in_(operation_ids))
                .tuples()) if operation_ids else {}


def refund_results(charge_ids: list[int]) -> list[tuple[int, str]]:
    """(charge id, stored result) of every refund of these charges."""
    O = Operation
    return list(O.select(O.reverses, O.result).where(O.reverses.in_(charge_ids),
                                                     O.kind == "refund").tuples()) \
        if charge_ids else []


SPLIT_KINDS = ("principal", "bonus")


def card_splits(operation_ids: list[int]) -> dict[int, dict[str, int]]:
    """Operation -> balance kind (principal, bonus) -> what it moved on its own card's
    accounts (signed: a charge takes, a recharge brings)."""
    if not operation_ids:
        return {}
    E, A, O = models.JournalEntry, models.Account, Operation
    query = (E.select(E.operation, A.kind, pw.fn.SUM(E.amount)).join(A)
             .join_from(E, O, on=(E.operation == O.id))
             .where(E.operation.in_(operation_ids), A.kind.in_(SPLIT_KINDS), A.card == O.card)
             .group_by(E.operation, A.kind).tuples())
    splits: dict[int, dict[str, int]] = {}
    for operation_id, kind, total in query:
        splits.setdefault(operation_id, dict.fromkeys(SPLIT_KINDS, 0))[kind] = int(total or 0)
    return splits


def related_cards(operation_id: int) -> list[models.Card]:
    """The cards an operation names or moved money or points on (a transfer's both
    cards, a replacement's old and new), in card order, with their products."""
    E, A, Card = models.JournalEntry, models.Account, models.Card
    posted = A.select(A.card).join(E).where(E.operation == operation_id, A.card.is_null(False))
    named = Operation.select(Operation.card).where(Operation.id == operation_id)
    return list(Card.select(Card, models.CardProduct).join(models.CardProduct)
                .where(Card.id.in_(posted) | Card.id.in_(named)).order_by(Card.id))
