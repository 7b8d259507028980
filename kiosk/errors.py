"""Errors a person can act on.

Every error the kiosk shows carries an English message id (marked with N_ so the
catalog tools find it) and named parameters. The screen translates the id into
its own language at display time, so services and devices never pick a language.
Parameters must never hold a PIN, a password or the pepper.
"""

from __future__ import annotations

import errno
from contextlib import contextmanager


def N_(message: str) -> str:
    """Mark a message for translation without translating it here."""
    return message


class Phrase(str):
    """A parameter that is itself a message id: translated with the message, so a
    Chinese screen never shows an English word inside a Chinese sentence."""


def translated(params: dict, translate) -> dict:
    """A message's parameters as shown: a Phrase in the message's language."""
    return {name: _shown(value, translate) for name, value in params.items()}


def _shown(value: object, translate) -> object:
    if isinstance(value, KioskError):  # a cause, said in the same language
        return value.render(translate)
    if isinstance(value, Phrase):
        return translate(value)
    if isinstance(value, tuple) and value and all(isinstance(v, Phrase) for v in value):
        return " / ".join(translate(v) for v in value)
    return value


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
        params = translated(self.params, translate)
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text


class NotFound(KioskError):
    default_message = N_("Not found.")


class InvalidInput(KioskError):
    default_message = N_("The input is not valid.")

    def __init__(self, message: str | None = None, *, field: str = "",
                 **params: object) -> None:
        """`field`: the argument at fault; a form with a field of that name puts the
        cursor there (screens/form.py)."""
        self.field = field
        super().__init__(message, **params)


@contextmanager
def fields_named(names: dict[str, str]):
    """A refusal raised inside names its field as the caller's request does (a check
    shared by several requests names the field as its own arguments do)."""
    try:
        yield
    except InvalidInput as refusal:
        refusal.field = names.get(refusal.field, refusal.field)
        raise


class PermissionDenied(KioskError):
    default_message = N_("You are not allowed to do this.")


class StoreUnavailable(KioskError):
    """The database cannot be reached or written right now; nothing was posted."""

    default_message = N_("The database is busy or unreachable; nothing was posted. Try again.")


class ReviewRequired(KioskError):
    """The operation needs a second operator's review (同级复核授权); the screen asks for
    it and calls again with the reviewer's credentials."""

    default_message = N_("{reason}: a second operator must review.")

    def render(self, translate=lambda text: text) -> str:
        """The reason is itself a message id (N_): it is shown in the screen's language
        too."""
        reason = self.params.get("reason")
        if isinstance(reason, str):
            return translate(self.message_id).format(**{**self.params,
                                                        "reason": translate(reason)})
        return super().render(translate)


class DeviceError(KioskError):
    default_message = N_("The device does not answer.")


class Referenced(KioskError):
    """What a failure means to the person (the store is unreachable, a file cannot be
    written), with the reference under which kiosk.log holds its traceback."""

    default_message = N_("{what} (reference {reference})")

    def __init__(self, meaning: KioskError, reference: str) -> None:
        self.meaning = meaning
        super().__init__(reference=reference)

    def render(self, translate=lambda text: text) -> str:
        return translate(self.message_id).format(what=self.meaning.render(translate),
                                                 reference=self.params["reference"])



_PERMISSION_DENIED = N_("Cannot use {path}: permission denied. Check its owner and permissions.")
_OS_MESSAGES = {
    errno.EACCES: _PERMISSION_DENIED,
    errno.EPERM: _PERMISSION_DENIED,
    errno.EROFS: N_("Cannot write {path}: the file system is read-only. Choose another place."),
    errno.ENOENT: N_("Cannot use {path}: there is no such file or folder."),
    errno.ENOTDIR: N_("Cannot use {path}: part of the path is a file, not a folder."),
    errno.EEXIST: N_("Cannot use {path}: a file is in the way where a folder is needed."),
    errno.EISDIR: N_("Cannot use {path}: it is a folder, not a file."),
    errno.ENOSPC: N_("The disk is full (writing {path}): free some space, then try again."),
}


def from_os_error(error: OSError, path: object = "-") -> KioskError:
    """A failed file operation as a message that says what to do about it; `path` names
    the place when the error does not."""
    path = str(error.filename) if error.filename is not None else str(path)
    if error.errno in _OS_MESSAGES:
        return KioskError(_OS_MESSAGES[error.errno], path=path)
    return KioskError(N_("Cannot use {path}: {reason}. Check the path and its permissions."),
                      path=path, reason=error.strerror or str(error))


_SOCKET_MESSAGES = {
    errno.EADDRINUSE: N_("{address} is in use by another program: stop that program or "
                         "choose another port."),
    errno.EACCES: N_("{address} may only be used by the system (ports below 1024): choose "
                     "a port above 1024."),
    errno.EADDRNOTAVAIL: N_("{address} is not an address of this machine: check the host "
                            "part."),
}


def from_socket_error(error: OSError, address: str) -> KioskError:
    """A port that cannot be listened on, said with what to do about it."""
    if error.errno in _SOCKET_MESSAGES:
        return KioskError(_SOCKET_MESSAGES[error.errno], address=address)
    return KioskError(N_("Cannot listen on {address}: {reason}."), address=address,
                      reason=error.strerror or str(error))
