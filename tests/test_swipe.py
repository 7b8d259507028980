"""The demo's card reader types a swipe as key events Textual would send."""

from textual.keys import _character_to_key  # only here, to compare with Textual's own

from kiosk.app import _key_name


def test_the_demo_reader_names_keys_as_textual_does():
    for character in "%^;?=/ 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.-_":
        assert _key_name(character) == _character_to_key(character)
