"""Choose and build the interpreter an application uses (`NLU_BACKEND`: embedded, rasa or null).

The application only ever sees the `Interpreter` protocol; this is the one place that knows which
implementations exist and how they are configured.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from nlu.embedded import DEFAULT_MODEL_PATH, load_or_train
from nlu.interface import Interpreter, NullInterpreter
from nlu.rasa_client import RasaInterpreter

__all__ = ["BACKENDS", "DEFAULT_TIMEOUT", "build_interpreter", "build_interpreter_from_env"]

log = logging.getLogger(__name__)
BACKENDS = ("embedded", "rasa", "null")
DEFAULT_TIMEOUT = 2.0


def build_interpreter(
    backend: str = "embedded",
    *,
    model_path: Path | str = DEFAULT_MODEL_PATH,
    data_dir: Path | str | None = None,
    rasa_url: str | None = None,
    rasa_token: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Callable[[str], None] | None = None,
) -> Interpreter:
    """An interpreter for `backend`.

    embedded: load `model_path`, retraining it from `data_dir` (default: the shipped data) when the
    data changed or the file is missing/corrupt. rasa: a client of `rasa_url` whose fall-back is that
    same embedded interpreter, loaded now so a Rasa outage never waits for training. null: understands
    nothing (buttons and commands only; "none" is accepted too). Raises ValueError for an unknown
    backend or a missing URL.
    """
    name = (backend or "embedded").strip().lower()
    name = "null" if name == "none" else name
    if name not in BACKENDS:
        raise ValueError(f"unknown NLU backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    if name == "null":
        return NullInterpreter()
    if name == "rasa" and not rasa_url:
        raise ValueError("the rasa NLU backend needs RASA_URL")
    embedded = load_or_train(data_dir, model_path, progress=progress)
    embedded.parse("dzień dobry, na Głogowskiej jutro o 10")  # warm-up: lazy imports, gazetteer loading
    if name == "embedded":
        return embedded
    log.info("NLU: Rasa at %s, embedded model as fall-back", rasa_url)
    return RasaInterpreter(str(rasa_url), token=rasa_token, timeout=timeout, fallback=embedded)


def build_interpreter_from_env(
    env: Mapping[str, str] | None = None,
    *,
    model_path: Path | str | None = None,
    data_dir: Path | str | None = None,
) -> Interpreter:
    """`build_interpreter` configured by NLU_BACKEND, RASA_URL, RASA_TOKEN, NLU_TIMEOUT,
    NLU_MODEL_PATH and NLU_DATA_DIR (explicit arguments win over the environment)."""
    env = os.environ if env is None else env
    try:
        timeout = float(env.get("NLU_TIMEOUT") or DEFAULT_TIMEOUT)
    except ValueError:
        raise ValueError(f"NLU_TIMEOUT must be a number of seconds, not {env.get('NLU_TIMEOUT')!r}") from None
    return build_interpreter(
        env.get("NLU_BACKEND") or "embedded",
        model_path=model_path or env.get("NLU_MODEL_PATH") or DEFAULT_MODEL_PATH,
        data_dir=data_dir or env.get("NLU_DATA_DIR") or None,
        rasa_url=env.get("RASA_URL") or None,
        rasa_token=env.get("RASA_TOKEN") or None,
        timeout=timeout,
    )
