from hypothesis import given, strategies as st

from kiosk.hw.swipe import SwipeDetector, Verdict

FAST, SLOW = 0.005, 0.15


def run(detector, text, gap, start=0.0):
    """Feed `text`; return what a text field would receive and any swipe."""
    typed, swipes, when = [], [], start
    for character in text:
        decision = detector.feed(character, when)
        if decision.verdict is Verdict.PASS:
            typed.append(character)
        elif decision.verdict is Verdict.RELEASE:
            typed.extend(decision.held)
        elif decision.verdict is Verdict.SWIPE:
            swipes.append(decision.text)
        elif decision.verdict is Verdict.BROKEN:
            swipes.append(("broken", decision.text))
        when += gap
    final = detector.poll(when + 1)
    if final.verdict is Verdict.RELEASE:
        typed.extend(final.held)
    elif final.verdict is Verdict.BROKEN:
        swipes.append(("broken", final.text))
    return "".join(typed), swipes


def test_a_fast_burst_is_a_swipe_and_types_nothing():
    typed, swipes = run(SwipeDetector(0.05), ";8888000000000018=2912?\r", FAST)
    assert typed == "" and swipes == [";8888000000000018=2912?"]


def test_a_person_typing_a_sentinel_is_not_a_swipe():
    typed, swipes = run(SwipeDetector(0.05), "a;b%c\r", SLOW)
    assert typed == "a;b%c\r" and swipes == []


def test_a_burst_cut_short_is_a_broken_swipe_not_text():
    typed, swipes = run(SwipeDetector(0.05), ";88880000000", FAST)
    assert typed == "" and swipes == [("broken", ";88880000000")]


@given(st.text(alphabet="0123456789;%?=ABC\r", max_size=30))
def test_slow_typing_is_never_a_swipe(text):
    typed, swipes = run(SwipeDetector(0.05), text, SLOW)
    assert typed == text and swipes == []
