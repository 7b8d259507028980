"""The MSR605 protocol against a fake device on the other end of a real pty."""

import pytest

from kiosk.hw.msr import Msr605, ReadBackMismatch, Tracks, WriterError, make_writer
from kiosk.config import DeviceConfig
from kiosk.hw.tracks import build_tracks
from tests.fake_msr605 import FakeMsr605

PAN = "8888000000000018"


@pytest.fixture
def device():
    fake = FakeMsr605()
    yield fake
    fake.close()


def open_writer(fake):
    writer = Msr605.open(fake.device)
    writer.answer_timeout = 10  # an upper bound: a loaded CI machine starts the fake device slowly
    return writer


def test_communication_test_and_reset(device):
    writer = open_writer(device)
    writer.reset()
    writer.test_communication()
    writer.set_coercivity(high=True)
    writer.led("green")
    assert b"\x1ba" in device.commands and b"\x1be" in device.commands


def test_write_then_read_back(device):
    writer = open_writer(device)
    track1, track2 = build_tracks(PAN, "ZHANG/WEI", "2912")
    read_back = writer.write_and_verify(Tracks(track1, track2), swipe_timeout=10)
    assert read_back.normalised() == Tracks(track1, track2)
    assert device.commands[0].startswith(b"\x1bw\x1bs\x1b1B8888")


def test_readback_mismatch_means_not_written(device):
    device.corrupt_readback = True
    writer = open_writer(device)
    with pytest.raises(ReadBackMismatch):
        writer.write_and_verify(Tracks(*build_tracks(PAN)), swipe_timeout=10)


@pytest.mark.parametrize("status, fragment", [(0x31, "read/write error"),
                                              (0x39, "not swiped correctly")])
def test_status_bytes_become_clear_errors(device, status, fragment):
    device.write_status = status
    writer = open_writer(device)
    with pytest.raises(WriterError, match=fragment):
        writer.write(Tracks(*build_tracks(PAN)), swipe_timeout=10)


def test_erase(device):
    open_writer(device).erase((1, 2), swipe_timeout=10)
    assert device.commands[-1] == b"\x1bc\x03"


def test_unplugged_device_is_a_clear_error(device):
    writer = open_writer(device)
    device.close()
    writer.answer_timeout = 0.3
    with pytest.raises(WriterError):
        writer.test_communication()


def test_missing_device_is_a_clear_error():
    writer = make_writer(DeviceConfig("msr605", {"device": "/dev/does-not-exist"}))
    assert "cannot be opened" in writer.probe()
