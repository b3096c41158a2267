"""The model file: round trip, safe loading, versioning and automatic retraining."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

import nlu.embedded as embedded
from nlu.embedded import load_interpreter, load_or_train, train_interpreter
from nlu.model_file import FORMAT_VERSION, ModelFileError, read_header, read_model, write_model

SAMPLES = ["poproszę pizzę", "hello", "do której otwarte", "", "😀", "qqq zzz"]


def test_round_trip_gives_identical_parses(tiny_data: Path, tmp_path: Path) -> None:
    trained = train_interpreter(tiny_data)
    trained.save(tmp_path / "m.npz")
    loaded = load_interpreter(tmp_path / "m.npz")
    for text in SAMPLES:
        assert loaded.parse(text).to_dict() == trained.parse(text).to_dict()
    assert loaded.intents == ["greet", "opening_hours", "order_pizza"]
    assert loaded.languages == ["en", "pl"]


def test_training_is_deterministic(tiny_data: Path, tmp_path: Path) -> None:
    train_interpreter(tiny_data).save(tmp_path / "a.npz")
    train_interpreter(tiny_data).save(tmp_path / "b.npz")
    _, a = read_model(tmp_path / "a.npz")
    _, b = read_model(tmp_path / "b.npz")
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), key


def test_file_holds_plain_arrays_and_a_versioned_header(tiny_model_path: Path) -> None:
    with np.load(tiny_model_path, allow_pickle=False) as archive:
        for key in archive.files:
            assert archive[key].dtype != object
    with zipfile.ZipFile(tiny_model_path) as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())
    header = read_header(tiny_model_path)
    assert header["format_version"] == FORMAT_VERSION
    assert len(header["fingerprint"]) == 64 and len(header["data_digest"]) == 64
    assert header["intents"] == ["greet", "opening_hours", "order_pizza"]
    json.dumps(header)


def test_object_arrays_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        write_model(tmp_path / "m.npz", {}, {"x": np.array([{"a": 1}], dtype=object)})


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04garbage"])
def test_garbage_files_are_reported_not_raised_raw(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "m.npz"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=r"corrupt|not an NLU model"):
        read_model(path)


def test_other_format_versions_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    write_model(path, {"format_version": FORMAT_VERSION + 1}, {})
    with pytest.raises(ModelFileError, match="format"):
        read_header(path)


def test_load_or_train_trains_saves_then_reuses(tiny_data: Path, tmp_path: Path, monkeypatch) -> None:
    model = tmp_path / "var" / "nlu" / "model.npz"
    first = load_or_train(tiny_data, model)
    assert model.is_file() and first.parse("hej").intent.name == "greet"

    def refuse(*args, **kwargs):
        raise AssertionError("should not retrain")

    monkeypatch.setattr(embedded, "train_interpreter", refuse)
    again = load_or_train(tiny_data, model)
    assert again.header["fingerprint"] == first.header["fingerprint"]


def test_load_or_train_retrains_when_the_data_changes(tiny_data: Path, tmp_path: Path) -> None:
    model = tmp_path / "model.npz"
    first = load_or_train(tiny_data, model)
    extra = tiny_data / "en" / "extra.yml"
    extra.write_text(
        'version: "3.1"\nnlu:\n- intent: goodbye\n  examples: |\n    - bye\n    - see you\n    - ciao\n',
        encoding="utf-8",
    )
    second = load_or_train(tiny_data, model)
    assert second.header["fingerprint"] != first.header["fingerprint"]
    assert "goodbye" in second.intents
    assert "goodbye" in load_interpreter(model).intents


@pytest.mark.parametrize("damage", ["truncate", "garbage", "old_version"])
def test_load_or_train_replaces_unusable_models(tiny_data: Path, tmp_path: Path, damage: str) -> None:
    model = tmp_path / "model.npz"
    load_or_train(tiny_data, model)
    if damage == "truncate":
        model.write_bytes(model.read_bytes()[:100])
    elif damage == "garbage":
        model.write_bytes(b"\x00" * 64)
    else:
        header, arrays = read_model(model)
        write_model(model, {**header, "format_version": 0}, arrays)
    repaired = load_or_train(tiny_data, model)
    assert repaired.parse("hello").intent.name == "greet"
    assert read_header(model)["format_version"] == FORMAT_VERSION


def test_missing_data_folder_falls_back_to_the_saved_model(tiny_data: Path, tmp_path: Path) -> None:
    model = tmp_path / "model.npz"
    load_or_train(tiny_data, model)
    assert load_or_train(tmp_path / "gone", model).intents == ["greet", "opening_hours", "order_pizza"]


def test_unwritable_model_path_still_returns_an_interpreter(tiny_data: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    interpreter = load_or_train(tiny_data, blocker / "model.npz")
    assert interpreter.parse("hi").intent.name == "greet"
