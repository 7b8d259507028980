"""Every unexpected failure is in kiosk.log as one JSON line a support person finds by
the reference the person at the terminal was given: with its traceback and what was
being done, by whom, where; never a typed secret. The app and the CLI."""

import json

import peewee
import pytest

from kiosk.app import UnexpectedFailure
from kiosk.screens.start import StartScreen
from kiosk.services import charge as charging
from tests.app_helpers import press_keys
from tests.app_helpers import (log_in, make_app, message_text, seeded_runtime,
                               wait_for_message)
from tests.conftest import SV_CARD
from tests.test_cli_errors import assert_refused, home, kiosk, template  # noqa: F401 (fixtures)


def logged(log_path, reference: str) -> dict:
    """The one line of kiosk.log with this reference."""
    lines = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines()]
    [line] = [line for line in lines if line.get("reference") == reference]
    return line


def reference_in(text: str) -> str:
    return text.split("(reference ")[1][:8]


@pytest.mark.parametrize("error, shown_first", [
    (ZeroDivisionError("a bug"), "Unexpected error (reference "),
    (peewee.ProgrammingError('relation "card" does not exist'), "The database"),
])
async def test_a_failure_in_a_service_call_is_shown_with_a_reference(tmp_path, monkeypatch,
                                                                     error, shown_first):
    runtime = seeded_runtime(tmp_path)

    def broken(*args, **kwargs):
        raise error
    monkeypatch.setattr(charging, "for_sale", broken)
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await press_keys(pilot, *SV_CARD, "enter")
        await wait_for_message(pilot, "(reference ")
        shown = message_text(app)
    assert shown.startswith(shown_first)
    failure = logged(runtime.settings.log_path, reference_in(shown))
    assert f"{type(error).__name__}: {error}" in failure["traceback"]
    assert failure["context"]["call"] == f"{broken.__module__}.{broken.__qualname__}"
    assert failure["context"]["screen"] == "StartScreen" and failure["context"]["outlet"]


async def test_a_failure_in_a_screens_own_handler_is_logged_and_the_terminal_shows_its_reference(
        tmp_path, monkeypatch):
    runtime = seeded_runtime(tmp_path)

    def broken(self, event):
        pin = "123456"  # a local Textual's traceback would have printed
        raise ZeroDivisionError(f"a bug near {len(pin)} digits")
    monkeypatch.setattr(StartScreen, "on_input_submitted", broken)
    app = make_app(runtime)
    with pytest.raises(UnexpectedFailure) as raised:
        async with app.run_test(size=(80, 24)) as pilot:
            await log_in(pilot)
            await press_keys(pilot, *SV_CARD, "enter")
            await pilot.pause()
    shown = str(raised.value)
    assert "Unexpected error (reference " in shown and str(runtime.settings.log_path) in shown
    assert "123456" not in shown and "Traceback" not in shown
    assert isinstance(raised.value.__cause__, ZeroDivisionError)
    failure = logged(runtime.settings.log_path, reference_in(shown))
    assert "ZeroDivisionError: a bug near 6 digits" in failure["traceback"]
    assert "123456" not in json.dumps(failure)  # the traceback carries no locals
    assert failure["context"]["screen"] == "StartScreen" and failure["context"]["operator"]


def test_the_clis_unexpected_failure_is_a_json_line_with_its_context(home, monkeypatch):  # noqa: F811
    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")
    monkeypatch.setattr("kiosk.services.verify.verify", broken)
    result = kiosk("--home", str(home), "verify", env={"KIOSK_OPERATOR": "finance1"})
    assert_refused(result, "Unexpected error (reference ", str(home / "kiosk.log"))
    failure = logged(home / "kiosk.log", reference_in(result.stderr))
    assert failure["level"] == "ERROR" and "ZeroDivisionError: a bug" in failure["traceback"]
    assert failure["context"]["command"] == "kiosk verify"
    assert failure["context"]["operator"] == "finance1"


def test_the_clis_store_failure_says_what_it_means_with_a_reference(home, monkeypatch):  # noqa: F811
    def broken(*args, **kwargs):
        raise peewee.OperationalError("disk I/O error")
    monkeypatch.setattr("kiosk.services.verify.verify", broken)
    result = kiosk("--home", str(home), "verify")
    assert_refused(result, "(reference ")
    failure = logged(home / "kiosk.log", reference_in(result.stderr))
    assert "OperationalError: disk I/O error" in failure["traceback"]
    assert failure["context"]["meaning"] and failure["context"]["store"].startswith("sqlite")
