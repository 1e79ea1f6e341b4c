"""Fuzzing the commands with random files, configuration values and archives.

Whatever the input, every command ends with an exit code from the README's table, never
with an uncaught exception (which the CLI would print as a traceback), and never changes
a file outside the project's outputs (locales/, out/, .pipeline/) or outside the project.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from pipeline.cli import app
from tests.conftest import ROOT
from tests.test_models import make_package

DOCUMENTED_EXIT_CODES = {0, 1, 2, 3, 4, 5, 6, 130}
OUTPUTS = ("locales", "out", ".pipeline")
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
RELEASE = "# Titel\n\nDie Radiologie wächst. Die KI hilft.\n"

runner = CliRunner()


@contextmanager
def project_folder(files: dict[str, bytes]) -> Iterator[Path]:
    """A project in a fresh folder, with a canary file beside it."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "project"
        (root / "releases").mkdir(parents=True)
        (Path(scratch) / "canary.txt").write_text("outside", encoding="utf-8")
        (root / "glossaries").mkdir()
        shutil.copy(ROOT / "pipeline" / "glossary" / "data" / "radiology.csv", root / "glossaries")
        for name, data in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        yield root


def _outputs(root: Path) -> set[str]:
    """The folders the project may write: the defaults and those its pipeline.toml names."""
    outputs = set(OUTPUTS)
    try:
        project = tomllib.loads((root / "pipeline.toml").read_text(encoding="utf-8"))["project"]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError):
        return outputs
    for key in ("locales", "output"):
        if isinstance(project.get(key), str) and Path(project[key]).parts:
            outputs.add(Path(project[key]).parts[0])
    return outputs


def _snapshot(root: Path) -> dict[str, str]:
    """Every file outside the project's outputs, project's parent folder included."""
    outputs = _outputs(root)
    snapshot = {}
    for path in sorted(root.parent.rglob("*")):
        relative = path.relative_to(root.parent)
        if relative.parts[:1] == ("project",) and relative.parts[1:2] in [(o,) for o in outputs]:
            continue
        if path.is_file():
            snapshot[str(relative)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return snapshot


def _invoke(arguments: list[str]) -> Result:
    result = runner.invoke(app, arguments)
    assert result.exit_code in DOCUMENTED_EXIT_CODES, (arguments, result.output)
    unexpected = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not unexpected, (arguments, repr(result.exception), result.output)
    assert "Traceback" not in result.output
    return result


def _every_command(root: Path, models: Path) -> None:
    before = _snapshot(root)
    project = ["--project", str(root)]
    for arguments in (
        ["run", "--to", "en", "--dir", str(models), *project],
        ["run", "--dir", str(models), *project],  # the configured languages
        ["status", *project],
        ["build", *project],
        ["build", "--draft", *project],
        ["check", *project],
        ["report", *project],
        ["quality", *project],
        ["cache", "stats", *project],
    ):
        _invoke(arguments)
    assert _snapshot(root) == before


# Random release and PO files.

text_bytes = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=300).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.lists(
        st.sampled_from(
            [
                "# ",
                "Die Radiologie. ",
                "\n",
                "\r\n",
                "\r",
                "*",
                "[a](b)",
                "<p>",
                "</p>",
                "12\\. ",
                "„",
                "“",
                "\x00",
                "\x0c",
                "\u2028",
                "⟦1⟧",
                "msgid ",
                '"',
                "\\",
                "#. ",
            ]
        ),
        max_size=60,
    ).map(lambda parts: "".join(parts).encode("utf-8")),
)


@FUZZ
@given(data=text_bytes, suffix=st.sampled_from([".md", ".txt", ".html"]))
def test_random_release_files(data: bytes, suffix: str) -> None:
    with project_folder({f"releases/random{suffix}": data}) as root:
        segmented = _invoke(["segment", str(root / "releases" / f"random{suffix}")])
        assert segmented.exit_code in (0, 3)
        _every_command(root, root / "no-models")


@FUZZ
@given(data=text_bytes)
def test_random_po_files(data: bytes) -> None:
    files = {"releases/a.md": RELEASE.encode(), "locales/en/a.po": data}
    with project_folder(files) as root:
        po = root / "locales" / "en" / "a.po"
        result = _invoke(["run", "--to", "en", "--dir", str(root / "m"), "--project", str(root)])
        if result.exit_code == 3:
            assert po.read_bytes() == data  # an unreadable PO file is left as it was
        for command in (["status"], ["build"], ["check"], ["report"], ["quality"]):
            _invoke([*command, "--project", str(root)])


# Random pipeline.toml files.

KEYS = {
    "project.sources": "list",
    "project.source_language": "str",  # removed: refused with a message
    "project.encoding": "str",
    "project.target_languages": "list",
    "project.locales": "str",
    "project.output": "str",
    "project.unknown": "str",
    "glossary.files": "list",
    "glossary.builtin": "bool",
    "segmentation.level": "str",
    "segmentation.abbreviations": "list",
    "mt.models_dir": "str",
    "mt.beam_size": "int",
    "mt.compute_type": "str",
    "mt.threads": "int",
    "mt.batch_tokens": "int",
    "mt.cache": "bool",
    "mt.require_mt": "bool",
    "tm.threshold": "float",
    "other.key": "str",
}
strings = st.one_of(
    st.sampled_from(
        [
            "en",
            "EN!",
            "../x",
            "/tmp/x",
            "",
            ".",
            "a/../../b",
            "releases/*.md",
            "/etc/*",
            "paragraph",
            "int8",
            "float16",
            "locales",
            "out",
            "de\x00",
            "C:\\x",
            "**/*.md",
            "releases",
            "pipeline.toml",
            "releases/a.md",
            "../../x",
            "en/../../x",
        ]
    ),
    st.text(max_size=12),
)
numbers = st.one_of(
    st.integers(min_value=-2, max_value=3),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
)
TYPED = {
    "list": st.lists(strings, max_size=3),
    "str": strings,
    "int": numbers,
    "float": numbers,
    "bool": st.booleans(),
}
any_value = st.one_of(*TYPED.values(), st.lists(numbers, max_size=2))


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return json.dumps(value)  # a TOML basic string


@st.composite
def configurations(draw: st.DrawFn) -> str:
    """A pipeline.toml of a few keys, mostly with values of the right type."""
    chosen = draw(st.lists(st.sampled_from(sorted(KEYS)), unique=True, min_size=1, max_size=4))
    sections: dict[str, list[str]] = {}
    for name in chosen:
        section, key = name.split(".")
        wrong_type = draw(st.integers(0, 3)) == 0
        value = draw(any_value if wrong_type else TYPED[KEYS[name]])
        sections.setdefault(section, []).append(f"{key} = {_toml_value(value)}")
    return "".join(f"[{name}]\n" + "\n".join(lines) + "\n" for name, lines in sections.items())


@settings(FUZZ, max_examples=100)
@given(toml=st.one_of(configurations(), text_bytes.map(lambda data: data.decode("latin-1"))))
def test_random_configuration(toml: str) -> None:
    files = {"releases/a.md": RELEASE.encode(), "pipeline.toml": toml.encode("utf-8")}
    with project_folder(files) as root:
        _every_command(root, root / "no-models")


# Random package archives.

member_names = st.sampled_from(
    [
        "pkg/metadata.json",
        "pkg/model/model.bin",
        "pkg/model/config.json",
        "pkg/sentencepiece.model",
        "pkg/bpe.model",
        "pkg/../evil",
        "/abs",
        "other/x",
        "pkg/model/",
        "pkg\\..\\evil",
        "pkg/a\x01b",
        "pkg/" + "d/" * 30 + "deep",
    ]
)
metadata_values = st.dictionaries(
    st.sampled_from(["from_code", "to_code", "type", "package_version", "target_prefix"]),
    any_value,
    max_size=5,
)


@st.composite
def archives(draw: st.DrawFn) -> bytes:
    """A zip with random members, or the real test package with random damage."""
    path = Path(tempfile.mkdtemp()) / "a.zip"
    if draw(st.booleans()):
        make_package(path)
        data = bytearray(path.read_bytes())
        for _ in range(draw(st.integers(0, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    with zipfile.ZipFile(
        path, "w", draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
    ) as package_zip:
        for name in draw(st.lists(member_names, max_size=6, unique=True)):
            if name == "pkg/metadata.json":
                content = json.dumps(draw(metadata_values)).encode()
            else:
                content = draw(st.binary(max_size=200))
            package_zip.writestr(name, content)
    return path.read_bytes()


@FUZZ
@given(archive=st.one_of(archives(), st.binary(max_size=300)))
def test_random_archives(archive: bytes) -> None:
    with project_folder({"x.argosmodel": archive}) as root:
        store = root / "store"
        before = _snapshot(root)
        result = _invoke(
            ["models", "install", "--file", str(root / "x.argosmodel"), "--dir", str(store)]
        )
        assert result.exit_code in (0, 4)
        after = {
            name: digest
            for name, digest in _snapshot(root).items()
            if not name.startswith("project/store/")
        }
        assert after == before
        installed = list(store.iterdir()) if store.exists() else []
        assert len(installed) <= 1 and not any(p.name.startswith(".") for p in installed)
        _invoke(["models", "list", "--dir", str(store)])
        _invoke(["models", "remove", "de", "en", "--dir", str(store)])
