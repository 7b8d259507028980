"""Insurers' cards from an empty store: the insurer's card file and loads file, imported
(every bad row by line), reviewed by a second finance operator and run (once, however
often and on however many terminals); the cards then pay at the counter with the PIN
of the insurer's rule. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid

import pytest

from kiosk.errors import InvalidInput, PermissionDenied
from kiosk.hw.tracks import luhn_complete
from kiosk.identity import id_check_digit
from kiosk.services import admin, card_care, cards, charge, insurer_cards, issuing, operators
from kiosk.services.accounts import issuer_account, open_card_accounts
from kiosk.services.charge import Review
from kiosk.services.operations import InsufficientFunds
from kiosk.services.verify import verify
from kiosk.store import models
from kiosk.tables import TableProblems
from tests.conftest import IN_CI, log_in
from tests.racing import Racers

OUTLET = "10000001"
INSURER = "泰康"
FINANCE_1 = ("finance1", "Finance123")
FINANCE_2 = ("finance2", "Finance234")
HELD = "由保险公司记账"


def id_number(serial: int) -> str:
    """A valid ID number (birth 1990-03-07), different per serial."""
    first17 = f"11010119900307{serial:03d}"
    return first17 + id_check_digit(first17)


def card_number(serial: int, prefix: str = "6600") -> str:
    return luhn_complete(f"{prefix}{serial:011d}")


def luhn_typo(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def pin_of(id_text: str) -> str:
    return id_text[-6:].replace("X", "0")


def key() -> str:
    return uuid.uuid4().hex


def operator(chain, runtime, login: str, password: str, role: str,
             terminal: str = "T01"):
    """A new operator of the head office, their one-time password already changed."""
    admin.add_operator(chain, OUTLET, login, login, role, "Start1234")
    first = log_in(runtime, OUTLET, login, "Start1234", terminal)
    operators.change_password(first, old_password="Start1234", new_password=password)
    return log_in(runtime, OUTLET, login, password, terminal)


@pytest.fixture
def insurer(chain, runtime):
    """An insurer's product (泰康卡, PIN by the ID rule) opened at the head office, two
    finance operators and a cashier: (finance1, finance2, cashier) sessions."""
    return set_up_insurer(chain, runtime)


def set_up_insurer(chain, runtime):
    admin.save_product(chain, "TK", name="泰康卡", kind="insurance", issuer=INSURER,
                       forbidden_categories="保健品", validity_months=24, initial_pin="id_last6")
    admin.open_product(chain, OUTLET, "TK", True)
    admin.save_product(chain, "SV", name="储值卡", kind="stored_value")
    return (operator(chain, runtime, *FINANCE_1, "finance"),
            operator(chain, runtime, *FINANCE_2, "finance"),
            operator(chain, runtime, "cashier1", "Cashier123", "cashier"))


def write(tmp_path, rows: list[str], name: str = "") -> str:
    path = tmp_path / (name or f"{uuid.uuid4().hex[:8]}.csv")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def card_file(tmp_path, cards_rows) -> str:
    return write(tmp_path, ["卡号,姓名,身份证号,产品,开户金额"] + [
        f"{number},{holder},{id_text},TK,{amount}"
        for number, holder, id_text, amount in cards_rows])


def reviewed(importer, reviewer_login, path: str, kind: str = "cards") -> int:
    file_id = insurer_cards.import_file(importer, path, kind=kind, name=f"泰康 {kind}")
    insurer_cards.review(importer, file_id, Review(*reviewer_login))
    return file_id


def principal(number: str) -> int:
    return cards.balances(cards.get_card(number))["principal"]


THREE = [(card_number(1), "张伟", id_number(1), "500.00"),
         (card_number(2), "李娜", id_number(2), HELD),
         (card_number(3), "王芳", id_number(3), "88.50")]


def test_an_insurers_card_file_from_import_to_the_counter(insurer, runtime, tmp_path):
    finance1, finance2, cashier = insurer
    file_id = insurer_cards.import_file(finance1, card_file(tmp_path, THREE), kind="cards",
                                        name="泰康 2026-11")
    with pytest.raises(InvalidInput, match="reviewed"):
        insurer_cards.run(finance1, file_id)
    with pytest.raises(PermissionDenied, match="different"):
        insurer_cards.review(finance1, file_id, Review(*FINANCE_1))
    with pytest.raises(PermissionDenied, match="may not authorise"):
        insurer_cards.review(finance1, file_id, Review("cashier1", "Cashier123"))
    before = [line.done for line in insurer_cards.lines(finance2, file_id)]
    assert before == [False] * 3
    insurer_cards.review(finance1, file_id, Review(*FINANCE_2))
    report = insurer_cards.run(finance2, file_id)
    assert (report.posted, report.already_posted, report.failed) == (3, 0, [])

    assert [principal(number) for number, *_ in THREE] == [50000, 0, 8850]
    assert issuer_account(INSURER, "issuer_funding").balance == -58850
    first = cards.get_card(THREE[0][0])
    assert first.status == "active" and first.member.id_number == id_number(1)
    assert first.expires_on is not None and first.member.name == "张伟"
    assert pin_of(id_number(1)) not in first.pin_hash
    summary = insurer_cards.summaries(finance1)[0]
    assert (summary.status, summary.done, summary.total, summary.issuer) == (
        "run", 3, 58850, INSURER)

    sale = charge.charge(cashier, card_number=THREE[0][0], amount=12000,
                         pin=pin_of(id_number(1)), key=key())
    assert sale.principal_after == 38000
    till = issuer_account(INSURER, outlet_id=cashier.actor.outlet_id,
                          terminal_id=cashier.actor.terminal_id)
    assert till.balance == 12000  # the insurer owes the outlet, on the charging till's row
    with pytest.raises(cards.WrongPin):
        charge.charge(cashier, card_number=THREE[2][0], amount=100, pin="000000", key=key())
    with pytest.raises(InsufficientFunds):  # the insurer keeps this card's balance
        charge.charge(cashier, card_number=THREE[1][0], amount=100,
                      pin=pin_of(id_number(2)), key=key())
    with pytest.raises(charge.ForbiddenCategory):
        charge.charge(cashier, card_number=THREE[2][0], amount=0, pin=pin_of(id_number(3)),
                      key=key(), lines=(charge.SaleLine("鱼油", "保健品", 3000),))
    assert verify(runtime.sealer).ok


def test_a_holder_registered_before_gets_the_card_on_their_record(insurer, chain, tmp_path):
    finance1, finance2, _ = insurer
    from kiosk.services import members
    member_id = members.register(chain, members.MemberDetails(
        "张伟", "13800138000", id_number(1)))
    file_id = reviewed(finance1, FINANCE_2, card_file(tmp_path, THREE[:1]))
    insurer_cards.run(finance2, file_id)
    assert cards.get_card(THREE[0][0]).member_id == member_id
    assert models.Member.select().where(models.Member.id_number == id_number(1)).count() == 1


def test_run_twice_posts_once(insurer, runtime, tmp_path):
    finance1, finance2, _ = insurer
    file_id = reviewed(finance1, FINANCE_2, card_file(tmp_path, THREE))
    insurer_cards.run(finance2, file_id)
    operations = models.Operation.select().count()
    again = insurer_cards.run(finance1, file_id)
    assert (again.posted, again.already_posted, again.failed) == (0, 3, [])
    assert models.Operation.select().count() == operations
    assert models.Card.select().count() == 3
    assert [principal(number) for number, *_ in THREE] == [50000, 0, 8850]
    assert verify(runtime.sealer).ok


def test_loads_and_adjustments_never_below_zero(insurer, runtime, tmp_path):
    finance1, finance2, _ = insurer
    insurer_cards.run(finance2, reviewed(finance1, FINANCE_2, card_file(tmp_path, THREE)))
    first, held, third = (number for number, *_ in THREE)
    loads = write(tmp_path, ["卡号,金额", f"{first},-100.00", f"{held},300",
                             f"{third},-88.51", f"{held},+0.50"])
    with pytest.raises(TableProblems, match="already on line 3"):  # one card, one line
        insurer_cards.import_file(finance1, loads, kind="loads", name="泰康 loads")
    loads = write(tmp_path, ["卡号,金额", f"{first},-100.00", f"{held},300",
                             f"{third},-88.51"])
    file_id = reviewed(finance1, FINANCE_2, loads, kind="loads")
    report = insurer_cards.run(finance2, file_id)
    assert (report.posted, report.already_posted) == (2, 0)
    assert [(line, type(error)) for line, error in report.failed] == [(4, InsufficientFunds)]
    assert [principal(first), principal(held), principal(third)] == [40000, 30000, 8850]
    kinds = [operation.kind for operation in models.Operation.select().where(
        models.Operation.idempotency_key.startswith(f"insurer-{file_id}-"))
        .order_by(models.Operation.id)]
    assert kinds == ["insurer_adjustment", "insurer_load"]
    assert insurer_cards.summaries(finance1)[0].status == "reviewed"  # a line still open
    again = insurer_cards.run(finance2, file_id)  # the refused line is tried again, alone
    assert (again.posted, again.already_posted, len(again.failed)) == (0, 2, 1)
    with pytest.raises(InvalidInput, match="started to run"):
        insurer_cards.void(finance1, file_id)
    assert verify(runtime.sealer).ok


def test_a_load_follows_a_replaced_card_an_adjustment_does_not(insurer, chain, runtime,
                                                               tmp_path):
    finance1, finance2, _ = insurer
    insurer_cards.run(finance2, reviewed(finance1, FINANCE_2, card_file(tmp_path, THREE[:1])))
    old = THREE[0][0]
    new = _blank(card_number(99))  # no service receives blank stock yet (the stock branch)
    issuing.record_written(chain, new)
    card_care.replace_card(chain, card_care.Replacement(old, new, "damaged", 0), key=key())
    with pytest.raises(TableProblems, match="replaced"):
        insurer_cards.import_file(finance1, write(tmp_path, [f"{old},-1"]), kind="loads",
                                  name="take back")
    file_id = reviewed(finance1, FINANCE_2, write(tmp_path, [f"{old},20"]), kind="loads")
    insurer_cards.run(finance2, file_id)
    assert (principal(old), principal(new)) == (0, 52000)
    assert insurer_cards.lines(finance1, file_id)[0].done
    assert verify(runtime.sealer).ok


def _blank(number: str) -> str:
    card = models.Card.create(number=number, product=models.CardProduct.get(code="TK"),
                              status="blank", outlet=models.Outlet.get(code=OUTLET))
    open_card_accounts(card)
    return number


def test_every_bad_row_is_reported_by_line_and_nothing_is_imported(insurer, tmp_path):
    finance1, finance2, _ = insurer
    insurer_cards.run(finance2, reviewed(finance1, FINANCE_2, card_file(tmp_path, THREE[:1])))
    path = write(tmp_path, [
        "卡号,姓名,身份证号,产品,开户金额",
        f"{card_number(10)},赵一,{id_number(10)},TK,100",       # 2: fine
        f"12AB,钱二,{id_number(11)},TK,100",                   # 3: bad number
        f"{card_number(10)},孙三,{id_number(12)},TK,100",       # 4: twice in the file
        f"{THREE[0][0]},李四,{id_number(13)},TK,100",           # 5: exists already
        f"{card_number(14)},周五,{id_number(14)},NOPE,100",     # 6: unknown product
        f"{card_number(15)},吴六,{id_number(15)},SV,100",       # 7: not an insurer's
        f"{card_number(16)},郑七,110101199003071234,TK,100",  # 8: bad ID check digit
        f"{card_number(17)},王八,{id_number(17)},TK,12.345",    # 9: bad amount
        f"{card_number(18)},冯九,{id_number(18)},TK,maybe",     # 10: not a word we know
        f"{luhn_typo(card_number(19))},陈十,{id_number(19)},TK,1",  # 11: fails its check digit
        f"{card_number(20)},,{id_number(20)},TK,1",             # 12: no holder
    ])
    with pytest.raises(TableProblems) as caught:
        insurer_cards.import_file(finance1, path, kind="cards", name="bad")
    lines = {problem.line: problem.render(lambda text: text) for problem in caught.value.problems}
    assert set(lines) == set(range(3, 13)), lines
    assert "not a card number" in lines[3] and "already on line 2" in lines[4]
    assert "exists already" in lines[5] and "no card product NOPE" in lines[6]
    assert "not an insurer's product" in lines[7] and "check digit" in lines[8]
    assert "decimals" in lines[9] and "not an amount" in lines[10]
    assert "check digit" in lines[11] and "name" in lines[12]
    assert models.InsurerFile.select().count() == 1  # only the first, good file


def test_a_workbook_reads_as_a_csv_does(insurer, tmp_path):
    from openpyxl import Workbook
    finance1, finance2, _ = insurer
    book = Workbook()
    book.active.append(["卡号", "姓名", "身份证号", "产品", "开户金额"])
    book.active.append([int(THREE[0][0]), "张伟", id_number(1), "TK", 500])
    book.active.append([int(THREE[1][0]), "李娜", id_number(2), "TK", None])
    path = tmp_path / "泰康.xlsx"
    book.save(path)
    file_id = reviewed(finance1, FINANCE_2, str(path))
    insurer_cards.run(finance2, file_id)
    assert [principal(number) for number, *_ in THREE[:2]] == [50000, 0]


def test_a_product_with_typed_pins_cannot_come_from_an_insurers_file(insurer, chain,
                                                                     tmp_path):
    finance1, _, _ = insurer
    admin.save_product(chain, "TK", initial_pin="typed")
    with pytest.raises(TableProblems, match="PIN rule to be the ID number"):
        insurer_cards.import_file(finance1, card_file(tmp_path, THREE), kind="cards",
                                  name="typed")


def test_the_same_file_twice_is_refused_until_the_first_is_voided(insurer, tmp_path):
    finance1, finance2, _ = insurer
    path = card_file(tmp_path, THREE)
    first = insurer_cards.import_file(finance1, path, kind="cards", name="once")
    with pytest.raises(InvalidInput, match=f"already imported as #{first}"):
        insurer_cards.import_file(finance2, path, kind="cards", name="twice")
    insurer_cards.review(finance1, first, Review(*FINANCE_2))
    insurer_cards.void(finance2, first)
    with pytest.raises(InvalidInput, match="void"):
        insurer_cards.run(finance2, first)
    second = insurer_cards.import_file(finance2, path, kind="cards", name="again")
    insurer_cards.review(finance2, second, Review(*FINANCE_1))
    insurer_cards.run(finance1, second)
    with pytest.raises(InvalidInput, match=f"already imported as #{second}"):
        insurer_cards.import_file(finance1, path, kind="cards", name="thrice")


def test_only_finance_handles_insurers_files(insurer, tmp_path):
    _, _, cashier = insurer
    with pytest.raises(PermissionDenied):
        insurer_cards.import_file(cashier, card_file(tmp_path, THREE), kind="cards", name="x")
    with pytest.raises(PermissionDenied):
        insurer_cards.summaries(cashier)



def test_the_command_line(insurer, runtime, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from kiosk.cli import main
    from kiosk.store import db
    for name, value in (("KIOSK_HASH_TIME_COST", "1"), ("KIOSK_HASH_MEMORY_KIB", "64"),
                        ("KIOSK_LANG", "en"), ("KIOSK_OUTLET", "10000001"),
                        ("KIOSK_OPERATOR", "admin"), ("KIOSK_OPERATOR_PASSWORD", "Admin1234")):
        monkeypatch.setenv(name, value)

    def kiosk(*args, input=None):
        result = CliRunner().invoke(main, ["--db", runtime.settings.db_url, "--home",
                                           str(runtime.settings.home), "insurer", *args],
                                    input=input)
        db.close()
        return result

    bad = kiosk("import-cards", write(tmp_path, [f"{THREE[0][0]},张伟,{id_number(1)},TK,1",
                                                 f"{THREE[0][0]},张伟,{id_number(1)},TK,1",
                                                 f"123,李娜,{id_number(2)},TK,1"]),
                "--name", "bad")
    assert bad.exit_code == 2 and "line 2: card" in bad.stderr and "line 3:" in bad.stderr
    path = card_file(tmp_path, THREE)
    def pin_rule(rule):
        return CliRunner().invoke(main, ["--db", runtime.settings.db_url, "--home",
                                         str(runtime.settings.home), "admin", "product", "TK",
                                         "--initial-pin", rule]).exit_code
    assert pin_rule("typed") == 0
    assert "PIN rule" in kiosk("import-cards", path, "--name", "typed").stderr
    assert pin_rule("id_last6") == 0
    imported = kiosk("import-cards", path, "--name", "泰康 2026-11")
    assert imported.exit_code == 0 and "imported as #1" in imported.output
    assert "already imported as #1" in kiosk("import-cards", path, "--name", "x").stderr
    assert "draft" in kiosk("files").output
    assert kiosk("run", "1").exit_code == 2
    refused = kiosk("review", "1", input="finance2\nWrong9999\n")
    assert refused.exit_code == 2 and "Wrong9999" not in refused.output
    reviewed_ = kiosk("review", "1", input="finance2\nFinance234\n")
    assert reviewed_.exit_code == 0 and "Finance234" not in reviewed_.output
    ran = kiosk("run", "1")
    assert ran.exit_code == 0 and "posted 3" in ran.output
    assert "already posted 3" in kiosk("run", "1").output
    assert "run" in kiosk("files").output
    assert "started to run" in kiosk("void", "1").stderr
    loads = kiosk("import-loads", write(tmp_path, [f"{THREE[1][0]},-1"]), "--name", "back")
    assert loads.exit_code == 0
    kiosk("review", "2", input="finance1\nFinance123\n")
    refused_line = kiosk("run", "2")
    assert refused_line.exit_code == 1 and "line 1: Not enough balance" in refused_line.stderr
    assert principal(THREE[0][0]) == 50000



async def test_the_member_centre_screens_from_import_to_run(insurer, runtime, tmp_path):
    from dataclasses import replace

    from tests.app_helpers import log_in as log_in_at_screen
    from tests.app_helpers import make_app, paste_into, wait_for_message, wait_for_screen
    from tests.app_helpers import review_as, type_into, wait_until
    settings = replace(runtime.settings, outlet_code=OUTLET, swipe_key_gap_ms=300)
    app = make_app(replace(runtime, settings=settings))
    bad = write(tmp_path, [f"{THREE[0][0]},张伟,{id_number(1)},TK,1",
                           f"{THREE[0][0]},张伟,{id_number(1)},TK,1"])
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in_at_screen(pilot, *FINANCE_1)
        await pilot.press("f6")
        await wait_for_screen(pilot, "MemberCentreScreen")
        await pilot.press("i")
        await wait_for_screen(pilot, "InsurerFilesScreen")
        files = app.screen
        assert files.value("path") == f"{settings.home / 'insurer'}/"
        await paste_into(pilot, "path", bad)
        await pilot.press("enter")
        await type_into(pilot, "name", "泰康 11月")
        await pilot.press("enter", "enter")
        await wait_for_message(pilot, "nothing was imported")
        assert "line 2" in str(files.query_one("#details").render())
        await paste_into(pilot, "path", card_file(tmp_path, THREE))
        await pilot.press("enter", "enter", "enter")
        await wait_for_message(pilot, "imported as a draft")
        await wait_until(pilot, lambda: files.files, "the file listed")
        files.query_one("#table").focus()
        await pilot.press("f5")
        await wait_for_screen(pilot, "InsurerLinesScreen")
        lines = app.screen
        await wait_until(pilot, lambda: len(lines.lines) == 3, "the lines shown")
        await pilot.press("f8")
        await wait_for_message(pilot, "only a reviewed file")
        await pilot.press("f7")
        await review_as(pilot, *FINANCE_1)
        await wait_for_message(pilot, "different")
        assert type(app.screen).__name__ == "ReviewModal"  # refused in the dialog, kept open
        await pilot.press("escape")
        await wait_for_screen(pilot, "InsurerLinesScreen")
        await pilot.press("f7")
        await review_as(pilot, *FINANCE_2)
        await wait_until(pilot, lambda: lines.file.status == "reviewed", "reviewed")
        await pilot.press("f8")
        await wait_for_message(pilot, "Posted 3")
        await wait_until(pilot, lambda: all(line.done for line in lines.lines), "outcomes")
        table = lines.query_one("#table")
        outcomes = [str(table.get_row_at(row)[-1]) for row in range(3)]
        assert outcomes[0].startswith("posted #") and outcomes[1] == "registered"
        await pilot.press("f8")
        await wait_for_message(pilot, "already posted 3")
        await pilot.press("escape")
        await wait_for_screen(pilot, "InsurerFilesScreen")
        await wait_until(pilot, lambda: files.files[0].status == "run", "the list refreshed")
    assert [principal(number) for number, *_ in THREE] == [50000, 0, 8850]
    assert verify(runtime.sealer).ok


# -- four terminals running one file at once ---------------------------------------------
ROUNDS = 20 if IN_CI or os.environ.get("KIOSK_SLOW") == "1" else 3


@pytest.mark.race
def test_four_terminals_running_one_file_post_every_line_exactly_once(insurer, chain, runtime,
                                                                      tmp_path):
    finance1, _, _ = insurer
    admin.add_terminal(chain, OUTLET, "T02")
    logins = [(OUTLET, *FINANCE_1, "T01"), (OUTLET, *FINANCE_2, "T02")] * 2
    with Racers(runtime.settings, logins) as racers:
        for round_number in range(ROUNDS):
            rows = [(card_number(10 * round_number + n), f"持卡人{n}",
                     id_number(10 * round_number + n), HELD if n % 3 == 2 else "100.00")
                    for n in range(6)]
            file_id = reviewed(finance1, FINANCE_2, card_file(tmp_path, rows))
            _all_posted_once(racers.race(*[("run_insurer_file", file_id)] * 4), file_id,
                             failing=0)
            assert [principal(number) for number, *_ in rows] == [
                0 if amount == HELD else 10000 for *_, amount in rows]
            assert models.Member.select().where(models.Member.id_number.in_(
                [id_text for _, _, id_text, _ in rows])).count() == len(rows)
            # Loads and adjustments, one of which would take more than the card holds.
            numbers = [number for number, *_ in rows]
            loads = write(tmp_path, [f"{numbers[0]},25", f"{numbers[1]},-30",
                                     f"{numbers[2]},-100.01", f"{numbers[3]},5"])
            file_id = reviewed(finance1, FINANCE_2, loads, kind="loads")
            _all_posted_once(racers.race(*[("run_insurer_file", file_id)] * 4), file_id,
                             failing=1)
            assert [principal(number) for number in numbers[:4]] == [12500, 7000, 0, 10500]
    assert verify(runtime.sealer).ok


def _all_posted_once(outcomes, file_id: int, *, failing: int) -> None:
    """Every racer ran every line (posted, found posted, or refused it); each line that
    posts was posted by exactly one of them, as one operation."""
    assert all(outcome.ok for outcome in outcomes), outcomes
    lines = models.InsurerFileLine.select().where(models.InsurerFileLine.file == file_id)
    assert all(posted + already + failed == len(lines)
               for posted, already, failed in (outcome.value for outcome in outcomes))
    assert all(failed == failing for _, _, failed in (outcome.value for outcome in outcomes))
    assert sum(outcome.value[0] for outcome in outcomes) == len(lines) - failing, outcomes
    paid = [line for line in lines if line.amount]
    operations = models.Operation.select().where(
        models.Operation.idempotency_key.startswith(f"insurer-{file_id}-"))
    assert operations.count() == len(paid) - failing
    assert models.Card.select().where(models.Card.number.in_(
        [line.card_number for line in lines])).count() == len(lines)


def test_a_cards_and_a_files_state_are_named_in_the_screens_language(insurer, tmp_path):
    from kiosk.i18n import translator
    chinese = translator("zh_CN")
    finance1, finance2, _ = insurer
    insurer_cards.run(finance2, reviewed(finance1, FINANCE_2, card_file(tmp_path, THREE[:1])))
    draft = insurer_cards.import_file(finance1, write(tmp_path, [f"{THREE[0][0]},-1"]),
                                      kind="loads", name="draft")
    models.Card.update(status="cleared").where(models.Card.number == THREE[0][0]).execute()
    with pytest.raises(TableProblems) as caught:
        insurer_cards.import_file(finance1, write(tmp_path, [f"{THREE[0][0]},20"]),
                                  kind="loads", name="cleared")
    assert caught.value.problems[0].render(chinese).endswith("的状态为 已清户")
    with pytest.raises(InvalidInput) as refused:
        insurer_cards.run(finance2, draft)
    assert "draft" not in refused.value.render(chinese) and "草稿" in \
        refused.value.render(chinese)
