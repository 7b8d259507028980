"""Input that used to go through silently wrong: a first row lost as a header."""

import pytest

from kiosk.services import batch_recharge
from kiosk.store import models
from kiosk.tables import TableProblems, looks_like_header
from tests.conftest import MAIN_CARD, SV_CARD, login_as


@pytest.fixture
def clerk(seeded):
    return login_as(seeded, "clerk1", "T02")


def write(tmp_path, text, name="list.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def lines(batch_id):
    return [(line.line_no, line.card_number, line.amount) for line in
            models.BatchLine.select().where(models.BatchLine.batch == batch_id)
            .order_by(models.BatchLine.line_no)]


@pytest.mark.parametrize("cells, header", [
    (["卡号", "金额"], True), (["card", "amount"], True), (["卡号", "余额", "门店", "状态"], True),
    ([SV_CARD, "¥100.00"], False), ([SV_CARD, "￥100"], False), ([SV_CARD, "100"], False),
    ([SV_CARD], False), ([SV_CARD, ""], False), (["", "1.234"], False)])
def test_a_first_row_with_a_digit_is_data(cells, header):
    assert looks_like_header(cells) is header


def test_a_headerless_list_keeps_its_first_row_written_with_a_yuan_sign(clerk, tmp_path):
    path = write(tmp_path, f"{SV_CARD},¥100.00\n{MAIN_CARD},¥50\n")
    batch_id = batch_recharge.import_list(clerk, path, name="no header")
    assert lines(batch_id) == [(1, SV_CARD, 10000), (2, MAIN_CARD, 5000)]


def test_a_headerless_first_row_missing_its_amount_is_reported_not_dropped(clerk, tmp_path):
    path = write(tmp_path, f"{SV_CARD}\n{MAIN_CARD},50\n")
    with pytest.raises(TableProblems, match="line 1: Enter an amount"):
        batch_recharge.import_list(clerk, path, name="no amount")
