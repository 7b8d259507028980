"""Physical card migration (实体卡迁移): the old system's card balances are imported,
then each card is migrated once, ever, onto a member's stored-value card: the member
confirms with a code sent to their phone (valid 10 minutes), the clerk attaches up to
five voucher images and a remark, and one operation moves the balance and voids the
old card, recording who did it and when."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import InvalidInput, KioskError, N_, NotFound, fields_named
from kiosk.files import read_regular
from kiosk.identity import mask_phone
from kiosk.images import image_kind
from kiosk.money import MoneyError, parse_yuan
from kiosk.services import audit, cards, directory, lockout, permissions, receipts, scope
from kiosk.services.business_date import local_time
from kiosk.services.accounts import card_accounts, till_account
from kiosk.services.operations import (OperationResult, Outcome, Posting, mask_card_number,
                                       perform, stored)
from kiosk.services.session import Session
from kiosk.store import cards as card_store
from kiosk.store import legacy_cards as legacy_store
from kiosk.store import members as member_store
from kiosk.store import models, tries
from kiosk.store import operators as operator_store
from kiosk.store import outlets as outlet_store
from kiosk.store.db import database
from kiosk.tables import Problem, TableProblems, looks_like_header, read_rows

CODE_VALID = dt.timedelta(minutes=10)
CODE_PURPOSE = "migration"
MAX_VOUCHERS = 5
MAX_VOUCHER_BYTES = 2 * 1024 * 1024
MAX_REMARKS = 500
PAGE = 20
# The old system's words for a card whose balance must not move: lost, frozen, void.
BLOCKED_STATUSES = {"挂失", "冻结", "作废", "注销", "销户", "止付",
                    "lost", "frozen", "void", "cancelled", "closed"}


class WrongCode(KioskError):
    default_message = N_("The verification code is wrong or has expired; send a new one.")
    field = "code"  # the form's cursor goes back to the code


# -- import -------------------------------------------------------------------------------
def import_balances(session: Session, path: str | Path) -> int:
    """Rows: card number, balance in yuan (at most two decimals), outlet code, status
    and, optionally, card type and points (积分, a whole number). An outlet imports its own old cards (an empty outlet code
    is its own); the head office imports for any registered outlet. Any bad row:
    nothing is imported, every problem listed."""
    permissions.require(session, permissions.CARD_MANAGE)
    outlet_of = _importable_outlets(session)
    rows, problems, seen = [], [], {}
    for index, (line, cells) in enumerate(read_rows(path)):
        if index == 0 and looks_like_header(cells):
            continue
        cells = cells + [""] * (6 - len(cells))
        number = "".join(cells[0].split())
        try:
            balance = parse_yuan(cells[1], allow_zero=True)
        except MoneyError as error:
            problems.append(Problem(line, error.message_id, error.params))
            continue
        points_text = cells[5].strip().replace(",", "")
        if points_text and not (points_text.isascii() and points_text.isdigit()
                                and len(points_text) <= 12):
            problems.append(Problem(line, N_("points '{points}' is not a whole number"),
                                    {"points": points_text[:20]}))
            continue
        outlet_code = cells[2][:8] or _own_outlet_code(session)
        if not number.isalnum() or len(number) > 32:
            problems.append(Problem(line, N_("'{number}' is not a card number"),
                                    {"number": number[:40]}))
        elif outlet_code not in outlet_of:
            problems.append(Problem(line, N_("outlet {code} is not this outlet (the head office "
                                             "imports for others) or is not registered"),
                                    {"code": outlet_code}))
        elif number in seen:
            problems.append(Problem(line, N_("card {number} is already on line {first}"),
                                    {"number": number[-4:], "first": seen[number]}))
        else:
            seen[number] = line
            rows.append({"number": number, "balance": balance, "outlet_code": outlet_code,
                         "status": cells[3][:20], "card_type": cells[4][:30],
                         "points": int(points_text or 0)})
    known = legacy_store.already_imported(seen)
    problems += [Problem(seen[number], N_("card {number} was imported before"),
                         {"number": number[-4:]}) for number in sorted(known)]
    if problems:
        raise TableProblems(sorted(problems, key=lambda problem: problem.line))
    if not rows:
        raise InvalidInput(N_("The file has no rows to import."))
    with audit.transaction(session):
        legacy_store.add([{**row, "imported_at": session.now()} for row in rows])
        audit.append(session, "migration.import", details={
            "rows": len(rows), "total": sum(row["balance"] for row in rows),
            "points": sum(row["points"] for row in rows)})
    return len(rows)


def _own_outlet_code(session: Session) -> str:
    return directory.actor_info(session.actor).outlet_code


def _importable_outlets(session: Session) -> set[str]:
    own = outlet_store.by_id(session.actor.outlet_id)
    if own.head_office:
        return set(outlet_store.codes())
    return {own.code}


# -- listing ------------------------------------------------------------------------------
@dataclass(frozen=True)
class LegacyFilter:
    card_type: str = ""
    number: str = ""  # a prefix
    min_balance: int | None = None
    max_balance: int | None = None
    status: str = ""
    migrated: bool | None = None


@dataclass(frozen=True)
class LegacyRow:
    number: str
    card_type: str
    balance: int
    outlet_code: str
    status: str
    migrated_at: dt.datetime | None
    operator_name: str
    points: int = 0


def listing(session: Session, rules: LegacyFilter, *, page: int = 0,
            mode: str = scope.STORE) -> list[LegacyRow]:
    """This outlet's old cards (store mode), or the chain's (unified mode)."""
    permissions.require(session, permissions.QUERY)
    in_scope = scope.outlet_in_scope(session, mode)
    found = legacy_store.of_outlet(
        None if in_scope is None else _own_outlet_code(session), card_type=rules.card_type,
        number_prefix=rules.number,
        min_balance=rules.min_balance, max_balance=rules.max_balance, status=rules.status,
        migrated=rules.migrated, limit=PAGE, offset=page * PAGE)
    return [LegacyRow(row.number, row.card_type, row.balance, row.outlet_code, row.status,
                      row.migrated_at, row.operator_name, row.points) for row in found]


# -- the member's verification code -------------------------------------------------------
def send_code(session: Session, member_id: int, sender) -> str:
    """A new 6-digit code to the member's phone, valid 10 minutes; returns the phone
    (masked) it went to. Only the code's hash is stored."""
    permissions.require(session, permissions.CARD_MANAGE)
    if sender is None:
        raise KioskError(N_("No SMS sender is configured ([devices.sms])."))
    phone = _member(member_id).phone
    code = f"{secrets.randbelow(10**6):06d}"
    with database.atomic():
        legacy_store.replace_code(phone, CODE_PURPOSE, session.hasher.hash(code),
                                  session.now() + CODE_VALID)
    sender.send(phone, f"【会员中心】您的实体卡迁移验证码为{code}，10分钟内有效。")
    return mask_phone(phone)


def _member(member_id: int) -> models.Member:
    member = member_store.by_id(member_id)
    if member is None:
        raise NotFound(N_("No such member."))
    if not member.phone:
        raise InvalidInput(N_("The member has no phone number for the code."))
    return member


def _live_code(session: Session, phone: str) -> models.VerificationCode:
    code = legacy_store.live_code(phone, CODE_PURPOSE, session.now())
    if code is None:
        raise WrongCode()
    return code


def check_code(session: Session, phone: str, typed: str) -> models.VerificationCode:
    """The live code for the phone if `typed` matches; three wrong tries void it."""
    code = _live_code(session, phone)
    result = lockout.check(session, tries.SMS_CODE, code.id,
                           lambda: session.hasher.verify(code.code_hash, typed or ""),
                           action="code.wrong", subject=f"code:{code.id}")
    if result.ok:
        return code
    raise WrongCode() if result.locked else WrongCode(
        N_("The verification code is wrong; check it and type it again."))


# -- vouchers -----------------------------------------------------------------------------
def check_voucher(path: str | Path) -> tuple[bytes, str]:
    """The image's bytes and its type, judged by content: a .jpg that is not a JPEG is
    refused, whatever its name; so is anything but a regular file (a FIFO, /dev/zero)."""
    path = Path(path)
    with fields_named({"": "vouchers"}):  # a file that cannot be read: the vouchers' field
        data = read_regular(path, MAX_VOUCHER_BYTES)
    if len(data) > MAX_VOUCHER_BYTES:
        raise InvalidInput(N_("Voucher {name} is larger than 2 MB."), name=path.name[:60],
                           field="vouchers")
    kind = image_kind(data)
    if kind is None:
        raise InvalidInput(N_("Voucher {name} is not a JPG or PNG image."),
                           name=path.name[:60], field="vouchers")
    return data, kind


def store_vouchers(session: Session, legacy_number: str, paths: list[str]) -> list[str]:
    permissions.require(session, permissions.CARD_MANAGE)
    if len(paths) > MAX_VOUCHERS:
        raise InvalidInput(N_("At most {most} voucher images."), most=MAX_VOUCHERS,
                           field="vouchers")
    images = [check_voucher(path) for path in paths]
    folder = session.runtime.settings.home / "vouchers" / legacy_number
    names = []
    for data, kind in images:
        name = f"{hashlib.sha256(data).hexdigest()[:32]}.{kind}"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = folder / name
        if not target.exists():
            temporary = target.with_suffix(".tmp")
            with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                      "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        names.append(name)
    return names


# -- migrating one card -------------------------------------------------------------------
@dataclass(frozen=True)
class MigrationRequest:
    legacy_number: str
    member_id: int
    code: str
    vouchers: tuple[str, ...] = ()
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class MigrationResult(OperationResult):
    card_number: str
    old_card_number: str
    amount: int
    principal_after: int
    vouchers: int
    points: int = 0
    points_after: int = 0


def migrate(session: Session, request: MigrationRequest) -> MigrationResult:
    permissions.require(session, permissions.CARD_MANAGE)
    legacy = legacy_store.by_number("".join(request.legacy_number.split()))
    if legacy is None:
        raise NotFound(N_("No imported old card with this number."))
    if legacy.outlet_code != _own_outlet_code(session):
        raise InvalidInput(N_("Old card {number} belongs to outlet {code}: it is migrated "
                              "there."), number=legacy.number[-4:], code=legacy.outlet_code)
    key = f"migration-{legacy.id}"  # one key per old card: it can migrate only once
    previous = stored(key)
    if previous is not None:
        if legacy.member_id == request.member_id:
            return MigrationResult.of(Outcome(previous.operation_id,
                                              json.loads(previous.result), replayed=True))
        raise InvalidInput(N_("This old card was already migrated."))
    if blocked_in_old_system(legacy.status):
        raise InvalidInput(N_("Old card {number} is marked '{status}' in the old system, so it "
                              "cannot be migrated: settle it there first (for example, cancel "
                              "the loss)."), number=legacy.number[-4:], status=legacy.status)
    if len(request.remarks) > MAX_REMARKS:
        raise InvalidInput(N_("Remarks have at most {most} characters."), most=MAX_REMARKS,
                           field="remarks")
    member = _member(request.member_id)
    target = _stored_value_card(member)
    code = check_code(session, member.phone, request.code)
    vouchers = store_vouchers(session, legacy.number, list(request.vouchers))
    operator = operator_store.by_id_or_none(session.actor.operator_id)

    def run(posting: Posting) -> dict:
        if not legacy_store.use_code(code.id):
            raise WrongCode()
        if not legacy_store.mark_migrated(
                legacy.id, migrated_at=session.now(), member=member.id, target_card=target.id,
                operator=operator.id if operator else None,
                operator_name=operator.name if operator else "system",
                operation=posting.operation.id, remarks=request.remarks,
                vouchers=json.dumps(vouchers), status="void"):
            raise InvalidInput(N_("This old card was already migrated."))
        credited = cards.locked_for_credit(target.id)
        posting.operation.card = credited.id
        accounts = card_accounts(credited, lock=True)
        principal = accounts["principal"]
        posting.move(till_account(session.actor.outlet_id, session.actor.terminal_id,
                                  "migration_suspense"),
                     principal, legacy.balance)
        # The old card's points come too, as points issued by this outlet (its till's
        # pool: no row all of an outlet's terminals wait on).
        posting.move(till_account(session.actor.outlet_id, session.actor.terminal_id,
                                  "points_issued"),
                     accounts["points"], legacy.points)
        _remember_old_number(member, legacy.number)
        data = {"card_number": credited.number, "old_card_number": legacy.number,
                "amount": legacy.balance, "principal_after": principal.balance + legacy.balance,
                "vouchers": len(vouchers), "points": legacy.points,
                "points_after": accounts["points"].balance + legacy.points}
        data["receipt_id"] = receipts.queue(session, posting.operation, credited, "migration",
                                            data)
        return data

    outcome = perform(session, kind="migration", key=key,
                      request={"old": legacy.number, "member": member.id},
                      run=run, card=target,
                      amount=legacy.balance, memo=request.remarks)
    return MigrationResult.of(outcome)


def blocked_in_old_system(status: str) -> bool:
    """挂失, 已挂失, Lost ...: the status as the old system wrote it, kept by the import."""
    return status.strip().lower().removeprefix("已") in BLOCKED_STATUSES


def receiving_card(session: Session, member_id: int) -> str:
    """The card a migration for this member would credit, as the clerk sees it before
    anything posts (product and masked number); refused as migrate() would refuse."""
    permissions.require(session, permissions.CARD_MANAGE)
    card = _stored_value_card(_member(member_id))
    return f"{card.product.name} {mask_card_number(card.number)}"


def _stored_value_card(member: models.Member) -> models.Card:
    card = card_store.first_stored_value_card(member.id)
    if card is None:
        raise InvalidInput(N_("The member has no active stored-value card: issue one first."))
    return card


def _remember_old_number(member: models.Member, number: str) -> None:
    """So the member is found by the old card number too."""
    numbers = [n for n in member.old_card_numbers.split(",") if n]
    if number not in numbers and len(",".join(numbers + [number])) <= 200:
        member_store.change(member.id, old_card_numbers=",".join(numbers + [number]))


# -- a migrated card's record -------------------------------------------------------------
@dataclass(frozen=True)
class VoucherFile:
    name: str
    kind: str  # jpg or png
    size: int  # bytes


@dataclass(frozen=True)
class MigratedCardRecord:
    """What the migration of one old card recorded: the member, the card credited, who
    did it and when, the vouchers and the remarks."""

    old_card: str
    card_type: str
    outlet_code: str
    balance: int
    points: int
    migrated_at: str  # in the outlet's time
    operator_name: str
    operation_id: int | None
    member_id: int | None
    member_name: str
    member_phone: str  # masked
    card_number: str  # the card credited, masked
    remarks: str
    vouchers: list[VoucherFile]


RECORD_RIGHTS = (permissions.CARD_MANAGE, permissions.DAY_CLOSE, permissions.FINANCE)


def migrated_record(session: Session, legacy_number: str, *,
                    mode: str = scope.STORE) -> MigratedCardRecord:
    """A migrated old card's record (迁移记录): this outlet's (store mode) or any
    outlet's (unified mode)."""
    permissions.require_any(session, *RECORD_RIGHTS)
    legacy = _migrated(session, legacy_number, mode)
    member = member_store.by_id(legacy.member_id)
    target = card_store.by_id(legacy.target_card_id) if legacy.target_card_id else None
    time_zone = directory.actor_info(session.actor).time_zone
    return MigratedCardRecord(
        legacy.number, legacy.card_type, legacy.outlet_code, legacy.balance, legacy.points,
        local_time(legacy.migrated_at, time_zone).strftime("%Y-%m-%d %H:%M"),
        legacy.operator_name, legacy.operation_id, legacy.member_id,
        member.name if member else "", mask_phone(member.phone) if member and member.phone
        else "", mask_card_number(target.number) if target else "", legacy.remarks,
        [_voucher_file(session, legacy.number, name) for name in json.loads(legacy.vouchers)])


def _migrated(session: Session, legacy_number: str, mode: str) -> models.LegacyCard:
    in_scope = scope.outlet_in_scope(session, mode)
    legacy = legacy_store.by_number("".join(legacy_number.split()))
    if legacy is None or (in_scope is not None
                          and legacy.outlet_code != _own_outlet_code(session)):
        raise NotFound(N_("No imported old card with this number."))
    if legacy.migrated_at is None:
        raise InvalidInput(N_("Old card {number} is not migrated yet."),
                           number=legacy.number[-4:])
    return legacy


def _voucher_path(session: Session, legacy_number: str, name: str) -> Path:
    return session.runtime.settings.home / "vouchers" / legacy_number / name


def _voucher_file(session: Session, legacy_number: str, name: str) -> VoucherFile:
    path = _voucher_path(session, legacy_number, name)
    return VoucherFile(name, path.suffix.lstrip("."), path.stat().st_size if path.exists()
                       else 0)


def voucher_image(session: Session, legacy_number: str, name: str, *,
                  mode: str = scope.STORE) -> bytes:
    """One voucher of a migrated card as it was attached: only a name its record lists
    (no other file of the data directory), checked again as an image."""
    permissions.require_any(session, *RECORD_RIGHTS)
    legacy = _migrated(session, legacy_number, mode)
    if name not in json.loads(legacy.vouchers):
        raise NotFound(N_("Old card {number} has no voucher {name}."),
                       number=legacy.number[-4:], name=name[:60])
    path = _voucher_path(session, legacy.number, name)
    if not path.exists():
        raise NotFound(N_("Voucher {name} is missing from the data directory."), name=name)
    return check_voucher(path)[0]


def save_voucher(session: Session, legacy_number: str, name: str, *,
                 mode: str = scope.STORE, target: Path | None = None) -> Path:
    """A copy of one voucher for the clerk to open or hand on: to `target`, or under
    the data directory's reports folder; returns where it went."""
    data = voucher_image(session, legacy_number, name, mode=mode)
    if target is None:
        folder = session.runtime.settings.home / "reports"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = folder / f"voucher-{''.join(legacy_number.split())}-{name}"
    with open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
        handle.write(data)
    with audit.transaction(session):
        audit.append(session, "migration.voucher", subject=f"legacy:{legacy_number[-4:]}",
                     details={"voucher": name})
    return target
