"""Telling a keyboard-wedge card swipe from a person typing.

A reader types `%...?;...?` + Enter faster than any person (a few ms a key). The
detector holds back a key that could start a swipe (a start sentinel); while the
following keys keep arriving within `max_gap` seconds it keeps holding them. Enter
inside such a burst completes a swipe. If the burst stops early, a short run is
released as ordinary typing (someone typed ';' by hand) and a long run is reported
as a cut-off swipe, so a half-read card never lands in a text field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

START_SENTINELS = frozenset("%;+")
ENTER_KEYS = frozenset({"\r", "\n"})
# A run this long that stops without Enter is a swipe that went wrong, not typing.
MIN_BROKEN_SWIPE = 6


class Verdict(Enum):
    PASS = "pass"          # an ordinary key: deliver it
    HOLD = "hold"          # part of a possible swipe: swallow it for now
    SWIPE = "swipe"        # a swipe completed: `text` holds it
    RELEASE = "release"    # not a swipe after all: deliver `held` keys, then this one
    BROKEN = "broken"      # a burst that stopped without Enter: `text` holds what came


@dataclass
class Decision:
    verdict: Verdict
    text: str = ""
    held: list = field(default_factory=list)


class SwipeDetector:
    def __init__(self, max_gap: float = 0.05) -> None:
        self.max_gap = max_gap
        self._held: list = []        # whatever the caller passed in (events or characters)
        self._text: list[str] = []
        self._last = 0.0

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def feed(self, character: str | None, when: float, item=None) -> Decision:
        """One key: `character` is its printable character (None for keys like F2),
        `when` a monotonic time in seconds, `item` what to hand back if released."""
        item = character if item is None else item
        if self._held and when - self._last > self.max_gap:
            stale = self._flush()
            if stale.verdict is Verdict.BROKEN:
                return stale
            follow = self.feed(character, when, item)
            if follow.verdict is Verdict.PASS:
                return Decision(Verdict.RELEASE, held=stale.held + [item])
            if follow.verdict is Verdict.HOLD:
                return Decision(Verdict.RELEASE, held=stale.held)  # and hold the new start
            return follow
        if not self._held:
            if character is not None and character in START_SENTINELS:
                self._start(character, when, item)
                return Decision(Verdict.HOLD)
            return Decision(Verdict.PASS)
        if character in ENTER_KEYS:
            text = "".join(self._text)
            self._reset()
            return Decision(Verdict.SWIPE, text=text)
        if character is None:  # a function key in the middle: a person, not a reader
            released = self._held + [item]
            self._reset()
            return Decision(Verdict.RELEASE, held=released)
        self._held.append(item)
        self._text.append(character)
        self._last = when
        return Decision(Verdict.HOLD)

    def poll(self, now: float) -> Decision:
        """Called from a timer: a burst that has gone quiet is resolved."""
        if self._held and now - self._last > self.max_gap:
            return self._flush()
        return Decision(Verdict.PASS)

    def _start(self, character: str, when: float, item) -> None:
        self._held, self._text, self._last = [item], [character], when

    def _flush(self) -> Decision:
        held, text = self._held, "".join(self._text)
        self._reset()
        if len(text) >= MIN_BROKEN_SWIPE:
            return Decision(Verdict.BROKEN, text=text)
        return Decision(Verdict.RELEASE, held=held)

    def _reset(self) -> None:
        self._held, self._text = [], []
