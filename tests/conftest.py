"""Shared fixtures. Every test runs offline: any non-loopback connection fails."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
from pathlib import Path

import pytest
from hypothesis import settings

# On CI the property tests draw the same examples every run, so a red build is
# reproducible; locally they explore new examples each time.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SAMPLE = ROOT / "releases" / "2024-09-24-ki-in-der-radiologie-eine-standortbestimmung.md"


def _is_loopback(address: object) -> bool:
    if not isinstance(address, tuple):
        return True  # AF_UNIX paths stay on this machine
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NetworkBlocked(AssertionError):
    pass


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded_connect(self: socket.socket, address: object) -> None:
        if not _is_loopback(address):
            raise NetworkBlocked(f"tests must not use the network (tried {address!r})")
        real_connect(self, address)  # type: ignore[arg-type]

    def guarded_connect_ex(self: socket.socket, address: object) -> int:
        if not _is_loopback(address):
            raise NetworkBlocked(f"tests must not use the network (tried {address!r})")
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)


@pytest.fixture(scope="session")
def tiny_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny de→en and en→fr test packages, installed once (read-only for tests)."""
    from pipeline.mt.packages import install_file

    directory = tmp_path_factory.mktemp("packages")
    for name in ("translate-de_en-test", "translate-en_fr-test"):
        install_file(DATA / "argos" / f"{name}.argosmodel", directory)
    return directory


@pytest.fixture(scope="session")
def blind_packages_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The blind de→en and en→fr packages (built like real ones: no placeholder symbols,
    none in training), installed once (read-only for tests)."""
    from pipeline.mt.packages import install_file

    directory = tmp_path_factory.mktemp("blind-packages")
    for name in ("translate-de_en-blind", "translate-en_fr-blind"):
        install_file(DATA / "argos" / f"{name}.argosmodel", directory)
    return directory


@pytest.fixture(scope="session")
def dropper_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The de→en package trained to drop placeholders, installed once."""
    from pipeline.mt.packages import install_file

    directory = tmp_path_factory.mktemp("dropper")
    install_file(DATA / "argos" / "translate-de_en-dropper.argosmodel", directory)
    return directory


def write_tiny_project_config(root: Path, packages: Path) -> None:
    """A pipeline.toml for the tiny test packages: their glossary, en and fr."""
    from pipeline.config import default_toml

    (root / "glossaries").mkdir(exist_ok=True)
    shutil.copy(DATA / "glossary" / "tiny-models.csv", root / "glossaries" / "terms.csv")
    config = default_toml().replace("files = []", 'files = ["glossaries/terms.csv"]')
    config = config.replace("builtin = true", "builtin = false")
    config = config.replace(
        'target_languages = ["en", "fr", "es", "it"]', 'target_languages = ["en", "fr"]'
    )
    config = config.replace('models_dir = ""', f'models_dir = "{packages}"')
    (root / "pipeline.toml").write_text(config, encoding="utf-8")
