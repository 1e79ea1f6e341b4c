"""Device selection (issue 16, part 1): auto/cpu/cuda, compute type auto, what is in the
cache key, and where the device that decoded is reported. The suite runs on CPUs; the
CUDA cases ask a CTranslate2 whose device queries are replaced, as on a GPU machine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ctranslate2
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.errors import InputError
from pipeline.mt.engine import DecodingOptions, Engine, resolve_device
from tests.conftest import write_tiny_project_config


@pytest.fixture
def fresh_resolution() -> Any:
    resolve_device.cache_clear()
    yield
    resolve_device.cache_clear()


@pytest.fixture
def one_gpu(monkeypatch: pytest.MonkeyPatch, fresh_resolution: None) -> None:
    """CTranslate2 as it answers on a machine with one CUDA device."""
    cpu_types = ctranslate2.get_supported_compute_types("cpu")

    def supported(device: str, index: int = 0) -> set[str]:
        if device == "cuda":
            return {"float32", "float16", "int8_float16", "int8", "int8_float32"}
        return set(cpu_types)

    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)
    monkeypatch.setattr(ctranslate2, "get_supported_compute_types", supported)


def test_auto_is_the_cpu_with_int8_here(fresh_resolution: None) -> None:
    assert ctranslate2.get_cuda_device_count() == 0  # these tests run without a GPU
    resolved = DecodingOptions().resolved()
    assert (resolved.device, resolved.compute_type) == ("cpu", "int8")


def test_auto_takes_the_gpu_and_its_best_compute_type(one_gpu: None) -> None:
    assert resolve_device("auto", 0, "auto") == ("cuda", "int8_float16")
    assert resolve_device("cpu", 0, "auto") == ("cpu", "int8")
    assert resolve_device("cuda", 0, "float16") == ("cuda", "float16")


def test_cuda_without_a_gpu_is_a_setting_error(fresh_resolution: None) -> None:
    with pytest.raises(InputError) as raised:
        resolve_device("cuda", 0, "auto")
    assert "no CUDA device" in raised.value.message
    assert "--device cpu" in (raised.value.fix or "")


def test_a_second_gpu_that_is_not_there(one_gpu: None) -> None:
    with pytest.raises(InputError) as raised:
        resolve_device("cuda", 1, "auto")
    assert "cuda:1" in raised.value.message and "1 CUDA device" in raised.value.message


def test_the_cache_key_has_the_device_kind_not_threads_or_gpu_number(one_gpu: None) -> None:
    cpu = DecodingOptions(device="cpu").cache_fields()
    assert cpu == DecodingOptions(device="cpu", inter_threads=7, intra_threads=3).cache_fields()
    assert cpu != DecodingOptions(device="cpu", max_batch_tokens=99).cache_fields()
    gpu = DecodingOptions(device="cuda").cache_fields()
    assert (cpu["device"], cpu["compute_type"]) == ("cpu", "int8")
    assert (gpu["device"], gpu["compute_type"]) == ("cuda", "int8_float16")
    assert gpu == DecodingOptions(device="cuda", device_index=0).cache_fields()
    assert "device_index" not in gpu


def test_threads_change_the_speed_not_the_output(
    tiny_packages: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each CTranslate2 call gets the same batches whatever the thread count (the texts
    that share a call decide the output, see engine.BATCHES_PER_CALL)."""
    texts = [
        f"Das Symposium findet am {day:02d}.0{month}.2025 in {city} statt."
        for day in range(1, 8)
        for month in range(1, 4)
        for city in ("Frankfurt", "Zürich")
    ]
    calls: list[list[tuple[str, ...]]] = []
    real = Engine._run_batch

    def recording(self: Engine, model: Any, batch: list[list[str]], *args: Any, **kw: Any) -> Any:
        calls[-1].append(tuple(" ".join(tokens) for tokens in batch))
        return real(self, model, batch, *args, **kw)

    monkeypatch.setattr(Engine, "_run_batch", recording)
    outputs = []
    for threads in (1, 3):
        calls.append([])
        engine = Engine(tiny_packages, DecodingOptions(inter_threads=threads, max_batch_tokens=48))
        outputs.append([result.text for result in engine.translate(texts, "de", "fr")])
    assert len(calls[0]) > 1  # more than one call, or the test shows nothing
    assert calls[0] == calls[1]
    assert outputs[0] == outputs[1]


def test_the_engine_names_a_gpu_in_its_description(one_gpu: None, tiny_packages: Path) -> None:
    on_gpu = Engine(tiny_packages, DecodingOptions(device="cuda"))
    assert on_gpu.describe("de", "en") == "Argos de→en 0.1 (cuda int8_float16, beam 4)"
    on_cpu = Engine(tiny_packages, DecodingOptions(device="cpu"))
    assert on_cpu.describe("de", "en") == "Argos de→en 0.1 (int8, beam 4)"  # as before


def test_a_cpu_run_decodes_on_the_cpu_and_says_so(
    tiny_packages: Path, tmp_path: Path, fresh_resolution: None
) -> None:
    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "r.md").write_text(
        "Das Symposium findet am 07.12.2025 in Frankfurt statt.\n", encoding="utf-8"
    )
    write_tiny_project_config(tmp_path, tiny_packages)
    result = CliRunner().invoke(
        app, ["run", "--project", str(tmp_path), "--json", "--device", "cpu"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["decoding"] == "cpu, int8"
    wrong = CliRunner().invoke(app, ["run", "--project", str(tmp_path), "--device", "cuda"])
    assert wrong.exit_code == 3 and "no CUDA device" in wrong.stderr
    typo = CliRunner().invoke(app, ["run", "--project", str(tmp_path), "--device", "gpu"])
    assert typo.exit_code == 2 and "is not a device" in typo.output


def test_device_in_pipeline_toml_is_checked(tmp_path: Path) -> None:
    (tmp_path / "pipeline.toml").write_text('[mt]\ndevice = "tpu"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "--project", str(tmp_path)])
    assert result.exit_code == 3 and "mt.device" in result.stderr
