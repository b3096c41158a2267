"""Measure an interpreter on labelled examples and write Rasa-compatible reports.

`intent_report.json` has the shape `rasa test nlu` writes (scikit-learn's classification report
plus `confused_with`), so the embedded model and a Rasa model can be compared file to file.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlu.interface import Entity, Interpreter
from nlu.yaml_data import Example, TrainingData

__all__ = [
    "CONFUSION_PNG",
    "ENTITY_REPORT_JSON",
    "ERRORS_JSON",
    "INTENT_REPORT_JSON",
    "Prediction",
    "confusion_matrix",
    "cross_validate",
    "entity_report",
    "error_list",
    "intent_report",
    "predict",
    "summary_table",
    "write_reports",
]

log = logging.getLogger(__name__)
INTENT_REPORT_JSON = "intent_report.json"
ERRORS_JSON = "errors.json"
CONFUSION_PNG = "intent_confusion_matrix.png"
ENTITY_REPORT_JSON = "entity_report.json"
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Prediction:
    """What the interpreter said about one labelled example."""

    example: Example
    intent: str
    confidence: float
    language: str
    entities: tuple[Entity, ...] = ()
    seconds: float = 0.0

    @property
    def correct(self) -> bool:
        return self.intent == self.example.intent


def predict(
    interpreter: Interpreter, examples: Sequence[Example], *, detect_language: bool = True
) -> list[Prediction]:
    """Parse every example (language detected unless `detect_language` is False)."""
    out: list[Prediction] = []
    for ex in examples:
        started = time.perf_counter()
        parse = interpreter.parse(ex.text, lang=None if detect_language else ex.language)
        elapsed = time.perf_counter() - started
        out.append(
            Prediction(
                ex, parse.intent.name, parse.intent.confidence, parse.language, parse.entities, elapsed
            )
        )
    return out


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def intent_report(predictions: Sequence[Prediction]) -> dict[str, Any]:
    """Per-intent precision/recall/f1-score/support/confused_with, accuracy, macro and weighted avg."""
    gold = [p.example.intent for p in predictions]
    pred = [p.intent for p in predictions]
    labels = sorted(set(gold) | set(pred))
    report: dict[str, Any] = {}
    support = Counter(gold)
    predicted = Counter(pred)
    hits = Counter(g for g, p in zip(gold, pred, strict=True) if g == p)
    confusions: dict[str, Counter[str]] = {label: Counter() for label in labels}
    for g, p in zip(gold, pred, strict=True):
        if g != p:
            confusions[g][p] += 1
    rows = []
    for label in labels:
        tp = hits[label]
        precision, recall, f1 = _prf(tp, predicted[label] - tp, support[label] - tp)
        rows.append((precision, recall, f1, support[label]))
        report[label] = {
            "precision": precision,
            "recall": recall,
            "f1-score": f1,
            "support": support[label],
            "confused_with": dict(confusions[label].most_common(3)),
        }
    total = len(gold)
    report["accuracy"] = sum(hits.values()) / total if total else 0.0
    values = np.array([r[:3] for r in rows]) if rows else np.zeros((0, 3))
    weights = np.array([r[3] for r in rows], dtype=float)
    macro = values.mean(axis=0) if len(values) else np.zeros(3)
    weighted = (values * weights[:, None]).sum(axis=0) / weights.sum() if weights.sum() else np.zeros(3)
    for name, avg in (("macro avg", macro), ("weighted avg", weighted)):
        report[name] = {
            "precision": float(avg[0]),
            "recall": float(avg[1]),
            "f1-score": float(avg[2]),
            "support": total,
        }
    return report


def error_list(predictions: Sequence[Prediction]) -> list[dict[str, Any]]:
    """Misclassified examples, most confident mistakes first (Rasa's `intent_errors.json` shape)."""
    wrong = [p for p in predictions if not p.correct]
    wrong.sort(key=lambda p: -p.confidence)
    return [
        {
            "text": p.example.text,
            "intent": p.example.intent,
            "intent_prediction": {"name": p.intent, "confidence": round(p.confidence, 4)},
            "language": p.example.language,
            "predicted_language": p.language,
        }
        for p in wrong
    ]


def confusion_matrix(predictions: Sequence[Prediction]) -> tuple[list[str], np.ndarray]:
    """Labels and counts[gold, predicted]."""
    labels = sorted({p.example.intent for p in predictions} | {p.intent for p in predictions})
    where = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for p in predictions:
        matrix[where[p.example.intent], where[p.intent]] += 1
    return labels, matrix


def entity_report(predictions: Sequence[Prediction]) -> dict[str, Any] | None:
    """Span-level precision/recall/F1 per entity type (exact start, end and type), if annotated."""
    annotated = {a.entity for p in predictions for a in p.example.entities}
    if not annotated:
        return None
    report: dict[str, Any] = {}
    totals = Counter[str]()
    for entity in sorted(annotated):
        tp = fp = fn = 0
        for p in predictions:
            gold = {(a.start, a.end) for a in p.example.entities if a.entity == entity}
            found = {(e.start, e.end) for e in p.entities if e.entity == entity}
            tp += len(gold & found)
            fp += len(found - gold)
            fn += len(gold - found)
        precision, recall, f1 = _prf(tp, fp, fn)
        report[entity] = {"precision": precision, "recall": recall, "f1-score": f1, "support": tp + fn}
        totals.update({"tp": tp, "fp": fp, "fn": fn})
    precision, recall, f1 = _prf(totals["tp"], totals["fp"], totals["fn"])
    report["micro avg"] = {
        "precision": precision,
        "recall": recall,
        "f1-score": f1,
        "support": totals["tp"] + totals["fn"],
    }
    return report


def language_accuracy(predictions: Sequence[Prediction]) -> float | None:
    labelled = [p for p in predictions if p.example.language]
    if not labelled:
        return None
    return sum(p.language == p.example.language for p in labelled) / len(labelled)


def summary_table(report: dict[str, Any], *, language_acc: float | None = None) -> str:
    """A fixed-width table of the report for the terminal."""
    lines = [f"{'intent':<24}{'precision':>10}{'recall':>10}{'f1-score':>10}{'support':>9}"]
    lines.append("-" * len(lines[0]))
    for label, row in report.items():
        if isinstance(row, dict) and label not in ("macro avg", "weighted avg"):
            lines.append(
                f"{label:<24}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1-score']:>10.3f}"
                f"{row['support']:>9d}"
            )
    lines.append("-" * len(lines[0]))
    for label in ("macro avg", "weighted avg"):
        row = report[label]
        lines.append(
            f"{label:<24}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1-score']:>10.3f}{row['support']:>9d}"
        )
    lines.append(f"{'accuracy':<24}{report['accuracy']:>30.3f}")
    if language_acc is not None:
        lines.append(f"{'language accuracy':<24}{language_acc:>30.3f}")
    return "\n".join(lines)


def plot_confusion(labels: list[str], matrix: np.ndarray, path: Path) -> None:
    """Save the confusion matrix as a PNG (matplotlib's Agg canvas, no display needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    size = max(6.0, 0.45 * len(labels) + 3)
    fig = Figure(figsize=(size, size))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    image = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted intent")
    ax.set_ylabel("true intent")
    accuracy = np.trace(matrix) / max(1, matrix.sum())
    ax.set_title(f"Intent confusion matrix (accuracy {accuracy:.3f})")
    threshold = matrix.max() / 2 if matrix.size else 0
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            if matrix[i, j]:
                color = "white" if matrix[i, j] > threshold else "black"
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7, color=color)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


@dataclass(slots=True)
class Evaluation:
    """The reports of one evaluation run and where they were written."""

    report: dict[str, Any]
    errors: list[dict[str, Any]]
    language_accuracy: float | None
    entities: dict[str, Any] | None = None
    files: list[Path] = field(default_factory=list)


def write_reports(predictions: Sequence[Prediction], out_dir: Path, *, plot: bool = True) -> Evaluation:
    """Write intent_report.json, errors.json, the confusion-matrix PNG (and entity_report.json)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = intent_report(predictions)
    errors = error_list(predictions)
    entities = entity_report(predictions)
    result = Evaluation(report, errors, language_accuracy(predictions), entities)
    for name, payload in (
        (INTENT_REPORT_JSON, report),
        (ERRORS_JSON, errors),
        (ENTITY_REPORT_JSON, entities),
    ):
        if payload is None:
            continue
        target = out_dir / name
        target.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        result.files.append(target)
    if plot:
        labels, matrix = confusion_matrix(predictions)
        try:
            plot_confusion(labels, matrix, out_dir / CONFUSION_PNG)
        except ImportError:  # matplotlib is optional for everything but this picture
            log.warning("matplotlib is not installed: no confusion-matrix PNG")
        else:
            result.files.append(out_dir / CONFUSION_PNG)
    return result


def cross_validate(
    data: TrainingData,
    folds: int,
    *,
    train: Callable[[TrainingData], Interpreter],
    seed: int = 7,
    progress: Progress | None = None,
) -> list[Prediction]:
    """Out-of-fold predictions for every example: train on k-1 folds, predict the held-out one."""
    from nlu.classifier import stratified_folds

    intents = data.intents
    labels = np.array([intents.index(ex.intent) for ex in data.examples])
    predictions: list[Prediction] = []
    for k, test in enumerate(stratified_folds(labels, folds, seed), start=1):
        train_idx = np.setdiff1d(np.arange(len(labels)), test)
        if progress:
            progress(f"fold {k}/{folds}: training on {len(train_idx)}, testing on {len(test)} examples")
        interpreter = train(data.subset(train_idx.tolist()))
        predictions.extend(predict(interpreter, [data.examples[i] for i in test]))
    return predictions
