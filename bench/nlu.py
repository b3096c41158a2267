"""Benchmark the embedded NLU (and optionally a Rasa server) and print the figures as JSON.

    python bench/nlu.py [--data nlu/data] [--test nlu/data/test/test_pl.yml ...] [--repeat 5]
                        [--rasa-url http://127.0.0.1:5005 [--rasa-token T]] [--out results.json]

Measures, pinned to one CPU core: training time, model file size, load time, parse latency
(p50/p90/p99 with and without entity extraction), held-out accuracy and macro F1 per language, and
peak memory (tracemalloc while training and parsing, plus the process's peak RSS). With --rasa-url
the same test files go through the Rasa server and both sets of figures are printed side by side.
Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import os

# One core means one BLAS thread too; must be set before numpy is imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

# Run as a script, this file's folder comes first on sys.path and its name would shadow the package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import numpy as np  # noqa: E402

from nlu.components import EntityExtractor  # noqa: E402
from nlu.embedded import DEFAULT_DATA_DIR, DEFAULT_TEST_DIR, load_interpreter, train_interpreter  # noqa: E402
from nlu.evaluation import Prediction, intent_report, predict  # noqa: E402
from nlu.interface import Parse  # noqa: E402
from nlu.yaml_data import Example, load_data  # noqa: E402

DEFAULT_TESTS = [DEFAULT_TEST_DIR / "test_pl.yml", DEFAULT_TEST_DIR / "test_en.yml"]


def pin_to_one_core() -> int | None:
    """Restrict the process to one CPU (Linux); return it, or None where unsupported."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000.0
    if not len(ms):
        return {}
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 4),
        "p90_ms": round(float(np.percentile(ms, 90)), 4),
        "p99_ms": round(float(np.percentile(ms, 99)), 4),
        "mean_ms": round(float(ms.mean()), 4),
        "max_ms": round(float(ms.max()), 4),
        "samples": len(ms),
    }


def quality(predictions: list[Prediction]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for lang in sorted({p.example.language or "?" for p in predictions}):
        chosen = [p for p in predictions if (p.example.language or "?") == lang]
        report = intent_report(chosen)
        out[lang] = {
            "examples": len(chosen),
            "accuracy": round(report["accuracy"], 4),
            "macro_f1": round(report["macro avg"]["f1-score"], 4),
            "language_accuracy": round(
                sum(p.language == p.example.language for p in chosen) / len(chosen), 4
            ),
        }
    return out


def time_parses(parse: Any, texts: list[str], repeat: int) -> list[float]:
    for text in texts[:50]:
        parse(text)  # warm caches and lazy imports
    timings: list[float] = []
    clock = time.perf_counter
    for _ in range(repeat):
        for text in texts:
            started = clock()
            parse(text)
            timings.append(clock() - started)
    return timings


def bench_embedded(data_dir: Path, tests: list[Example], repeat: int, memory: bool) -> dict[str, Any]:
    data = load_data(data_dir)
    with tempfile.TemporaryDirectory() as tmp:
        model_path = Path(tmp) / "model.npz"
        started = time.perf_counter()
        trained = train_interpreter(data)
        train_seconds = time.perf_counter() - started
        size = trained.save(model_path)
        started = time.perf_counter()
        interpreter = load_interpreter(model_path)
        load_seconds = time.perf_counter() - started

    texts = [ex.text for ex in tests]
    full = time_parses(interpreter.parse, texts, repeat)
    intent_only = interpreter.pipeline.__class__(
        [c for c in interpreter.pipeline.components if not isinstance(c, EntityExtractor)], interpreter.header
    )
    without_entities = time_parses(intent_only.parse, texts, repeat)
    predictions = predict(interpreter, tests)
    result: dict[str, Any] = {
        "training_examples": len(data.examples),
        "intents": len(interpreter.intents),
        "train_seconds": round(train_seconds, 3),
        "model_bytes": size,
        "load_seconds": round(load_seconds, 4),
        "parse_latency": percentiles(full),
        "parse_latency_without_entities": percentiles(without_entities),
        "quality": quality(predictions),
    }
    if memory:
        tracemalloc.start()
        train_interpreter(data)
        result["peak_memory_train_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 2)
        tracemalloc.reset_peak()
        for text in texts:
            interpreter.parse(text)
        interpreter.parse("x" * 4096)
        result["peak_memory_parse_kb"] = round(tracemalloc.get_traced_memory()[1] / 1024, 1)
        tracemalloc.stop()
    return result


async def _rasa_run(url: str, token: str | None, tests: list[Example], timeout: float) -> dict[str, Any]:
    from nlu.rasa_client import RasaInterpreter

    client = RasaInterpreter(url, token=token, timeout=timeout, retries=0)
    timings: list[float] = []
    predictions: list[Prediction] = []
    failures = 0
    try:
        for ex in tests:
            started = time.perf_counter()
            try:
                data = await client.request(ex.text)
            except Exception:
                failures += 1
                continue
            timings.append(time.perf_counter() - started)
            parse = Parse.from_dict(data, language=ex.language)
            predictions.append(
                Prediction(ex, parse.intent.name, parse.intent.confidence, ex.language or "pl")
            )
    finally:
        await client.close()
    return {
        "url": url,
        "failures": failures,
        "parse_latency": percentiles(timings),
        "quality": quality(predictions) if predictions else {},
    }


def side_by_side(embedded: dict[str, Any], rasa: dict[str, Any]) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for lang, figures in embedded["quality"].items():
        other = rasa.get("quality", {}).get(lang, {})
        rows[lang] = {
            "accuracy": {"embedded": figures["accuracy"], "rasa": other.get("accuracy")},
            "macro_f1": {"embedded": figures["macro_f1"], "rasa": other.get("macro_f1")},
        }
    for key in ("p50_ms", "p99_ms"):
        rows[f"latency_{key}"] = {
            "embedded": embedded["parse_latency"].get(key),
            "rasa": rasa.get("parse_latency", {}).get(key),
        }
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="training data (file or dir)")
    parser.add_argument("--test", type=Path, nargs="+", default=DEFAULT_TESTS, help="held-out test files")
    parser.add_argument("--repeat", type=int, default=5, help="passes over the test texts for latency")
    parser.add_argument("--rasa-url", help="also run the test files through this Rasa server")
    parser.add_argument("--rasa-token")
    parser.add_argument("--rasa-timeout", type=float, default=10.0)
    parser.add_argument("--no-memory", action="store_true", help="skip the (slower) tracemalloc pass")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)

    cpu = pin_to_one_core()
    tests = [ex for path in args.test for ex in load_data(path).examples]
    figures: dict[str, Any] = {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "pinned_cpu": cpu,
        "test_examples": len(tests),
        "embedded": bench_embedded(args.data, tests, max(1, args.repeat), not args.no_memory),
    }
    if args.rasa_url:
        figures["rasa"] = asyncio.run(_rasa_run(args.rasa_url, args.rasa_token, tests, args.rasa_timeout))
        figures["side_by_side"] = side_by_side(figures["embedded"], figures["rasa"])
    try:
        import resource

        figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    except ImportError:  # not on Windows
        pass
    text = json.dumps(figures, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
