"""The demo's card reader types a swipe as key events Textual would send."""

from textual.keys import _character_to_key  # only here, to compare with Textual's own

from kiosk.app import _key_name


def test_the_demo_reader_names_keys_as_textual_does():
    for character in "%^;?=/ 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.-_":
        assert _key_name(character) == _character_to_key(character)


async def test_the_swipe_detector_is_polled_only_while_it_holds_keys(tmp_path):
    from tests.app_helpers import make_app, seeded_runtime, wait_until
    app = make_app(seeded_runtime(tmp_path))
    polls = []
    async with app.run_test(size=(80, 24)) as pilot:
        poll = app.detector.poll
        app.detector.poll = lambda now: polls.append(now) or poll(now)
        await pilot.pause(0.3)
        assert polls == []  # an idle terminal sleeps
        await pilot.press("%", "B")  # the start of a burst: held, polled for its end
        await wait_until(pilot, lambda: not app.detector.holding, "the burst released")
        assert polls
        polls.clear()
        await pilot.pause(0.3)
        assert polls == []
