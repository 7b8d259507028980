"""Card stock (卡库存) from an empty chain: blank cards received at the head office,
requested, sent and received by an outlet, issued there, returned, exchanged and
scrapped; files reported by line; two sends of the same cards racing; on both backends."""

from __future__ import annotations

import os
import uuid

import pytest

from kiosk.errors import InvalidInput, NotFound, PermissionDenied
from kiosk.hw.tracks import luhn_complete, luhn_ok
from kiosk.services import admin, card_stock, issuing, operators
from kiosk.services.issuing import IssueRequest
from kiosk.services.verify import verify
from kiosk.store import models
from kiosk.tables import TableProblems
from tests.conftest import IN_CI, log_in
from tests.racing import Racers

OUTLET = "10000002"
CLERK = ("clerk2", "Clerk2345")
KEEPER = ("keeper", "Keeper123")  # the head office's stock keeper (a supervisor)
PREFIX = "88880010"
ROUNDS = 20 if IN_CI or os.environ.get("KIOSK_SLOW") == "1" else 3


def first_number(serial: int = 0) -> str:
    return luhn_complete(f"{PREFIX}{serial:07d}")


def person(runtime, chain, outlet: str, login: tuple[str, str], role: str):
    """An operator of `outlet` with `role`, logged in with their own password."""
    admin.add_operator(chain, outlet, login[0], login[0], role, "OneTime123")
    session = log_in(runtime, outlet, login[0], "OneTime123")
    operators.change_password(session, old_password="OneTime123", new_password=login[1])
    return log_in(runtime, outlet, *login)


@pytest.fixture
def stock(chain, runtime):
    """The chain with a stored-value product, a second outlet (opened for it, with a
    terminal and a clerk) and a stock keeper at the head office."""
    admin.save_product(chain, "SV", name="储值卡", kind="stored_value", issue_fee=1000)
    admin.save_outlet(chain, admin.OutletDetails(OUTLET, "南京东路店"))
    admin.add_terminal(chain, OUTLET, "T01")
    for outlet in ("10000001", OUTLET):
        admin.open_product(chain, outlet, "SV", True)
    clerk = person(runtime, chain, OUTLET, CLERK, "clerk")
    keeper = person(runtime, chain, "10000001", KEEPER, "supervisor")
    return {"admin": chain, "clerk": clerk, "keeper": keeper}


def count_of(session, outlet: str, product: str = "SV") -> card_stock.StockCount:
    return next(row for row in card_stock.counts(session) if
                (row.outlet, row.product) == (outlet, product))


def test_cards_travel_from_the_maker_to_an_issued_card(stock, runtime):
    keeper, clerk = stock["keeper"], stock["clerk"]
    received = card_stock.receive_range(keeper, product_code="SV", prefix=PREFIX,
                                        first="0000000", count=100, note="maker batch 7")
    numbers = [card.number for card in models.Card.select().order_by(models.Card.number)]
    assert len(numbers) == 100 and all(luhn_ok(number) for number in numbers)
    assert numbers[0] == first_number(0) and numbers[-1] == first_number(99)
    assert (received.kind, received.count, received.note) == ("receive", 100, "maker batch 7")
    assert models.Account.select().where(models.Account.card.in_(
        models.Card.select(models.Card.id))).count() == 400  # principal, bonus, points, deposit

    request = card_stock.request_cards(clerk, OUTLET, "SV", 20)
    assert card_stock.request_cards(clerk, OUTLET, "SV", 20).replayed  # asked again: once
    sent = card_stock.send(keeper, request.move_id)
    assert (sent.status, sent.count, sent.first_number) == ("sent", 20, first_number(0))
    assert count_of(clerk, OUTLET).in_transit == 20
    with pytest.raises(InvalidInput, match="in transit to this outlet: receive move"):
        issuing.record_written(clerk, first_number(0))

    arrived = card_stock.receive_move(clerk, request.move_id)
    assert arrived.status == "received" and not arrived.replayed
    assert card_stock.receive_move(clerk, request.move_id).replayed  # twice: nothing more
    number = issuing.next_blank(clerk, "SV")
    assert number == first_number(0)
    issuing.record_written(clerk, number)
    issuing.issue(clerk, IssueRequest(number, None, "246810", 1000, 0), key=uuid.uuid4().hex)

    at_outlet, at_office = count_of(clerk, OUTLET), count_of(clerk, "10000001")
    assert (at_outlet.blank, at_outlet.active, at_outlet.in_transit) == (19, 1, 0)
    assert (at_office.blank, at_office.active) == (80, 0)
    chain_total = count_of(clerk, card_stock.CHAIN)
    assert (chain_total.blank, chain_total.active) == (99, 1)
    assert verify(runtime.sealer).ok


def test_a_typed_number_says_where_the_card_is(stock):
    keeper, clerk = stock["keeper"], stock["clerk"]
    card_stock.receive_range(keeper, product_code="SV", prefix=PREFIX, first="0000000",
                             count=10)
    with pytest.raises(NotFound, match="not in stock: receive it at head office"):
        issuing.record_written(clerk, first_number(50))
    with pytest.raises(InvalidInput, match="held by outlet 10000001"):
        issuing.record_written(clerk, first_number(0))
    with pytest.raises(NotFound, match="request some from the head office"):
        issuing.next_blank(clerk, "SV")
    request = card_stock.request_cards(clerk, OUTLET, "SV", 2)
    card_stock.send(keeper, request.move_id)
    with pytest.raises(NotFound, match="2 are in transit to this outlet"):
        issuing.next_blank(clerk, "SV")
    card_stock.scrap(keeper, [first_number(5)], "bent")
    with pytest.raises(InvalidInput, match="was scrapped"):
        card_stock.scrap(keeper, [first_number(5)], "bent")  # a rerun changes nothing


def test_a_send_of_given_numbers_takes_exactly_those(stock):
    keeper, clerk = stock["keeper"], stock["clerk"]
    card_stock.receive_range(keeper, product_code="SV", prefix=PREFIX, first="0000000",
                             count=30)
    request = card_stock.request_cards(clerk, OUTLET, "SV", 5)
    sent = card_stock.send(keeper, request.move_id, f"{first_number(10)}-{first_number(14)}")
    assert (sent.first_number, sent.last_number, sent.count) == (
        first_number(10), first_number(14), 5)
    again = card_stock.request_cards(clerk, OUTLET, "SV", 5)
    with pytest.raises(InvalidInput, match="in transit to outlet 10000002"):
        card_stock.send(keeper, again.move_id, f"{first_number(12)}-{first_number(16)}")
    assert models.StockMove.get_by_id(again.move_id).status == "requested"  # nothing moved


def test_returns_exchanges_and_scraps_keep_the_counts(stock, runtime):
    keeper, clerk = stock["keeper"], stock["clerk"]
    card_stock.receive_range(keeper, product_code="SV", prefix=PREFIX, first="0000000",
                             count=20)
    card_stock.receive_move(clerk, card_stock.send(
        keeper, card_stock.request_cards(clerk, OUTLET, "SV", 10).move_id).move_id)

    with pytest.raises(PermissionDenied):  # a clerk asks for and receives cards, no more
        card_stock.return_cards(clerk, OUTLET, "SV", count=2)
    back = card_stock.return_cards(keeper, OUTLET, "SV", count=2, note="too many")
    assert (back.kind, back.status, back.from_outlet) == ("return", "sent", OUTLET)
    card_stock.receive_move(keeper, back.move_id)

    damaged = first_number(2)
    swap = card_stock.exchange(keeper, damaged, "magstripe scratched")
    assert swap.kind == "exchange" and damaged in swap.note
    card_stock.receive_move(clerk, swap.move_id)
    card_stock.scrap(keeper, [first_number(3), first_number(4)], "water damage")

    outlet, office = count_of(clerk, OUTLET), count_of(clerk, "10000001")
    assert (outlet.blank, outlet.scrapped) == (10 - 2 - 1 + 1 - 2, 3)
    assert (office.blank, office.scrapped) == (10 + 2 - 1, 0)
    kinds = {move.kind for move in card_stock.moves(keeper)}
    assert kinds == {"receive", "request", "return", "exchange", "scrap"}
    actions = {event.action for event in models.AuditEvent.select()}
    assert {"stock.receive", "stock.send", "stock.return", "stock.receive_move",
            "stock.exchange", "stock.scrap"} <= actions
    assert verify(runtime.sealer).ok


def test_only_the_head_office_keeper_sends_and_an_outlet_handles_its_own_stock(
        stock, runtime):
    keeper, clerk, chain = stock["keeper"], stock["clerk"], stock["admin"]
    card_stock.receive_range(keeper, product_code="SV", prefix=PREFIX, first="0000000",
                             count=5)
    request = card_stock.request_cards(clerk, OUTLET, "SV", 2)
    with pytest.raises(PermissionDenied):
        card_stock.send(clerk, request.move_id)
    with pytest.raises(PermissionDenied):  # a clerk receives at the head office: no
        card_stock.receive_range(clerk, product_code="SV", prefix="7777", first="000000",
                                 count=1)
    admin.save_outlet(chain, admin.OutletDetails("10000003", "徐家汇店"))
    admin.add_terminal(chain, "10000003", "T01")
    admin.open_product(chain, "10000003", "SV", True)
    other = person(runtime, chain, "10000003", ("clerk3", "Clerk3456"), "clerk")
    card_stock.send(keeper, request.move_id)
    with pytest.raises(PermissionDenied, match="handled there or at the head office"):
        card_stock.receive_move(other, request.move_id)
    with pytest.raises(PermissionDenied, match="handled there"):
        card_stock.request_cards(other, OUTLET, "SV", 1)


def test_a_request_for_a_product_the_outlet_has_not_opened_is_refused(stock):
    admin.save_product(stock["admin"], "MEM", name="会员卡", kind="membership")
    with pytest.raises(InvalidInput, match="not opened at outlet 10000002"):
        card_stock.request_cards(stock["clerk"], OUTLET, "MEM", 5)


def test_a_makers_file_with_bad_rows_is_reported_by_line_and_receives_nothing(
        stock, tmp_path):
    keeper = stock["keeper"]
    card_stock.receive_range(keeper, product_code="SV", prefix=PREFIX, first="0000000",
                             count=1)
    bad = first_number(7)[:-1] + str((int(first_number(7)[-1]) + 1) % 10)
    path = tmp_path / "maker.csv"
    path.write_text("卡号,产品\n" + "\n".join([
        first_number(1), f"{first_number(2)},SV", f"{first_number(1)},SV",  # a duplicate
        bad, f"{first_number(3)},NOPE", first_number(0), "12ab"]) + "\n", encoding="utf-8")
    with pytest.raises(TableProblems) as refused:
        card_stock.receive_file(keeper, path, product_code="SV")
    lines = {problem.line: problem.message_id for problem in refused.value.problems}
    assert lines == {4: "card {number} is already on line {first}",
                     5: "card {number} fails its check digit",
                     6: "no card product {code}", 7: "card {number} already exists",
                     8: "'{number}' is not a card number (6 to 32 digits)"}
    assert models.Card.select().count() == 1
    good = tmp_path / "good.csv"
    good.write_text("\n".join(first_number(n) for n in range(1, 6)), encoding="utf-8")
    with pytest.raises(TableProblems, match="no product"):
        card_stock.receive_file(keeper, good)
    [move] = card_stock.receive_file(keeper, good, product_code="SV", note="maker batch 8")
    assert move.count == 5 and models.Card.select().count() == 6


def test_a_range_is_refused_whole_if_any_number_exists_or_it_is_too_large(stock):
    keeper = stock["keeper"]
    card_stock.receive_range(keeper, product_code="SV", prefix=PREFIX, first="0000005",
                             count=1)
    with pytest.raises(InvalidInput, match="1 numbers of this range already exist"):
        card_stock.receive_range(keeper, product_code="SV", prefix=PREFIX, first="0000000",
                                 count=10)
    with pytest.raises(InvalidInput, match="From 1 to 100000 cards"):
        card_stock.receive_range(keeper, product_code="SV", prefix=PREFIX, first="0000000",
                                 count=card_stock.MAX_CARDS + 1)
    with pytest.raises(InvalidInput, match="run past 2 digits"):
        card_stock.receive_range(keeper, product_code="SV", prefix=PREFIX, first="95",
                                 count=10)
    assert models.Card.select().count() == 1


# -- races: two head office clerks sending the same cards at once ---------------------------
BRANCHES = ("10000002", "10000003", "10000004", "10000005")


@pytest.fixture
def racers(stock, runtime):
    """Four head office clerks at four terminals, and 5 cards a round in stock."""
    card_stock.receive_range(stock["keeper"], product_code="SV", prefix=PREFIX,
                             first="0000000", count=5 * ROUNDS)
    chain = stock["admin"]
    for terminal in ("T02", "T03", "T04"):
        admin.add_terminal(chain, "10000001", terminal)
    for code in BRANCHES[1:]:
        admin.save_outlet(chain, admin.OutletDetails(code, f"分店{code[-1]}"))
        admin.open_product(chain, code, "SV", True)
    logins = [("10000001", *KEEPER, "T01"), ("10000001", "admin", "Admin1234", "T02"),
              ("10000001", *KEEPER, "T03"), ("10000001", "admin", "Admin1234", "T04")]
    with Racers(runtime.settings, logins) as started:
        yield started


def _stock_is_whole(received: int) -> None:
    """Every card is held by an outlet or travels in exactly one sent move, and every
    move holds as many cards as it says."""
    in_transit = models.Card.select().where(models.Card.outlet.is_null()).count()
    sent_cards = (models.StockMoveCard.select().join(models.StockMove)
                  .where(models.StockMove.status == "sent"))
    assert in_transit == sent_cards.count()
    assert len({row.card_id for row in sent_cards}) == sent_cards.count()
    for move in models.StockMove.select().where(models.StockMove.kind == "request"):
        assert move.cards.count() == (move.count if move.status != "requested" else 0)
    assert models.Card.select().count() == received


@pytest.mark.race
def test_four_sends_of_the_same_cards_at_once_move_them_once(stock, runtime, racers):
    keeper = stock["keeper"]
    for round_number in range(ROUNDS):
        requests = [card_stock.request_cards(keeper, code, "SV", 5).move_id
                    for code in BRANCHES]
        span = f"{first_number(5 * round_number)}-{first_number(5 * round_number + 4)}"
        outcomes = racers.race(*[("stock_send", move, span) for move in requests])
        assert sum(outcome.ok for outcome in outcomes) == 1, outcomes
        winner = requests[[outcome.ok for outcome in outcomes].index(True)]
        assert {card.card.number for card in models.StockMoveCard.select().where(
            models.StockMoveCard.move == winner)} == {
            first_number(5 * round_number + n) for n in range(5)}
        _stock_is_whole(5 * ROUNDS)
    assert verify(runtime.sealer).ok


@pytest.mark.race
def test_one_request_sent_by_four_clerks_at_once_is_sent_once(stock, runtime, racers):
    keeper = stock["keeper"]
    for _ in range(ROUNDS):
        move = card_stock.request_cards(keeper, OUTLET, "SV", 5).move_id
        outcomes = racers.race(*[("stock_send", move) for _ in range(4)])
        assert all(outcome.ok for outcome in outcomes), outcomes
        assert sorted(outcome.value[0] for outcome in outcomes) == [
            False, True, True, True]  # one sent it, three were told it was sent
        _stock_is_whole(5 * ROUNDS)
        card_stock.receive_move(stock["clerk"], move)
    assert count_of(keeper, OUTLET).blank == 5 * ROUNDS
    assert verify(runtime.sealer).ok


# -- the command line ----------------------------------------------------------------------
@pytest.fixture
def cli(stock, tmp_path, store_url, monkeypatch):
    """`kiosk --db ... --home ... ARGS` on the chain's store, as its head office."""
    from click.testing import CliRunner

    from kiosk.cli import main
    from kiosk.store import db
    monkeypatch.setenv("KIOSK_OUTLET", "10000001")
    monkeypatch.setenv("KIOSK_TERMINAL", "T01")
    monkeypatch.setenv("KIOSK_LANG", "en")
    monkeypatch.setenv("KIOSK_OPERATOR", "admin")  # moves are made by someone who logs in
    monkeypatch.setenv("KIOSK_OPERATOR_PASSWORD", "Admin1234")

    def run(*args):
        result = CliRunner().invoke(main, ["--db", store_url, "--home",
                                           str(tmp_path / "home"), "stock", *args])
        db.close()
        return result
    return run


def test_the_stock_commands_from_receiving_to_counts(cli, tmp_path):
    received = cli("receive", "--product", "SV", "--prefix", PREFIX, "--from", "0000000",
                   "--count", "30", "--note", "maker batch 9")
    assert received.exit_code == 0, received.output
    assert f"receive done: 30 SV {first_number(0)}-{first_number(29)}" in received.output
    requested = cli("request", "--outlet", OUTLET, "--product", "SV", "--count", "10")
    move = requested.output.split()[1].lstrip("#")
    assert cli("send", move, "--numbers", f"{first_number(5)}-{first_number(14)}"
               ).exit_code == 0
    assert "already done" in cli("send", move).output  # a rerun changes nothing
    assert cli("receive-move", move).exit_code == 0
    scrapped = cli("scrap", first_number(5), "--reason", "bent")
    assert scrapped.exit_code == 0, scrapped.output
    assert "stock.manage" not in cli("moves").output and "maker batch 9" in cli("moves").output

    shown = cli("counts", "--outlet", OUTLET)
    assert shown.exit_code == 0 and "in stock" in shown.output
    assert cli("counts", "--csv", str(tmp_path / "counts.csv")).exit_code == 0
    lines = (tmp_path / "counts.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "outlet,product,in stock,written,in transit,active,other issued,scrapped"
    assert lines[1:] == ["10000001,SV,20,0,0,0,0,0", f"{OUTLET},SV,9,0,0,0,0,1",
                         "*,SV,29,0,0,0,0,1"]


def test_a_bad_makers_file_on_the_command_line_lists_every_bad_line(cli, tmp_path):
    path = tmp_path / "maker.csv"
    path.write_text(f"{first_number(1)}\n{first_number(1)}\n12ab\n", encoding="utf-8")
    result = cli("receive", "--product", "SV", "--file", str(path))
    assert result.exit_code == 2
    assert "line 2: card" in result.output and "line 3: '12ab'" in result.output
    assert "nothing was imported" in result.output
    assert models.Card.select().count() == 0


# -- the screen ------------------------------------------------------------------------------
async def test_an_outlet_requests_and_receives_cards_on_the_stock_screen(stock, runtime):
    from dataclasses import replace

    from textual.widgets import DataTable

    from tests.app_helpers import FIXED_NOW, log_in as log_in_app, make_app, \
        wait_for_message, wait_for_screen, wait_until
    keeper = stock["keeper"]
    card_stock.receive_range(keeper, product_code="SV", prefix=PREFIX, first="0000000",
                             count=30)
    at_outlet = replace(runtime, settings=replace(runtime.settings, outlet_code=OUTLET),
                        clock=lambda: FIXED_NOW)
    app = make_app(at_outlet)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in_app(pilot, *CLERK)
        await pilot.press("f6")
        await wait_for_screen(pilot, "MemberCentreScreen")
        await pilot.press("s")
        await wait_for_screen(pilot, "CardStockScreen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.query("#count") and screen.focused is
                         screen.query_one("#count"), "the form shown")
        await pilot.press("0", "enter", "enter")  # refused: the cursor back on the count
        await wait_for_message(pilot, "From 1 to")
        assert app.focused.id == "count"
        await pilot.press("1", "0", "enter", "enter")  # count, then (no numbers) request
        await wait_for_message(pilot, "for 10 cards sent to the head office")
        [request] = card_stock.moves(keeper, OUTLET)
        card_stock.send(keeper, request.move_id)

        await pilot.press("f3")
        await wait_until(pilot, lambda: screen.moves and screen.moves[0].status == "sent",
                         "the move shown in transit")
        screen.query_one(DataTable).focus()
        await pilot.press("f5")
        await wait_for_message(pilot, "10 cards received into stock")
        await pilot.press("f2")
        table = screen.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 1, "the counts shown")
        assert [str(cell) for cell in table.get_row_at(0)][:3] == [OUTLET, "SV", "10"]
    assert count_of(keeper, OUTLET).blank == 10


def test_a_card_sent_away_while_its_write_is_recorded_stays_blank_in_transit(
        stock, monkeypatch):
    keeper, clerk = stock["keeper"], stock["clerk"]
    card_stock.receive_range(keeper, product_code="SV", prefix=PREFIX, first="0000000",
                             count=5)
    number = first_number(0)
    read_before = issuing.blank_card(keeper, number)  # the writer starts on this card...
    request = card_stock.request_cards(clerk, OUTLET, "SV", 1)
    card_stock.send(keeper, request.move_id, f"{number}-{number}")  # ...which is sent away
    monkeypatch.setattr(issuing, "blank_card", lambda session, typed: read_before)
    with pytest.raises(InvalidInput, match="just left this outlet's stock"):
        issuing.record_written(keeper, number)
    card = models.Card.get(models.Card.number == number)
    assert card.status == "blank" and card.outlet_id is None
    card_stock.receive_move(clerk, request.move_id)
    assert count_of(clerk, OUTLET).blank == 1
