"""Where the components are composed: normaliser -> language -> features -> intent -> entities.

The pipeline is the only place that knows the order of the steps. It trains them in turn, saves
them into one model file (arrays under `<component>.<name>`, descriptions in the header) and loads
them back through the component registry, so adding a step is a change to this list alone.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from nlu.components import (
    COMPONENTS,
    ClassifierConfig,
    Component,
    EntityExtractor,
    IntentClassifier,
    LanguageDetector,
    Message,
    Normaliser,
    Progress,
    TextFeaturizer,
    TrainContext,
)
from nlu.features import FeaturizerConfig
from nlu.interface import IntentScore, Parse
from nlu.langid import LanguageIdentifier
from nlu.model_file import FORMAT_VERSION
from nlu.yaml_data import TrainingData

__all__ = ["FALLBACK_INTENT", "Pipeline", "PipelineConfig"]

log = logging.getLogger(__name__)
FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """Everything that shapes a trained model; part of the model's fingerprint."""

    max_chars: int = 1000
    default_language: str = "pl"
    featurizer: FeaturizerConfig = field(default_factory=FeaturizerConfig)
    classifier: ClassifierConfig = field(default_factory=ClassifierConfig)

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_chars": self.max_chars,
            "default_language": self.default_language,
            "featurizer": self.featurizer.to_dict(),
            "classifier": self.classifier.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PipelineConfig:
        return cls(
            max_chars=int(data.get("max_chars", 1000)),
            default_language=str(data.get("default_language", "pl")),
            featurizer=FeaturizerConfig.from_dict(data.get("featurizer") or {}),
            classifier=ClassifierConfig.from_dict(data.get("classifier") or {}),
        )

    def fingerprint(self, data_digest: str) -> str:
        """Identity of a model: data, configuration and file format together."""
        blob = json.dumps(
            {"data": data_digest, "config": self.to_dict(), "format": FORMAT_VERSION}, sort_keys=True
        )
        return hashlib.sha256(blob.encode()).hexdigest()


class Pipeline:
    """An ordered list of trained components that turns text into a `Parse`."""

    def __init__(self, components: list[Component], header: dict[str, Any] | None = None) -> None:
        self.components = components
        self.header: dict[str, Any] = header or {}
        self._language = next((c for c in components if isinstance(c, LanguageDetector)), None)
        self._normaliser = next((c for c in components if isinstance(c, Normaliser)), None)
        self._classifier = next((c for c in components if isinstance(c, IntentClassifier)), None)

    @classmethod
    def create(cls, config: PipelineConfig | None = None) -> Pipeline:
        config = config or PipelineConfig()
        return cls(
            [
                Normaliser(config.max_chars),
                LanguageDetector(LanguageIdentifier(default=config.default_language)),
                TextFeaturizer(config.featurizer),
                IntentClassifier(config.classifier),
                EntityExtractor(),
            ],
            {"config": config.to_dict()},
        )

    @property
    def intents(self) -> list[str]:
        return list(self._classifier.intents) if self._classifier else []

    @property
    def languages(self) -> list[str]:
        return list(self._language.languages) if self._language else []

    # -- training -------------------------------------------------------------------------------

    def train(self, data: TrainingData, *, progress: Progress | None = None) -> dict[str, Any]:
        """Train every component in order; return statistics for the model header."""
        started = time.perf_counter()
        context = TrainContext(progress=progress)
        context.say(
            f"training on {len(data.examples)} examples, {len(data.intents)} intents, "
            f"languages: {', '.join(data.languages) or 'unmarked'}"
        )
        for component in self.components:
            component.train(data, context)
        stats = {
            "examples": len(data.examples),
            "train_seconds": round(time.perf_counter() - started, 3),
            **context.stats,
        }
        self.header.update({"intents": self.intents, "languages": self.languages, "stats": stats})
        return stats

    # -- persistence ----------------------------------------------------------------------------

    def persist(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Header (JSON) and arrays for `nlu.model_file.write_model`."""
        arrays: dict[str, np.ndarray] = {}
        described = []
        for component in self.components:
            described.append({"name": component.name, "description": component.describe()})
            for key, value in component.persist().items():
                arrays[f"{component.name}.{key}"] = value
        header = {**self.header, "pipeline": described, "intents": self.intents, "languages": self.languages}
        return header, arrays

    @classmethod
    def load(cls, header: dict[str, Any], arrays: dict[str, np.ndarray]) -> Pipeline:
        """Rebuild from a model file's contents; ValueError/KeyError when they do not fit together."""
        components: list[Component] = []
        for entry in header.get("pipeline") or []:
            name = entry["name"]
            kind = COMPONENTS.get(name)
            if kind is None:
                raise ValueError(f"unknown component {name!r}")
            prefix = f"{name}."
            own = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
            components.append(kind.load(own, entry.get("description") or {}))
        if not any(isinstance(c, IntentClassifier) for c in components):
            raise ValueError("model has no intent classifier")
        return cls(components, header)

    # -- inference ------------------------------------------------------------------------------

    def detect_language(self, text: str) -> str:
        """Language of `text` alone (used by the Rasa client, whose server does not say)."""
        message = Message(text=_as_text(text))
        try:
            self._normalise(message)
            if self._language is not None:
                self._language.process(message)
        except Exception:
            log.exception("language detection failed")
        return message.language

    def parse(self, text: Any, *, lang: str | None = None, now: datetime | None = None) -> Parse:
        """Interpret one message. Never raises: on an internal error the answer is `nlu_fallback`."""
        raw = _as_text(text)
        message = Message(text=raw, lang=lang, now=now)
        if lang and lang.strip().lower()[:2] in ("pl", "en"):
            message.language = lang.strip().lower()[:2]
        try:
            for component in self.components:
                component.process(message)
        except Exception:
            log.exception("NLU pipeline failed on a message of %d chars", len(raw))
            return Parse(text=raw, intent=IntentScore(FALLBACK_INTENT, 0.0), language=message.language)
        intent = message.ranking[0] if message.ranking else IntentScore(FALLBACK_INTENT, 0.0)
        return Parse(
            text=raw,
            intent=intent,
            intent_ranking=tuple(message.ranking[:10]),
            entities=tuple(sorted(message.entities, key=lambda e: (e.start, e.end))),
            language=message.language,
        )

    def _normalise(self, message: Message) -> None:
        if self._normaliser is not None:
            self._normaliser.process(message)


def _as_text(text: Any) -> str:
    if text is None:
        return ""
    if isinstance(text, bytes):
        return text.decode("utf-8", errors="replace")
    return text if isinstance(text, str) else str(text)
