"""The layers of the library: the PO stage knows nothing of MT or QA."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

PO_MODULES = ["catalog", "header", "keys", "merge", "notes", "reader", "selfcheck", "sidecar",
              "status", "wrap"]  # fmt: skip


@pytest.mark.parametrize("module", ["pipeline.po", *(f"pipeline.po.{m}" for m in PO_MODULES)])
def test_the_po_stage_imports_neither_mt_nor_qa(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('pipeline.mt', 'pipeline.qa')))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{module} imports {result.stdout.strip()}"


def test_every_po_module_is_listed() -> None:
    found = {p.stem for p in (ROOT / "pipeline" / "po").glob("*.py") if p.stem != "__init__"}
    assert found == set(PO_MODULES)
