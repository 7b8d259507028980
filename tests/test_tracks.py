import pytest
from hypothesis import given, strategies as st

from kiosk.hw import tracks
from kiosk.hw.tracks import (BadTrackCharacters, EmptySwipe, LrcMismatch, LuhnFailed,
                             NoEndSentinel, ReaderLayoutError, SwipeError, TrackReadError,
                             parse_swipe, swipe_text)

PAN = "8888000000000018"


def test_both_tracks():
    swipe = parse_swipe(f"%B{PAN}^ZHANG/WEI^2912101123?;{PAN}=2912101123?\r")
    assert (swipe.pan, swipe.name, swipe.expiry, swipe.service_code) == (
        PAN, "WEI ZHANG", "2912", "101")
    assert set(swipe.tracks) == {1, 2}


def test_track2_only_and_track3():
    swipe = parse_swipe(f";{PAN}=2912101?;0123456789?")
    assert swipe.pan == PAN and swipe.tracks[3] == "0123456789"


def test_with_lrc():
    assert parse_swipe(swipe_text(PAN, "ZHANG/WEI", "2912", with_lrc=True)).pan == PAN


def test_lrc_mismatch():
    framed = f";{PAN}=2912101?"
    wrong = chr(ord(tracks.lrc(framed, 2)) ^ 1)
    if wrong in "%;+":
        wrong = "0" if tracks.lrc(framed, 2) != "0" else "1"
    with pytest.raises(LrcMismatch):
        parse_swipe(framed + wrong)


@pytest.mark.parametrize("text, error", [
    ("", EmptySwipe), (f";{PAN}=2912101", NoEndSentinel), (f";{PAN}A=2912?", BadTrackCharacters),
    ("%E?;E?", TrackReadError), (";8888000000000017=2912101?", LuhnFailed),
    (f"%B{PAN}&ZHANG/WEI&2912101?", ReaderLayoutError), ("x;123?", BadTrackCharacters)])
def test_specific_errors(text, error):
    with pytest.raises(error):
        parse_swipe(text)


def test_a_read_error_on_one_track_still_reads_the_other():
    assert parse_swipe(f"%E?;{PAN}=2912101?").pan == PAN


def test_luhn_can_be_off_for_products_without_it():
    assert parse_swipe(";1234567890=2912?", require_luhn=False).pan == "1234567890"


@given(st.text(max_size=120))
def test_any_input_parses_or_gives_a_swipe_error(text):
    try:
        parse_swipe(text)
    except SwipeError:
        pass


@given(st.from_regex(r"8888[0-9]{11}", fullmatch=True), st.booleans())
def test_generated_cards_round_trip(stem, with_lrc):
    pan = tracks.luhn_complete(stem)
    assert parse_swipe(swipe_text(pan, "LI/NA", "3001", with_lrc=with_lrc)).pan == pan
