"""Compact keyboard forms for the member centre: one line per field (label, then an
input or a choice), Enter moves to the next field and submits on the last one, so a
clerk fills a dozen fields at 80x24 without touching a mouse."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Static

from kiosk.errors import N_, ReviewRequired
from kiosk.money import MoneyError, parse_yuan
from kiosk.screens import registry
from kiosk.screens.base import KioskScreen
from kiosk.tables import TableProblems


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # a message id, translated when shown
    max_length: int = 30
    restrict: str | None = None
    password: bool = False
    value: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, label id): a Choice, not an Input
    # A prefilled value is selected when the field is entered, so typing replaces it;
    # a folder given to start a file name from keeps its text, the cursor at its end.
    extends: bool = False


# Amounts take whatever is typed (a Chinese input method's １２．３０ too): parse_yuan
# says what is wrong with it, where a restriction would drop keys without a word.
MONEY = None
DIGITS = r"[0-9]*"


def path_field(name: str, label: str, value: str = "") -> Field:
    """A file name typed on from the folder it starts with."""
    return Field(name, label, max_length=300, value=value, extends=True)


def mode_field() -> Field:
    """The query screens' switch: store mode (门店模式, this outlet) or unified mode
    (统一模式, the chain; the service asks for a chain-wide right)."""
    from kiosk.services import scope
    return Field("mode", N_("Query mode"), choices=scope.MODES)


def money_field(name: str, label: str, value: str = "") -> Field:
    return Field(name, label, max_length=12, restrict=MONEY, value=value)


def pin_field(name: str, label: str) -> Field:
    return Field(name, label, max_length=6, restrict=DIGITS, password=True)


class Choice(Static, can_focus=True):
    """One of a few values, changed with the arrow keys or the space bar."""

    BINDINGS = [("left", "step(-1)", ""), ("right", "step(1)", ""), ("space", "step(1)", "")]

    def __init__(self, choices: tuple[tuple[str, str], ...], translate, *, value: str = "",
                 id: str | None = None) -> None:
        super().__init__("", id=id, classes="choice")
        self.choices, self.translate = choices, translate
        values = [choice for choice, _ in choices]
        self.index = values.index(value) if value in values else 0

    def on_mount(self) -> None:
        self._show()

    @property
    def value(self) -> str:
        return self.choices[self.index][0]

    @value.setter
    def value(self, value: str) -> None:
        values = [choice for choice, _ in self.choices]
        if value in values:
            self.index = values.index(value)
            self._show()

    def action_step(self, delta: int) -> None:
        self.index = (self.index + delta) % len(self.choices)
        self._show()
        self.post_message(Choice.Changed(self))

    def _show(self) -> None:
        self.update(f"‹ {self.translate(self.choices[self.index][1])} ›")

    class Changed(Message):
        def __init__(self, choice: "Choice") -> None:
            super().__init__()
            self.choice = choice


MAX_PROBLEMS_SHOWN = 5


def problem_lines(tr, error: TableProblems) -> str:
    """The first problems of an imported file, one a line (the rest counted)."""
    lines = [problem.render(tr) for problem in error.problems[:MAX_PROBLEMS_SHOWN]]
    if len(error.problems) > MAX_PROBLEMS_SHOWN:
        lines.append(tr("... and {count} more.").format(
            count=len(error.problems) - MAX_PROBLEMS_SHOWN))
    return "\n".join(lines)


def up_over_table(label: str) -> Binding:
    """Up listed in a form with a table by what it does there (choose a row); in a field
    it still goes to the previous field, as on every form (a key_hint for it would take
    that away: a subclass's binding replaces its base's)."""
    return Binding("up", "app.focus_previous", label, key_display="↑↓")


class FormScreen(KioskScreen):
    """Subclasses give FIELDS (or fields()) and implement submit(). The screen is laid
    out top to bottom: a heading, anything compose_top() adds, the form, a details line
    and, with TABLE, a table filling the rest."""

    FIELDS: list[Field] = []
    # Up and Down move between the fields (a table or a list, when focused, keeps them).
    BINDINGS = [("up", "app.focus_previous", ""), ("down", "app.focus_next", "")]
    HEADING = ""  # a message id; heading() may compute the text instead
    DETAILS = True
    TABLE = False
    SUBMIT_FROM_ANY = False  # Enter in any field submits (search forms)

    def fields(self) -> list[Field]:
        return self.FIELDS

    def heading(self) -> str:
        return self.tr(self.HEADING) if self.HEADING else ""

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        if self.heading():
            yield Static(self.heading(), id="title")
        yield from self.compose_top()
        with Vertical(id="form-area"):
            yield from self.compose_form()
        if self.DETAILS:
            yield Static("", id="details")
        if self.TABLE:
            yield DataTable(id="table", cursor_type="row", zebra_stripes=True)
        yield from self.compose_keys()

    def compose_top(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        # Textual runs this after a subclass's own on_mount (handlers run along the
        # MRO): a screen that focused a field of its choice keeps it.
        fields = self.query("Input, Choice")
        if self.focused is None and fields:
            fields.first().focus()

    def details(self, text: str) -> None:
        self.query_one("#details", Static).update(text)

    def compose_form(self) -> ComposeResult:
        yield from self.form_rows(self.fields())

    def form_rows(self, fields: list[Field]) -> list[Horizontal]:
        """One row per field; also for forms mounted after their data has loaded."""
        return [Horizontal(Label(self.tr(field.label), classes="field-name"),
                           self._editor(field), classes="field") for field in fields]

    def _editor(self, field: Field):
        if field.choices:
            return Choice(field.choices, self.tr, value=field.value, id=field.name)
        return Input(field.value, id=field.name, max_length=field.max_length,
                     restrict=field.restrict, password=field.password, compact=True,
                     select_on_focus=not field.extends)

    def value(self, name: str) -> str:
        widget = self.query_one(f"#{name}")
        return widget.value.strip() if isinstance(widget, Input) else widget.value

    def set_value(self, name: str, value: str) -> None:
        """A value filled in while its field has the focus is selected, as it would be
        on entering the field, so typing replaces it."""
        widget = self.query_one(f"#{name}")
        widget.value = value
        if isinstance(widget, Input) and widget.has_focus and widget.select_on_focus:
            widget.select_all()

    def money(self, name: str, *, allow_zero: bool = False) -> int | None:
        """The field as fen, or None after saying what is wrong with it."""
        try:
            return parse_yuan(self.value(name), allow_zero=allow_zero)
        except MoneyError as error:
            self.refuse_field(f"#{name}", error)
            return None

    def clear_secrets(self) -> None:
        for widget in self.query(Input):
            if widget.password:
                widget.value = ""

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = [widget for widget in self.query("Input, Choice")]
        if event.input is inputs[-1] or self.SUBMIT_FROM_ANY:
            self.submit()
        else:
            self.focus_next()

    def key_enter(self, event) -> None:
        """Enter on a Choice moves on like Enter in an Input (and only once: the key must
        not go on to the Input that now has the focus); on a search form it submits, as
        Enter in any of its fields does."""
        if isinstance(self.focused, Choice):
            event.prevent_default()
            event.stop()
            if self.SUBMIT_FROM_ANY or self.focused is list(self.query("Input, Choice"))[-1]:
                self.submit()
            else:
                self.focus_next()

    def submit(self) -> None:
        raise NotImplementedError

    # -- a service refused: say why, or ask for the review it wants ------------------------
    review = None

    def refused(self, error) -> None:
        """A service call failed: ReviewRequired brings up the review prompt (the form is
        then submitted again with the reviewer); anything else is said, and typed PINs
        and passwords are wiped."""
        if isinstance(error, ReviewRequired):
            self.ask_review(error)
            return
        self.review = None
        self.clear_secrets()
        field = getattr(error, "field", "")
        if field and self.query(f"#{field}"):
            self.refuse_field(f"#{field}", error)  # said, and the cursor on the field at fault
        else:
            self.say_error(error)
        if isinstance(error, TableProblems) and self.DETAILS:
            self.details(problem_lines(self.tr, error))

    def failed(self, error) -> None:
        self.refused(error)

    def ask_review(self, error) -> None:
        """A second operator types their credentials; then the form is submitted again
        with them (the service checks them)."""
        def reviewed(review) -> None:
            if review:
                self.review = review
                self.submit()
        self.app.push_screen(registry.review(None, self.describe(error)), reviewed)
