"""Untrusted packages and configuration cannot reach outside their folders or crash."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import load_config
from pipeline.errors import InputError
from pipeline.mt import packages
from pipeline.mt.packages import ModelError
from tests.conftest import SAMPLE
from tests.test_models import make_package, metadata

runner = CliRunner(env={"COLUMNS": "240"})


def _canary(tmp_path: Path) -> Path:
    canary = tmp_path / "canary"
    canary.mkdir()
    (canary / "keep.txt").write_text("mine", encoding="utf-8")
    return canary


def _assert_canary_intact(canary: Path) -> None:
    assert sorted(p.name for p in canary.iterdir()) == ["keep.txt"]
    assert (canary / "keep.txt").read_text(encoding="utf-8") == "mine"


def _leftovers(store: Path) -> list[str]:
    return sorted(p.name for p in store.iterdir()) if store.exists() else []


# 1. A package never writes or deletes outside the package directory.


@pytest.mark.parametrize(
    ("from_code", "to_code"),
    [
        ("de", "en/../../canary"),
        ("de", "../canary"),
        ("../../canary", "en"),
        ("de", "EN"),
        ("de", "en!"),
        ("de", "en\n"),
        ("de", "e"),
        ("de", "en_"),
        ("de", 5),
    ],
)
def test_package_codes_cannot_leave_the_directory(
    tmp_path: Path, from_code: object, to_code: object
) -> None:
    canary = _canary(tmp_path)
    store = tmp_path / "store" / "packages"
    archive = make_package(tmp_path / "evil.argosmodel", from_code, to_code)  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="not a language code"):
        packages.install_file(archive, store)
    _assert_canary_intact(canary)
    assert _leftovers(store) == []
    result = runner.invoke(app, ["models", "install", "--file", str(archive), "--dir", str(store)])
    assert result.exit_code == 4
    assert "Traceback" not in result.output
    _assert_canary_intact(canary)


def test_the_documented_attack_leaves_the_canary_alone(tmp_path: Path) -> None:
    """The reproduction from the issue: to_code "en/../../../canary" next to an installed
    de→en package, whose folder makes the path resolve."""
    canary = _canary(tmp_path)
    store = tmp_path / "a" / "b"
    packages.install_file(make_package(tmp_path / "good.argosmodel"), store)
    evil = make_package(tmp_path / "evil.argosmodel", "de", "en/../../../canary")
    result = runner.invoke(app, ["models", "install", "--file", str(evil), "--dir", str(store)])
    assert result.exit_code == 4
    assert "not a language code" in result.output
    _assert_canary_intact(canary)
    assert [p.pair for p in packages.list_packages(store)] == ["de→en"]


@pytest.mark.parametrize(("source", "target"), [("de", "../canary"), ("..", "en"), ("DE", "en")])
def test_remove_refuses_codes_that_are_not_codes(tmp_path: Path, source: str, target: str) -> None:
    canary = _canary(tmp_path)
    store = tmp_path / "store"
    store.mkdir()
    with pytest.raises(ModelError, match="not a language code"):
        packages.remove_package(store, source, target)
    result = runner.invoke(app, ["models", "remove", source, target, "--dir", str(store)])
    assert result.exit_code == 2
    assert "not a language code" in result.output
    _assert_canary_intact(canary)


def test_a_package_on_disk_with_bad_codes_is_reported_not_used(tmp_path: Path) -> None:
    store = tmp_path / "store"
    packages.install_file(make_package(tmp_path / "good.argosmodel"), store)
    evil = store / "translate-x"
    (evil / "model").mkdir(parents=True)
    (evil / "metadata.json").write_text(metadata("de", "../../canary").decode(), encoding="utf-8")
    assert [p.pair for p in packages.list_packages(store)] == ["de→en"]
    [problem] = packages.broken_packages(store)
    assert "not a language code" in problem


def test_a_linked_package_is_unlinked_never_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    installed = packages.install_file(make_package(tmp_path / "a.argosmodel"), elsewhere)
    before = sorted(str(p.relative_to(elsewhere)) for p in elsewhere.rglob("*"))
    store = tmp_path / "store"
    store.mkdir()
    (store / "translate-de_en").symlink_to(installed.path, target_is_directory=True)
    assert [p.pair for p in packages.list_packages(store)] == ["de→en"]
    # replacing it swaps the link for a real folder; removing it drops the link
    packages.install_file(make_package(tmp_path / "b.argosmodel", version="2.0"), store)
    assert not (store / "translate-de_en").is_symlink()
    packages.remove_package(store, "de", "en")
    assert _leftovers(store) == []
    assert sorted(str(p.relative_to(elsewhere)) for p in elsewhere.rglob("*")) == before
    (store / "translate-de_en").symlink_to(installed.path, target_is_directory=True)
    packages.remove_package(store, "de", "en")
    assert _leftovers(store) == []
    assert sorted(str(p.relative_to(elsewhere)) for p in elsewhere.rglob("*")) == before


# 2. Zip bombs are bounded by the whole archive, and every member must be readable.


def test_many_small_members_are_bounded_by_the_overall_ratio(tmp_path: Path) -> None:
    archive = make_package(tmp_path / "bomb.argosmodel")
    megabyte = b"\x00" * 1_000_000
    with zipfile.ZipFile(archive, "a", zipfile.ZIP_DEFLATED) as package_zip:
        for number in range(200):
            package_zip.writestr(f"translate-de_en-1_0/model/part{number}", megabyte)
    store = tmp_path / "store"
    with pytest.raises(ModelError, match="overall"):
        packages.install_file(archive, store)
    assert _leftovers(store) == []


def test_total_extracted_bytes_are_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A member that yields more than the archive declared stops the extraction."""
    archive = make_package(tmp_path / "a.argosmodel")
    real_open = zipfile.ZipFile.open

    def lying_open(self, member, *args, **kwargs):  # type: ignore[no-untyped-def]
        handle = real_open(self, member, *args, **kwargs)
        if str(getattr(member, "filename", member)).endswith("model.bin"):
            handle.read = lambda size=-1, _h=handle: _h.__class__.read(_h, size) or b"\x00" * 4096
        return handle

    monkeypatch.setattr(zipfile.ZipFile, "open", lying_open)
    store = tmp_path / "store"
    with pytest.raises(ModelError, match="larger than declared"):
        packages.install_file(archive, store)
    assert _leftovers(store) == []


def _patch_method(archive: Path, method: int) -> None:
    """Rewrite the compression method of every member, in both headers."""
    data = bytearray(archive.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            data[start + offset : start + offset + 2] = method.to_bytes(2, "little")
            start += 4
    archive.write_bytes(bytes(data))


def test_unsupported_compression_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "zstd.argosmodel"
    good = make_package(tmp_path / "a.argosmodel")
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(archive, "w") as target:
        for item in source.infolist():
            target.writestr(item.filename, source.read(item))
    _patch_method(archive, 93)  # Zstandard: not readable by Python's zipfile
    result = runner.invoke(
        app, ["models", "install", "--file", str(archive), "--dir", str(tmp_path / "store")]
    )
    assert result.exit_code == 4, result.output
    assert "unsupported compression" in result.output
    assert "Traceback" not in result.output


def test_encrypted_members_are_refused(tmp_path: Path) -> None:
    archive = make_package(tmp_path / "a.argosmodel")
    data = bytearray(archive.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            data[start + offset] |= 0x1  # the "encrypted" flag bit
            start += 4
    archive.write_bytes(bytes(data))
    result = runner.invoke(
        app, ["models", "install", "--file", str(archive), "--dir", str(tmp_path / "store")]
    )
    assert result.exit_code == 4, result.output
    assert "encrypted" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({"model/model.bin": b"\x00" * 64}, "CTranslate2 model cannot be loaded"),
        ({"model/model.bin": os.urandom(4096)}, "CTranslate2 model cannot be loaded"),
        ({"sentencepiece.model": b"spm"}, "sentencepiece.model cannot be loaded"),
        ({"sentencepiece.model": None}, "neither sentencepiece.model nor bpe.model"),
        ({"model/model.bin": None}, "no model/model.bin"),
    ],
)
def test_a_junk_model_is_found_at_install(
    tmp_path: Path, replace: dict[str, bytes | None], message: str
) -> None:
    good = make_package(tmp_path / "good.argosmodel")
    archive = tmp_path / "junk.argosmodel"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(archive, "w") as target:
        for name in source.namelist():
            inner = name.split("/", 1)[1]
            if inner in replace:
                if replace[inner] is not None:
                    target.writestr(name, replace[inner])  # type: ignore[arg-type]
                continue
            target.writestr(name, source.read(name))
    store = tmp_path / "store"
    result = runner.invoke(app, ["models", "install", "--file", str(archive), "--dir", str(store)])
    assert result.exit_code == 4, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert _leftovers(store) == []


def test_a_package_directory_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "packages"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ModelError, match="is a file"):
        packages.install_file(make_package(tmp_path / "a.argosmodel"), blocker)
    assert blocker.read_text(encoding="utf-8") == "not a folder"


# 3. Every path the configuration names stays inside the project; every value is checked.


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "releases").mkdir(parents=True)
    shutil.copy(SAMPLE, root / "releases" / "sample.md")
    return root


def _configure(project: Path, toml: str) -> None:
    (project / "pipeline.toml").write_text(toml, encoding="utf-8")


def _files_outside(project: Path) -> list[str]:
    return sorted(
        str(p.relative_to(project.parent))
        for p in project.parent.rglob("*")
        if not p.is_relative_to(project)
    )


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[project]\ntarget_languages = ["../../x"]\n', "project.target_languages"),
        ('[project]\ntarget_languages = ["EN!"]\n', "project.target_languages"),
        ("[project]\ntarget_languages = []\n", "project.target_languages"),
        ('[project]\ntarget_languages = ["en", "en"]\n', "project.target_languages"),
        ('[project]\nsource_language = "de/.."\n', "project.source_language"),
        ('[project]\nsources = ["/etc/*"]\n', "project.sources"),
        ('[project]\nsources = ["../**/*.md"]\n', "project.sources"),
        ("[project]\nsources = []\n", "project.sources"),
        ('[project]\nlocales = "../locales"\n', "project.locales"),
        ('[project]\nlocales = "/tmp/locales"\n', "project.locales"),
        ('[project]\noutput = "a/../../out"\n', "project.output"),
        ('[project]\noutput = ""\n', "project.output"),
        ('[project]\nlocales = "."\n', "project.locales"),
        ('[project]\noutput = "./a/.."\n', "project.output"),
        ('[project]\nlocales = ".pipeline/l"\n', "project.locales"),
        ('[glossary]\nfiles = ["../terms.csv"]\n', "glossary.files"),
        ('[segmentation]\nabbreviations = ["/etc/rules.toml"]\n', "segmentation.abbreviations"),
        ('[mt]\nmodels_dir = "../models"\n', "mt.models_dir"),
        ("[mt]\nbeam_size = 0\n", "mt.beam_size"),
        ("[mt]\nbeam_size = -3\n", "mt.beam_size"),
        ("[mt]\nbatch_tokens = 0\n", "mt.batch_tokens"),
        ("[mt]\nthreads = 0\n", "mt.threads"),
        ('[mt]\ncompute_type = "int4"\n', "mt.compute_type"),
        ("[tm]\nthreshold = 1.5\n", "tm.threshold"),
        ("[tm]\nthreshold = -0.1\n", "tm.threshold"),
        ("[tm]\nthreshold = nan\n", "tm.threshold"),
        ("[tm]\nthreshold = inf\n", "tm.threshold"),
    ],
)
def test_bad_values_are_errors_that_name_the_key(project: Path, toml: str, key: str) -> None:
    _configure(project, toml)
    with pytest.raises(InputError) as caught:
        load_config(project)
    assert key in caught.value.problem
    for command in (["run"], ["status"], ["build"], ["check"], ["report"], ["cache", "stats"]):
        result = runner.invoke(app, [*command, "--project", str(project)])
        assert result.exit_code == 3, (command, result.output)
        assert key in result.output
        assert "Traceback" not in result.output
    assert _files_outside(project) == []


@pytest.mark.parametrize("key", ["locales", "output"])
def test_a_project_folder_that_is_a_file(project: Path, key: str) -> None:
    (project / "blocker").write_text("a file", encoding="utf-8")
    _configure(project, f'[project]\n{key} = "blocker"\n')
    result = runner.invoke(app, ["run", "--project", str(project)])
    assert result.exit_code == 3
    assert f"project.{key} names" in result.output and "is a file" in result.output
    assert (project / "blocker").read_text(encoding="utf-8") == "a file"


def test_models_dir_that_is_a_file(project: Path) -> None:
    (project / "models").write_text("a file", encoding="utf-8")
    _configure(project, '[mt]\nmodels_dir = "models"\n')
    result = runner.invoke(app, ["run", "--project", str(project)])
    assert result.exit_code == 3
    assert "mt.models_dir names" in result.output
    result = runner.invoke(app, ["models", "list", "--dir", str(project / "models")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_an_absolute_models_dir_is_the_users_choice(project: Path, tmp_path: Path) -> None:
    _configure(project, f'[mt]\nmodels_dir = "{tmp_path / "shared-models"}"\n')
    assert load_config(project).models_dir == str(tmp_path / "shared-models")


def test_releases_linked_from_outside_are_skipped_with_a_warning(
    project: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("Geheimer Satz.\n", encoding="utf-8")
    (project / "releases" / "linked.md").symlink_to(secret)
    (project / "releases" / "inside.md").symlink_to(project / "releases" / "sample.md")
    _configure(project, '[project]\ntarget_languages = ["en"]\n[glossary]\nfiles = []\n')
    result = runner.invoke(app, ["run", "--project", str(project)])
    assert result.exit_code in (0, 1), result.output
    assert "linked.md is a link to a file outside the project" in result.stderr
    assert not (project / "locales" / "en" / "linked.po").exists()
    assert (project / "locales" / "en" / "inside.po").is_file()  # a link inside is fine
    assert "Geheimer" not in "".join(
        p.read_text(encoding="utf-8") for p in (project / "locales").rglob("*.po*")
    )


@pytest.mark.parametrize(
    "arguments",
    [
        ["run", "--to", "../../x"],
        ["run", "--to", "EN!"],
        ["run", "--tm-threshold", "nan"],
        ["status", "--lang", "../x"],
        ["build", "--lang", "en/../../x"],
        ["quality", "--lang", "x y"],
        ["report", "--lang", "../x"],
        ["check", "--segments", "--to", "../x"],
    ],
)
def test_bad_options_are_usage_errors(project: Path, arguments: list[str]) -> None:
    result = runner.invoke(app, [*arguments, "--project", str(project)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert _files_outside(project) == []
    assert not (project / "locales").exists()


def test_a_compute_type_this_cpu_lacks_is_a_setting_error(
    tiny_packages: Path, tmp_path: Path
) -> None:
    release = tmp_path / "r.md"
    release.write_text("Die Radiologie wächst.\n", encoding="utf-8")
    base = ["translate", str(release), "--to", "en", "--dir", str(tiny_packages), "--no-cache"]
    unknown = runner.invoke(app, [*base, "--compute-type", "int4"])
    assert unknown.exit_code == 2
    assert "not a CTranslate2 compute type" in unknown.output
    unsupported = runner.invoke(app, [*base, "--compute-type", "bfloat16"])
    assert unsupported.exit_code == 3, unsupported.output
    assert "compute_type 'bfloat16' cannot be used on this CPU" in unsupported.output
    assert "reinstall" not in unsupported.output  # not blamed on the package
