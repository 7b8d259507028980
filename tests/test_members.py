"""Member search: every field, paging, and hostile text treated as text."""

import pytest

from kiosk.services.members import MemberQuery, search
from tests.conftest import SV_CARD


def names(rows):
    return [row.name for row in rows]


def test_by_phone_name_prefix_and_card(system):
    assert names(search(system, MemberQuery(phone="13800138000"))) == ["张伟"]
    assert names(search(system, MemberQuery(name_prefix="李"))) == ["李秀英"]
    assert names(search(system, MemberQuery(card_number=SV_CARD))) == ["张伟"]
    assert names(search(system, MemberQuery(level="银卡", region="徐汇"))) == ["王磊"]


def test_paging(system):
    first = search(system, MemberQuery(), page_size=2)
    second = search(system, MemberQuery(), page=1, page_size=2)
    assert len(first) == 2 and len(second) == 2 and not set(names(first)) & set(names(second))


@pytest.mark.parametrize("text", ["' OR 1=1 --", "%", "_", "*", "[", "\\", "张%", "\"; DROP TABLE member; --"])
def test_injection_and_wildcards_are_just_text(system, text):
    assert search(system, MemberQuery(name_prefix=text)) == []
    assert search(system, MemberQuery(phone=text)) == []
    assert len(search(system, MemberQuery())) == 4  # the table is still there
