"""Card stock (卡库存): the chain's blank cards, from the card maker to the counter.

    receive (入库, at the head office): a maker's file, or a generated number range
    request (要卡, an outlet) -> send (发出, head office: in transit) -> receive the move
    return (退库, an outlet: in transit back) -> the head office receives it
    exchange (换卡): a damaged blank scrapped, a good one sent in its place
    scrap (报废): blanks (or written, never issued) cards made void, with a reason

A card in transit is held by no outlet; it is in exactly one sent move. Every step is
one transaction that locks the stock it changes and moves cards with conditional
UPDATEs (status blank, held by the sender): two clerks sending the same cards cannot
both succeed, and receiving a move twice changes nothing the second time. Clerks who
issue cards may request and receive them; anything that takes cards out of a stock
needs `stock.manage`. An operator handles their own outlet's stock; the head office's
stock keepers handle any outlet's.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import InvalidInput, KioskError, N_, NotFound, PermissionDenied
from kiosk.hw.tracks import luhn_complete, luhn_ok
from kiosk.services import audit, permissions
from kiosk.services.accounts import CARD_ACCOUNT_KINDS, unit_of
from kiosk.services.operations import mask_card_number
from kiosk.services.session import Session
from kiosk.store import card_stock as stock_store
from kiosk.store import cards as card_store
from kiosk.store import failures, models
from kiosk.store.db import database
from kiosk.tables import Problem, TableProblems, looks_like_header, read_rows

MAX_CARDS = 100_000  # received, sent or scrapped in one step
MAX_NOTE = 200
_NUMBER = re.compile(r"\d{6,32}")
_RANGE = re.compile(r"(\d{6,32})\s*-\s*(\d{6,32})")

KIND_NAMES = {"receive": N_("received"), "request": N_("request"), "return": N_("return"),
              "exchange": N_("exchange"), "scrap": N_("scrapped")}
STATUS_NAMES = {"requested": N_("requested"), "sent": N_("in transit"),
                "received": N_("received"), "done": N_("done"), "cancelled": N_("cancelled")}
COUNT_TITLES = (N_("outlet"), N_("product"), N_("in stock"), N_("written"),
                N_("in transit"), N_("active"), N_("other issued"), N_("scrapped"))
CHAIN = "*"  # the outlet code of the whole chain's totals
OTHER_ISSUED = ("lost", "frozen", "expired", "replaced", "cleared")


@dataclass(frozen=True)
class MoveView:
    move_id: int
    kind: str
    status: str
    product: str
    count: int
    from_outlet: str  # outlet codes; "" for the card maker or the scrap bin
    to_outlet: str
    note: str
    created_at: str
    operator: str
    first_number: str = ""
    last_number: str = ""
    replayed: bool = False  # the step had already been done: nothing changed


@dataclass(frozen=True)
class StockCount:
    outlet: str  # CHAIN for the whole chain
    product: str
    blank: int = 0
    written: int = 0
    in_transit: int = 0
    active: int = 0
    other_issued: int = 0
    scrapped: int = 0

    def cells(self) -> list:
        return [self.outlet, self.product, self.blank, self.written, self.in_transit,
                self.active, self.other_issued, self.scrapped]


# -- receiving from the card maker -------------------------------------------------------
def receive_file(session: Session, path: str | Path, *, product_code: str = "",
                 note: str = "") -> list[MoveView]:
    """A card maker's file: a card number per row, optionally its product code in a
    second column (else `product_code`). One move per product; a file with any bad
    row receives nothing."""
    permissions.require(session, permissions.STOCK_MANAGE)
    rows = parse_stock_file(path, product_code)
    by_product: dict[str, list[str]] = {}
    for _, number, code in rows:
        by_product.setdefault(code, []).append(number)
    products = stock_store.products_by_code(by_product)
    with _told_if_taken(), database.atomic():
        return [_receive(session, products[code], numbers, note)
                for code, numbers in sorted(by_product.items())]


def receive_range(session: Session, *, product_code: str, prefix: str, first: str,
                  count: int, note: str = "") -> MoveView:
    """Cards prefix + serial for `count` serials from `first` (zero-padded to its width),
    each completed with its check digit when the product uses Luhn."""
    permissions.require(session, permissions.STOCK_MANAGE)
    product = _product(product_code)
    numbers = range_numbers(product, prefix, first, count)
    taken = sorted(stock_store.existing_numbers(numbers))
    if taken:
        raise InvalidInput(N_("{count} numbers of this range already exist (the first: "
                              "{number}); nothing was received."),
                           count=len(taken), number=taken[0])
    with _told_if_taken():
        return _receive(session, product, numbers, note)


def range_numbers(product: models.CardProduct, prefix: str, first: str,
                  count: int) -> list[str]:
    if not re.fullmatch(r"\d{0,30}", prefix) or not re.fullmatch(r"\d{1,30}", first):
        raise InvalidInput(N_("A prefix and a first serial are digits."))
    _check_count(count)
    width, start = len(first), int(first)
    if len(str(start + count - 1)) > width:
        raise InvalidInput(N_("The serials run past {width} digits; start lower or give "
                              "the first serial more digits."), width=width)
    stems = [f"{prefix}{serial:0{width}d}" for serial in range(start, start + count)]
    numbers = [luhn_complete(stem) for stem in stems] if product.uses_luhn else stems
    if not _NUMBER.fullmatch(numbers[0]):
        raise InvalidInput(N_("A card number has 6 to 32 digits."))
    return numbers


def parse_stock_file(path: str | Path, product_code: str = "") -> list[tuple[int, str, str]]:
    """(line, card number, product code) of every row; TableProblems if any is bad."""
    rows, problems, seen = [], [], {}
    for index, (line, cells) in enumerate(read_rows(path, max_rows=MAX_CARDS)):
        if index == 0 and looks_like_header(cells):
            continue
        number = "".join(cells[0].split())
        code = (cells[1] if len(cells) > 1 else "") or product_code
        problem = _row_problem(number, code, seen)
        if problem:
            problems.append(Problem(line, *problem))
            continue
        seen[number] = line
        rows.append((line, number, code))
    problems += _product_problems(rows) + _taken_problems(rows)
    if problems:
        raise TableProblems(sorted(problems, key=lambda problem: problem.line))
    if not rows:
        raise InvalidInput(N_("The file has no rows to import."))
    return rows


def _row_problem(number: str, code: str, seen: dict[str, int]) -> tuple[str, dict] | None:
    if not _NUMBER.fullmatch(number):
        return N_("'{number}' is not a card number (6 to 32 digits)"), {"number": number[:32]}
    if number in seen:
        return N_("card {number} is already on line {first}"), {"number": number,
                                                                 "first": seen[number]}
    if not code:
        return N_("no product: give one for the file or in a second column"), {}
    return None


def _product_problems(rows: list[tuple[int, str, str]]) -> list[Problem]:
    products = stock_store.products_by_code({code for _, _, code in rows})
    problems = []
    for line, number, code in rows:
        product = products.get(code)
        if product is None:
            problems.append(Problem(line, N_("no card product {code}"), {"code": code[:20]}))
        elif product.uses_luhn and not luhn_ok(number):
            problems.append(Problem(line, N_("card {number} fails its check digit"),
                                    {"number": number}))
    return problems


def _taken_problems(rows: list[tuple[int, str, str]]) -> list[Problem]:
    taken = stock_store.existing_numbers([number for _, number, _ in rows])
    return [Problem(line, N_("card {number} already exists"), {"number": number})
            for line, number, _ in rows if number in taken]


@contextlib.contextmanager
def _told_if_taken():
    """Numbers received by someone else meanwhile: said, not a traceback."""
    try:
        yield
    except failures.CONSTRAINT_BROKEN:
        raise _just_taken() from None


def _just_taken() -> InvalidInput:
    return InvalidInput(N_("Some of these card numbers were just received by someone else; "
                           "nothing was received. Check the stock."))


def _receive(session: Session, product: models.CardProduct, numbers: list[str],
             note: str) -> MoveView:
    _check_count(len(numbers))
    note = _note(note)
    office = head_office()
    with database.atomic():
        _may_act(session, permissions.STOCK_MANAGE, office)
        stock_store.hold_stock(office.id)
        if stock_store.existing_numbers(numbers):
            raise _just_taken()
        kinds = [(kind, unit_of(kind)) for kind in CARD_ACCOUNT_KINDS]
        card_ids = stock_store.insert_blanks(numbers, product.id, office.id, session.now(),
                                             kinds)
        move = stock_store.create_move(
            kind="receive", product=product.id, to_outlet=office.id, count=len(numbers),
            status="done", note=note, operator=session.actor.operator_id,
            created_at=session.now(), completed_by=session.actor.operator_id,
            completed_at=session.now())
        stock_store.attach_cards(move.id, card_ids)
        _audit(session, "stock.receive", move, numbers)
    return view(move)


# -- requests, sending, receiving a move -------------------------------------------------
def request_cards(session: Session, outlet_code: str, product_code: str,
                  count: int) -> MoveView:
    """An outlet asks the head office for `count` blank cards of a product. One open
    request per outlet and product: asking again for as many returns it."""
    permissions.require(session, permissions.CARD_ISSUE)
    _check_count(count)
    outlet, product, office = _outlet(outlet_code), _product(product_code), head_office()
    if outlet.id == office.id:
        raise InvalidInput(N_("The head office receives its cards from the card maker."))
    if not card_store.product_opened(outlet.id, product.id):
        raise InvalidInput(N_("Product {product} is not opened at outlet {outlet}; the "
                              "administrator opens it first."),
                           product=product.code, outlet=outlet.code)
    with database.atomic():
        _may_act(session, permissions.CARD_ISSUE, outlet)
        stock_store.hold_stock(outlet.id)
        open_request = stock_store.open_request(outlet.id, product.id)
        if open_request is not None:
            if open_request.count != count:
                raise InvalidInput(N_("Request #{move} for {count} cards of this product is "
                                      "still open; cancel it to ask for another count."),
                                   move=open_request.id, count=open_request.count)
            return view(open_request, replayed=True)
        move = stock_store.create_move(
            kind="request", product=product.id, from_outlet=office.id, to_outlet=outlet.id,
            count=count, status="requested", operator=session.actor.operator_id,
            created_at=session.now())
        _audit(session, "stock.request", move, [])
    return view(move)


def cancel_request(session: Session, move_id: int) -> MoveView:
    permissions.require(session, permissions.CARD_ISSUE)
    with database.atomic():
        move = _locked_for(session, move_id, permissions.CARD_ISSUE, "to_outlet")
        if move.status == "cancelled":
            return view(move, replayed=True)
        if move.kind != "request" or not stock_store.change_status(
                move.id, "requested", "cancelled", completed_by=session.actor.operator_id,
                completed_at=session.now()):
            raise InvalidInput(N_("Move #{move} is not an open request: it cannot be "
                                  "cancelled."), move=move.id)
        _audit(session, "stock.cancel", move, [])
    return view(stock_store.move(move.id))


def send(session: Session, move_id: int, numbers: str = "") -> MoveView:
    """The head office sends a request: the first blank cards of its stock, or the
    cards numbered FIRST-LAST. They leave its stock and are in transit."""
    permissions.require(session, permissions.STOCK_MANAGE)
    span = parse_span(numbers) if numbers else None
    with database.atomic():
        move = _locked_for(session, move_id, permissions.STOCK_MANAGE, "from_outlet")
        if move.kind == "request" and move.status in ("sent", "received"):
            return view(move, replayed=True)
        if move.kind != "request" or move.status != "requested":
            raise InvalidInput(N_("Move #{move} is not an open request: it cannot be sent."),
                               move=move.id)
        sender = _outlet_by_id(move.from_outlet_id)
        stock_store.hold_stock(sender.id)
        cards = _pick(sender, move.product_id, move.count, span)
        stock_store.change_status(move.id, "requested", "sent", count=len(cards))
        _take(cards, sender)
        stock_store.attach_cards(move.id, [card.id for card in cards])
        _audit(session, "stock.send", move, [card.number for card in cards])
    return view(stock_store.move(move.id))


def receive_move(session: Session, move_id: int) -> MoveView:
    """The parcel arrived: the move's cards become the receiving outlet's stock."""
    permissions.require(session, permissions.CARD_ISSUE)
    with database.atomic():
        move = _locked_for(session, move_id, permissions.CARD_ISSUE, "to_outlet")
        if move.status == "received":
            return view(move, replayed=True)
        if move.status != "sent":
            raise InvalidInput(N_("Move #{move} has no cards in transit: there is nothing to "
                                  "receive."), move=move.id)
        arrived = stock_store.put_in_stock(move.id, move.to_outlet_id)
        stock_store.change_status(move.id, "sent", "received",
                                  completed_by=session.actor.operator_id,
                                  completed_at=session.now())
        _audit(session, "stock.receive_move", move, [], arrived=arrived)
    return view(stock_store.move(move.id))


def return_cards(session: Session, outlet_code: str, product_code: str, *, count: int = 0,
                 numbers: str = "", note: str = "") -> MoveView:
    """An outlet sends blank cards back to the head office (its first `count` blanks of
    the product, or those numbered FIRST-LAST); the head office receives the move."""
    permissions.require(session, permissions.STOCK_MANAGE)
    span = parse_span(numbers) if numbers else None
    if span is None:
        _check_count(count)
    outlet, product, office = _outlet(outlet_code), _product(product_code), head_office()
    if outlet.id == office.id:
        raise InvalidInput(N_("The head office's own cards are not returned; scrap them."))
    note = _note(note)
    with database.atomic():
        _may_act(session, permissions.STOCK_MANAGE, outlet)
        stock_store.hold_stock(outlet.id)
        cards = _pick(outlet, product.id, count, span)
        move = stock_store.create_move(
            kind="return", product=product.id, from_outlet=outlet.id, to_outlet=office.id,
            count=len(cards), status="sent", note=note, operator=session.actor.operator_id,
            created_at=session.now())
        _take(cards, outlet)
        stock_store.attach_cards(move.id, [card.id for card in cards])
        _audit(session, "stock.return", move, [card.number for card in cards])
    return view(move)


def exchange(session: Session, damaged_number: str, reason: str) -> MoveView:
    """A damaged blank of an outlet is scrapped and the head office sends a good one of
    the same product in its place, in one step."""
    permissions.require(session, permissions.STOCK_MANAGE)
    reason = _reason(reason)
    damaged = _card(damaged_number)
    office = head_office()
    with database.atomic():
        _may_act(session, permissions.STOCK_MANAGE, office)
        outlet = _holder(damaged)
        stock_store.hold_stock(office.id, outlet.id)
        if outlet.id == office.id:
            raise InvalidInput(N_("A damaged blank of the head office is scrapped, not "
                                  "exchanged."))
        good = _pick(office, damaged.product_id, 1, None)
        _scrap([damaged], outlet)
        move = stock_store.create_move(
            kind="exchange", product=damaged.product_id, from_outlet=office.id,
            to_outlet=outlet.id, count=1, status="sent",
            note=_note(f"{damaged.number}: {reason}"), operator=session.actor.operator_id,
            created_at=session.now())
        _take(good, office)
        stock_store.attach_cards(move.id, [good[0].id])
        _audit(session, "stock.exchange", move, [good[0].number], damaged=damaged.number,
               reason=reason)
    return view(move)


def scrap(session: Session, numbers: list[str], reason: str) -> list[MoveView]:
    """Blank (or written, never issued) cards of one outlet become void; one move per
    product records them with the reason."""
    permissions.require(session, permissions.STOCK_MANAGE)
    reason = _reason(reason)
    numbers = sorted({"".join(number.split()) for number in numbers})
    _check_count(len(numbers))
    cards = stock_store.cards_by_numbers(numbers)
    missing = sorted(set(numbers) - {card.number for card in cards})
    if missing:
        raise NotFound(N_("Card {number} is not in stock: receive it at head office first."),
                       number=missing[0])
    outlets = {card.outlet_id for card in cards}
    if len(outlets) > 1:
        raise InvalidInput(N_("Scrap the cards of one outlet at a time."))
    moves = []
    with database.atomic():
        outlet = _holder(cards[0])
        _may_act(session, permissions.STOCK_MANAGE, outlet)
        stock_store.hold_stock(outlet.id)
        _scrap(cards, outlet)
        for product_id in sorted({card.product_id for card in cards}):
            of_product = [card for card in cards if card.product_id == product_id]
            move = stock_store.create_move(
                kind="scrap", product=product_id, from_outlet=outlet.id,
                count=len(of_product), status="done", note=reason,
                operator=session.actor.operator_id, created_at=session.now(),
                completed_by=session.actor.operator_id, completed_at=session.now())
            stock_store.attach_cards(move.id, [card.id for card in of_product])
            _audit(session, "stock.scrap", move, [card.number for card in of_product],
                   reason=reason)
            moves.append(move)
    return [view(move) for move in moves]


# -- picking and moving cards ------------------------------------------------------------
def parse_span(text: str) -> tuple[str, str]:
    """FIRST-LAST: two card numbers of one length, the first not after the last."""
    found = _RANGE.fullmatch(text.strip())
    if not found or len(found[1]) != len(found[2]) or found[1] > found[2]:
        raise InvalidInput(N_("Give the cards as FIRST-LAST: two card numbers of the same "
                              "length, the smaller first."), field="numbers")
    return found[1], found[2]


def _pick(outlet: models.Outlet, product_id: int, count: int,
          span: tuple[str, str] | None) -> list[models.Card]:
    """The cards to move out of `outlet`'s stock (its stock is locked): the numbered
    span, every card of it a blank of the product held there, or its first `count`."""
    if span is None:
        cards = stock_store.blanks_of(outlet.id, product_id, count)
        if len(cards) < count:
            raise InvalidInput(N_("Only {have} blank cards of this product are in stock at "
                                  "{outlet}; {wanted} are needed."),
                               have=len(cards), outlet=outlet.code, wanted=count)
        return cards
    cards = stock_store.cards_in_range(*span)
    if not cards:
        raise NotFound(N_("No cards are numbered {first} to {last}."), first=span[0],
                       last=span[1])
    _check_count(len(cards))
    for card in cards:
        if card.product_id != product_id:
            raise InvalidInput(N_("Card {number} is of another product."), number=card.number)
        _ensure_blank_of(card, outlet)
    return cards


def _ensure_blank_of(card: models.Card, outlet: models.Outlet) -> None:
    refusal = why_not_in_stock(card, outlet.id)
    if refusal is not None:
        raise refusal
    if card.status == "written":
        raise InvalidInput(N_("Card {number} is written: issue it or scrap it."),
                           number=card.number)
    if card.status != "blank":
        raise InvalidInput(N_("Card {number} is already issued."),
                           number=mask_card_number(card.number))


def _take(cards: list[models.Card], outlet: models.Outlet) -> None:
    """The decision: only cards still blank and held by `outlet` leave it."""
    if stock_store.take_from_stock([card.id for card in cards], outlet.id) != len(cards):
        raise InvalidInput(N_("Some of these cards were just moved by someone else; nothing "
                              "was changed. Look at the stock again."))


def _scrap(cards: list[models.Card], outlet: models.Outlet) -> None:
    if stock_store.scrap_cards([card.id for card in cards], outlet.id) == len(cards):
        return
    for card in cards:  # say which card, as it is now
        now = card_store.by_number(card.number)
        if now.status != "written":
            _ensure_blank_of(now, outlet)
    raise InvalidInput(N_("Some of these cards were just moved by someone else; nothing "
                          "was changed. Look at the stock again."))


# -- where a card is, in a clerk's words ---------------------------------------------------
def why_not_in_stock(card: models.Card, outlet_id: int) -> KioskError | None:
    """Why a card is not a blank (or written) card of this outlet's stock, or None if it
    is. An issued card is left to the caller ("already issued")."""
    if card.status == "void":
        return InvalidInput(N_("Card {number} was scrapped."), number=card.number)
    if card.status not in stock_store.SCRAPPABLE or card.outlet_id == outlet_id:
        return None
    if card.outlet_id is not None:
        holder = _outlet_by_id(card.outlet_id)
        return InvalidInput(N_("Card {number} is held by outlet {outlet} {name}; ask the "
                               "head office to move it here."),
                            number=card.number, outlet=holder.code, name=holder.name)
    move = stock_store.transit_move(card.id)
    if move is not None and move.to_outlet_id == outlet_id:
        return InvalidInput(N_("Card {number} is in transit to this outlet: receive move "
                               "#{move} first."), number=card.number, move=move.id)
    if move is not None:
        return InvalidInput(N_("Card {number} is in transit to outlet {outlet}."),
                            number=card.number, outlet=_outlet_by_id(move.to_outlet_id).code)
    return InvalidInput(N_("Card {number} is in no outlet's stock: receive it at head "
                           "office first."), number=card.number)


def no_blank_left(session: Session, product: models.CardProduct | None) -> KioskError:
    """What to tell a clerk whose outlet has no blank card of the product."""
    coming = stock_store.in_transit_to(session.actor.outlet_id, product.id) if product else 0
    if coming:
        return NotFound(N_("No blank cards of this product in stock; {count} are in transit "
                           "to this outlet: receive them first (card stock)."), count=coming)
    return NotFound(N_("No blank cards of this product in stock: request some from the head "
                       "office (card stock), or type a card number."))


# -- counts and moves ----------------------------------------------------------------------
def counts(session: Session, outlet_code: str = "") -> list[StockCount]:
    """Per outlet and product: blank in stock, written not issued, in transit to it,
    issued (active, other states), scrapped; then the chain's totals per product
    (without an outlet asked for)."""
    permissions.require(session, permissions.QUERY)
    only = _outlet(outlet_code).id if outlet_code else None
    totals: dict[tuple[int, int], dict[str, int]] = {}

    def add(outlet_id, product_id, column, cards):
        if only is None or outlet_id == only:
            cell = totals.setdefault((outlet_id, product_id), {})
            cell[column] = cell.get(column, 0) + cards
    for outlet_id, product_id, status, cards in stock_store.held_counts():
        add(outlet_id, product_id, _count_column(status), cards)
    for outlet_id, product_id, cards in stock_store.transit_counts():
        add(outlet_id, product_id, "in_transit", cards)
    outlets = stock_store.outlet_codes(outlet_id for outlet_id, _ in totals)
    products = stock_store.product_codes()
    rows = sorted((StockCount(outlets[outlet_id].code, products[product_id], **cell)
                   for (outlet_id, product_id), cell in totals.items()),
                  key=lambda row: (row.outlet, row.product))
    return rows if only is not None else rows + _chain_totals(rows)


def _count_column(status: str) -> str:
    if status in ("blank", "written", "active"):
        return status
    return "scrapped" if status == "void" else "other_issued"


def _chain_totals(rows: list[StockCount]) -> list[StockCount]:
    by_product: dict[str, list[int]] = {}
    for row in rows:
        sums = by_product.setdefault(row.product, [0] * 6)
        for index, value in enumerate(row.cells()[2:]):
            sums[index] += value
    return [StockCount(CHAIN, product, *sums) for product, sums in sorted(by_product.items())]


def counts_table(session: Session, outlet_code: str = "") -> list[list]:
    """The counts as a table (the first row: column title ids), for the CLI and screens."""
    return [list(COUNT_TITLES)] + [row.cells() for row in counts(session, outlet_code)]


def outlet_in_view(session: Session) -> str:
    """The outlet whose stock an operator looks at: their own; at the head office, the
    whole chain ("")."""
    office = stock_store.head_office()
    if office is not None and office.id == session.actor.outlet_id:
        return ""
    return stock_store.outlet_codes([session.actor.outlet_id])[session.actor.outlet_id].code


def moves(session: Session, outlet_code: str = "", *, limit: int = 50) -> list[MoveView]:
    """The latest moves of an outlet (to or from it), or of the whole chain."""
    permissions.require(session, permissions.QUERY)
    found = stock_store.latest_moves(_outlet(outlet_code).id if outlet_code else None, limit)
    return views(found)


def view(move: models.StockMove, *, replayed: bool = False) -> MoveView:
    return views([move], replayed=replayed)[0]


def views(found: list[models.StockMove], *, replayed: bool = False) -> list[MoveView]:
    outlets = stock_store.outlet_codes(
        {move.from_outlet_id for move in found} | {move.to_outlet_id for move in found})
    products = stock_store.product_codes()
    logins = stock_store.operator_logins(move.operator_id for move in found)
    spans = stock_store.number_span([move.id for move in found])

    def code(outlet_id):
        return outlets[outlet_id].code if outlet_id in outlets else ""
    return [MoveView(move.id, move.kind, move.status, products[move.product_id], move.count,
                     code(move.from_outlet_id), code(move.to_outlet_id), move.note,
                     move.created_at.strftime("%Y-%m-%d %H:%M"),
                     logins.get(move.operator_id, ""), *spans.get(move.id, ("", "")),
                     replayed=replayed) for move in found]


# -- small rules ---------------------------------------------------------------------------
def head_office() -> models.Outlet:
    office = stock_store.head_office()
    if office is None:
        raise NotFound(N_("The chain has no head office to hold the card stock."))
    return office


def _may_act(session: Session, permission: str, outlet: models.Outlet) -> None:
    """Inside the step's transaction, read fresh: the operator may do this, for this
    outlet (their own, or any if they keep the head office's stock)."""
    permissions.ensure_can_act(session, permission)
    if session.actor.outlet_id == outlet.id:
        return
    office = stock_store.head_office()
    if office is not None and session.actor.outlet_id == office.id:
        permissions.ensure_can_act(session, permissions.STOCK_MANAGE)
        return
    raise PermissionDenied(N_("The stock of outlet {outlet} is handled there or at the head "
                              "office."), outlet=outlet.code)


def _check_count(count: int) -> None:
    if not 1 <= count <= MAX_CARDS:
        raise InvalidInput(N_("From 1 to {most} cards at a time."), most=MAX_CARDS,
                           field="count")


def _note(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > MAX_NOTE:
        raise InvalidInput(N_("A note has at most {most} characters."), most=MAX_NOTE)
    return text


def _reason(text: str) -> str:
    text = _note(text)
    if not text:
        raise InvalidInput(N_("Give a reason."))
    return text


def _product(code: str) -> models.CardProduct:
    product = stock_store.products_by_code([code]).get(code)
    if product is None:
        raise NotFound(N_("No card product {code}."), code=code[:20])
    return product


def _outlet(code: str) -> models.Outlet:
    outlet = stock_store.outlet_by_code(code)
    if outlet is None:
        raise NotFound(N_("No outlet with code {code}."), code=code[:8])
    return outlet


def _outlet_by_id(outlet_id: int | None) -> models.Outlet:
    return stock_store.outlet_codes([outlet_id])[outlet_id]


def _card(number: str) -> models.Card:
    card = card_store.by_number("".join(number.split()))
    if card is None:
        raise NotFound(N_("Card {number} is not in stock: receive it at head office first."),
                       number=number[:32])
    return card


def _holder(card: models.Card) -> models.Outlet:
    """The outlet whose stock holds the card (blank or written), or why none does."""
    if card.outlet_id is None or card.status not in stock_store.SCRAPPABLE:
        refusal = why_not_in_stock(card, -1)
        raise refusal or InvalidInput(N_("Card {number} is already issued."),
                                      number=mask_card_number(card.number))
    return _outlet_by_id(card.outlet_id)


def _locked_for(session: Session, move_id: int, permission: str,
                side: str) -> models.StockMove:
    """The move, locked, once the operator may act for its outlet on `side` (from_outlet
    or to_outlet)."""
    move = stock_store.locked_move(move_id)
    if move is None:
        raise NotFound(N_("No stock move #{move}."), move=move_id)
    _may_act(session, permission, _outlet_by_id(getattr(move, f"{side}_id")))
    return move


def _audit(session: Session, action: str, move: models.StockMove, numbers: list[str],
           **details) -> None:
    """The step, and a digest of exactly which cards moved."""
    digest = hashlib.sha256(",".join(sorted(numbers)).encode()).hexdigest() if numbers else ""
    audit.append(session, action, subject=f"stock:{move.id}", details={
        "kind": move.kind, "product": move.product_id, "from": move.from_outlet_id,
        "to": move.to_outlet_id, "count": len(numbers) or move.count, "cards": digest,
        **details})
