"""Text measured in terminal and printer cells, not characters: a Chinese character
takes two, so columns padded by characters drift as soon as a name is Chinese."""

from __future__ import annotations

import unicodedata


def cell_width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit(text: str, width: int) -> str:
    """`text` cut to at most `width` cells."""
    if cell_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        size = cell_width(ch)
        if used + size > width:
            break
        out.append(ch)
        used += size
    return "".join(out)


def left(text: str, width: int) -> str:
    """`text` padded on the right to `width` cells (never cut)."""
    return text + " " * max(width - cell_width(text), 0)


def right(text: str, width: int) -> str:
    """`text` padded on the left to `width` cells (never cut)."""
    return " " * max(width - cell_width(text), 0) + text


def wrap(text: str, width: int) -> list[str]:
    """`text` broken into lines of at most `width` cells (at spaces where it can, inside
    a word or between Chinese characters where it must)."""
    lines, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if cell_width(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while cell_width(word) > width:
            piece = fit(word, width)
            lines.append(piece)
            word = word[len(piece):]
        line = word
    lines.append(line)
    return lines
