"""The CLI's one error boundary: every command, run on a bad store, home, pepper key or
output folder, answers with a message and exit status 2; never a traceback. The table
of commands is checked against the CLI itself, so a new command needs its case here."""

import glob
import os
import shutil
import subprocess

import click
import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk.store import db, models, schema
from tests.conftest import PG_URL, need, pg_reachable

CHEAP = {"KIOSK_HASH_TIME_COST": "1", "KIOSK_HASH_MEMORY_KIB": "64", "KIOSK_LANG": "en",
         "KIOSK_DB": None, "KIOSK_HOME": None, "KIOSK_PEPPER_FILE": None,
         # commands that change things log in as an operator: the demo's administrator
         "KIOSK_OUTLET": "31010001", "KIOSK_OPERATOR": "admin1",
         "KIOSK_OPERATOR_PASSWORD": "Admin1234"}

# Every command, with arguments that get it as far as opening the store.
COMMANDS = {
    "init": ["init"],
    "setup": ["setup", "--outlet-code", "10000001", "--outlet-name", "总店", "--admin-login",
              "admin", "--admin-name", "管理员"],
    "seed-demo": ["seed-demo"],
    "verify": ["verify"],
    "export": ["export", "--date", "2026-11-22", "--out", "{tmp}/export"],
    "bench": ["bench", "--busy-day", "--charges", "3", "--seconds", "0.2"],
    "close-day": ["close-day"],
    "close-month": ["close-month", "2026-10"],
    "month-report": ["month-report", "2026-10"],
    "cheque list": ["cheque", "list"],
    "points expire": ["points", "expire", "--date", "2026-11-23"],
    "points review-tiers": ["points", "review-tiers", "--date", "2026-11-23"],
    "cheque clear": ["cheque", "clear", "1"],
    "cheque bounce": ["cheque", "bounce", "1", "--reason", "存款不足"],
    "customer list": ["customer", "list"],
    "customer save": ["customer", "save", "--name", "示范运输有限公司"],
    "customer credit": ["customer", "credit", "100000010001", "--limit", "1000"],
    "customer cards": ["customer", "cards", "100000010001"],
    "customer templates": ["customer", "templates", "100000010001"],
    "customer run-template": ["customer", "run-template", "1"],
    "internal list": ["internal", "list"],
    "admin voucher list": ["admin", "voucher", "list"],
    "admin voucher show": ["admin", "voucher", "show", "recharge"],
    "admin voucher set": ["admin", "voucher", "set", "recharge", "{statement}"],
    "admin voucher reset": ["admin", "voucher", "reset", "recharge"],
    "internal load": ["internal", "load", "8888000000000018", "100"],
    "internal settle": ["internal", "settle", "--all"],
    "ledger daily": ["ledger", "daily", "--from", "2026-11-01", "--to", "2026-11-02"],
    "ledger general": ["ledger", "general", "--date", "2026-11-22"],
    "ledger holders": ["ledger", "holders", "--format", "药房"],
    "legacy list": ["legacy", "list"],
    "legacy record": ["legacy", "record", "6100000000000001"],
    "legacy voucher": ["legacy", "voucher", "6100000000000001", "x.png", "--out", "{tmp}/v.png"],
    "report prepaid": ["report", "prepaid", "--quarter", "2026Q4", "--out", "{tmp}/q.xlsx"],
    "reconcile": ["reconcile", "--channel", "taikang", "--statement", "{statement}"],
    "settlement": ["settlement", "--channel", "taikang", "--in", "2027-01"],
    "admin outlet": ["admin", "outlet", "31010009", "新店"],
    "admin outlet-active": ["admin", "outlet-active", "31010001", "off"],
    "admin open-product": ["admin", "open-product", "31010001", "YB"],
    "admin terminal": ["admin", "terminal", "31010001", "T09"],
    "admin operator": ["admin", "operator", "31010001", "new1", "新人", "cashier"],
    "admin operator-lock": ["admin", "operator-lock", "31010001", "cashier1"],
    "admin reset-password": ["admin", "reset-password", "31010001", "cashier1"],
    "admin login-id": ["admin", "login-id", "31010001", "cashier1", "cashier9"],
    "admin grant": ["admin", "grant", "cashier", "refund"],
    "admin operator-role": ["admin", "operator-role", "31010001", "cashier1", "clerk"],
    "admin operator-active": ["admin", "operator-active", "31010001", "cashier1", "off"],
    "admin terminal-set": ["admin", "terminal-set", "31010001", "T01", "--name", "收银台"],
    "admin tender": ["admin", "tender", "cheque", "支票", "--account", "outlet_cheque"],
    "admin policy": ["admin", "policy", "login_tries", "5"],
    "admin pos add": ["admin", "pos", "add", "31010001", "T02", "POS09"],
    "admin pos token": ["admin", "pos", "token", "POS01"],
    "admin pos active": ["admin", "pos", "active", "POS01", "off"],
    "admin pos list": ["admin", "pos", "list"],
    "ledger stock": ["ledger", "stock"],
    "admin product": ["admin", "product", "SV", "--name", "储值卡"],
    "admin promotion": ["admin", "promotion", "SV", "充1送1", "--min", "1", "--bonus", "1",
                        "--from", "2026-01-01", "--to", "2026-12-31"],
    "channel import": ["channel", "import", "--channel", "taikang", "{statement}"],
    "channel orders": ["channel", "orders", "--channel", "taikang"],
    "channel settleable": ["channel", "settleable", "--channel", "taikang"],
    "channel settle": ["channel", "settle", "--channel", "taikang", "--account", "银行 6225",
                       "TK-0001"],
    "channel paid": ["channel", "paid", "1", "--bank-serial", "B1"],
    "channel statement": ["channel", "statement", "1"],
    "channel report": ["channel", "report", "--channel", "taikang", "--fields", "order_no"],
    "insurer import-cards": ["insurer", "import-cards", "{statement}", "--name", "泰康 11月"],
    "insurer import-loads": ["insurer", "import-loads", "{statement}", "--name", "泰康 11月"],
    "insurer files": ["insurer", "files"],
    "insurer review": ["insurer", "review", "1"],
    "insurer run": ["insurer", "run", "1"],
    "insurer void": ["insurer", "void", "1"],
    "insurer link": ["insurer", "link", "泰康", "--held"],
    "insurer links": ["insurer", "links"],
    "insurer settle": ["insurer", "settle"],
    "stock receive": ["stock", "receive", "--product", "SV", "--prefix", "88880009",
                      "--from", "0000001", "--count", "2"],
    "stock request": ["stock", "request", "--outlet", "31010001", "--product", "SV",
                      "--count", "1"],
    "stock send": ["stock", "send", "1"],
    "stock receive-move": ["stock", "receive-move", "1"],
    "stock cancel": ["stock", "cancel", "1"],
    "stock return": ["stock", "return", "--outlet", "31010001", "--product", "SV",
                     "--count", "1"],
    "stock exchange": ["stock", "exchange", "8888000100000017", "--reason", "坏卡"],
    "stock scrap": ["stock", "scrap", "8888000100000017", "--reason", "坏卡"],
    "stock moves": ["stock", "moves"],
    "stock counts": ["stock", "counts"],
    "verify-export": ["verify-export", "{tmp}"],
    "devices": ["devices", "--sim"],
    "run": ["run", "--sim"],
}
# Commands that never open the store: cases about the store do not concern them.
STORELESS = {"verify-export", "devices", "bench"}
STORE_COMMANDS = sorted(set(COMMANDS) - STORELESS)
WRITERS = sorted(name for name in COMMANDS if name.startswith("admin ")) + [
    "close-day", "close-month", "stock scrap", "channel import", "insurer void"]


def command_names(group: click.Group, prefix: str = "") -> set[str]:
    names = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            names |= command_names(command, f"{prefix}{name} ")
        else:
            names.add(prefix + name)
    return names


def test_the_table_names_every_command():
    assert set(COMMANDS) == command_names(main)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """One seeded store, copied for each case."""
    home = tmp_path_factory.mktemp("template") / "home"
    for args in (["init"], ["seed-demo"]):
        result = CliRunner(env=CHEAP).invoke(main, ["--home", str(home), *args])
        db.close()
        assert result.exit_code == 0, result.output
    return home


@pytest.fixture
def home(template, tmp_path):
    copy = tmp_path / "home"
    shutil.copytree(template, copy)
    return copy


@pytest.fixture(autouse=True)
def no_screen(monkeypatch):
    """`kiosk run` on a store that opens would start the full-screen app."""
    class App:
        return_code = 0

        def run(self):
            click.echo("app started")
    monkeypatch.setattr("kiosk.app.build_app", lambda *args, **kwargs: App())


@pytest.fixture
def read_only():
    """Make paths read-only even for root (chattr +i), undone after the test."""
    made = []

    def make(*paths):
        for path in paths:
            if os.geteuid() == 0:
                done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
                need(done.returncode == 0, f"chattr +i does not work here: {done.stderr!r}")
            else:
                os.chmod(path, os.stat(path).st_mode & ~0o222)
            made.append(path)
    yield make
    for path in reversed(made):
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            os.chmod(path, os.stat(path).st_mode | 0o200)


def kiosk(*args, env=None, input="Onetime123\nOnetime123\n"):
    result = CliRunner(env={**CHEAP, **(env or {})}).invoke(main, list(args), input=input,
                                                           prog_name="kiosk")
    db.close()
    return result


def command_args(name, home, tmp_path):
    statement = glob.glob(str(home / "samples" / "statement-taikang-*.csv"))
    values = {"tmp": str(tmp_path), "statement": statement[0] if statement else "x.csv"}
    return [part.format(**values) for part in COMMANDS[name]]


def assert_refused(result, *fragments, prefix="error: "):
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.startswith(prefix), result.output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


# -- the store's URL ----------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(COMMANDS))
@pytest.mark.parametrize("url", ["garbage", "mysql://kiosk@localhost/kiosk"])
def test_a_url_the_kiosk_cannot_use(name, url, home, tmp_path):
    args = command_args(name, home, tmp_path)
    assert_refused(kiosk("--db", url, "--home", str(home), *args),
                   "is not a database URL the kiosk can use")
    # --db and --home after the command name too
    assert_refused(kiosk(*args, "--db", url, "--home", str(home)),
                   "is not a database URL the kiosk can use")


@pytest.mark.parametrize("name", STORE_COMMANDS + ["bench"])
def test_postgresql_unreachable(name, home, tmp_path):
    url = "postgresql://postgres@127.0.0.1:1/test"
    assert_refused(kiosk("--db", url, "--home", str(home), *command_args(name, home, tmp_path)),
                   "cannot be used", "Connection refused", "--db or KIOSK_DB")


@pytest.mark.parametrize("name", STORE_COMMANDS + ["bench"])
def test_postgresql_unknown_database(name, home, tmp_path):
    need(pg_reachable(), f"PostgreSQL is not reachable at KIOSK_TEST_PG_URL={PG_URL!r}")
    url = PG_URL.rsplit("/", 1)[0] + "/no_such_kiosk_database"
    assert_refused(kiosk("--db", url, "--home", str(home), *command_args(name, home, tmp_path)),
                   "cannot be used", 'database "no_such_kiosk_database" does not exist')


# -- the store's file ---------------------------------------------------------------------
@pytest.mark.parametrize("name", STORE_COMMANDS)
def test_etc_passwd_is_not_a_store(name, home, tmp_path):
    before = open("/etc/passwd", "rb").read()
    assert_refused(kiosk("--db", "sqlite:////etc/passwd", "--home", str(home),
                         *command_args(name, home, tmp_path)),
                   "/etc/passwd is not a kiosk database")
    assert open("/etc/passwd", "rb").read() == before
    assert not glob.glob("/etc/passwd-wal") + glob.glob("/etc/passwd-shm")


def test_bench_takes_only_a_postgresql_url(home, tmp_path):
    assert_refused(kiosk("--db", "sqlite:////etc/passwd", *command_args("bench", home, tmp_path)),
                   "takes a PostgreSQL URL")


@pytest.mark.parametrize("name", STORE_COMMANDS)
def test_a_kiosk_db_that_is_a_text_file(name, home, tmp_path):
    (home / "kiosk.db").write_text("this is not a database\n")
    assert_refused(kiosk("--home", str(home), *command_args(name, home, tmp_path)),
                   "kiosk.db is not a kiosk database")


@pytest.mark.parametrize("name", WRITERS)
def test_a_read_only_kiosk_db(name, home, tmp_path, read_only):
    read_only(home / "kiosk.db")
    assert_refused(kiosk("--home", str(home), *command_args(name, home, tmp_path)),
                   "cannot be written (it is read-only)")


@pytest.mark.parametrize("name", STORE_COMMANDS)
def test_a_missing_sqlite_store_is_not_created(name, home, tmp_path, monkeypatch):
    if name == "init":
        return  # the one command that creates a store
    monkeypatch.chdir(tmp_path)  # sqlite:///a/b/c/kiosk.db is relative to the working folder
    assert_refused(kiosk("--db", "sqlite:///a/b/c/kiosk.db", "--home", str(home),
                         *command_args(name, home, tmp_path)),
                   "There is no database at a/b/c/kiosk.db", "kiosk init")
    assert not (tmp_path / "a").exists()


# -- the home, the pepper key, the output -------------------------------------------------
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_home_pointing_to_a_file(name, home, tmp_path):
    args = command_args(name, home, tmp_path)
    assert_refused(kiosk("--home", str(home / "kiosk.db"), *args), "is a file, not a folder")
    assert_refused(kiosk(*args, env={"KIOSK_HOME": str(home / "pepper.key")}),
                   "is a file, not a folder")


@pytest.mark.parametrize("name", STORE_COMMANDS + ["verify-export"])  # it checks seals
def test_pepper_file_pointing_to_a_folder(name, home, tmp_path):
    assert_refused(kiosk("--home", str(home), *command_args(name, home, tmp_path),
                         env={"KIOSK_PEPPER_FILE": str(tmp_path)}),
                   "pepper key file", "cannot be read")


@pytest.mark.parametrize("name", STORE_COMMANDS)
def test_a_read_only_home(name, home, tmp_path, read_only):
    """A read-only mount: the folder and every file in it."""
    read_only(*home.iterdir(), home)
    result = kiosk("--home", str(home), *command_args(name, home, tmp_path))
    assert "Traceback" not in result.output
    assert result.exit_code == 2 or "app started" in result.output, result.output


def test_a_read_only_home_still_answers_without_its_log(home, tmp_path, read_only):
    store = tmp_path / "store"
    store.mkdir()
    shutil.move(home / "kiosk.db", store / "kiosk.db")
    read_only(*home.iterdir(), home)
    result = kiosk("--home", str(home), "--db", f"sqlite:///{store / 'kiosk.db'}", "verify")
    assert result.exit_code == 0 and result.stdout.endswith("ok\n"), result.output
    assert "kiosk.log cannot be written" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("out, fragment", [
    ("{home}/kiosk.db", "a file is in the way"), ("/proc/kiosk-export", "no such file"),
    ("{readonly}/export", "permission denied")])
def test_export_out_where_it_cannot_write(out, fragment, home, tmp_path, read_only):
    folder = tmp_path / "read-only"
    folder.mkdir()
    read_only(folder)
    out = out.format(home=home, readonly=folder)
    assert_refused(kiosk("--home", str(home), "export", "--date", "2026-11-22", "--out", out),
                   fragment)


# -- schema, dates, languages -------------------------------------------------------------
def set_schema_version(home, version):
    db.connect(f"sqlite:///{home / 'kiosk.db'}")
    models.Meta.update(value=str(version)).where(
        models.Meta.key == schema.SCHEMA_VERSION_KEY).execute()
    db.close()


def test_a_store_newer_than_the_kiosk_says_upgrade_the_kiosk(home, tmp_path):
    set_schema_version(home, schema.LATEST_VERSION + 1)
    for args in (["verify"], ["init"]):
        assert_refused(kiosk("--home", str(home), *args),
                       "this kiosk is older than the database", "Upgrade the kiosk")
    db.connect(f"sqlite:///{home / 'kiosk.db'}")
    assert schema.current_version() == schema.LATEST_VERSION + 1  # init changed nothing
    db.close()


@pytest.mark.parametrize("args", [
    ["export", "--date", "２０２６-11-22", "--out", "{tmp}/e"],
    ["export", "--date", "2026-11-２２", "--out", "{tmp}/e"],
    ["close-day", "--date", "２０２６-11-22"],
    ["ledger", "daily", "--from", "２０２６-11-01", "--to", "2026-11-02"],
    ["ledger", "general", "--date", "2026-1-2"],
    ["close-month", "２０２６-10"],
    ["reconcile", "--channel", "taikang", "--statement", "{tmp}", "--month", "２０２６-10"],
    ["settlement", "--channel", "taikang", "--in", "２０２７-01"],
    ["admin", "promotion", "SV", "x", "--min", "1", "--bonus", "1", "--from", "２０２６-01-01",
     "--to", "2026-12-31"]])
def test_full_width_digits_in_dates_are_refused(args, home, tmp_path):
    args = [part.format(tmp=tmp_path) for part in args]
    assert_refused(kiosk("--home", str(home), *args), "half-width digits")


def test_messages_are_in_the_users_language(home, tmp_path):
    result = kiosk("--home", str(home), "--db", "garbage", "verify",
                   env={"KIOSK_LANG": "zh_CN"})
    assert_refused(result, "不是本系统可用的数据库地址", prefix="错误：")


def test_an_unexpected_failure_has_a_reference_and_its_traceback_is_in_the_log(
        home, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")
    monkeypatch.setattr("kiosk.services.verify.verify", broken)
    result = kiosk("--home", str(home), "verify")
    assert_refused(result, "Unexpected error (reference ", str(home / "kiosk.log"))
    reference = result.stderr.split("(reference ")[1][:8]
    log = (home / "kiosk.log").read_text()
    assert f"kiosk verify failed (reference {reference})" in log
    assert "Traceback" in log and "ZeroDivisionError: a bug" in log


def test_control_characters_in_arguments_are_refused(home):
    assert_refused(kiosk("--home", str(home), "admin", "login-id", "31010001", "cashier1\x00",
                         "x"), "Control characters")


def test_clicks_own_usage_errors_speak_the_kiosks_language(tmp_path):
    from click.testing import CliRunner
    from kiosk.cli import main
    chinese = CliRunner(env={"KIOSK_LANG": ""}).invoke(main, ["--home", str(tmp_path), "nosuch"])
    assert chinese.exit_code == 2 and "没有命令 'nosuch'" in chinese.output
    english = CliRunner(env={"KIOSK_LANG": "en"}).invoke(main, ["--home", str(tmp_path),
                                                                 "nosuch"])
    assert "No such command 'nosuch'" in english.output
