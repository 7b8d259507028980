"""A table for finance, kept typed until it is shown or saved: column titles and label
cells are message ids and money is fen, so a Chinese screen, a Chinese workbook and an
English terminal each get their own words, and a workbook gets numbers it can add up."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kiosk.money import FEN_PER_YUAN, plain_yuan

TEXT, MONEY, LABEL = "text", "money", "label"  # label: a message id, translated when shown


@dataclass(frozen=True)
class Column:
    title: str  # a message id
    kind: str = TEXT


@dataclass(frozen=True)
class Table:
    title: str  # a message id: the workbook's sheet name
    columns: tuple[Column, ...]
    rows: list[tuple] = field(default_factory=list)

    def header(self, translate) -> list[str]:
        return [translate(column.title) for column in self.columns]

    def shown(self, translate) -> list[list[str]]:
        """Header and rows as text, for a screen, a terminal or a CSV file."""
        return [self.header(translate)] + [
            [_text(column.kind, value, translate) for column, value in zip(self.columns, row)]
            for row in self.rows]

    def typed(self, translate) -> list[list]:
        """Rows with money as exact decimal yuan (numbers in a workbook), labels translated."""
        return [[_typed(column.kind, value, translate)
                 for column, value in zip(self.columns, row)] for row in self.rows]

    def money_columns(self) -> list[int]:
        return [index for index, column in enumerate(self.columns) if column.kind == MONEY]


def _text(kind: str, value, translate) -> str:
    if value is None:
        return ""
    if kind == MONEY:
        return plain_yuan(value)
    if kind == LABEL:
        return translate(value)
    return str(value)


def _typed(kind: str, value, translate):
    if value is None:
        return None
    if kind == MONEY:
        return Decimal(value) / FEN_PER_YUAN
    if kind == LABEL:
        return translate(value)
    return value
