"""Voucher print templates (凭证打印模板): how the card issue, recharge, loss, replacement
and clearing vouchers and the customer application form (客户业务申请表) are laid out,
maintained by the chain (`kiosk admin voucher`, member centre V). A kind the chain never
wrote prints the kiosk's default, in the terminal's language.

A template is text, one line per printed line:

    = 发卡凭证                a title (else the voucher's own)
    卡号 | {card}             a label on the left, a value on the right
    ^ 谢谢惠顾                centred
    ---                       a rule across the paper
    __ 客户签字               a line to sign on
    (anything else)           text, wrapped to the paper; an empty line stays empty

`{name}` is replaced by the voucher's value of that name (FIELDS names them); a line
whose values are all empty for this voucher (no promotion, no main card) is left out.
The values are filled in when the operation commits and kept with its receipt; the
layout for the printer (its width in cells, GB18030, ￥) is made when it prints.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from kiosk.errors import InvalidInput, N_
from kiosk.identity import mask_id_number, mask_name, mask_phone
from kiosk.money import printed_yuan
from kiosk.services import audit, card_status, permissions, service_fees, tenders
from kiosk.services.operations import mask_card_number
from kiosk.services.session import Session
from kiosk.store import customers as customer_store
from kiosk.store import members as member_store
from kiosk.store import models
from kiosk.store import vouchers as voucher_store
from kiosk.text import plain_text

MAX_LINES, MAX_LINE = 60, 200

# Every value a template may name (masked where a receipt masks it: card, holder, ID
# number, phone; holder_name is the full name, for the application form to be signed).
FIELDS = ("outlet", "terminal", "operator", "time", "receipt_no", "journal_no", "card",
          "product", "holder", "holder_name", "id_number", "phone", "plate", "status",
          "amount", "tender", "fee", "deposit", "bonus", "promotion", "principal",
          "principal_after", "bonus_after", "points_after", "bonus_forfeited", "old_card",
          "reason", "tier", "customer", "invoice_title", "tax_number", "business",
          "main_card", "count", "cards", "invoice")


@dataclass(frozen=True)
class Voucher:
    name: str  # what the chain calls it (a message id)
    title: str  # its default title (a message id)
    default: tuple[tuple[str, ...], ...]  # (kind, text message id[, value]) lines


def _row(label: str, field: str) -> tuple[str, str, str]:
    return ("row", label, "{" + field + "}")


_STAMP = (_row(N_("Receipt no."), "receipt_no"), _row(N_("Journal no."), "journal_no"),
          _row(N_("Time"), "time"))
VOUCHERS = {
    "card_issue": Voucher(N_("card issue"), N_("CARD ISSUE"), (
        _row(N_("Card"), "card"), _row(N_("Product"), "product"), _row(N_("Holder"), "holder"),
        _row(N_("Customer"), "customer"), _row(N_("Main card"), "main_card"),
        _row(N_("Card fee"), "fee"), _row(N_("Service-fee invoice"), "invoice"),
        _row(N_("Deposit"), "deposit"),
        _row(N_("Amount"), "amount"), _row(N_("Paid by"), "tender"), *_STAMP, ("rule",),
        ("center", N_("Thank you")))),
    "recharge": Voucher(N_("recharge"), N_("RECHARGE"), (
        _row(N_("Card"), "card"), _row(N_("Holder"), "holder"), _row(N_("Amount"), "amount"),
        _row(N_("Paid by"), "tender"), _row(N_("Bonus"), "bonus"),
        _row(N_("Promotion"), "promotion"), _row(N_("Principal balance"), "principal_after"),
        _row(N_("Bonus balance"), "bonus_after"), *_STAMP, ("rule",),
        ("center", N_("Thank you")))),
    "loss": Voucher(N_("loss and found"), N_("CARD REPORTED LOST"), (
        _row(N_("Card"), "card"), _row(N_("Holder"), "holder"), _row(N_("Status"), "status"),
        _row(N_("Time"), "time"), ("rule",),
        ("text", N_("Keep this slip: it proves when the card was reported.")))),
    "replacement": Voucher(N_("replacement"), N_("CARD REPLACEMENT"), (
        _row(N_("New card"), "card"), _row(N_("Old card"), "old_card"),
        _row(N_("Reason"), "reason"), _row(N_("Tier"), "tier"), _row(N_("Card fee"), "amount"),
        _row(N_("Service-fee invoice"), "invoice"),
        _row(N_("Paid by"), "tender"), _row(N_("Principal balance"), "principal_after"),
        _row(N_("Bonus balance"), "bonus_after"), _row(N_("Points"), "points_after"),
        _row(N_("Deposit"), "deposit"), *_STAMP, ("rule",),
        ("text", N_("The old card is void for ever.")))),
    "clearing": Voucher(N_("clearing"), N_("CARD CLEARING"), (
        _row(N_("Card"), "card"), _row(N_("Holder"), "holder"),
        _row(N_("Principal"), "principal"), _row(N_("Deposit"), "deposit"),
        _row(N_("Paid back"), "amount"), _row(N_("Bonus forfeited"), "bonus_forfeited"),
        *_STAMP, ("rule",), ("text", N_("The card is closed and can never be used again.")),
        ("sign", N_("Cardholder signature")))),
    "application_form": Voucher(N_("customer application form"),
                                N_("CUSTOMER APPLICATION FORM"), (
        _row(N_("Business"), "business"), _row(N_("Customer"), "customer"),
        _row(N_("Holder"), "holder_name"), _row(N_("ID number"), "id_number"),
        _row(N_("Phone"), "phone"), _row(N_("Plate number"), "plate"),
        _row(N_("Product"), "product"), _row(N_("Card"), "card"),
        _row(N_("Main card"), "main_card"), _row(N_("Number of cards"), "count"),
        _row(N_("Card fee"), "fee"), _row(N_("Service-fee invoice"), "invoice"),
        _row(N_("Deposit"), "deposit"),
        _row(N_("Paid by"), "tender"), _row(N_("Invoice title"), "invoice_title"),
        _row(N_("Taxpayer no."), "tax_number"), _row(N_("Outlet"), "outlet"),
        _row(N_("Operator"), "operator"), *_STAMP, ("rule",),
        ("text", N_("I have read the card's terms and accept them; the details above are "
                    "true.")),
        ("sign", N_("Customer signature")), ("sign", N_("Clerk signature")))),
}
# The operations whose receipt is a voucher laid out by its template.
TEMPLATED_RECEIPTS = ("card_issue", "recharge", "replacement", "clearing")


@dataclass(frozen=True)
class VoucherView:
    kind: str
    name: str  # a message id
    kept: bool  # the chain wrote its own (else the default prints)


# -- the chain's templates ---------------------------------------------------------------
def vouchers(session: Session) -> list[VoucherView]:
    permissions.require(session, permissions.ADMIN)
    kept = voucher_store.kinds_kept()
    return [VoucherView(kind, voucher.name, kind in kept) for kind, voucher in VOUCHERS.items()]


def template(session: Session, kind: str) -> str:
    """The template that prints for `kind`: the chain's, or the default in the
    screen's language."""
    permissions.require(session, permissions.ADMIN)
    _voucher(kind)
    return _body(kind, _tr(session))


def save(session: Session, kind: str, body: str) -> int:
    """The chain's template of `kind`, checked line by line; how many lines."""
    permissions.require(session, permissions.ADMIN)
    _voucher(kind)
    lines = _checked(body)
    with audit.transaction(session):
        voucher_store.put(kind, "\n".join(lines), session.actor.operator_id, session.now())
        audit.append(session, "voucher.template", subject=f"voucher:{kind}",
                     details={"lines": len(lines)})
    return len(lines)


def reset(session: Session, kind: str) -> None:
    """Back to the default: the chain's template of `kind` is dropped."""
    permissions.require(session, permissions.ADMIN)
    _voucher(kind)
    with audit.transaction(session):
        if voucher_store.remove(kind):
            audit.append(session, "voucher.reset", subject=f"voucher:{kind}")


def preview(session: Session, kind: str, body: str | None = None) -> str:
    """The voucher as it prints on this terminal's paper, with sample values: the
    template given (checked first), or the one that prints now."""
    from kiosk.hw.receipt import ReceiptDoc, render_text
    permissions.require(session, permissions.ADMIN)
    _voucher(kind)
    tr = _tr(session)
    text = "\n".join(_checked(body)) if body is not None else _body(kind, tr)
    sample = {**SAMPLE, "status": tr(card_status.NAMES["lost"]), "reason": tr(REASONS["lost"]),
              "business": tr(BUSINESS["card_issue"]),
              "invoice": service_fees.invoice_text({"invoice": True, "fee": 1000}, tr,
                                                   SAMPLE["invoice_title"])}
    title, blocks = _laid_out(kind, text, sample, tr)
    doc = ReceiptDoc(header=(SAMPLE["outlet"],), title=title, rows=(),
                     receipt_no=SAMPLE["receipt_no"], blocks=blocks)
    return render_text(doc, session.runtime.settings.receipt_columns)


def _voucher(kind: str) -> Voucher:
    voucher = VOUCHERS.get(kind)
    if voucher is None:
        raise InvalidInput(N_("Unknown voucher '{kind}'; the vouchers are {known}."),
                           kind=str(kind)[:24], known=", ".join(VOUCHERS))
    return voucher


def _tr(session: Session):
    from kiosk.i18n import translator
    return translator(session.runtime.settings.language)


def _body(kind: str, tr) -> str:
    kept = voucher_store.body_of(kind)
    return kept if kept is not None else default_body(kind, tr)


def default_body(kind: str, tr) -> str:
    lines = []
    for line in VOUCHERS[kind].default:
        shape = line[0]
        if shape == "row":
            lines.append(f"{tr(line[1])} | {line[2]}")
        elif shape == "center":
            lines.append(f"^ {tr(line[1])}")
        elif shape == "sign":
            lines.append(f"__ {tr(line[1])}")
        elif shape == "rule":
            lines.append("---")
        else:
            lines.append(tr(line[1]))
    return "\n".join(lines)


def _checked(body: str) -> list[str]:
    lines = (body or "").replace("\r\n", "\n").rstrip("\n").split("\n")
    if not "".join(lines).strip():
        raise InvalidInput(N_("A template needs at least one line."))
    if len(lines) > MAX_LINES:
        raise InvalidInput(N_("A template has at most {most} lines."), most=MAX_LINES)
    for number, line in enumerate(lines, 1):
        plain_text(line)
        if len(line) > MAX_LINE:
            raise InvalidInput(N_("Line {line} is longer than {most} characters."),
                               line=number, most=MAX_LINE)
        try:
            parts = list(string.Formatter().parse(line))
        except ValueError:
            raise InvalidInput(N_("Line {line}: a brace {{ or }} is not closed (a value is "
                                  "written {{card}})."), line=number) from None
        for _, name, spec, conversion in parts:
            if name is None:
                continue
            if name not in FIELDS or spec or conversion:
                raise InvalidInput(N_("Line {line}: no value {{{name}}}; the values are "
                                      "{known}."), line=number, name=name[:30],
                                   known=" ".join(FIELDS))
    return [line.rstrip() for line in lines]


# -- a voucher laid out -----------------------------------------------------------------
class _Values(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _laid_out(kind: str, body: str, values: dict, tr, title: str = "") -> tuple[str, tuple]:
    """The title and the blocks of the voucher: each template line filled in, those
    whose values are all empty for this voucher left out."""
    title, blocks = title or tr(VOUCHERS[kind].title), []
    values = _Values(values)
    for line in body.split("\n"):
        names = [name for _, name, _, _ in string.Formatter().parse(line) if name]
        filled = line.format_map(values)
        if names and not any(values.get(name) for name in names):
            continue
        stripped = filled.strip()
        if stripped.startswith("= "):
            title = stripped[2:].strip()
        elif stripped == "---":
            blocks.append(("rule", "", ""))
        elif stripped.startswith("^"):
            blocks.append(("center", stripped[1:].strip(), ""))
        elif stripped.startswith("__"):
            blocks.append(("sign", stripped[2:].strip(), ""))
        elif "|" in stripped:
            label, value = stripped.split("|", 1)
            blocks.append(("row", label.strip(), value.strip()))
        elif not stripped:
            blocks.append(("blank", "", ""))
        else:
            blocks.append(("text", stripped, ""))
    return title, tuple(blocks)


def laid_out(kind: str, values: dict, tr, title: str = "") -> tuple[str, tuple]:
    """The voucher of `kind` with these values, by the template that prints now (its
    title, or `title` when the template names none)."""
    return _laid_out(kind, _body(kind, tr), values, tr, title)


MONEY = ("amount", "fee", "deposit", "bonus", "principal", "principal_after", "bonus_after",
         "bonus_forfeited")
REASONS = {"lost": N_("lost card"), "damaged": N_("bad card"), "upgrade": N_("tier upgrade")}
# What a customer application form applies for.
BUSINESS = {"card_issue": N_("card issue"), "sub_card_issue": N_("sub cards issued")}


def values_of(card: models.Card | None, data: dict, tr) -> dict[str, str]:
    """What a voucher shows of an operation's card and figures (masked where a
    receipt masks them)."""
    values = {name: printed_yuan(data[name]) for name in MONEY if data.get(name) is not None}
    for name in ("promotion", "tier"):
        if data.get(name):
            values[name] = str(data[name])
    if data.get("points_after") is not None:
        values["points_after"] = str(data["points_after"])
    if data.get("tender"):
        values["tender"] = tenders.name_of(data["tender"])
    if data.get("old_card_number"):
        values["old_card"] = mask_card_number(data["old_card_number"])
    if data.get("reason") in REASONS:
        values["reason"] = tr(REASONS[data["reason"]])
    if data.get("status"):
        values["status"] = tr(card_status.NAMES.get(data["status"], data["status"]))
    if data.get("business") in BUSINESS:
        values["business"] = tr(BUSINESS[data["business"]])
    if data.get("card_numbers"):
        values["count"] = str(len(data["card_numbers"]))
        values["cards"] = " ".join(mask_card_number(n) for n in data["card_numbers"])
    if data.get("main_number"):
        values["main_card"] = mask_card_number(data["main_number"])
    if card is not None:
        values.update(card=mask_card_number(card.number), product=card.product.name,
                      plate=card.plate_number)
        if card.main_card_id and "main_card" not in values:
            values["main_card"] = mask_card_number(card.main_card.number)
    values.update(_holder(data.get("member_id", card.member_id if card is not None else None)))
    values.update(_customer(data.get("customer_code", ""), card))
    values["invoice"] = service_fees.invoice_text(data, tr, values.get("invoice_title", ""))
    return values


def _holder(member_id: int | None) -> dict[str, str]:
    member = member_store.by_id(member_id)
    if member is None:
        return {}
    name = member.name
    return {"holder": mask_name(name), "holder_name": name,
            "id_number": mask_id_number(member.id_number) if member.id_number else "",
            "phone": mask_phone(member.phone) if member.phone else ""}


def _customer(code: str, card: models.Card | None) -> dict[str, str]:
    customer = customer_store.by_code(code) if code else (
        customer_store.by_id(card.customer_id) if card is not None and card.customer_id
        else None)
    if customer is None:
        return {}
    return {"customer": f"{customer.code} {customer.name}",
            "invoice_title": customer.invoice_title, "tax_number": customer.tax_number}


SAMPLE = {
    "outlet": "总店", "terminal": "T01", "operator": "clerk1", "time": "2026-11-22 10:30",
    "receipt_no": "T01-000123", "journal_no": "#4567", "card": "900000******0012",
    "product": "加油卡", "holder": "张*", "holder_name": "张伟",
    "id_number": "110***********8515", "phone": "138****8000", "plate": "沪A12345",
    "status": "lost", "amount": "￥500.00", "tender": "现金", "fee": "￥10.00",
    "deposit": "￥20.00", "bonus": "￥50.00", "promotion": "充500送50", "principal": "￥480.00",
    "principal_after": "￥980.00", "bonus_after": "￥50.00", "points_after": "150",
    "bonus_forfeited": "￥50.00", "old_card": "900000******0004", "reason": "lost card",
    "tier": "银卡", "customer": "100000010001 示范运输有限公司",
    "invoice_title": "示范运输有限公司", "tax_number": "91310000MA1FL0000X",
    "main_card": "900000******0020", "count": "2",
    "cards": "900000******0038 900000******0046",
}
