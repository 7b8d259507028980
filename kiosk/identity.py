"""Chinese resident ID numbers (GB 11643-1999) and phone numbers, checked strictly."""

from __future__ import annotations

import datetime as dt
import re

from kiosk.errors import InvalidInput, N_

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")


def id_check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def normalise_id_number(text: str) -> str:
    """An 18-digit ID number with a valid birth date and check digit ('x' becomes 'X')."""
    number = (text or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise InvalidInput(N_("An ID number has 17 digits and a final digit or X."),
                           field="id_number")
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidInput(N_("The birth date inside the ID number is not a real date."),
                           field="id_number") from None
    if not dt.date(1900, 1, 1) <= born <= dt.date.today():
        raise InvalidInput(N_("The birth date inside the ID number is not a real date."),
                           field="id_number")
    if id_check_digit(number[:17]) != number[17]:
        raise InvalidInput(N_("The ID number's check digit is wrong: a typo?"), field="id_number")
    return number


def initial_pin_from_id(number: str) -> str:
    """初始密码: the last six characters of the ID number, X read as 0."""
    return normalise_id_number(number)[-6:].replace("X", "0")


def mask_phone(phone: str) -> str:
    """13800138000 -> 138****8000, as a screen may show it."""
    return phone[:3] + "****" + phone[-4:]


def mask_id_number(number: str) -> str:
    """110101199003074514 -> 110***********4514: the first 3 and the last 4."""
    return number[:3] + "*" * (len(number) - 7) + number[-4:] if len(number) > 7 else number


def normalise_phone(text: str) -> str:
    phone = re.sub(r"[\s()]", "", text or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if _MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone):
        return phone.replace("-", "")
    raise InvalidInput(N_("'{phone}' is not a mobile (11 digits, 1...) or landline number."),
                       field="phone", phone=text)


def mask_name(name: str) -> str:
    """张三丰 -> 张**, Alice -> A****."""
    return name[:1] + "*" * (len(name) - 1) if name else ""
