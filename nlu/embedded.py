"""The in-process interpreter: trained from the YAML data, saved as a model file, reloaded at start-up.

`load_or_train` is what an application calls: it reuses the saved model when its fingerprint (data
files + configuration + format version) still matches, and otherwise retrains and saves, so editing
the training data is enough to change what the bot understands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from nlu.interface import Parse
from nlu.model_file import ModelFileError, read_header, read_model, write_model
from nlu.pipeline import Pipeline, PipelineConfig
from nlu.yaml_data import NLUDataError, TrainingData, data_digest, load_data

__all__ = [
    "DEFAULT_DATA_DIR",
    "DEFAULT_MODEL_PATH",
    "DEFAULT_TEST_DIR",
    "EmbeddedInterpreter",
    "load_interpreter",
    "load_or_train",
    "train_interpreter",
]

log = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data" / "train"
DEFAULT_TEST_DIR = Path(__file__).resolve().parent / "data" / "test"
DEFAULT_MODEL_PATH = Path("var/nlu/model.npz")
Progress = Callable[[str], None]


class EmbeddedInterpreter:
    """`Interpreter` backed by a trained `Pipeline`; sub-millisecond, never raises."""

    name = "embedded"

    def __init__(self, pipeline: Pipeline, path: Path | None = None) -> None:
        self.pipeline = pipeline
        self.path = path

    @property
    def header(self) -> dict[str, Any]:
        return self.pipeline.header

    @property
    def intents(self) -> list[str]:
        return self.pipeline.intents

    @property
    def languages(self) -> list[str]:
        return self.pipeline.languages

    def parse(self, text: str, *, lang: str | None = None, now: datetime | None = None) -> Parse:
        return self.pipeline.parse(text, lang=lang, now=now)

    async def aparse(self, text: str, *, lang: str | None = None, now: datetime | None = None) -> Parse:
        return self.pipeline.parse(text, lang=lang, now=now)

    def detect_language(self, text: str) -> str:
        return self.pipeline.detect_language(text)

    async def close(self) -> None:
        """Nothing to release; present so callers can close any interpreter alike."""

    def save(self, path: Path) -> int:
        """Write the model file; return its size in bytes."""
        header, arrays = self.pipeline.persist()
        size = write_model(Path(path), header, arrays)
        self.path = Path(path)
        return size


def train_interpreter(
    data: TrainingData | Path | str,
    *,
    config: PipelineConfig | None = None,
    lang: str | None = None,
    progress: Progress | None = None,
) -> EmbeddedInterpreter:
    """Train a fresh pipeline on `data` (a TrainingData, or a file/directory of Rasa YAML)."""
    if not isinstance(data, TrainingData):
        data = load_data(Path(data), lang=lang)
    if len(data.intents) < 2:
        raise NLUDataError(f"need at least two intents to train, found {len(data.intents)}")
    config = config or PipelineConfig()
    pipeline = Pipeline.create(config)
    pipeline.train(data, progress=progress)
    pipeline.header.update(
        {"data_digest": data.digest, "fingerprint": config.fingerprint(data.digest), "lang": lang}
    )
    return EmbeddedInterpreter(pipeline)


def load_interpreter(path: Path | str) -> EmbeddedInterpreter:
    """Load a saved model; ModelFileError (one-line message) when it is missing or unusable."""
    path = Path(path)
    header, arrays = read_model(path)
    try:
        pipeline = Pipeline.load(header, arrays)
    except (KeyError, ValueError, TypeError) as exc:
        raise ModelFileError(f"{path}: inconsistent model file ({exc})") from None
    return EmbeddedInterpreter(pipeline, path)


def load_or_train(
    data_dir: Path | str | None,
    model_path: Path | str,
    *,
    config: PipelineConfig | None = None,
    lang: str | None = None,
    progress: Progress | None = None,
) -> EmbeddedInterpreter:
    """The saved model if it was trained from the current data and configuration, else a new one.

    A missing, corrupt, outdated or foreign model is retrained from `data_dir` (default: the data
    shipped with the package) and saved to `model_path`. If the data folder is missing but a model
    exists, the model is used as it is. A model that cannot be saved is still returned.
    """
    data_path = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    model_path = Path(model_path)
    config = config or PipelineConfig()
    try:
        digest = data_digest(data_path, lang=lang)
    except NLUDataError:
        if model_path.is_file():
            log.warning("NLU data %s not found; using the saved model %s as it is", data_path, model_path)
            return load_interpreter(model_path)
        raise
    wanted = config.fingerprint(digest)
    try:
        if read_header(model_path).get("fingerprint") == wanted:
            interpreter = load_interpreter(model_path)
            log.info("NLU model loaded from %s", model_path)
            return interpreter
        log.info("NLU data or configuration changed since %s was trained; retraining", model_path)
    except ModelFileError as exc:
        log.info("NLU model unusable (%s); training a new one", exc)
    interpreter = train_interpreter(
        load_data(data_path, lang=lang), config=config, lang=lang, progress=progress
    )
    try:
        size = interpreter.save(model_path)
        log.info("NLU model saved to %s (%d bytes)", model_path, size)
    except OSError as exc:
        log.warning("cannot save the NLU model to %s: %s", model_path, exc)
    return interpreter
