"""Read releases into the document model and write them back byte for byte."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

from pipeline.document.html import read_html
from pipeline.document.markdown import read_markdown
from pipeline.document.model import Block, BlockKind, Code, CodeKind, Document, Part, Role
from pipeline.document.text import read_text
from pipeline.errors import InputError

__all__ = [
    "FORMATS",
    "Block",
    "BlockKind",
    "Code",
    "CodeKind",
    "Document",
    "Part",
    "Role",
    "format_for",
    "parse_document",
    "read_document",
]

Reader = Callable[[str], tuple[tuple[Block, ...], tuple[str, ...]]]

READERS: dict[str, Reader] = {"markdown": read_markdown, "text": read_text, "html": read_html}
FORMATS: dict[str, str] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
}
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def format_for(path: Path) -> str:
    """The document format implied by a file's extension."""
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        supported = ", ".join(sorted(FORMATS))
        raise InputError(
            f"unknown file type {path.suffix or '(no extension)'!r}",
            path=path,
            fix=f"use one of the supported extensions: {supported}",
        ) from None


def read_document(path: Path, encoding: str = "utf-8", format: str | None = None) -> Document:
    """Read a release from disk."""
    path = Path(path)
    doc_format = format or format_for(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", path=path, fix="check the path") from None
    except IsADirectoryError:
        raise InputError("is a directory, not a release file", path=path) from None
    except OSError as error:
        raise InputError(f"cannot read the file ({error.strerror})", path=path) from None
    return parse_document(data, path, doc_format, encoding)


def parse_document(data: bytes, path: Path, format: str, encoding: str = "utf-8") -> Document:
    """Decode and parse the bytes of a release."""
    if format not in READERS:
        raise ValueError(f"unknown format {format!r}")
    text, bom, codec = _decode(data, path, encoding)
    blocks, warnings = READERS[format](text)
    return Document(Path(path), format, text, codec, bom, blocks, warnings)


def _decode(data: bytes, path: Path, encoding: str) -> tuple[str, bool, str]:
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise InputError(
            f"unknown encoding {encoding!r}",
            path=path,
            fix="pass a Python codec name such as utf-8, latin-1 or cp1252",
        ) from None
    if codec == "utf-8-sig":  # the BOM is handled below, and written back only if present
        codec = "utf-8"
    is_utf8 = codec == "utf-8"
    if is_utf8 and data.startswith(UTF16_BOMS):
        raise InputError(
            "the file is UTF-16 encoded",
            path=path,
            fix="convert it to UTF-8 or pass --encoding utf-16",
        )
    bom = is_utf8 and data.startswith(UTF8_BOM)
    body = data[len(UTF8_BOM) :] if bom else data
    if b"\x00" in body and not codec.startswith("utf-16") and not codec.startswith("utf-32"):
        offset = body.index(b"\x00") + (len(UTF8_BOM) if bom else 0)
        raise InputError(
            f"looks like a binary file (NUL byte at byte offset {offset})",
            path=path,
            fix="pass a text release (.md, .txt or .html)",
        )
    try:
        return body.decode(codec), bom, codec
    except UnicodeDecodeError as error:
        offset = error.start + (len(UTF8_BOM) if bom else 0)
        line = data.count(b"\n", 0, offset) + 1
        raise InputError(
            f"not valid {codec.upper()}: byte 0x{body[error.start]:02x} at byte offset {offset}",
            path=path,
            where=f"line {line}",
            fix="convert the file to UTF-8, or pass --encoding with its real encoding "
            "(e.g. --encoding cp1252 for Windows files, --encoding latin-1)",
        ) from None
