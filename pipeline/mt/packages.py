"""Argos Translate packages: list, install (from a file or the Argos index), remove.

A package is a zip with one top-level directory holding ``metadata.json`` and a
CTranslate2 ``model/`` directory. Archives are untrusted input: members with absolute
paths or ``..``, links, several top-level directories and archives that would unpack to
an absurd size are refused before anything is written, and installation is atomic (the
package is unpacked next to its final place and renamed into it).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import urllib.error
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.errors import ExitCode, InputError, PipelineError
from pipeline.languages import CODE_RULE, is_language_code

DEFAULT_INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"
MAX_UNPACKED_BYTES = 4 * 1024**3  # real Argos packages unpack to a few hundred MB
MAX_MEMBERS = 10_000
MAX_COMPRESSION_RATIO = 200  # one member; model weights compress ~1.1×, text files ~10×
MAX_OVERALL_RATIO = 20  # the whole archive, once it unpacks to more than RATIO_FREE_BYTES
RATIO_FREE_BYTES = 16 * 1024**2
SUPPORTED_COMPRESSION = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
ZIP_BOMB_FIX = "this is not an Argos package (or a zip bomb); do not install it"
NETWORK_TIMEOUT_S = 15


class ModelError(PipelineError):
    """A package is missing, malformed or for the wrong language pair."""

    exit_code = ExitCode.MODEL


class NetworkError(PipelineError):
    """The Argos package index could not be reached."""

    exit_code = ExitCode.NETWORK


@dataclass(frozen=True)
class PackageInfo:
    from_code: str
    to_code: str
    version: str
    path: Path
    size: int  # bytes on disk

    @property
    def pair(self) -> str:
        return f"{self.from_code}→{self.to_code}"

    def as_dict(self) -> dict[str, object]:
        return {
            "from": self.from_code,
            "to": self.to_code,
            "version": self.version,
            "path": str(self.path),
            "size": self.size,
        }


@dataclass(frozen=True)
class AvailablePackage:
    from_code: str
    to_code: str
    version: str
    links: tuple[str, ...]


def default_packages_dir() -> Path:
    """Where Argos Translate itself keeps packages (same rules as its settings)."""
    configured = os.environ.get("ARGOS_PACKAGES_DIR")
    if configured:
        return Path(configured)
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "argos-translate" / "packages"


def list_packages(directory: Path) -> list[PackageInfo]:
    """Installed translation packages in ``directory``, sorted by language pair.

    A directory with unreadable metadata is skipped (see ``broken_packages``), so one
    damaged package never blocks the others, nor its own removal or reinstallation.
    """
    packages = []
    for candidate in _package_dirs(directory):
        try:
            metadata = _read_metadata(candidate / "metadata.json")
        except ModelError:
            continue
        packages.append(_info(metadata, candidate))
    return sorted(packages, key=lambda package: (package.from_code, package.to_code))


def broken_packages(directory: Path) -> list[str]:
    """What is wrong with each package directory that ``list_packages`` skips."""
    problems = []
    for candidate in _package_dirs(directory):
        try:
            _read_metadata(candidate / "metadata.json")
        except ModelError as error:
            problems.append(error.message)
    return problems


def _package_dirs(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return [
        candidate
        for candidate in sorted(directory.iterdir())
        if candidate.is_dir()
        and not candidate.name.startswith(".")
        and (candidate / "metadata.json").is_file()
    ]


def find_package(directory: Path, from_code: str, to_code: str) -> PackageInfo | None:
    for package in list_packages(directory):
        if (package.from_code, package.to_code) == (from_code, to_code):
            return package
    return None


def install_file(
    archive: Path, directory: Path, expected_pair: tuple[str, str] | None = None
) -> PackageInfo:
    """Check and install a ``.argosmodel`` file; replaces a package for the same pair."""
    archive = Path(archive)
    if not archive.is_file():
        raise InputError("file not found", path=archive, fix="check the path")
    _check_packages_dir(directory)
    try:
        with zipfile.ZipFile(archive) as package_zip:
            top = check_archive(package_zip, archive)
            metadata = json.loads(package_zip.read(f"{top}/metadata.json").decode("utf-8"))
            _check_metadata(metadata, archive, expected_pair)
            directory.mkdir(parents=True, exist_ok=True)
            _check_free_space(package_zip, directory)
            staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=directory))
            try:
                _extract(package_zip, staging, archive)
                check_model(staging / top, archive)
                return _move_into_place(staging / top, metadata, directory)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        raise ModelError(
            f"not a valid .argosmodel package (corrupt or not a zip archive: {error})",
            path=archive,
            fix="download the package again",
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelError("metadata.json is not valid UTF-8 JSON", path=archive) from None
    except OSError as error:
        raise ModelError(
            f"cannot write the package ({error.strerror or error})",
            path=directory,
            fix="choose a writable package directory with --dir",
        ) from None


def _check_packages_dir(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise ModelError(
            "the package directory is a file, not a folder",
            path=directory,
            fix="give a folder with --dir (or models_dir in pipeline.toml)",
        )


def check_archive(package_zip: zipfile.ZipFile, archive: Path) -> str:
    """The archive's single top-level directory; refuses anything unsafe."""
    members = package_zip.infolist()
    if len(members) > MAX_MEMBERS:
        raise ModelError(f"has {len(members)} members, more than a package has", path=archive)
    tops = set()
    for member in members:
        _check_member(member, archive)
        tops.add(PurePosixPath(member.filename).parts[0])
    _check_total_size(members, archive)
    if len(tops) != 1:
        raise ModelError(
            f"must hold exactly one top-level directory, found {len(tops)}", path=archive
        )
    top = tops.pop()
    names = {member.filename.rstrip("/") for member in members}
    if f"{top}/metadata.json" not in names:
        raise ModelError("has no metadata.json", path=archive, fix="is this an Argos package?")
    if not any(name.startswith(f"{top}/model/") for name in names):
        raise ModelError(
            "has no model/ directory (the CTranslate2 model)",
            path=archive,
            fix="is this an Argos translate package?",
        )
    return top


def _check_total_size(members: list[zipfile.ZipInfo], archive: Path) -> None:
    """Bounds what the whole archive declares: its size and its compression ratio."""
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ModelError(
            f"would unpack to {unpacked / 1024**3:.1f} GiB "
            f"(limit {MAX_UNPACKED_BYTES // 1024**3} GiB)",
            path=archive,
            fix=ZIP_BOMB_FIX,
        )
    if unpacked > RATIO_FREE_BYTES and unpacked > MAX_OVERALL_RATIO * max(packed, 1):
        raise ModelError(
            f"is compressed {unpacked // max(packed, 1)}:1 overall "
            f"({unpacked / 1024**2:.0f} MB from {packed / 1024**2:.1f} MB; "
            f"packages compress less than {MAX_OVERALL_RATIO}:1)",
            path=archive,
            fix=ZIP_BOMB_FIX,
        )


def _check_member(member: zipfile.ZipInfo, archive: Path) -> None:
    name = member.filename
    path = PurePosixPath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or path.is_absolute():
        raise ModelError(f"member {name!r} has an absolute path", path=archive)
    if ".." in path.parts or "\\" in name:
        raise ModelError(f"member {name!r} points outside the package", path=archive)
    if not path.parts or any(ord(char) < 32 for char in name):
        raise ModelError(f"member {name!r} has an unusable name", path=archive)
    mode = member.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise ModelError(f"member {name!r} is a link", path=archive)
    if member.flag_bits & 0x1:
        raise ModelError(
            f"member {name!r} is encrypted",
            path=archive,
            fix="Argos packages are not encrypted: download the package again",
        )
    if member.compress_type not in SUPPORTED_COMPRESSION:
        raise ModelError(
            f"member {name!r} uses an unsupported compression method ({member.compress_type})",
            path=archive,
            fix="repack it with zip's default (deflate) compression",
        )
    if (
        member.compress_size
        and member.file_size > 1024 * 1024
        and member.file_size / member.compress_size > MAX_COMPRESSION_RATIO
    ):
        raise ModelError(
            f"member {name!r} is compressed {member.file_size // member.compress_size}:1",
            path=archive,
            fix=ZIP_BOMB_FIX,
        )


def _check_free_space(package_zip: zipfile.ZipFile, directory: Path) -> None:
    needed = sum(member.file_size for member in package_zip.infolist())
    free = shutil.disk_usage(directory).free
    if needed > free:
        raise ModelError(
            f"needs {needed / 1024**2:.0f} MB, the disk has {free / 1024**2:.0f} MB free",
            path=directory,
            fix="free some space or choose another package directory with --dir",
        )


def _extract(package_zip: zipfile.ZipFile, target: Path, archive: Path) -> None:
    """Unpack member by member, counting every byte against what the archive declared."""
    budget = sum(member.file_size for member in package_zip.infolist())
    written = 0
    for member in package_zip.infolist():
        destination = target / member.filename
        if member.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        with package_zip.open(member) as source, destination.open("wb") as sink:
            member_written = 0
            while chunk := source.read(1024 * 1024):
                member_written += len(chunk)
                written += len(chunk)
                if member_written > member.file_size or written > budget:
                    raise ModelError(
                        f"member {member.filename!r} is larger than declared",
                        path=archive,
                        fix=ZIP_BOMB_FIX,
                    )
                sink.write(chunk)


def check_model(package: Path, archive: Path) -> None:
    """Loads the unpacked package's tokenizer and CTranslate2 model once, so a package
    that cannot translate is refused at install rather than found at run time."""
    import ctranslate2  # imported here: listing packages must not need it

    weights = package / "model" / "model.bin"
    if not weights.is_file():
        raise ModelError(
            "has no model/model.bin (the CTranslate2 weights)",
            path=archive,
            fix="is this an Argos translate package? download it again",
        )
    _check_tokenizer(package, archive)
    try:
        ctranslate2.Translator(str(package / "model"), device="cpu", compute_type="default")
    except Exception as error:  # CTranslate2 reports damage as several exception types
        raise ModelError(
            f"its CTranslate2 model cannot be loaded ({type(error).__name__}: {error})",
            path=archive,
            fix="the package is damaged or not an Argos package: download it again",
        ) from None


def _check_tokenizer(package: Path, archive: Path) -> None:
    sentencepiece_model = package / "sentencepiece.model"
    if sentencepiece_model.is_file():
        import sentencepiece

        try:
            sentencepiece.SentencePieceProcessor(model_file=str(sentencepiece_model))
        except Exception as error:  # the C++ loader raises several types
            raise ModelError(
                f"its sentencepiece.model cannot be loaded ({error})",
                path=archive,
                fix="the package is damaged: download it again",
            ) from None
    elif not (package / "bpe.model").is_file():
        raise ModelError(
            "has neither sentencepiece.model nor bpe.model (the tokenizer)",
            path=archive,
            fix="is this an Argos translate package? download it again",
        )


def package_path(directory: Path, from_code: str, to_code: str) -> Path:
    """Where a package for a pair is installed; only ever a folder inside ``directory``."""
    for code in (from_code, to_code):
        if not is_language_code(code):
            raise ModelError(f"{code!r} is not a language code", fix=f"use {CODE_RULE}")
    return _inside(directory / f"translate-{from_code}_{to_code}", directory)


def _inside(path: Path, directory: Path) -> Path:
    """``path`` itself when it is an entry directly inside ``directory``; else an error."""
    if path.parent.resolve() != directory.resolve() or path.name in ("", ".", ".."):
        raise ModelError(
            f"refusing to touch {path}: it is not inside the package directory",
            path=directory,
        )
    return path


def _retire(path: Path, directory: Path) -> None:
    """Remove a package folder (a link is unlinked, never followed)."""
    path = _inside(path, directory)
    if path.is_symlink():
        path.unlink()
        return
    retired = _inside(directory / f".removing-{path.name}", directory)
    os.replace(path, retired)
    shutil.rmtree(retired, ignore_errors=True)


def _move_into_place(unpacked: Path, metadata: dict[str, object], directory: Path) -> PackageInfo:
    from_code, to_code = str(metadata["from_code"]), str(metadata["to_code"])
    existing = find_package(directory, from_code, to_code)
    final = existing.path if existing else package_path(directory, from_code, to_code)
    final = _inside(final, directory)
    if final.exists() or final.is_symlink():
        _retire(final, directory)
    os.replace(unpacked, final)
    return _info(metadata, final)


def remove_package(directory: Path, from_code: str, to_code: str) -> PackageInfo:
    package_path(directory, from_code, to_code)  # validates the codes
    package = find_package(directory, from_code, to_code)
    if package is None:
        raise ModelError(
            f"no package installed for {from_code}→{to_code}",
            path=directory,
            fix="see `pipeline models list`",
        )
    _retire(package.path, directory)
    return package


def available_packages(index_url: str = DEFAULT_INDEX_URL) -> list[AvailablePackage]:
    """Translation packages listed in the Argos package index (uses the network)."""
    entries = json.loads(_fetch(index_url).decode("utf-8"))
    packages = [
        AvailablePackage(
            str(entry["from_code"]),
            str(entry["to_code"]),
            str(entry.get("package_version", "")),
            tuple(entry.get("links", [])),
        )
        for entry in entries
        if entry.get("type", "translate") == "translate" and "from_code" in entry
    ]
    return sorted(packages, key=lambda package: (package.from_code, package.to_code))


def install_from_index(
    from_code: str, to_code: str, directory: Path, index_url: str = DEFAULT_INDEX_URL
) -> PackageInfo:
    """Download the package for a pair from the Argos index and install it."""
    matches = [
        package
        for package in available_packages(index_url)
        if (package.from_code, package.to_code) == (from_code, to_code)
    ]
    if not matches or not matches[0].links:
        raise ModelError(
            f"the Argos package index has no package for {from_code}→{to_code}",
            fix="see `pipeline models available`",
        )
    data = _fetch(matches[0].links[0])
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / f"translate-{from_code}_{to_code}.argosmodel"
        archive.write_bytes(data)
        return install_file(archive, directory, (from_code, to_code))


def _fetch(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=NETWORK_TIMEOUT_S) as response:
            return response.read()
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        raise NetworkError(
            f"cannot reach the Argos package index at {url} ({reason})",
            fix="this is the only command that needs the network: run it where you are "
            "online, or download the .argosmodel file elsewhere and use "
            "`pipeline models install --file FILE`",
        ) from None


def _read_metadata(path: Path) -> dict[str, object]:
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelError(f"unreadable package metadata ({error})", path=path) from None
    _check_metadata(metadata, path, None)
    return metadata


def _check_metadata(metadata: object, path: Path, expected_pair: tuple[str, str] | None) -> None:
    if (
        not isinstance(metadata, dict)
        or not metadata.get("from_code")
        or not metadata.get("to_code")
    ):
        raise ModelError("metadata.json lacks from_code/to_code", path=path)
    if metadata.get("type", "translate") != "translate":
        raise ModelError(f"is a {metadata.get('type')!r} package, not a translation", path=path)
    for key in ("from_code", "to_code"):
        if not is_language_code(metadata[key]):
            raise ModelError(
                f"metadata.json has {key} {metadata[key]!r}, which is not a language code",
                path=path,
                fix=f"a package's codes are {CODE_RULE}; do not install this package",
            )
    pair = (str(metadata["from_code"]), str(metadata["to_code"]))
    if expected_pair is not None and pair != expected_pair:
        raise ModelError(
            f"is a package for {pair[0]}→{pair[1]}, not {expected_pair[0]}→{expected_pair[1]}",
            path=path,
        )


def _info(metadata: dict[str, object], path: Path) -> PackageInfo:
    size = sum(file.stat().st_size for file in path.rglob("*") if file.is_file())
    return PackageInfo(
        str(metadata["from_code"]),
        str(metadata["to_code"]),
        str(metadata.get("package_version", "")),
        path,
        size,
    )
