"""How every `kiosk` command behaves, whatever it does: the files it writes owner-only
(umask 077 from the start, `kiosk run` included), --db and --home before or after its
name, text checked for control characters, dates in half-width digits, and one
error boundary (KioskGroup.invoke): any failure becomes a message in the user's language
saying what to do, on stderr, with exit status 2; the traceback of anything unexpected
goes to kiosk.log under a reference number, never to the terminal."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

import click

from kiosk.config import Settings, default_home, load_settings
from kiosk.errors import InvalidInput, KioskError, N_, Referenced, from_os_error
from kiosk.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translate, translator
from kiosk.logs import FILE_ONLY, report_unexpected, setup_logging

log = logging.getLogger("kiosk.cli")


def _remember(ctx: click.Context, param: click.Parameter, value):
    """--db and --home, wherever they were given, end up in the root context's obj."""
    if value is not None:
        given_options(ctx)[param.name] = value


def _store_options() -> list[click.Option]:
    return [
        click.Option(["--db", "db_url"], metavar="URL", expose_value=False, callback=_remember,
                     help="Database URL (default: SQLite in the data directory; or "
                          "postgresql://...). Env: KIOSK_DB."),
        click.Option(["--read-db", "read_db_url"], metavar="URL", expose_value=False,
                     callback=_remember,
                     help="A read replica of the store: the export and the ledgers read "
                          "there, off the primary, and the app's journal screens. Env: "
                          "KIOSK_READ_DB."),
        click.Option(["--home"], metavar="DIR", expose_value=False, callback=_remember,
                     help="Data directory (database, pepper key, config, receipts). "
                          "Env: KIOSK_HOME."),
    ]


class KioskCommand(click.Command):
    """A command that takes --db and --home too, and refuses control characters (a NUL
    would reach PostgreSQL) in every text it was given."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(_store_options())

    def invoke(self, ctx: click.Context):
        from kiosk.services.bootstrap import check_home
        from kiosk.store.db import check_url
        from kiosk.text import plain_text
        ctx.meta["kiosk.command"] = ctx.command_path  # for the log, if it fails
        ctx.meta["kiosk.options"] = sorted(name for name, value in ctx.params.items()
                                           if value not in (None, False, ()))
        options = given_options(ctx)
        plain_text(*_texts(ctx.params.values()), *options.values())
        for name in ("db_url", "read_db_url"):
            if options.get(name):
                check_url(options[name])
        check_home(Path(options["home"]) if options.get("home") else default_home())
        return super().invoke(ctx)


def _texts(values) -> list[str]:
    texts = []
    for value in values:
        if isinstance(value, (tuple, list)):
            texts += _texts(value)
        elif isinstance(value, (str, Path)):
            texts.append(str(value))
    return texts


class KioskGroup(click.Group):
    command_class = KioskCommand
    group_class = type  # subgroups (admin, ledger) are KioskGroups too

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(_store_options())

    def main(self, *args, **kwargs):
        # Every file the kiosk writes (exports, receipts, reports, ledgers, the log) is
        # the operator's own, whatever the umask of the shell or unit that started it.
        os.umask(0o077)
        arguments = list(kwargs.get("args") or (args[0] if args else sys.argv[1:]) or ())
        _speak_clicks_messages(_translator(_settings_before_parsing(arguments)))
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context):
        if ctx.parent is not None:
            return super().invoke(ctx)
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, EOFError):
            raise  # click's own: usage errors, --help, Ctrl+C, end of input at a prompt
        except Exception as error:
            try:
                _fail(ctx, error)
            except Exception:  # reporting failed too: still no traceback on the terminal
                click.echo(f"error: {type(error).__name__}: {str(error)[:200]}", err=True)
                sys.exit(2)


def _settings_before_parsing(arguments: list[str]) -> Settings | None:
    """The settings a command line will use, read before click parses it (click's own
    usage errors come before any command runs)."""
    home = next((arguments[i + 1] for i, word in enumerate(arguments[:-1])
                 if word == "--home"), None)
    try:
        return load_settings(home=Path(home) if home else None)
    except Exception:  # a broken home is reported by the command itself
        return None


# Click translates its usage messages through gettext; each of its modules bound
# gettext's functions at import, so they are rebound here to the kiosk's catalogue.
_CLICK_MODULES = ("core", "exceptions", "parser", "types", "decorators", "formatting",
                  "termui")


def _speak_clicks_messages(translate: Translate) -> None:
    import importlib
    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = translate
        if hasattr(module, "ngettext"):
            module.ngettext = lambda one, many, count: translate(one if count == 1 else many)


def given_options(ctx: click.Context) -> dict:
    """What was given with --db and --home (keys db_url, home), wherever it was given."""
    return ctx.find_root().ensure_object(dict)


def settings_of(ctx: click.Context) -> Settings:
    """The settings of the store and home the command was given."""
    options = given_options(ctx)
    home = options.get("home")
    return load_settings(home=Path(home) if home else None, db_url=options.get("db_url"),
                         read_db_url=options.get("read_db_url"))


def report_settings_of(ctx: click.Context) -> Settings:
    """The settings a report reads with: the read replica (--read-db or KIOSK_READ_DB)
    when one is given, so the nightly export and the ledgers never load the primary the
    counters write to; otherwise the store itself."""
    settings = settings_of(ctx)
    if settings.read_db_url:
        from kiosk.store.db import check_url
        check_url(settings.read_db_url)
        settings = replace(settings, db_url=settings.read_db_url, read_db_url=None)
    return settings


def _fail(ctx: click.Context, error: Exception) -> NoReturn:
    """Say what went wrong in the user's language, log it, exit 2."""
    try:
        settings = settings_of(ctx)
    except Exception:  # the settings themselves may be what failed
        settings = None
    message, foreseen = _message(error, settings)
    logged = settings is not None and setup_logging(settings.log_path, warn=False)
    command = ctx.meta.get("kiosk.command", "kiosk")
    if foreseen:  # a line in kiosk.log only: the terminal has the message
        log.warning("%s failed: %s", command, message.render(), extra=FILE_ONLY)
    else:
        reference = report_unexpected(log, command, error, _context(ctx, settings, message),
                                      file_only=True)
        message = _unexpected(error, message, reference, settings if logged else None)
    translate = _translator(settings)
    for problem in getattr(error, "problems", ()):  # a file's bad rows, each by its line
        click.echo(problem.render(translate), err=True)
    click.echo(translate(N_("error: {what}")).format(what=message.render(translate)), err=True)
    sys.exit(2)


def translator_of(ctx: click.Context) -> Translate:
    """The language of the store and home the command was given (its settings), else
    KIOSK_LANG, else the default."""
    try:
        settings = settings_of(ctx)
    except Exception:  # the settings themselves may be what failed
        settings = None
    return _translator(settings)


def _translator(settings: Settings | None) -> Translate:
    language = settings.language if settings else os.environ.get("KIOSK_LANG", "")
    return translator(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def _message(error: Exception, settings: Settings | None) -> tuple[KioskError | None, bool]:
    """The error as a message a person can act on, and whether it was foreseen (no
    traceback needed); (None, False) for a failure nobody foresaw."""
    from kiosk.store.failures import STORE_ERRORS, unavailable
    if isinstance(error, KioskError):
        return error, True
    if isinstance(error, OSError):
        return from_os_error(error), False
    if isinstance(error, STORE_ERRORS):
        return unavailable(error, settings.db_url if settings else "-"), False
    return None, False


def _context(ctx: click.Context, settings: Settings | None, message) -> dict:
    """What a support person needs beside the traceback: the command and the options
    given (their names: values may be card numbers), where it ran, as whom; never a
    password (it is never an argument) nor a database password (safe_url)."""
    from kiosk.store.db import safe_url
    return {"command": ctx.meta.get("kiosk.command", "kiosk"),
            "options": ctx.meta.get("kiosk.options", []),
            "meaning": message.render() if message is not None else None,
            "store": safe_url(settings.db_url) if settings else None,
            "outlet": settings.outlet_code if settings else None,
            "terminal": settings.terminal_code if settings else None,
            "operator": os.environ.get("KIOSK_OPERATOR")}


def _unexpected(error, message, reference, settings) -> KioskError:
    if message is not None:  # a file or database failure: the message, and the reference
        return Referenced(message, reference)
    if settings is not None:
        return KioskError(N_("Unexpected error (reference {reference}): the command stopped. "
                             "The details are in {log}; give the reference to support."),
                          reference=reference, log=str(settings.log_path))
    return KioskError(N_("Unexpected error (reference {reference}): the command stopped. The "
                         "log cannot be written, so give support this message: {detail}"),
                      reference=reference, detail=f"{type(error).__name__}: {error}"[:200])


class IsoDate(click.ParamType):
    """YYYY-MM-DD in ASCII digits: full-width ones, typed with a Chinese input method, are
    refused rather than read (strptime took a full-width year)."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise InvalidInput(N_("{option} takes a date written YYYY-MM-DD in half-width digits "
                              "(switch off the Chinese input method), not '{value}'."),
                           option=_option_name(param), value=value[:20])


class Month(click.ParamType):
    """YYYY-MM in ASCII digits."""

    name = "YYYY-MM"

    def convert(self, value, param, ctx):
        match = re.fullmatch(r"[0-9]{4}-([0-9]{2})", value)
        if match and 1 <= int(match.group(1)) <= 12:
            return value
        raise InvalidInput(N_("{option} takes a month written YYYY-MM in half-width digits "
                              "(switch off the Chinese input method), not '{value}'."),
                           option=_option_name(param), value=value[:20])


def _option_name(param: click.Parameter | None) -> str:
    if param is None:
        return ""
    if param.opts and param.opts[0].startswith("-"):
        return param.opts[0]
    return param.human_readable_name
