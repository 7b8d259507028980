"""Insurers' cards (保险卡): the insurer's files, imported, reviewed, then run.

    import (draft) -> review by a second operator -> run;  draft or reviewed -> void

The card file registers the insurer's cards: per line the holder (found by ID number,
else created), the card (active, the product's expiry, the PIN of the insurer's rule:
the last six of the ID number, X as 0) and its opening balance, moved from the
insurer's funding account, or none when the insurer keeps the balance itself (由保险公
司记账). The loads file adds to the cards (insurer_load) or takes back
(insurer_adjustment), never below zero: the balance's conditional update refuses it
and the line is reported, the others run. A credit follows a replaced card to its
successor; a debit only takes from a card whose balance is still its own.

Every row is checked on import and reported by line; a file with any bad row imports
nothing, and a file already imported (its SHA-256) is refused. Each line posts as one
operation under a key made from the file and the line, with the file's row locked, so
a rerun after a crash, or four terminals running one file at once, post every line
exactly once. Insurer money is finance's business: importing, reviewing and running
need the finance right (the reviewer too), and so do both kinds of operation."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import InvalidInput, N_, NotFound
from kiosk.hw.tracks import luhn_ok
from kiosk.identity import initial_pin_from_id, mask_id_number, normalise_id_number
from kiosk.money import parse_yuan
from kiosk.services import audit, card_status, cards, permissions, reviewed_lists
from kiosk.services.accounts import card_accounts, issuer_account, open_card_accounts
from kiosk.services.business_date import current_business_date
from kiosk.services.card_status import HOLDS_MONEY, CardStatus
from kiosk.services.issuing import expiry_date
from kiosk.services.operations import (OperationResult, Posting, mask_card_number, perform,
                                       stored)
from kiosk.services.reviewed_lists import RunReport
from kiosk.services.session import Session
from kiosk.store import cards as card_store
from kiosk.store import insurer_files as store
from kiosk.store import models, schema
from kiosk.store.db import database
from kiosk.tables import Problem

CARDS, LOADS = "cards", "loads"
KIND_NAMES = {CARDS: N_("cards"), LOADS: N_("loads")}
RUNNABLE = ("reviewed", "run")
MAX_NAME = 100
MAX_HOLDER = 50
# What the opening balance cell says when the insurer keeps the balance (or empty).
HELD_BY_INSURER = {"由保险公司记账", "保险公司记账", "保司记账", "held by the insurer",
                   "held by insurer", "insurer"}
_CARD_NUMBER = re.compile(r"\d{8,32}")
CARD_EXISTS = N_("card {number} exists already")


@dataclass(frozen=True)
class FileSummary:
    file_id: int
    kind: str
    issuer: str
    name: str
    status: str
    lines: int
    total: int
    done: int  # lines posted (or, held by the insurer, registered)
    created_by: str
    reviewed_by: str


@dataclass(frozen=True)
class FileLine:
    line_no: int
    card_number: str
    holder: str
    id_number: str  # masked
    product_code: str
    amount: int  # fen; 0 on a card file: the balance is held by the insurer
    done: bool
    operation_id: int | None


@dataclass(frozen=True, kw_only=True)
class LineResult(OperationResult):
    """One line posted: the card credited or debited and its principal after."""

    file_id: int
    line_no: int
    card_number: str
    amount: int  # signed: an adjustment that takes back is negative
    principal_after: int


@dataclass(frozen=True)
class Registered:
    """A card held by the insurer, registered without an opening balance."""

    card_number: str
    replayed: bool


@dataclass(frozen=True)
class _CardRow:
    line: int
    number: str
    holder: str
    id_number: str
    product_code: str
    amount: int

    def stored(self, cards_found: dict) -> dict:
        return {"line_no": self.line, "card_number": self.number, "holder_name": self.holder,
                "id_number": self.id_number, "product_code": self.product_code,
                "amount": self.amount}


@dataclass(frozen=True)
class _LoadRow:
    line: int
    number: str
    amount: int

    def stored(self, cards_found: dict[str, models.Card]) -> dict:
        card = cards_found[self.number]
        return {"line_no": self.line, "card_number": self.number, "amount": self.amount,
                "card": card.id, "product_code": card.product.code}


# -- reading the files ----------------------------------------------------------------------
def _card_number(text: str) -> str:
    number = "".join(text.split())
    if not _CARD_NUMBER.fullmatch(number):
        raise InvalidInput(N_("'{number}' is not a card number (8 to 32 digits)"),
                           number=text[:32])
    return number


def _cells(cells: list[str], count: int) -> list[str]:
    return cells + [""] * (count - len(cells))


def _is_header(cells: list[str]) -> bool:
    """A first row with no digit at all names the columns. (The amount column cannot
    tell: a card held by the insurer has a word there, or nothing.)"""
    return not any(character.isdigit() for cell in cells for character in cell)


def _opening_balance(text: str) -> int:
    if text.strip().lower() in HELD_BY_INSURER | {""}:
        return 0
    return parse_yuan(text, allow_zero=True)


def _signed_amount(text: str) -> int:
    text = text.strip()
    if text and text[0] in "+-":
        amount = parse_yuan(text[1:])
        return -amount if text[0] == "-" else amount
    return parse_yuan(text)


def _card_row(line: int, cells: list[str]) -> tuple[str, _CardRow]:
    number, holder, id_number, product_code, amount = _cells(cells, 5)[:5]
    number = _card_number(number)
    holder = " ".join(holder.split())
    if not holder or len(holder) > MAX_HOLDER:
        raise InvalidInput(N_("a holder's name has 1 to {most} characters"), most=MAX_HOLDER)
    if not product_code.strip():
        raise InvalidInput(N_("the product code is missing"))
    return number, _CardRow(line, number, holder, normalise_id_number(id_number),
                            product_code.strip(), _opening_balance(amount))


def _load_row(line: int, cells: list[str]) -> tuple[str, _LoadRow]:
    number, amount = _cells(cells, 2)[:2]
    number = _card_number(number)
    return number, _LoadRow(line, number, _signed_amount(amount))


def _product_problem(product: models.CardProduct | None, code: str) -> tuple[str, dict] | None:
    """Why cards of this product cannot come from an insurer's file, if they cannot."""
    if product is None:
        return N_("no card product {code}"), {"code": code[:20]}
    if product.kind != "insurance" or not product.issuer:
        return N_("product {code} is not an insurer's product"), {"code": code[:20]}
    if not product.active:
        return N_("product {code} is not active"), {"code": code[:20]}
    if product.initial_pin != "id_last6":
        return (N_("product {code} has PINs typed by the customer at issue; an insurer's "
                   "file needs its PIN rule to be the ID number (id_last6)"), {"code": code[:20]})
    return None


class _OneIssuer:
    """Every card of a file is one insurer's: the first row's decides."""

    def __init__(self) -> None:
        self.issuer = ""

    def problem(self, line: int, issuer: str) -> list[Problem]:
        self.issuer = self.issuer or issuer
        if issuer == self.issuer:
            return []
        return [Problem(line, N_("this card is {issuer}'s, the file's cards are {first}'s"),
                        {"issuer": issuer, "first": self.issuer})]


def _card_problems(rows: list[_CardRow], issuer: _OneIssuer) -> list[Problem]:
    existing = store.cards_by_number(row.number for row in rows)
    products = store.products_by_code(row.product_code for row in rows)
    problems = []
    for row in rows:
        product = products.get(row.product_code)
        wrong = _product_problem(product, row.product_code)
        if wrong is not None:
            problems.append(Problem(row.line, *wrong))
        elif row.number in existing:
            problems.append(Problem(row.line, CARD_EXISTS,
                                    {"number": mask_card_number(row.number)}))
        elif product.uses_luhn and not luhn_ok(row.number):
            problems.append(Problem(row.line, N_("card number {number} fails its check digit"),
                                    {"number": mask_card_number(row.number)}))
        else:
            problems += issuer.problem(row.line, product.issuer)
    return problems


def _load_problems(rows: list[_LoadRow], found: dict[str, models.Card],
                   issuer: _OneIssuer) -> list[Problem]:
    problems = []
    for row in rows:
        card = found.get(row.number)
        if card is None:
            problems.append(Problem(row.line, N_("no card with number {number}"),
                                    {"number": row.number[:24]}))
        elif card.product.kind != "insurance" or not card.product.issuer:
            problems.append(Problem(row.line, N_("card {number} is not an insurer's card"),
                                    {"number": mask_card_number(row.number)}))
        elif card.status not in HOLDS_MONEY and (row.amount < 0 or
                                                 card.status != CardStatus.REPLACED):
            # A load follows a replaced card to its successor; an adjustment does not.
            problems.append(Problem(row.line, N_("card {number} is {status}"),
                                    {"number": mask_card_number(row.number),
                                     "status": card_status.name(card.status)}))
        else:
            problems += issuer.problem(row.line, card.product.issuer)
    return problems


def _read(path: str | Path, kind: str) -> tuple[str, str, list[dict]]:
    """The file's SHA-256, its issuer and its lines as stored; TableProblems if any row
    is bad. A file imported before is refused before its rows are checked against the
    store (they would only say that its cards exist already)."""
    issuer, found, digest = _OneIssuer(), {}, ""

    def store_problems(rows: list) -> list[Problem]:
        nonlocal digest
        digest = _sha256(path)  # read_rows found a regular file within the limit
        _not_imported_before(digest)
        if kind == CARDS:
            return _card_problems(rows, issuer)
        found.update(store.cards_by_number(row.number for row in rows))
        return _load_problems(rows, found, issuer)

    rows = reviewed_lists.checked_rows(path, _card_row if kind == CARDS else _load_row,
                                       header=_is_header, store_problems=store_problems)
    return digest, issuer.issuer, [row.stored(found) for row in rows]


def _sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _not_imported_before(digest: str) -> None:
    earlier = store.by_sha256(digest)
    if earlier is not None:
        raise InvalidInput(N_("This file was already imported as #{number}."),
                           number=earlier.id)


# -- import, review, void -------------------------------------------------------------------
def import_file(session: Session, path: str | Path, *, kind: str, name: str) -> int:
    """A draft of the insurer's card file (kind `cards`) or loads file (`loads`); every
    row checked against the store. Returns the file's number."""
    permissions.require(session, permissions.FINANCE)
    if kind not in KIND_NAMES:
        raise InvalidInput(N_("An insurer's file holds cards or loads."))
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(N_("A file name has 1 to {most} characters."), most=MAX_NAME)
    digest, issuer, lines = _read(path, kind)
    with database.atomic():
        schema.hold_meta_row()  # two imports of one file at once: the second is refused
        _not_imported_before(digest)
        file_id = store.create(
            {"kind": kind, "issuer": issuer, "name": name, "lines_count": len(lines),
             "total": sum(line["amount"] for line in lines), "sha256": digest,
             "created_by": session.actor.operator_id, "created_at": session.now()}, lines)
        audit.append(session, "insurer.import", subject=_subject(file_id),
                     details={"kind": kind, "issuer": issuer, "lines": len(lines),
                              "sha256": digest})
    return file_id


def _subject(file_id: int) -> str:
    return f"insurer_file:{file_id}"


def _file(file_id: int) -> models.InsurerFile:
    file = store.get(file_id)
    if file is None:
        raise NotFound(N_("No insurer's file #{number}."), number=file_id)
    return file


def review(session: Session, file_id: int, credentials) -> None:
    """A second finance operator (not the importer) checks the lines and approves."""
    permissions.require(session, permissions.FINANCE)
    reviewer = reviewed_lists.second_operator(session, credentials, permissions.FINANCE,
                                              _file(file_id).created_by_id)
    with database.atomic():
        reviewed_lists.move(session, store.locked(file_id), allowed=("draft",), to="reviewed",
                            action="insurer.review", subject=_subject(file_id),
                            reviewed_by=reviewer.id)


def void(session: Session, file_id: int) -> None:
    """A draft or reviewed file that has not started to run."""
    permissions.require(session, permissions.FINANCE)
    _file(file_id)
    with database.atomic():
        file = store.locked(file_id)  # waits for a line that is posting now
        if store.anything_done(file_id):
            raise InvalidInput(N_("File #{number} has started to run; it cannot be voided."),
                               number=file_id)
        reviewed_lists.move(session, file, allowed=("draft", "reviewed"), to="void",
                            action="insurer.void", subject=_subject(file_id))


# -- run ------------------------------------------------------------------------------------
def run(session: Session, file_id: int) -> RunReport:
    """Post every line not yet posted; safe to run again, and on several terminals at
    once. The file is `run` once every line is."""
    permissions.require(session, permissions.FINANCE)
    file = _ensure_runnable(_file(file_id))
    post = _card_line if file.kind == CARDS else _load_line
    report = reviewed_lists.run_lines(store.lines_of(file.id), lambda line: line.line_no,
                                      lambda line: post(session, file, line))
    if not report.failed:
        with database.atomic():
            file = store.locked(file_id)
            if file.status != "run":
                reviewed_lists.move(session, file, allowed=("reviewed",), to="run",
                                    action="insurer.run", subject=_subject(file_id))
    return report


def _runnable(file_id: int) -> None:
    """Inside a line's transaction: the file locked, and still to be run."""
    _ensure_runnable(store.locked(file_id))


def _ensure_runnable(file: models.InsurerFile) -> models.InsurerFile:
    if file.status not in RUNNABLE:
        raise InvalidInput(N_("File #{number} is {status}: only a reviewed file can be run."),
                           number=file.id, status=reviewed_lists.status_name(file.status))
    return file


def _card_line(session: Session, file: models.InsurerFile,
               line: models.InsurerFileLine) -> LineResult | Registered:
    if line.amount == 0:
        return _register_held(session, file, line)
    pin_hash = None if stored(_key(file, line)) else _pin_hash(session, line)

    def run(posting: Posting) -> dict:
        _runnable(file.id)
        card = _register(session, file, line, pin_hash, posting.operation.business_date)
        return _move_money(posting, file, line, card)

    return _post(session, "insurer_load", file, line, run)


def _load_line(session: Session, file: models.InsurerFile,
               line: models.InsurerFileLine) -> LineResult:
    def run(posting: Posting) -> dict:
        _runnable(file.id)
        # A credit follows a replaced card to its successor; a debit takes only from a
        # card whose balance is still its own.
        card = cards.locked_for_credit(line.card_id) if line.amount > 0 \
            else cards.locked_holding_money(line.card_id)
        return _move_money(posting, file, line, card)

    kind = "insurer_load" if line.amount > 0 else "insurer_adjustment"
    return _post(session, kind, file, line, run)


def _key(file: models.InsurerFile, line: models.InsurerFileLine) -> str:
    return f"insurer-{file.id}-{line.line_no}"


def _post(session: Session, kind: str, file: models.InsurerFile,
          line: models.InsurerFileLine, run) -> LineResult:
    outcome = perform(session, kind=kind, key=_key(file, line), run=run,
                      request={"file": file.id, "line": line.line_no,
                               "card": line.card_number, "amount": line.amount},
                      amount=abs(line.amount), memo=f"{file.issuer} #{file.id}/{line.line_no}")
    return LineResult.of(outcome)


def _move_money(posting: Posting, file: models.InsurerFile, line: models.InsurerFileLine,
                card: models.Card) -> dict:
    """The line's amount between the insurer's funding account and the card's principal
    (locked); a debit larger than the balance is refused by its conditional update."""
    posting.operation.card = card.id
    principal = card_accounts(card, lock=True)["principal"]
    funding = issuer_account(file.issuer, "issuer_funding")
    if line.amount > 0:
        posting.move(funding, principal, line.amount)
    else:
        posting.move(principal, funding, -line.amount)
    store.record_line(line.id, card.id, posting.operation.id)
    return {"file_id": file.id, "line_no": line.line_no, "card_number": card.number,
            "amount": line.amount, "principal_after": principal.balance + line.amount}


def _pin_hash(session: Session, line: models.InsurerFileLine) -> str:
    """The insurer's rule (the only one an insurer's file accepts): the last six of the
    holder's ID number, X as 0; only its hash leaves this function."""
    return session.hasher.hash(initial_pin_from_id(line.id_number))


def _register_held(session: Session, file: models.InsurerFile,
                   line: models.InsurerFileLine) -> Registered:
    """A card whose balance the insurer keeps: registered, nothing posted."""
    if store.line_done(line.id)[0] is not None:  # a hint that spares the hash
        return Registered(line.card_number, replayed=True)
    pin_hash = _pin_hash(session, line)
    with database.atomic():
        _runnable(file.id)
        if store.line_done(line.id)[0] is not None:  # registered by another terminal
            return Registered(line.card_number, replayed=True)
        card = _register(session, file, line, pin_hash, current_business_date(session))
        store.record_line(line.id, card.id, None)
    return Registered(card.number, replayed=False)


def _register(session: Session, file: models.InsurerFile, line: models.InsurerFileLine,
              pin_hash: str, day) -> models.Card:
    """Inside the line's transaction, the file locked: the holder (found by ID number,
    else registered) and the active card with its accounts."""
    if card_store.by_number(line.card_number) is not None:
        raise InvalidInput(CARD_EXISTS, number=mask_card_number(line.card_number))
    product = store.product(line.product_code)
    wrong = _product_problem(product, line.product_code)
    if wrong is not None:  # changed since the import
        raise InvalidInput(wrong[0], **wrong[1])
    member_id = store.member_by_id_number(line.id_number)
    new_member = member_id is None
    if new_member:
        member_id = store.insert_member(
            name=line.holder_name, id_number=line.id_number, source=file.issuer[:30],
            outlet=session.actor.outlet_id, created_at=session.now())
    card = store.insert_card(
        number=line.card_number, product=product.id, status=CardStatus.ACTIVE.value,
        outlet=session.actor.outlet_id, member=member_id, pin_hash=pin_hash,
        expires_on=expiry_date(product, day), created_at=session.now())
    open_card_accounts(card)
    audit.append(session, "insurer.card", subject=f"card:{card.number}",
                 details={"file": file.id, "line": line.line_no, "member": member_id,
                          "new_member": new_member, "pin": product.initial_pin})
    return card


# -- what the screens and commands show -------------------------------------------------------
def summaries(session: Session, *, limit: int = 50) -> list[FileSummary]:
    permissions.require(session, permissions.FINANCE)
    return _summaries(store.summaries(limit))


def summary(session: Session, file_id: int) -> FileSummary:
    permissions.require(session, permissions.FINANCE)
    _file(file_id)
    return _summaries(store.summaries(1, file_id))[0]


def _summaries(rows) -> list[FileSummary]:
    return [FileSummary(f.id, f.kind, f.issuer, f.name, f.status, f.lines_count, f.total, done,
                        created_by, reviewed_by) for f, done, created_by, reviewed_by in rows]


def lines(session: Session, file_id: int) -> list[FileLine]:
    """A file's lines as the reviewer checks them, and what running them did."""
    permissions.require(session, permissions.FINANCE)
    _file(file_id)
    return [FileLine(line.line_no, line.card_number, line.holder_name,
                     mask_id_number(line.id_number), line.product_code, line.amount,
                     store.is_done(line), line.operation_id)
            for line in store.lines_of(file_id)]
