"""The SMS gateway program gets the verification code on stdin and the phone in its
environment, never on its command line (world-readable in /proc/<pid>/cmdline)."""

import sys
import textwrap
import threading
import time

import pytest

from kiosk.config import DeviceConfig
from kiosk.hw.sms import make_code_sender

GATEWAY = textwrap.dedent("""
    import os, sys, time
    received = sys.stdin.buffer.read().decode("utf-8")
    with open(sys.argv[1] + "/received", "w", encoding="utf-8") as handle:
        handle.write(os.environ["KIOSK_SMS_PHONE"] + "|" + received)
    with open(sys.argv[1] + "/pid.tmp", "w") as handle:
        handle.write(str(os.getpid()))
    os.replace(sys.argv[1] + "/pid.tmp", sys.argv[1] + "/pid")
    while not os.path.exists(sys.argv[1] + "/release"):  # sleeps until the test has looked
        time.sleep(0.01)
""")


def wait_for(path, seconds=20):
    """A hang guard: the child never wrote `path`."""
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"the gateway never wrote {path.name}")
        time.sleep(0.01)


def test_the_code_is_never_on_the_gateways_command_line(tmp_path):
    script = tmp_path / "send-sms.py"
    script.write_text(GATEWAY, encoding="utf-8")
    sender = make_code_sender(DeviceConfig("command", {
        "command": [sys.executable, str(script), str(tmp_path)]}))
    text = "【会员中心】您的实体卡迁移验证码为482913，10分钟内有效。"
    failures = []

    def send():
        try:
            sender.send("13800138000", text)
        except Exception as error:  # judged below
            failures.append(error)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    try:
        wait_for(tmp_path / "pid")
        pid = int((tmp_path / "pid").read_text())
        command_line = open(f"/proc/{pid}/cmdline", "rb").read().decode("utf-8", "replace")
        assert "482913" not in command_line and "13800138000" not in command_line
        assert str(script) in command_line  # it is the gateway's own, read while it sleeps
    finally:
        (tmp_path / "release").touch()
        thread.join(20)
    assert not thread.is_alive() and failures == []
    assert (tmp_path / "received").read_text(encoding="utf-8") == f"13800138000|{text}"


def test_the_gateway_environment_keeps_the_kiosks_own(tmp_path, monkeypatch):
    monkeypatch.setenv("SMS_GATEWAY_TOKEN", "from-the-service-unit")
    script = tmp_path / "env.py"
    script.write_text("import os, sys\nsys.stdin.read()\nopen(sys.argv[1], 'w').write("
                      "os.environ['SMS_GATEWAY_TOKEN'])\n", encoding="utf-8")
    out = tmp_path / "token"
    make_code_sender(DeviceConfig("command", {"command": [sys.executable, str(script),
                                                         str(out)]})).send("13800138000", "x")
    assert out.read_text() == "from-the-service-unit"
