"""Opening a store: only `kiosk init` creates one, and a store that cannot be opened
says why and what to check, before SQLite or the driver is handed anything odd."""

import os
import stat

import pytest

from kiosk.errors import KioskError, NotFound
from kiosk.services.bootstrap import SchemaNewer, open_runtime
from kiosk.services.secrets import PepperError
from kiosk.store import db, models, schema
from tests.conftest import finishes, make_settings


def test_only_init_creates_a_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # sqlite:///a/b/c/kiosk.db is relative, as peewee reads it
    settings = make_settings(tmp_path / "home", "sqlite:///a/b/c/kiosk.db")
    with pytest.raises(NotFound, match="no database at a/b/c/kiosk.db: run 'kiosk init'"):
        open_runtime(settings)
    assert not (tmp_path / "a").exists() and not (tmp_path / "home").exists()
    open_runtime(settings, initialise=True)
    db.close()
    for path, mode in ((tmp_path / "a/b/c/kiosk.db", 0o600), (tmp_path / "a/b/c", 0o700),
                       (tmp_path / "home", 0o700)):
        assert stat.S_IMODE(path.stat().st_mode) == mode, path


@pytest.mark.parametrize("url, fragment", [
    ("garbage", "not a database URL the kiosk can use"),
    ("mysql://kiosk@localhost/kiosk", "not a database URL the kiosk can use"),
    ("sqlite:////etc/passwd", "/etc/passwd is not a kiosk database"),
    ("postgresql://postgres@127.0.0.1:1/kiosk", "Connection refused")])
def test_a_store_that_cannot_be_opened_says_why(tmp_path, url, fragment):
    before = open("/etc/passwd", "rb").read()
    with pytest.raises(KioskError, match=fragment):
        open_runtime(make_settings(tmp_path / "home", url), initialise=True)
    assert open("/etc/passwd", "rb").read() == before


@pytest.mark.parametrize("make", [
    lambda path: path.write_text("not a database\n"), os.mkfifo, os.mkdir])
def test_a_kiosk_db_that_is_not_an_sqlite_file_is_never_opened(tmp_path, make):
    home = tmp_path / "home"
    home.mkdir()
    make(home / "kiosk.db")
    for initialise in (False, True):
        error = finishes(lambda: open_runtime(make_settings(home), initialise=initialise))
        assert isinstance(error, KioskError) and "kiosk.db is not a kiosk database" in str(error)


def test_a_store_newer_than_the_kiosk_is_refused_even_by_init(runtime):
    models.Meta.update(value=str(schema.LATEST_VERSION + 1)).where(
        models.Meta.key == schema.SCHEMA_VERSION_KEY).execute()
    db.close()
    for initialise in (False, True):
        with pytest.raises(SchemaNewer, match="this kiosk is older than the database"):
            open_runtime(runtime.settings, initialise=initialise)
    assert schema.current_version() == schema.LATEST_VERSION + 1


def test_a_pepper_file_that_is_a_folder_or_a_home_that_is_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_PEPPER_FILE", str(tmp_path))
    with pytest.raises(PepperError, match="cannot be read: Is a directory"):
        open_runtime(make_settings(tmp_path / "home"), initialise=True)
    db.close()
    (tmp_path / "file").write_text("")
    with pytest.raises(KioskError, match="is a file, not a folder"):
        open_runtime(make_settings(tmp_path / "file"))
