"""Hostile input to every service that takes text: oversize values are refused by the
service itself (not only by the widget), and config files of any content either load
or give a clear error."""

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kiosk.services.business_date import calendar_business_date
from kiosk.config import load_settings
from kiosk.errors import KioskError
from kiosk.services import admin, batch_recharge, insurance_transfers, members, migration
from kiosk.services.members import MemberDetails
from kiosk.services.migration import MigrationRequest
from tests.conftest import login_as

LONG = "长" * 600


@pytest.fixture
def clerk(seeded):
    return login_as(seeded, "clerk1", "T02")


def oversize_calls(seeded, clerk, tmp_path):
    listing = tmp_path / "list.csv"
    listing.write_text("8888000000000018,1\n", encoding="utf-8")
    admin_session = login_as(seeded, "admin1")
    finance = login_as(seeded, "finance1")
    return {
        "member name": lambda: members.register(clerk, MemberDetails(LONG, "13800000001")),
        "member tags": lambda: members.register(clerk, MemberDetails("x", "13800000002",
                                                                     tags=LONG)),
        "member phone": lambda: members.register(clerk, MemberDetails("x", LONG)),
        "member ID": lambda: members.register(clerk, MemberDetails("x", "13800000003",
                                                                   id_number=LONG)),
        "batch list name": lambda: batch_recharge.import_list(clerk, listing, name=LONG),
        "migration remarks": lambda: migration.migrate(clerk, MigrationRequest(
            "6100000000000001", 1, "000000", remarks=LONG)),
        "transfer reason": lambda: insurance_transfers.decide(finance, 1, approve=False,
                                                              reason=LONG),
        "outlet name": lambda: admin.save_outlet(admin_session, admin.OutletDetails(
            "31010009", LONG)),
        "login id": lambda: admin.change_login_id(admin_session, "31010001", "cashier1", LONG),
        "terminal code": lambda: admin.add_terminal(admin_session, "31010001", LONG),
    }


def test_oversize_text_is_refused_by_every_service(seeded, clerk, tmp_path):
    for name, call in oversize_calls(seeded, clerk, tmp_path).items():
        with pytest.raises(KioskError):
            call()
            pytest.fail(f"{name}: accepted 600 characters")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_any_config_file_loads_or_says_what_is_wrong(tmp_path, text):
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_settings(home=tmp_path, config_file=path)
    except KioskError:
        pass


@pytest.mark.parametrize("text", [
    'channels = 3', '[channels.x]\norder_no = 1\namount = "a"', '[devices.sms]\ndriver = 5',
    'idle_timeout_seconds = "soon"', '[devices.nope]\ndriver = "sim"', 'language = ["zh"]'])
def test_malformed_settings_are_clear_errors(tmp_path, text):
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KioskError):
        load_settings(home=tmp_path, config_file=path)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_fuzzed_statements_report_or_reconcile(seeded, tmp_path, data):
    from kiosk.services import reconcile
    path = tmp_path / "statement.csv"
    path.write_bytes("渠道订单号,结算金额\n".encode() + data)
    finance = login_as(seeded, "finance1")
    try:
        report = reconcile.reconcile(finance, channel="taikang", statement=path,
                                     month=reconcile.last_month(calendar_business_date(finance)))
    except KioskError:
        return
    assert all(row.status in reconcile.STATUSES for row in report.rows)


@pytest.mark.parametrize("typed", ["99999999999", "12.", ".", "", "12345", "１２.３０"])
def test_what_is_no_pin_at_all_is_refused_without_counting_a_try(seeded, typed):
    """An amount typed again into the PIN field (the cashier retyping) is not a guess:
    it never counts towards the card's lock."""
    from kiosk.errors import InvalidInput
    from kiosk.services import cards, charge
    from tests.conftest import SV_CARD
    cashier = login_as(seeded, "cashier1")
    for attempt in range(4):
        with pytest.raises(InvalidInput, match="6 digits") as refused:
            charge.charge(cashier, card_number=SV_CARD, amount=100, pin=typed,
                          key=f"slip-{attempt}")
        assert refused.value.field == "pin"
    card = cards.get_card(SV_CARD)
    assert (card.pin_failures, card.pin_locked) == (0, False)
    charge.charge(cashier, card_number=SV_CARD, amount=100, pin="１２３４５６",  # an IME's
                  key="right-pin")
