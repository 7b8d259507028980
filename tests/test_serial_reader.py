"""A serial magstripe reader on the far end of a real pty delivers whole swipes."""

import os
import time
import tty

from kiosk.hw.serial_reader import SerialSwipeReader
from kiosk.hw.tracks import parse_swipe, swipe_text

PAN = "8888000000000018"


def wait_for(predicate, timeout=10.0):  # an upper bound, for a loaded machine
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


def test_swipes_arrive_as_lines():
    master, slave = os.openpty()
    tty.setraw(slave)
    swipes = []
    reader = SerialSwipeReader(os.ttyname(slave), 9600, swipes.append).start()
    try:
        assert reader.ready.wait(3)
        text = swipe_text(PAN, "ZHANG/WEI", "2912")
        os.write(master, text[:10].encode())      # a line may arrive in pieces
        time.sleep(0.1)
        os.write(master, text[10:].encode() + b"\r\n" + text.encode() + b"\r")
        assert wait_for(lambda: len(swipes) == 2)
        assert all(parse_swipe(swipe).pan == PAN for swipe in swipes)
    finally:
        reader.stop()
        os.close(master)
        os.close(slave)


def test_a_missing_port_reports_an_error():
    errors = []
    reader = SerialSwipeReader("/dev/nonexistent-tty", 9600, print, errors.append).start()
    assert wait_for(lambda: errors)
    reader.stop()
    assert "failed" in str(errors[0])


def test_kiosk_devices_lists_the_card_reader(tmp_path):
    """The configured swipe reader is listed and probed like every other device."""
    import os
    import tty
    from dataclasses import replace
    from kiosk.config import DeviceConfig, Settings
    from kiosk.hw.devices import build_devices
    master, slave = os.openpty()
    tty.setraw(slave)
    settings = Settings(home=tmp_path, db_url="sqlite://")
    serial = replace(settings, swipe=DeviceConfig("serial", {"device": os.ttyname(slave)}))
    assert build_devices(serial).describe()["swipe"].startswith("ok (serial")
    missing = replace(settings, swipe=DeviceConfig("serial", {"device": "/dev/nonexistent"}))
    assert build_devices(missing).describe()["swipe"].startswith("error")
    assert build_devices(settings).describe()["swipe"].startswith("ok (keyboard wedge")
    os.close(master), os.close(slave)
