"""Errors a person can act on.

Every error the kiosk shows carries an English message id (marked with N_ so the
catalog tools find it) and named parameters. The screen translates the id into
its own language at display time, so services and devices never pick a language.
Parameters must never hold a PIN, a password or the pepper.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for translation without translating it here."""
    return message


class KioskError(Exception):
    """Base of every error meant for the person at the terminal."""

    default_message = N_("Something went wrong.")

    def __init__(self, message: str | None = None, **params: object) -> None:
        self.message_id = message or self.default_message
        self.params = params
        super().__init__(self.render())

    def render(self, translate=lambda text: text) -> str:
        """The message in a language: `translate` maps the English id to it."""
        text = translate(self.message_id)
        try:
            return text.format(**self.params)
        except (KeyError, IndexError, ValueError):
            return text


class NotFound(KioskError):
    default_message = N_("Not found.")


class InvalidInput(KioskError):
    default_message = N_("The input is not valid.")


class PermissionDenied(KioskError):
    default_message = N_("You are not allowed to do this.")


class StoreUnavailable(KioskError):
    """The database cannot be reached or written right now; nothing was posted."""

    default_message = N_("The database is busy or unreachable; nothing was posted. Try again.")


class ReviewRequired(KioskError):
    """The operation needs a second operator's review (同级复核授权); the screen asks for
    it and calls again with the reviewer's credentials."""

    default_message = N_("{reason}: a second operator must review.")


class DeviceError(KioskError):
    default_message = N_("The device does not answer.")
