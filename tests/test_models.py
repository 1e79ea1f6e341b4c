"""Package management: safe installation of untrusted archives, list, remove, index."""

from __future__ import annotations

import functools
import http.server
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.mt import packages
from pipeline.mt.packages import ModelError, NetworkError
from tests.conftest import DATA

runner = CliRunner()


def metadata(from_code: str = "de", to_code: str = "en", version: str = "1.0") -> bytes:
    record = {
        "package_version": version,
        "argos_version": "1.9",
        "from_code": from_code,
        "to_code": to_code,
        "type": "translate",
    }
    return json.dumps(record).encode()


def make_package(
    path: Path,
    from_code: str = "de",
    to_code: str = "en",
    top: str = "translate-de_en-1_0",
    extra: dict[str, bytes] | None = None,
    version: str = "1.0",
) -> Path:
    """A package that installs: the tiny de→en test model under the given metadata."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{top}/metadata.json", metadata(from_code, to_code, version))
        for name, data in _model_files().items():
            archive.writestr(f"{top}/{name}", data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


@functools.cache
def _model_files() -> dict[str, bytes]:
    """The tokenizer and CTranslate2 files of the tiny de→en test package."""
    with zipfile.ZipFile(DATA / "argos" / "translate-de_en-test.argosmodel") as source:
        return {
            name.split("/", 1)[1]: source.read(name)
            for name in source.namelist()
            if not name.endswith("/")
            and name.split("/", 1)[1].startswith(("model/", "sentencepiece.model"))
        }


def test_install_list_replace_remove(tmp_path: Path) -> None:
    store = tmp_path / "packages"
    installed = packages.install_file(make_package(tmp_path / "a.argosmodel"), store)
    assert (installed.from_code, installed.to_code, installed.version) == ("de", "en", "1.0")
    assert (installed.path / "model" / "model.bin").is_file()
    newer = make_package(tmp_path / "b.argosmodel", top="translate-de_en-2_0", version="2.0")
    packages.install_file(newer, store, ("de", "en"))
    listed = packages.list_packages(store)
    assert [(p.pair, p.version) for p in listed] == [("de→en", "2.0")]
    assert [p.name for p in store.iterdir()] == [listed[0].path.name]  # nothing left over
    packages.remove_package(store, "de", "en")
    assert packages.list_packages(store) == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"/etc/evil": b"x"}, "absolute path"),
        ({"translate-de_en-1_0/../../evil": b"x"}, "outside the package"),
        ({"other/file": b"x"}, "exactly one top-level directory"),
        ({"translate-de_en-1_0\\..\\evil": b"x"}, "outside the package"),
    ],
)
def test_unsafe_members_are_refused(tmp_path: Path, extra: dict[str, bytes], message: str) -> None:
    archive = make_package(tmp_path / "bad.argosmodel", extra=extra)
    store = tmp_path / "packages"
    with pytest.raises(ModelError, match=message):
        packages.install_file(archive, store)
    assert not (tmp_path / "evil").exists()
    assert packages.list_packages(store) == []


def test_links_are_refused(tmp_path: Path) -> None:
    archive = make_package(tmp_path / "link.argosmodel")
    with zipfile.ZipFile(archive, "a") as package_zip:
        link = zipfile.ZipInfo("translate-de_en-1_0/model/link")
        link.external_attr = 0o120777 << 16
        package_zip.writestr(link, "/etc/passwd")
    with pytest.raises(ModelError, match="is a link"):
        packages.install_file(archive, tmp_path / "packages")


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.argosmodel"
    make_package(archive)
    with zipfile.ZipFile(archive, "a", zipfile.ZIP_DEFLATED) as package_zip:
        package_zip.writestr("translate-de_en-1_0/model/zeros", b"\x00" * (20 * 1024 * 1024))
    with pytest.raises(ModelError, match="compressed"):
        packages.install_file(archive, tmp_path / "packages")


def test_declared_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packages, "MAX_UNPACKED_BYTES", 100)
    with pytest.raises(ModelError, match="would unpack"):
        packages.install_file(make_package(tmp_path / "a.argosmodel"), tmp_path / "packages")


@pytest.mark.parametrize(
    ("members", "message"),
    [
        (None, "corrupt or not a zip"),
        ({"pkg/metadata.json": metadata()}, "no model/ directory"),
        ({"pkg/model/model.bin": b"x"}, "no metadata.json"),
        ({"pkg/metadata.json": b"{", "pkg/model/model.bin": b"x"}, "not valid UTF-8 JSON"),
        ({"pkg/metadata.json": b"{}", "pkg/model/model.bin": b"x"}, "lacks from_code"),
    ],
)
def test_foreign_or_broken_archives(
    tmp_path: Path, members: dict[str, bytes] | None, message: str
) -> None:
    archive = tmp_path / "x.argosmodel"
    if members is None:
        archive.write_bytes(b"not a zip at all")
    else:
        with zipfile.ZipFile(archive, "w") as package_zip:
            for name, data in members.items():
                package_zip.writestr(name, data)
    with pytest.raises(ModelError, match=message):
        packages.install_file(archive, tmp_path / "packages")


def test_package_for_another_pair(tmp_path: Path) -> None:
    archive = make_package(tmp_path / "a.argosmodel", "en", "fr", top="translate-en_fr")
    with pytest.raises(ModelError, match="en→fr, not de→en"):
        packages.install_file(archive, tmp_path / "packages", ("de", "en"))


def test_default_dir_follows_argos_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "argos"))
    assert packages.default_packages_dir() == tmp_path / "argos"
    monkeypatch.delenv("ARGOS_PACKAGES_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert packages.default_packages_dir() == tmp_path / "data" / "argos-translate" / "packages"


@pytest.fixture
def index_server(tmp_path: Path) -> Iterator[str]:
    """A package index on loopback, serving index.json and one package."""
    make_package(tmp_path / "translate-de_en.argosmodel")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0),
        lambda *args: http.server.SimpleHTTPRequestHandler(*args, directory=str(tmp_path)),
    )
    base = f"http://127.0.0.1:{server.server_address[1]}"
    entries = [
        {
            "type": "translate",
            "from_code": "de",
            "to_code": "en",
            "package_version": "1.0",
            "links": [f"{base}/translate-de_en.argosmodel"],
        }
    ]
    (tmp_path / "index.json").write_text(json.dumps(entries))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"{base}/index.json"
    server.shutdown()


def test_available_and_install_from_index(index_server: str, tmp_path: Path) -> None:
    assert [(p.from_code, p.to_code) for p in packages.available_packages(index_server)] == [
        ("de", "en")
    ]
    store = tmp_path / "store"
    result = runner.invoke(
        app, ["models", "install", "de", "en", "--dir", str(store), "--index-url", index_server]
    )
    assert result.exit_code == 0, result.output
    assert [p.pair for p in packages.list_packages(store)] == ["de→en"]
    missing = runner.invoke(
        app, ["models", "install", "de", "fr", "--dir", str(store), "--index-url", index_server]
    )
    assert missing.exit_code == 4
    assert "no package for de→fr" in missing.stderr


def test_offline_install_fails_fast_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(NetworkError, match="cannot reach the Argos package index"):
        packages.available_packages("http://127.0.0.1:9/index.json")
    result = runner.invoke(
        app,
        ["models", "install", "de", "en", "--dir", str(tmp_path), "--index-url",
         "http://127.0.0.1:9/index.json"],
    )  # fmt: skip
    assert result.exit_code == 5
    assert "--file" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_install_file_list_remove(tmp_path: Path) -> None:
    store = tmp_path / "store"
    archive = make_package(tmp_path / "a.argosmodel")
    assert (
        runner.invoke(
            app, ["models", "install", "--file", str(archive), "--dir", str(store)]
        ).exit_code
        == 0
    )
    listed = runner.invoke(app, ["models", "list", "--json", "--dir", str(store)])
    assert [record["from"] for record in json.loads(listed.stdout)] == ["de"]
    table = runner.invoke(app, ["models", "list", "--dir", str(store)], env={"COLUMNS": "200"})
    assert "de→en" in table.output
    assert runner.invoke(app, ["models", "remove", "de", "en", "--dir", str(store)]).exit_code == 0
    gone = runner.invoke(app, ["models", "remove", "de", "en", "--dir", str(store)])
    assert gone.exit_code == 4
    assert "no package installed for de→en" in gone.stderr


def test_a_broken_package_is_skipped_reported_and_replaceable(tmp_path: Path) -> None:
    store = tmp_path / "store"
    packages.install_file(make_package(tmp_path / "a.argosmodel"), store)
    broken = store / "translate-en_fr"
    (broken / "model").mkdir(parents=True)
    (broken / "metadata.json").write_text("{not json", encoding="utf-8")
    assert [p.pair for p in packages.list_packages(store)] == ["de→en"]
    [problem] = packages.broken_packages(store)
    assert "translate-en_fr" in problem
    listed = runner.invoke(app, ["models", "list", "--dir", str(store)])
    assert listed.exit_code == 0
    assert "delete that directory" in listed.stderr
    assert runner.invoke(app, ["models", "remove", "de", "en", "--dir", str(store)]).exit_code == 0


def test_an_unwritable_package_directory_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ModelError, match="cannot write the package"):
        packages.install_file(make_package(tmp_path / "a.argosmodel"), blocker / "store")
