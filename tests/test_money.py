import pytest
from hypothesis import given, strategies as st

from kiosk.money import MoneyError, format_yuan, parse_yuan, split_proportionally


@pytest.mark.parametrize("text, fen", [("12", 1200), ("12.3", 1230), ("12.30", 1230),
                                        ("0.01", 1), ("¥12.30", 1230), (" 7 ", 700),
                                        (".5", 50), ("１２", 1200), ("１２．３０", 1230),
                                        ("12。3", 1230), ("￥１２", 1200)])
def test_parses_valid_amounts(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text, fragment", [
    ("12.345", "two decimals"), ("-1", "negative"), ("1e3", "not an amount"),
    ("", "Enter an amount"), (".", "not an amount"), ("12.", "after the decimal"),
    ("1e9", "not an amount"), ("１ｅ９", "not an amount"),
    ("0", "more than zero"), ("1,000", "not an amount"), ("nan", "not an amount"),
    ("99999999999", "too large"), ("+5", "not an amount")])
def test_rejects_with_a_clear_message(text, fragment):
    with pytest.raises(MoneyError) as caught:
        parse_yuan(text)
    assert fragment in str(caught.value)


def test_zero_only_when_allowed():
    assert parse_yuan("0.00", allow_zero=True) == 0


@given(st.integers(min_value=1, max_value=10**12 - 1))  # ¥9,999,999,999.99 is the limit
def test_format_then_parse_round_trips(fen):
    assert parse_yuan(format_yuan(fen)) == fen


@given(st.text(max_size=20))
def test_any_text_parses_or_raises_money_error(text):
    try:
        value = parse_yuan(text)
    except MoneyError:
        return
    assert isinstance(value, int) and value > 0


def test_format():
    assert format_yuan(1230) == "¥12.30"
    assert format_yuan(-5) == "-¥0.05"
    with pytest.raises(TypeError):
        format_yuan(12.3)


@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**9), min_size=1, max_size=5))
def test_split_is_exact(total, weights):
    shares = split_proportionally(total, weights)
    if sum(weights) == 0:
        assert shares == [0] * len(weights)
    else:
        assert sum(shares) == total


def test_months_are_added_to_the_day_or_the_months_last_day():
    import datetime as dt
    from kiosk.services.business_date import add_months
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 10, 30), 36) == dt.date(2029, 10, 30)  # not the 28th
    assert add_months(dt.date(2027, 3, 31), -1) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 12, 15), 1) == dt.date(2028, 1, 15)
    assert add_months(dt.date(2028, 1, 15), -1) == dt.date(2027, 12, 15)
