"""Keys typed at the terminal while the kiosk starts never reach the login screen (a
password typed ahead would show in clear in the login id field)."""

from __future__ import annotations

import os
import select

from kiosk.cli import drop_keys_typed_ahead


def test_keys_typed_before_the_screen_are_dropped():
    leader, follower = os.openpty()
    try:
        os.write(leader, b"cashier1\nCashier123\n")
        with os.fdopen(os.dup(follower), "rb", buffering=0) as terminal:
            assert select.select([terminal], [], [], 1)[0]  # the keys wait to be read
            drop_keys_typed_ahead(terminal)
            assert not select.select([terminal], [], [], 0.2)[0]
    finally:
        os.close(leader)
        os.close(follower)


def test_a_stream_that_is_not_a_terminal_is_left_alone(tmp_path):
    path = tmp_path / "input"
    path.write_bytes(b"scripted")
    with path.open("rb") as stream:
        drop_keys_typed_ahead(stream)
        assert stream.read() == b"scripted"
