"""One typed settings object: defaults, then <home>/kiosk.toml, then KIOSK_* variables.

The data directory (KIOSK_HOME) holds the database, the pepper key, the config,
the log and the receipts. Nothing here touches the database.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import platformdirs

from kiosk.errors import InvalidInput, N_

APP_NAME = "kiosk"


@dataclass(frozen=True)
class DeviceConfig:
    """One device section: `driver` picks the implementation, the rest is its options."""

    driver: str = "none"
    options: dict = field(default_factory=dict)


DEFAULT_CHANNELS = {
    "taikang": {"order_no": "渠道订单号", "amount": "结算金额", "issuer": "泰康",
                "title": "泰康渠道"},
}
# The order list (the channel's orders to redeem at the counter) names its columns with
# order_file_*; by default as the statement does, and the outlet column 门店编码 if present.
# An amount may be several purchase price columns added up: "微医保+支付宝+现金券本金".
ORDER_FILE_KEYS = {"order_file_no", "order_file_amount", "order_file_outlet"}
CHANNEL_KEYS = {"order_no", "amount", "issuer", "title"} | ORDER_FILE_KEYS
DEFAULT_ORDER_FILE_OUTLET = "门店编码"


def order_file_columns(section: dict) -> dict[str, str]:
    """The column names of a channel's order list: order_no, amount and outlet."""
    return {"order_no": section.get("order_file_no", section["order_no"]),
            "amount": section.get("order_file_amount", section["amount"]),
            "outlet": section.get("order_file_outlet", DEFAULT_ORDER_FILE_OUTLET)}


@dataclass(frozen=True)
class Settings:
    home: Path
    db_url: str
    # A read replica of the store (--read-db, KIOSK_READ_DB): the reports read there, and
    # the app's journal screens and ledgers; never a decision about money.
    read_db_url: str | None = None
    language: str = "zh_CN"
    outlet_code: str = ""
    terminal_code: str = "T01"
    kiosk_mode: bool = True
    idle_timeout_seconds: int = 90
    idle_lock_seconds: int = 300  # a logged-in terminal left alone locks; 0: never
    swipe_key_gap_ms: int = 50
    receipt_encoding: str = "gb18030"
    receipt_columns: int = 32
    time_zone: str = "Asia/Shanghai"
    day_boundary: str = "04:00"
    # argon2 cost: kept in the settings so tests can run cheaply; the hash records
    # its own parameters, so changing them never breaks existing hashes.
    hash_time_cost: int = 2
    hash_memory_kib: int = 19456
    theme: str = "kiosk"
    # The store POS's payment endpoint (docs/pos-api.md): "[host:]port", the host
    # 127.0.0.1 unless named; empty: not served.
    pos_listen: str = ""
    # A batch recharge line or list above these is refused: most likely a typo.
    batch_line_max_yuan: int = 50_000
    batch_list_max_yuan: int = 5_000_000
    printer: DeviceConfig = DeviceConfig("sim")
    swipe: DeviceConfig = DeviceConfig("keyboard")
    writer: DeviceConfig = DeviceConfig("none")
    pcsc: DeviceConfig = DeviceConfig("none")
    sms: DeviceConfig = DeviceConfig("none")  # sends members' verification codes
    # Channel statements: [channels.NAME] order_no = "<column>", amount = "<column>",
    # and optionally title = "<name people read>", issuer = "<card issuer>" to count only
    # that issuer's charges, and
    # order_file_no / order_file_amount / order_file_outlet for its order list.
    channels: dict = field(default_factory=lambda: dict(DEFAULT_CHANNELS))

    def channel_title(self, name: str) -> str:
        """What a person calls the channel: its title, else its issuer, else its key."""
        section = self.channels.get(name, {})
        return section.get("title") or section.get("issuer") or name

    @property
    def pepper_path(self) -> Path:
        return Path(os.environ.get("KIOSK_PEPPER_FILE") or self.home / "pepper.key")

    @property
    def receipts_dir(self) -> Path:
        return self.home / "receipts"

    @property
    def log_path(self) -> Path:
        return self.home / "kiosk.log"


_ENV_FIELDS = {
    "KIOSK_LANG": ("language", str),
    "KIOSK_OUTLET": ("outlet_code", str),
    "KIOSK_TERMINAL": ("terminal_code", str),
    "KIOSK_MODE": ("kiosk_mode", lambda v: v.lower() not in ("0", "false", "no", "off")),
    "KIOSK_IDLE_TIMEOUT": ("idle_timeout_seconds", int),
    "KIOSK_IDLE_LOCK": ("idle_lock_seconds", int),
    "KIOSK_HASH_TIME_COST": ("hash_time_cost", int),
    "KIOSK_HASH_MEMORY_KIB": ("hash_memory_kib", int),
    "KIOSK_THEME": ("theme", str),
    "KIOSK_POS_LISTEN": ("pos_listen", str),
}


def default_home() -> Path:
    return Path(os.environ.get("KIOSK_HOME") or platformdirs.user_data_dir(APP_NAME))


def default_db_url(home: Path) -> str:
    return f"sqlite:///{home / 'kiosk.db'}"


def load_settings(home: Path | None = None, db_url: str | None = None,
                  config_file: Path | None = None, read_db_url: str | None = None
                  ) -> Settings:
    home = Path(home) if home else default_home()
    settings = Settings(home=home, db_url=default_db_url(home))
    path = config_file or home / "kiosk.toml"
    if path.exists():
        settings = _apply_file(settings, path)
    settings = _apply_environment(settings)
    if db_url or os.environ.get("KIOSK_DB"):
        settings = replace(settings, db_url=db_url or os.environ["KIOSK_DB"])
    if read_db_url or os.environ.get("KIOSK_READ_DB"):
        settings = replace(settings, read_db_url=read_db_url or os.environ["KIOSK_READ_DB"])
    return settings


def _apply_file(settings: Settings, path: Path) -> Settings:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(N_("The config file {path} is not valid TOML: {reason}"),
                           path=str(path), reason=str(error)) from None
    known = {f.name: f for f in fields(Settings)}
    changes: dict = {}
    for key, value in data.items():
        if key == "devices":
            changes.update(_device_sections(value, path))
        elif key == "channels":
            changes["channels"] = {**DEFAULT_CHANNELS, **_channel_sections(value, path)}
        elif key in known and key != "home":
            changes[key] = _typed(known[key], value, path)
        else:
            raise InvalidInput(N_("Unknown setting '{key}' in {path}."), key=key, path=str(path))
    return replace(settings, **changes)


def _typed(spec, value, path: Path):
    expected = {"str": str, "int": int, "bool": bool}.get(str(spec.type))
    if expected is not None and (type(value) is not expected):
        raise InvalidInput(N_("Setting '{key}' in {path} must be a {kind}."),
                           key=spec.name, path=str(path), kind=expected.__name__)
    return value


def _channel_sections(value, path: Path) -> dict:
    if not isinstance(value, dict):
        raise InvalidInput(N_("[channels] in {path} must be a table."), path=str(path))
    for name, section in value.items():
        if (not isinstance(section, dict) or not {"order_no", "amount"} <= set(section)
                or set(section) - CHANNEL_KEYS
                or not all(isinstance(v, str) for v in section.values())):
            raise InvalidInput(N_("[channels.{key}] in {path} needs order_no and amount "
                                  "column names (and may name an issuer and the order "
                                  "list's order_file_no, order_file_amount and "
                                  "order_file_outlet columns)."),
                               key=name, path=str(path))
    return value


def _device_sections(value, path: Path) -> dict:
    if not isinstance(value, dict):
        raise InvalidInput(N_("[devices] in {path} must be a table."), path=str(path))
    devices = {}
    for name, section in value.items():
        if name not in ("printer", "swipe", "writer", "pcsc", "sms") or not isinstance(section, dict):
            raise InvalidInput(N_("Unknown device section '{key}' in {path}."),
                               key=name, path=str(path))
        options = dict(section)
        driver = options.pop("driver", "none")
        if not isinstance(driver, str):
            raise InvalidInput(N_("[devices.{key}] driver in {path} must be a name in quotes."),
                               key=name, path=str(path))
        devices[name] = DeviceConfig(driver, options)
    return devices


def _apply_environment(settings: Settings) -> Settings:
    changes = {}
    for variable, (name, convert) in _ENV_FIELDS.items():
        if variable in os.environ:
            try:
                changes[name] = convert(os.environ[variable])
            except ValueError:
                raise InvalidInput(N_("{variable} has a value that is not valid."),
                                   variable=variable) from None
    return replace(settings, **changes)


def with_simulated_devices(settings: Settings) -> Settings:
    """The demo and the tests: every device is a simulator behind the same interface."""
    sim = DeviceConfig("sim")
    # The simulated reader hands out a new smart card whenever the member centre binds one.
    return replace(settings, printer=sim, swipe=DeviceConfig("keyboard"), writer=sim,
                   pcsc=DeviceConfig("sim", {"fresh_cards": True}), sms=sim)
