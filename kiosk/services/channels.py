"""A sales channel (渠道) as the settings describe it ([channels.NAME] in kiosk.toml):
the column names of its files, the card issuer whose cards it serves, and reading its
order lists and statements, every bad row reported by its line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import InvalidInput, KioskError, N_, NotFound
from kiosk.money import parse_yuan
from kiosk.services.session import Session
from kiosk.tables import Problem, TableProblems, read_rows

MAX_ORDER_NO = 64  # the journal's channel_order_no column


def channel_mapping(session: Session, channel: str) -> dict:
    mapping = session.runtime.settings.channels.get(channel)
    if mapping is None:
        raise NotFound(N_("No channel '{channel}' in the settings ([channels.{channel}])."),
                       channel=channel[:30])
    return mapping


def channel_of_issuer(session: Session, issuer: str) -> str | None:
    """The channel whose cards are this issuer's: the one naming the issuer, else the one
    naming none; None if no channel serves it."""
    channels = session.runtime.settings.channels
    for wanted in (issuer, ""):
        names = sorted(name for name, mapping in channels.items()
                       if mapping.get("issuer", "") == wanted)
        if len(names) > 1:
            raise KioskError(N_("Channels {names} all serve cards of issuer '{issuer}'; the "
                                "settings must name one."), names=", ".join(names),
                             issuer=wanted or "-")
        if names:
            return names[0]
        if not issuer:
            break
    return None


def order_number(text: str) -> str:
    """A channel order number as typed or scanned, trimmed and checked."""
    return checked_order_number((text or "").strip())


def checked_order_number(number: str) -> str:
    """`number` if it is 1 to 64 printable characters without spaces."""
    if not number or len(number) > MAX_ORDER_NO or not number.isprintable() or any(
            character.isspace() for character in number):
        raise InvalidInput(N_("A channel order number has 1 to {most} letters, digits or "
                              "signs, without spaces."), most=MAX_ORDER_NO)
    return number


@dataclass(frozen=True)
class OrderLine:
    line: int
    order_no: str
    amount: int  # fen
    outlet_code: str = ""


def read_order_lines(path: str | Path, columns: dict[str, str], *,
                     allow_zero: bool = False) -> list[OrderLine]:
    """The rows of a channel's file (its order list, or its statement): order number
    and amount from the columns named in `columns` ("order_no", "amount", and an
    optional "outlet" read when the file has it). The amount may be several purchase
    price columns added together ("微医保+支付宝+现金券本金": a file paid partly by each;
    an empty cell is nothing). Every bad row is reported by line; a file with any is
    refused whole (TableProblems)."""
    rows = read_rows(path)
    try:
        _, header = next(rows)
    except StopIteration:
        raise InvalidInput(N_("The file has no rows to import.")) from None
    if columns["order_no"] not in header:
        raise InvalidInput(N_("The file has no column '{column}'."), column=columns["order_no"])
    index = {"order_no": header.index(columns["order_no"])}
    amount_at = _amount_columns(columns["amount"], header)
    outlet_column = header.index(columns["outlet"]) if columns.get("outlet") in header else None
    lines, problems, seen = [], [], {}
    for line, cells in rows:
        cells = cells + [""] * (len(header) - len(cells))
        if not cells[index["order_no"]]:
            problems.append(Problem(line, N_("no order number"), {}))
            continue
        try:
            amount = _amount(cells, amount_at, allow_zero)
            order_no = order_number(cells[index["order_no"]])
        except KioskError as error:
            problems.append(Problem(line, error.message_id, error.params))
            continue
        if order_no in seen:
            problems.append(Problem(line, N_("order {order} is already on line {first}"),
                                    {"order": order_no[:40], "first": seen[order_no]}))
            continue
        seen[order_no] = line
        outlet = cells[outlet_column] if outlet_column is not None else ""
        lines.append(OrderLine(line, order_no, amount, outlet))
    if problems:
        raise TableProblems(problems)
    return lines



def _amount_columns(names: str, header: list[str]) -> list[int]:
    """Where the amount is: the column of that name, else each of the columns joined
    by "+" in `names`, all of which the file must have."""
    if names in header:
        return [header.index(names)]
    parts = [part.strip() for part in names.split("+")]
    for part in parts:
        if part not in header:
            raise InvalidInput(N_("The file has no column '{column}'."), column=part)
    return [header.index(part) for part in parts]


def _amount(cells: list[str], at: list[int], allow_zero: bool) -> int:
    """The row's amount in fen: its one amount cell, or its price cells added up."""
    if len(at) == 1:
        return parse_yuan(cells[at[0]].lstrip("¥￥"), allow_zero=allow_zero)
    total = sum(parse_yuan(cells[column].strip().lstrip("¥￥") or "0", allow_zero=True)
                for column in at)
    if total == 0 and not allow_zero:
        raise InvalidInput(N_("the purchase price columns add up to nothing"))
    return total
