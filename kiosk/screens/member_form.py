"""Register a member or edit one; an edit keeps every changed field as history, shown
below the form with the member's cards."""

from __future__ import annotations

from dataclasses import asdict

from textual.binding import Binding
from textual.widgets import Static

from kiosk.errors import N_
from kiosk.screens import registry
from kiosk.screens.base import key_hint
from kiosk.services import card_status
from kiosk.screens.form import Field, FormScreen
from kiosk.services import members
from kiosk.services.members import DuplicatePhone, MemberDetails


class MemberFormScreen(FormScreen):
    FIELDS = [
        Field("name", N_("Name"), members.MAX_NAME),
        # '*' because get() shows both masked; a value left masked stays as it was.
        Field("phone", N_("Phone"), 20, r"[0-9+\- *]*"),
        Field("id_number", N_("ID number"), 18, r"[0-9Xx*]*"),
        Field("level", N_("Level"), 20),
        Field("source", N_("Source"), 30),
        Field("region", N_("Region"), 30),
        Field("tags", N_("Tags"), members.MAX_TAGS),
    ]
    BINDINGS = [key_hint("enter", N_("Next/save")),
                Binding("f7", "confirm_shared_phone", N_("Confirm shared phone")),
                Binding("f8", "reveal", N_("Show in full")), Binding("escape", "back", N_("Back"))]

    def __init__(self, member_id: int | None) -> None:
        super().__init__()
        self.member_id = member_id
        self.shared_phone_confirmed = False
        self.loaded: dict[str, str] = {}  # the record as shown, to tell what was changed

    def heading(self) -> str:
        if self.member_id is None:
            return self.tr("NEW MEMBER")
        return self.tr("MEMBER #{number}").format(number=self.member_id)

    def on_mount(self) -> None:
        if self.member_id is not None:
            # Nothing is typed into a record before it is on screen (it would be
            # overwritten, or mixed with what loads).
            self.query_one("#form-area").disabled = True
            self.say(self.tr("Loading the member..."))
            self.call(self._show, members.get, self.app.session, self.member_id)
        self.query_one("#name").focus()

    def submit(self) -> None:
        details = MemberDetails(**{field.name: self.value(field.name) for field in self.FIELDS})
        if self.member_id is None:
            self.call(self._saved, members.register, self.app.session, details,
                      shared_phone_confirmed=self.shared_phone_confirmed)
        else:
            self.call(self._saved, members.edit, self.app.session, self.member_id, details,
                      shared_phone_confirmed=self.shared_phone_confirmed)

    def action_confirm_shared_phone(self) -> None:
        self.shared_phone_confirmed = True
        self.submit()

    def action_reveal(self) -> None:
        """Phone and ID number in full, for a role allowed to see them (audited)."""
        if self.member_id is not None:
            self.call(self._revealed, members.reveal, self.app.session, self.member_id)

    def failed(self, error) -> None:
        self.refused(error)
        if isinstance(error, DuplicatePhone):
            self.query_one("#phone").focus()

    def _revealed(self, details: MemberDetails) -> None:
        self.set_value("phone", details.phone)
        self.set_value("id_number", details.id_number)
        self.loaded.update(phone=self.value("phone"), id_number=self.value("id_number"))

    def _saved(self, result) -> None:
        member_id = result if self.member_id is None else self.member_id
        self.dismiss((member_id, self.value("name")))

    def _show(self, record: members.MemberRecord) -> None:
        for name, value in asdict(record.details).items():
            self.set_value(name, value)
        self.loaded = self._typed()
        self.query_one("#form-area").disabled = False
        self.query_one("#name").focus()
        self.say("")
        lines = [f"{self.tr('Cards')}: " + ("; ".join(
            f"{number} {product} {self.tr(card_status.NAMES.get(status, status))}"
            for number, product, status in record.cards) or "-")]
        labels = {field.name: field.label for field in self.FIELDS}
        lines += [f"{when} {self.tr(labels.get(field, field))}: {old or '-'} → {new or '-'}"
                  for when, field, old, new in record.history[:4]]
        self.query_one("#details", Static).update("\n".join(lines))

    def _typed(self) -> dict[str, str]:
        return {field.name: self.value(field.name) for field in self.FIELDS}

    def action_back(self) -> None:
        """Esc leaves; what was typed and not saved is lost only after a yes."""
        typed = self._typed()
        if typed == (self.loaded or dict.fromkeys(typed, "")):
            self.dismiss(None)
            return
        self.app.push_screen(registry.confirm(self.tr(
            "Leave without saving? What was typed for this member is lost.")),
            lambda yes: self.dismiss(None) if yes else None)
