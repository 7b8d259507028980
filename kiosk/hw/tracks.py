"""ISO 7811/7813 magnetic track data, as keyboard-wedge and serial readers send it.

    track 1: %B<PAN>^<NAME>^<YYMM><service code><discretionary>?[LRC]
    track 2: ;<PAN>=<YYMM><service code><discretionary>?[LRC]
    track 3: ;<data>? or +<data>?  (after track 2)

Any combination may come in one swipe, followed by Enter. A reader that could not
read a track sends `E` for it (`%E?`, `;E?`). Each failure has its own error so the
cashier knows whether to swipe again, fix the reader, or call for a new card.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.errors import KioskError, N_

TRACK1_START, TRACK2_START, TRACK3_START_ALT, END = "%", ";", "+", "?"
TRACK1_CHARS = {chr(c) for c in range(0x20, 0x60)}  # 6-bit alphanumeric (SP .. _)
TRACK2_CHARS = {chr(c) for c in range(0x30, 0x40)}  # 4-bit BCD (0-9 : ; < = > ?)


class SwipeError(KioskError):
    default_message = N_("The card could not be read; swipe again.")


class NoEndSentinel(SwipeError):
    default_message = N_("The swipe was cut off; swipe again in one smooth movement.")


class BadTrackCharacters(SwipeError):
    default_message = N_("Track {track} has characters a card cannot hold; swipe again.")


class LrcMismatch(SwipeError):
    default_message = N_("Track {track} failed its check character; swipe again.")


class LuhnFailed(SwipeError):
    default_message = N_("The card number fails its check digit: a misread or a fake card.")


class EmptySwipe(SwipeError):
    default_message = N_("Nothing was read from the card; swipe again.")


class TrackReadError(SwipeError):
    default_message = N_("The reader could not read track {track}; swipe again slowly.")


class ReaderLayoutError(SwipeError):
    default_message = N_("The reader types with the wrong keyboard layout ('{found}' instead "
                         "of '{expected}'); set the reader to US layout.")


@dataclass(frozen=True)
class SwipeData:
    pan: str
    name: str = ""
    expiry: str = ""          # YYMM as on the card
    service_code: str = ""
    tracks: dict[int, str] = field(default_factory=dict)  # raw data between the sentinels


def luhn_ok(number: str) -> bool:
    if not number.isdigit() or len(number) < 2:
        return False
    total = 0
    for index, digit in enumerate(reversed(number)):
        value = int(digit)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def luhn_complete(stem: str) -> str:
    """Append the check digit that makes `stem` pass Luhn."""
    if not stem.isdigit():
        raise ValueError(stem)
    total = 0
    for index, digit in enumerate(reversed(stem)):
        value = int(digit)
        if index % 2 == 0:  # these become the odd positions once the check digit is added
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return stem + str((10 - total % 10) % 10)


def lrc(sentinel_to_end: str, track: int) -> str:
    """Longitudinal redundancy check over start sentinel .. end sentinel, in the track's
    own character set (6-bit for track 1, 4-bit for tracks 2 and 3)."""
    base, mask = (0x20, 0x3F) if track == 1 else (0x30, 0x0F)
    value = 0
    for ch in sentinel_to_end:
        value ^= (ord(ch) - base) & mask
    return chr(value + base)


def split_tracks(text: str) -> list[tuple[int, str, str | None]]:
    """Cut raw swipe text into (track number, data, lrc or None)."""
    text = text.rstrip("\r\n")
    if not text.strip():
        raise EmptySwipe()
    found: list[tuple[int, str, str | None]] = []
    position = 0
    while position < len(text):
        start = text[position]
        if start not in (TRACK1_START, TRACK2_START, TRACK3_START_ALT):
            raise BadTrackCharacters(track=len(found) + 1)
        end = text.find(END, position + 1)
        if end < 0:
            raise NoEndSentinel()
        number = 1 if start == TRACK1_START else (3 if start == TRACK3_START_ALT or any(
            t == 2 for t, _, _ in found) else 2)
        data = text[position + 1:end]
        position = end + 1
        check = None
        if position < len(text):
            # Readers either always send the LRC or never; a following start sentinel
            # is taken as the next track unless it is exactly the expected LRC.
            expected = lrc(start + data + END, number)
            if text[position] == expected:
                check = expected
                position += 1
            elif text[position] not in (TRACK1_START, TRACK2_START, TRACK3_START_ALT):
                raise LrcMismatch(track=number)
        found.append((number, data, check))
    return found


def parse_swipe(text: str, *, require_luhn: bool = True) -> SwipeData:
    tracks: dict[int, str] = {}
    read_errors = []
    for number, data, _ in split_tracks(text):
        if data == "E":
            read_errors.append(number)
            continue
        allowed = TRACK1_CHARS if number == 1 else TRACK2_CHARS
        if any(ch not in allowed for ch in data) or (number == 1 and "%" in data):
            if number == 1 and "&" in data and "^" not in data:
                raise ReaderLayoutError(found="&", expected="^")
            raise BadTrackCharacters(track=number)
        tracks[number] = data
    if not tracks:
        raise TrackReadError(track=",".join(map(str, read_errors)) or "?")
    swipe = _from_track2(tracks) if 2 in tracks else None
    if 1 in tracks:
        swipe = _from_track1(tracks, fallback=swipe)
    if swipe is None:
        raise TrackReadError(track="1,2")
    if require_luhn and not luhn_ok(swipe.pan):
        raise LuhnFailed()
    return swipe


def _from_track2(tracks: dict[int, str]) -> SwipeData:
    pan, separator, rest = tracks[2].partition("=")
    if not separator or not pan.isdigit() or not 8 <= len(pan) <= 19:
        raise BadTrackCharacters(track=2)
    return SwipeData(pan=pan, expiry=rest[:4], service_code=rest[4:7], tracks=dict(tracks))


def _from_track1(tracks: dict[int, str], fallback: SwipeData | None) -> SwipeData:
    data = tracks[1]
    if not data.startswith("B"):
        raise BadTrackCharacters(track=1)
    fields = data[1:].split("^")
    if len(fields) < 3:
        if "&" in data:
            raise ReaderLayoutError(found="&", expected="^")
        raise BadTrackCharacters(track=1)
    pan, name, rest = fields[0], fields[1].strip(), "^".join(fields[2:])
    if not pan.isdigit() or not 8 <= len(pan) <= 19:
        raise BadTrackCharacters(track=1)
    if fallback is not None and fallback.pan != pan:
        raise BadTrackCharacters(track=1)
    return SwipeData(pan=pan, name=_readable_name(name), expiry=rest[:4],
                     service_code=rest[4:7], tracks=dict(tracks))


def _readable_name(name: str) -> str:
    """'ZHANG/WEI' -> 'WEI ZHANG'."""
    surname, _, given = name.partition("/")
    return f"{given.strip()} {surname.strip()}".strip() if given else surname.strip()


# Two-character surnames (复姓) that come first in a name: 欧阳娜娜 -> OUYANG/NANA.
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "尉迟",
                     "公孙", "长孙", "夏侯", "司徒", "宇文", "端木", "南宫", "独孤", "轩辕",
                     "澹台", "呼延", "赫连", "申屠", "闻人", "万俟", "钟离", "西门")
TRACK1_NAME_LENGTH = 26


def track_name(name: str) -> str:
    """The holder's name as track 1 holds it (ISO 7813: SURNAME/GIVEN, 6-bit characters,
    at most 26): a Chinese name in pinyin, 张三丰 -> ZHANG/SANFENG; a Latin name
    'Alice Smith' -> SMITH/ALICE. Characters a track cannot hold are left out."""
    name = " ".join(name.split())
    if not name:
        return ""
    if any(ord(char) > 0x7F for char in name):
        surname_length = 2 if name[:2] in COMPOUND_SURNAMES else 1
        surname, given = _pinyin(name[:surname_length]), _pinyin(name[surname_length:])
    else:
        *given_parts, surname = name.split(" ")
        given = " ".join(given_parts)
    text = f"{surname}/{given}" if given else surname
    allowed = TRACK1_CHARS - {"^", "%", "?"}
    return "".join(char for char in text.upper() if char in allowed)[:TRACK1_NAME_LENGTH]


def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin  # only when a card is written
    return "".join(part for part in lazy_pinyin(text) if part.isascii() and part.isalpha())


def build_tracks(pan: str, name: str = "", expiry: str = "", service_code: str = "101",
                 discretionary: str = "") -> tuple[str, str]:
    """Track 1 and track 2 data (without sentinels) for writing a card."""
    track1 = f"B{pan}^{name.upper()[:26]}^{expiry}{service_code}{discretionary}"
    track2 = f"{pan}={expiry}{service_code}{discretionary}"
    return track1, track2


def swipe_text(pan: str, name: str = "", expiry: str = "", with_lrc: bool = False) -> str:
    """What a keyboard-wedge reader types for such a card (the demo's simulated swipe)."""
    track1, track2 = build_tracks(pan, name, expiry)
    parts = []
    for number, start, data in ((1, TRACK1_START, track1), (2, TRACK2_START, track2)):
        framed = start + data + END
        parts.append(framed + (lrc(framed, number) if with_lrc else ""))
    return "".join(parts)
