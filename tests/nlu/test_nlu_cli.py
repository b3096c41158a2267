"""`python -m nlu`: train, parse, evaluate, import-streets, info; one-line errors for bad files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import nlu.gazetteer.teryt as teryt
from nlu.cli import main

RASA_REPORT_KEYS = {"precision", "recall", "f1-score", "support"}


def _one_error_line(capsys: pytest.CaptureFixture[str], code: int) -> str:
    out = capsys.readouterr()
    assert code == 2
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.err
    assert "Traceback" not in out.err
    return lines[0]


def test_train_writes_a_model_and_shows_progress(tiny_data: Path, tmp_path: Path, capsys) -> None:
    model = tmp_path / "out" / "model.npz"
    assert main(["train", "--data", str(tiny_data), "--out", str(model)]) == 0
    out = capsys.readouterr()
    assert model.is_file()
    assert "model saved to" in out.out and "3 intents" in out.out
    assert "epoch" in out.err and "features" in out.err


def test_train_for_one_language(tiny_data: Path, tmp_path: Path, capsys) -> None:
    model = tmp_path / "pl.npz"
    assert main(["train", "--data", str(tiny_data), "--out", str(model), "--lang", "pl", "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["info", "--model", str(model)]) == 0
    assert json.loads(capsys.readouterr().out)["languages"] == ["pl"]


def test_parse_prints_the_parse_json(tiny_model_path: Path, capsys) -> None:
    code = main(
        ["parse", "poproszę pizzę na jutro", "--model", str(tiny_model_path), "--now", "2026-03-02T09:00"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["intent"]["name"] == "order_pizza" and data["language"] == "pl"
    assert set(data) == {"text", "intent", "intent_ranking", "entities", "language"}
    assert main(["parse", "hello", "--model", str(tiny_model_path), "--lang", "pl"]) == 0
    assert json.loads(capsys.readouterr().out)["language"] == "pl"


def test_parse_without_model_uses_the_default_path(
    tiny_data: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("NLU_MODEL_PATH", str(tmp_path / "var" / "model.npz"))
    monkeypatch.setenv("NLU_DATA_DIR", str(tiny_data))
    assert main(["parse", "hi"]) == 0
    assert json.loads(capsys.readouterr().out)["intent"]["name"] == "greet"
    assert (tmp_path / "var" / "model.npz").is_file()


def test_evaluate_writes_rasa_style_reports(
    tiny_model_path: Path, tiny_data: Path, tmp_path: Path, capsys
) -> None:
    out_dir = tmp_path / "results"
    assert (
        main(["evaluate", "--model", str(tiny_model_path), "--data", str(tiny_data), "--out", str(out_dir)])
        == 0
    )
    printed = capsys.readouterr().out
    assert "macro avg" in printed and "accuracy" in printed
    report = json.loads((out_dir / "intent_report.json").read_text())
    for intent in ("greet", "opening_hours", "order_pizza"):
        assert set(report[intent]) >= RASA_REPORT_KEYS and "confused_with" in report[intent]
    assert 0.0 <= report["accuracy"] <= 1.0
    for avg in ("macro avg", "weighted avg"):
        assert set(report[avg]) == RASA_REPORT_KEYS and report[avg]["support"] == 48
    errors = json.loads((out_dir / "errors.json").read_text())
    assert isinstance(errors, list)
    assert (out_dir / "intent_confusion_matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_cross_validation(tiny_data: Path, tmp_path: Path, capsys) -> None:
    out_dir = tmp_path / "cv"
    code = main(
        ["evaluate", "--data", str(tiny_data), "--out", str(out_dir), "--cross-validation", "3", "--no-plot"]
    )
    assert code == 0
    report = json.loads((out_dir / "intent_report.json").read_text())
    assert report["macro avg"]["support"] == 48 and report["accuracy"] > 0.6
    assert "fold 3/3" in capsys.readouterr().err


def test_evaluate_one_language(tiny_model_path: Path, tiny_data: Path, tmp_path: Path, capsys) -> None:
    code = main(
        [
            "evaluate",
            "--model",
            str(tiny_model_path),
            "--data",
            str(tiny_data),
            "--out",
            str(tmp_path),
            "--lang",
            "en",
            "--no-plot",
        ]
    )
    assert code == 0
    assert json.loads((tmp_path / "intent_report.json").read_text())["macro avg"]["support"] == 24


BAD_YAML = "nlu:\n- intent: greet\n  examples: |\n    - a\n  - b: [\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--data", "{missing}", "--out", "{tmp}/m.npz"],
        ["train", "--data", "{bad}", "--out", "{tmp}/m.npz"],
        ["parse", "hej", "--model", "{missing}"],
        ["parse", "hej", "--model", "{bad}"],
        ["parse", "hej", "--model", "{model}", "--now", "yesterday-ish"],
        ["evaluate", "--model", "{missing}", "--data", "{data}", "--out", "{tmp}/r"],
        ["evaluate", "--model", "{bad}", "--data", "{data}", "--out", "{tmp}/r"],
        ["evaluate", "--model", "{model}", "--data", "{missing}", "--out", "{tmp}/r"],
        ["evaluate", "--model", "{model}", "--data", "{bad}", "--out", "{tmp}/r"],
        ["evaluate", "--data", "{data}", "--out", "{tmp}/r"],
        ["evaluate", "--data", "{data}", "--out", "{tmp}/r", "--cross-validation", "1"],
        ["info", "--model", "{bad}"],
        ["import-streets", "{missing}"],
    ],
)
def test_bad_files_get_one_clear_line(
    argv, tiny_data: Path, tiny_model_path: Path, tmp_path: Path, capsys
) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_YAML, encoding="utf-8")
    values = {
        "missing": tmp_path / "nope.yml",
        "bad": bad,
        "tmp": tmp_path,
        "data": tiny_data,
        "model": tiny_model_path,
    }
    line = _one_error_line(capsys, main([arg.format(**values) for arg in argv]))
    assert len(line) < 300


def test_import_streets_reports_the_count(tmp_path: Path, monkeypatch, capsys) -> None:
    src = tmp_path / "ULIC.xml"
    src.write_text("<teryt/>", encoding="utf-8")
    seen = []

    def fake_import(source: Path, dest: Path | None = None) -> int:
        seen.append((source, dest))
        return 1234

    monkeypatch.setattr(teryt, "import_teryt", fake_import)
    assert main(["import-streets", str(src), "--out", str(tmp_path / "streets.csv")]) == 0
    assert "imported 1234 streets" in capsys.readouterr().out
    assert seen == [(src, tmp_path / "streets.csv")]


def test_import_streets_errors_are_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    src = tmp_path / "ULIC.xml"
    src.write_text("garbage", encoding="utf-8")

    def failing(source: Path, dest: Path | None = None) -> int:
        raise ValueError("not a TERYT file")

    monkeypatch.setattr(teryt, "import_teryt", failing)
    assert "not a TERYT file" in _one_error_line(capsys, main(["import-streets", str(src)]))


def test_python_dash_m_nlu(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "nlu", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for command in ("train", "parse", "evaluate", "import-streets"):
        assert command in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "nlu", "parse", "x", "--model", str(tmp_path / "none.npz")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
