"""What batch recharge lists (批量充值清单) and insurers' files share: a file read row by
row, every bad row reported by its line (a file with any bad row imports nothing); a
review by a second operator, never the one who imported it; a run that posts every
line under a key of its own, so a rerun after any interruption posts only the lines
still missing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from kiosk.errors import InvalidInput, KioskError, N_, Phrase
from kiosk.services import audit, operators
from kiosk.services.session import Session
from kiosk.store import models
from kiosk.store import reviewed_lists as list_store
from kiosk.tables import Problem, TableProblems, read_rows

Row = TypeVar("Row")
Line = TypeVar("Line")

STATUS_NAMES = {"draft": N_("draft"), "submitted": N_("submitted"), "reviewed": N_("reviewed"),
                "run": N_("run"), "void": N_("void"), "withdrawn": N_("withdrawn")}


def status_name(status: str) -> Phrase:
    """A list's state for a message, translated with it."""
    return Phrase(STATUS_NAMES.get(status, status))


@dataclass(frozen=True)
class RunReport:
    posted: int
    already_posted: int
    failed: list[tuple[int, KioskError]]  # lines that could not be posted, and why


def checked_rows(path: str | Path, parse_row: Callable[[int, list[str]], tuple[str, Row]], *,
                 header: Callable[[list[str]], bool],
                 store_problems: Callable[[list[Row]], list[Problem]]) -> list[Row]:
    """Every row of the file as `parse_row(line, cells)` makes it: (its card number, the
    row), or a KioskError saying what is wrong with it. A card twice in the file is a
    problem, and so is what `store_problems` finds against the store. TableProblems
    with all of them, by line, if there is any."""
    rows, problems, seen = [], [], {}
    for index, (line, cells) in enumerate(read_rows(path)):
        if index == 0 and header(cells):
            continue
        try:
            number, row = parse_row(line, cells)
        except KioskError as error:
            problems.append(Problem(line, error.message_id, error.params))
            continue
        if number in seen:
            problems.append(Problem(line, N_("card {number} is already on line {first}"),
                                    {"number": number[-4:], "first": seen[number]}))
            continue
        seen[number] = line
        rows.append(row)
    problems += store_problems(rows)
    if problems:
        raise TableProblems(sorted(problems, key=lambda problem: problem.line))
    if not rows:
        raise InvalidInput(N_("The file has no rows to import."))
    return rows


def move(session: Session, row: models.BaseModel, *, allowed: tuple[str, ...], to: str,
         action: str, subject: str, **changes) -> None:
    """The list `row` (read in the caller's transaction) from one of `allowed` to `to`,
    audited; refused if it is in another status, or was moved meanwhile."""
    if row.status not in allowed or not list_store.move_status(
            type(row), row.id, row.status, to, **changes):
        raise InvalidInput(N_("A {status} list cannot do that."),
                           status=status_name(row.status))
    audit.append(session, action, subject=subject, details={"to": to})


def second_operator(session: Session, credentials, permission: str,
                    importer_id: int | None) -> models.Operator:
    """The reviewer: another operator of this outlet with `permission` and the review
    right (their password checked), and not the one who imported the list."""
    reviewer = operators.authorise_review(session, credentials, permission)
    if reviewer.id == importer_id:
        raise InvalidInput(N_("The reviewer must not be the operator who imported the list."))
    return reviewer


def run_lines(lines: Iterable[Line], line_no: Callable[[Line], int],
              post: Callable[[Line], object]) -> RunReport:
    """`post` every line (its result tells whether it was `replayed`); a line refused is
    reported with its reason and the others still run."""
    posted = already = 0
    failed = []
    for line in lines:
        try:
            result = post(line)
        except KioskError as error:
            failed.append((line_no(line), error))
            continue
        if result.replayed:
            already += 1
        else:
            posted += 1
    return RunReport(posted, already, failed)
