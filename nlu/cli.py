"""`python -m nlu` (also `citybot nlu`): train, parse, evaluate, import streets, inspect a model.

Every command answers a missing or malformed file with one `error:` line on stderr and exit code 2,
never a traceback; progress goes to stderr so stdout stays machine-readable (JSON for `parse`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from nlu.embedded import (
    DEFAULT_DATA_DIR,
    DEFAULT_MODEL_PATH,
    EmbeddedInterpreter,
    load_interpreter,
    load_or_train,
    train_interpreter,
)
from nlu.model_file import ModelFileError, read_header
from nlu.pipeline import PipelineConfig
from nlu.yaml_data import NLUDataError, load_data

__all__ = ["main"]

EXIT_OK, EXIT_ERROR = 0, 2


class CommandError(Exception):
    """A user-facing failure: printed as one line."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nlu", description="Train, run and evaluate the city bot's language understanding."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = sub.add_parser("train", help="train a model from Rasa NLU YAML data")
    train.add_argument("--data", required=True, type=Path, help="Rasa NLU YAML file or directory")
    train.add_argument("--out", required=True, type=Path, help="model file to write (.npz)")
    train.add_argument("--lang", choices=("pl", "en"), help="train for one language only")
    train.add_argument("--quiet", action="store_true", help="no progress output")

    parse = sub.add_parser("parse", help="print the Parse JSON of one message")
    parse.add_argument("text", help="the message")
    parse.add_argument(
        "--model",
        type=Path,
        help="model file (default: NLU_MODEL_PATH or var/nlu/model.npz, "
        "trained from the shipped data when missing or outdated)",
    )
    parse.add_argument("--lang", choices=("pl", "en"), help="language of the message (default: detect)")
    parse.add_argument("--now", help="reference time for relative dates, ISO 8601 (e.g. 2026-03-02T09:00)")

    evaluate = sub.add_parser("evaluate", help="measure a model on a labelled test file")
    evaluate.add_argument("--model", type=Path, help="model file (optional with --cross-validation)")
    evaluate.add_argument("--data", required=True, type=Path, help="labelled Rasa NLU YAML file or directory")
    evaluate.add_argument("--out", required=True, type=Path, help="directory for the reports")
    evaluate.add_argument(
        "--cross-validation",
        type=int,
        metavar="K",
        dest="folds",
        help="train and test on K folds of --data instead of testing a model",
    )
    evaluate.add_argument("--lang", choices=("pl", "en"), help="only examples of this language")
    evaluate.add_argument("--no-plot", action="store_true", help="skip the confusion-matrix PNG")

    streets = sub.add_parser("import-streets", help="import the TERYT ULIC street register")
    streets.add_argument("file", type=Path, help="TERYT ULIC file (XML or CSV)")
    streets.add_argument("--out", type=Path, help="gazetteer file to write (default: the gazetteer's own)")

    info = sub.add_parser("info", help="show a model file's header")
    info.add_argument("--model", required=True, type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the process exit code."""
    args = build_parser().parse_args(argv)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "train": _train,
        "parse": _parse,
        "evaluate": _evaluate,
        "import-streets": _import_streets,
        "info": _info,
    }
    try:
        return handlers[args.command](args)
    except (CommandError, NLUDataError, ModelFileError) as exc:
        _error(str(exc))
    except OSError as exc:
        _error(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    return EXIT_ERROR


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _progress(stream: TextIO | None = None) -> Callable[[str], None]:
    started = time.perf_counter()

    def say(line: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {line}", file=stream or sys.stderr, flush=True)

    return say


def _train(args: argparse.Namespace) -> int:
    progress = None if args.quiet else _progress()
    data = load_data(args.data, lang=args.lang)
    interpreter = train_interpreter(data, lang=args.lang, progress=progress, config=PipelineConfig())
    size = interpreter.save(args.out)
    stats = interpreter.header.get("stats", {})
    print(
        f"model saved to {args.out} ({size / 1024:.0f} KiB): {stats.get('examples')} examples, "
        f"{len(interpreter.intents)} intents, languages {', '.join(interpreter.languages) or '-'}, "
        f"trained in {stats.get('train_seconds', 0):.1f}s"
    )
    return EXIT_OK


def _load_model(path: Path | None) -> EmbeddedInterpreter:
    if path is not None:
        return load_interpreter(path)
    default = Path(os.environ.get("NLU_MODEL_PATH") or DEFAULT_MODEL_PATH)
    data_dir = os.environ.get("NLU_DATA_DIR") or DEFAULT_DATA_DIR
    return load_or_train(data_dir, default, progress=_progress())


def _parse(args: argparse.Namespace) -> int:
    now = None
    if args.now:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError:
            raise CommandError(f"--now is not an ISO 8601 date/time: {args.now!r}") from None
    interpreter = _load_model(args.model)
    parse = interpreter.parse(args.text, lang=args.lang, now=now)
    print(json.dumps(parse.to_dict(), ensure_ascii=False, indent=2))
    return EXIT_OK


def _evaluate(args: argparse.Namespace) -> int:
    from nlu.evaluation import cross_validate, predict, summary_table, write_reports

    data = load_data(args.data)
    chosen = [i for i, ex in enumerate(data.examples) if not args.lang or ex.language in (args.lang, None)]
    if not chosen:
        raise CommandError(f"no {args.lang} examples in {args.data}")
    data = data.subset(chosen)
    examples = data.examples
    if args.folds is not None:
        if args.folds < 2 or args.folds > len(examples):
            raise CommandError(f"--cross-validation needs 2..{len(examples)} folds, got {args.folds}")
        config = PipelineConfig()
        if args.model is not None:
            config = PipelineConfig.from_dict(read_header(args.model).get("config") or {})
        progress = _progress()
        predictions = cross_validate(
            data, args.folds, train=lambda part: train_interpreter(part, config=config), progress=progress
        )
    else:
        if args.model is None:
            raise CommandError("--model is required unless --cross-validation is given")
        interpreter = load_interpreter(args.model)
        predictions = predict(interpreter, examples)
    result = write_reports(predictions, args.out, plot=not args.no_plot)
    print(summary_table(result.report, language_acc=result.language_accuracy))
    if result.entities:
        micro = result.entities["micro avg"]
        print(f"{'entities (micro avg)':<24}{micro['f1-score']:>30.3f}")
    print(f"{len(result.errors)} errors; reports in {args.out}: {', '.join(f.name for f in result.files)}")
    return EXIT_OK


def _import_streets(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise CommandError(f"file not found: {args.file}")
    try:
        from nlu.gazetteer.teryt import import_teryt
    except ImportError as exc:
        raise CommandError(f"the street importer is not available ({exc})") from None
    try:
        count = import_teryt(args.file, args.out)
    except NotImplementedError:
        raise CommandError("the street importer is not implemented yet") from None
    except (ValueError, KeyError) as exc:
        raise CommandError(f"{args.file}: cannot read the TERYT register ({exc})") from None
    target = f" into {args.out}" if args.out else ""
    print(f"imported {count} streets{target}")
    return EXIT_OK


def _info(args: argparse.Namespace) -> int:
    header = read_header(args.model)
    summary = {
        k: header.get(k) for k in ("format_version", "fingerprint", "data_digest", "intents", "languages")
    }
    summary["stats"] = header.get("stats")
    summary["size_bytes"] = args.model.stat().st_size
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return EXIT_OK
