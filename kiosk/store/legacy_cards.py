"""Old systems' cards imported for migration (实体卡迁移), and the SMS codes that prove the
member is there when one is migrated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from kiosk.store import models

Legacy, Code = models.LegacyCard, models.VerificationCode
CHUNK = 500  # rows per INSERT: far below either database's parameter limit


def already_imported(numbers: Iterable[str]) -> set[str]:
    numbers = list(numbers)
    return {row.number for row in Legacy.select(Legacy.number)
            .where(Legacy.number.in_(numbers))} if numbers else set()


def add(rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        Legacy.insert_many(rows[start:start + CHUNK]).execute()


def by_number(number: str) -> models.LegacyCard | None:
    return Legacy.get_or_none(Legacy.number == number)


def by_operation(operation_id: int) -> models.LegacyCard | None:
    """The old card a migration moved."""
    return Legacy.get_or_none(Legacy.operation == operation_id)


def of_outlet(outlet_code: str | None, *, card_type: str = "", number_prefix: str = "",
              min_balance: int | None = None, max_balance: int | None = None,
              status: str = "", migrated: bool | None = None, limit: int, offset: int
              ) -> list[models.LegacyCard]:
    """The outlet's old cards (None: every outlet's) matching every rule given, by number,
    a page at a time."""
    query = Legacy.select()
    if outlet_code is not None:
        query = query.where(Legacy.outlet_code == outlet_code)
    if card_type:
        query = query.where(Legacy.card_type == card_type)
    if number_prefix:
        query = query.where(Legacy.number.startswith(number_prefix))
    if min_balance is not None:
        query = query.where(Legacy.balance >= min_balance)
    if max_balance is not None:
        query = query.where(Legacy.balance <= max_balance)
    if status:
        query = query.where(Legacy.status == status)
    if migrated is not None:
        query = query.where(Legacy.migrated_at.is_null(not migrated))
    return list(query.order_by(Legacy.number).limit(limit).offset(offset))


def mark_migrated(legacy_id: int, **migration) -> bool:
    """Record the migration, once; False if the card was migrated already."""
    return Legacy.update(**migration).where(Legacy.id == legacy_id,
                                            Legacy.migrated_at.is_null()).execute() == 1


# -- verification codes ------------------------------------------------------------------
def replace_code(phone: str, purpose: str, code_hash: str, expires_at: dt.datetime) -> None:
    """A new code for the phone; the phone's earlier codes for `purpose` stop working."""
    Code.update(used=True).where(Code.phone == phone, Code.purpose == purpose,
                                 Code.used == False).execute()  # noqa: E712
    Code.create(phone=phone, purpose=purpose, code_hash=code_hash, expires_at=expires_at)


def live_code(phone: str, purpose: str, now: dt.datetime) -> models.VerificationCode | None:
    """The phone's latest unused code for `purpose` that has not expired."""
    return (Code.select()
            .where(Code.phone == phone, Code.purpose == purpose,
                   Code.used == False, Code.expires_at > now)  # noqa: E712
            .order_by(Code.id.desc()).first())


def use_code(code_id: int) -> bool:
    """Spend the code, once; False if it was used already."""
    return Code.update(used=True).where(Code.id == code_id,
                                        Code.used == False).execute() == 1  # noqa: E712
