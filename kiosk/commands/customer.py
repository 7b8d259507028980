"""`kiosk customer`: customers (客户) from the command line: the list of customers and
where their accounts stand (a report for finance), keeping their details and credit,
their cards, and running their allocation templates (分配模板) as a batch."""

from __future__ import annotations

import uuid
from pathlib import Path

import click

from kiosk.cli import _write_rows, operator_session
from kiosk.command_line import KioskGroup
from kiosk.money import plain_yuan

CSV = click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
                   help="Write the list to this CSV file (for Excel) instead.")


@click.group(cls=KioskGroup)
def customer() -> None:
    """Customers: list, save, credit, cards, templates, run-template."""


@customer.command("list")
@click.option("--find", "search", default="", help="A part of the code or name.")
@CSV
@click.pass_context
def list_customers(ctx, search: str, csv_path: Path | None) -> None:
    """Customers with their accounts: balance, owed, credit limit and rating, what may
    still be allocated."""
    from kiosk.services import customers
    rows = [["code", "name", "kind", "balance", "owed", "credit limit", "rating",
             "available", "invoice title", "taxpayer no", "main cards"]]
    for view in customers.find(operator_session(ctx), search, limit=100000):
        rows.append([view.code, view.name, view.kind, plain_yuan(view.balance),
                     plain_yuan(view.owed), plain_yuan(view.credit_limit), view.credit_rating,
                     plain_yuan(view.available), view.invoice_title, view.tax_number,
                     " ".join(view.main_cards)])
    _write_rows(rows, csv_path)


@customer.command("save")
@click.option("--code", default="", help="The customer's code (empty: a new customer gets "
              "the outlet's next code).")
@click.option("--name", required=True)
@click.option("--person", is_flag=True, help="A person, not a company.")
@click.option("--invoice-title", default="", help="发票抬头.")
@click.option("--tax-number", default="", help="纳税人识别号.")
@click.option("--contact", default="")
@click.option("--phone", default="")
@click.option("--address", default="")
@click.pass_context
def save(ctx, code, name, person, invoice_title, tax_number, contact, phone, address) -> None:
    """Register a customer or change its details (客户维护)."""
    from kiosk.services import customers
    saved = customers.save_customer(operator_session(ctx), customers.CustomerDetails(
        code, name, "person" if person else "company", invoice_title, tax_number, contact,
        phone, address))
    click.echo(f"customer {saved.code}: {saved.name}")


@customer.command("credit")
@click.argument("code")
@click.option("--limit", "limit_yuan", required=True, help="Yuan the account may owe (0: none).")
@click.option("--rating", default="", help="AAA, AA, A, B, C or D.")
@click.pass_context
def credit(ctx, code: str, limit_yuan: str, rating: str) -> None:
    """Finance sets the credit limit (信用额度) and rating (信用等级)."""
    from kiosk.money import parse_yuan
    from kiosk.services import customers
    saved = customers.set_credit(operator_session(ctx), code,
                                 credit_limit=parse_yuan(limit_yuan, allow_zero=True),
                                 credit_rating=rating)
    click.echo(f"customer {saved.code}: credit {plain_yuan(saved.credit_limit)} "
               f"{saved.credit_rating or '-'}, available {plain_yuan(saved.available)}")


@customer.command("cards")
@click.argument("code")
@CSV
@click.pass_context
def customer_cards(ctx, code: str, csv_path: Path | None) -> None:
    """The customer's main cards and sub cards with what each holds."""
    from kiosk.services import customers
    rows = [["card", "main card", "status", "principal", "holder"]]
    for row in customers.cards_of(operator_session(ctx), code):
        rows.append([row.number, "" if row.main else row.main_number, row.status,
                     plain_yuan(row.principal), row.holder])
    _write_rows(rows, csv_path)


@customer.command("templates")
@click.argument("code")
@click.pass_context
def templates(ctx, code: str) -> None:
    """The customer's allocation templates (分配模板) and their lines."""
    from kiosk.services import allocation_templates
    for view in allocation_templates.templates(operator_session(ctx), code):
        click.echo(f"#{view.template_id} {view.name}: {view.main_card_number} -> "
                   f"{plain_yuan(view.total)}")
        for line in view.lines:
            click.echo(f"    {line.card_number}  {plain_yuan(line.amount)}")


@customer.command("run-template")
@click.argument("template_ids", nargs=-1, type=int, required=True)
@click.pass_context
def run_template(ctx, template_ids: tuple[int, ...]) -> None:
    """Run allocation templates: each allocates every line or none (exit 1 if one was
    refused; the others still ran)."""
    from kiosk.errors import KioskError
    from kiosk.i18n import translator
    from kiosk.services import allocation_templates
    session = operator_session(ctx)
    tr = translator(session.runtime.settings.language)
    refused = 0
    for template_id in template_ids:
        try:
            done = allocation_templates.run(session, template_id,
                                            key=f"cli-template-{uuid.uuid4().hex}")
        except KioskError as error:
            refused += 1
            click.echo(f"#{template_id}: {error.render(tr)}")
            continue
        click.echo(f"#{template_id} {done.name}: {plain_yuan(done.total)} from "
                   f"{done.main_card_number} to {len(done.lines)} sub cards, journal "
                   f"#{done.operation_id}")
    ctx.exit(1 if refused else 0)
