"""The NLU components, Rasa-style: each one trains, persists, loads and processes a message.

Components communicate only through the `Message` they process (and, at training time, through the
`TrainContext` earlier components fill in), so a pipeline is just an ordered list of them; see
`nlu.pipeline` for the composition.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

import numpy as np

from nlu.classifier import (
    LinearModel,
    fit_softmax,
    fit_temperature,
    gram_matrix,
    largest_kernel_eigenvalue,
    primal_weights,
    stratified_folds,
)
from nlu.features import Featurizer, FeaturizerConfig, SparseRows, feature_tokens
from nlu.interface import Entity, IntentScore
from nlu.langid import LanguageIdentifier
from nlu.text import clean
from nlu.yaml_data import TrainingData

__all__ = [
    "COMPONENTS",
    "Component",
    "EntityExtractor",
    "IntentClassifier",
    "LanguageDetector",
    "Message",
    "Normaliser",
    "TextFeaturizer",
    "TrainContext",
]

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


@dataclass(slots=True)
class Message:
    """A message travelling through the pipeline; each component fills in its part."""

    text: str
    lang: str | None = None
    now: datetime | None = None
    classify_text: str = ""
    tokens: list[str] = field(default_factory=list)
    language: str = "pl"
    features: tuple[np.ndarray, np.ndarray] | None = None
    coverage: float = 0.0
    ranking: list[IntentScore] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)


@dataclass(slots=True)
class TrainContext:
    """What earlier components hand to later ones while training (tokens, feature rows, stats)."""

    progress: Progress | None = None
    tokens: list[list[str]] = field(default_factory=list)
    features: SparseRows | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    def say(self, line: str) -> None:
        if self.progress:
            self.progress(line)


class Component(Protocol):
    """One step of the pipeline."""

    name: ClassVar[str]

    def train(self, data: TrainingData, context: TrainContext) -> None: ...

    def process(self, message: Message) -> None: ...

    def persist(self) -> dict[str, np.ndarray]: ...

    def describe(self) -> dict[str, Any]:
        """JSON-able configuration and learned scalars, stored in the model header."""
        ...

    @classmethod
    def load(cls, arrays: dict[str, np.ndarray], description: dict[str, Any]) -> Component: ...


class Normaliser:
    """Cleans control characters, truncates what is classified, folds and tokenises once."""

    name: ClassVar[str] = "normaliser"

    def __init__(self, max_chars: int = 1000) -> None:
        self.max_chars = max_chars

    def train(self, data: TrainingData, context: TrainContext) -> None:
        context.tokens = [feature_tokens(clean(ex.text)[: self.max_chars]) for ex in data.examples]

    def process(self, message: Message) -> None:
        message.classify_text = clean(message.text[: self.max_chars * 4])[: self.max_chars]
        message.tokens = feature_tokens(message.classify_text)

    def persist(self) -> dict[str, np.ndarray]:
        return {}

    def describe(self) -> dict[str, Any]:
        return {"max_chars": self.max_chars}

    @classmethod
    def load(cls, arrays: dict[str, np.ndarray], description: dict[str, Any]) -> Normaliser:
        return cls(int(description.get("max_chars", 1000)))


class LanguageDetector:
    """Sets `message.language`: the caller's choice when given, else naive Bayes detection."""

    name: ClassVar[str] = "language"

    def __init__(self, identifier: LanguageIdentifier | None = None) -> None:
        self.identifier = identifier or LanguageIdentifier()

    @property
    def languages(self) -> list[str]:
        return self.identifier.languages

    def train(self, data: TrainingData, context: TrainContext) -> None:
        self.identifier.fit(context.tokens, [ex.language for ex in data.examples])
        context.say(f"language identifier: {', '.join(self.identifier.languages)}")

    def process(self, message: Message) -> None:
        wanted = (message.lang or "").strip().lower()[:2]
        if wanted in ("pl", "en"):
            message.language = wanted
        else:
            message.language = self.identifier.detect(message.classify_text, message.tokens)

    def persist(self) -> dict[str, np.ndarray]:
        return self.identifier.persist()

    def describe(self) -> dict[str, Any]:
        return self.identifier.config()

    @classmethod
    def load(cls, arrays: dict[str, np.ndarray], description: dict[str, Any]) -> LanguageDetector:
        return cls(LanguageIdentifier.load(arrays, description))


class TextFeaturizer:
    """TF-IDF word and character n-gram features (see `nlu.features`)."""

    name: ClassVar[str] = "featurizer"

    def __init__(self, config: FeaturizerConfig | None = None) -> None:
        self.featurizer = Featurizer(config)

    def train(self, data: TrainingData, context: TrainContext) -> None:
        context.features = self.featurizer.fit_tokens(context.tokens)
        context.say(f"features: {self.featurizer.size} (words, bigrams, character 2-5-grams)")
        context.stats["features"] = self.featurizer.size

    def process(self, message: Message) -> None:
        idx, val, coverage = self.featurizer.transform_tokens(message.tokens)
        message.features = (idx, val)
        message.coverage = coverage

    def persist(self) -> dict[str, np.ndarray]:
        return self.featurizer.persist()

    def describe(self) -> dict[str, Any]:
        return self.featurizer.config.to_dict()

    @classmethod
    def load(cls, arrays: dict[str, np.ndarray], description: dict[str, Any]) -> TextFeaturizer:
        comp = cls()
        comp.featurizer = Featurizer.load(arrays, description)
        return comp


@dataclass(frozen=True, slots=True)
class ClassifierConfig:
    """Hyper-parameters of the intent classifier (chosen by cross-validation on training data)."""

    l2: float = 1e-4
    epochs: int = 300
    calibration_folds: int = 3
    seed: int = 13
    per_language: bool = False
    balanced: bool = True
    oos_intent: str = "out_of_scope"
    min_coverage: float = 0.5
    unknown_oos_weight: float = 0.6
    dense_df: int = 24

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClassifierConfig:
        return cls(**{k: v for k, v in data.items() if k in cls.__slots__})


class IntentClassifier:
    """Calibrated softmax regression; unknown-word messages lean towards `out_of_scope`.

    With `per_language`, one model per language is trained and the detected language picks it;
    otherwise one model serves both languages (robust to a misdetected language).
    """

    name: ClassVar[str] = "intent_classifier"

    def __init__(self, config: ClassifierConfig | None = None) -> None:
        self.config = config or ClassifierConfig()
        self.intents: list[str] = []
        self.models: dict[str, LinearModel] = {}
        self.cv_accuracy: dict[str, float] = {}

    def train(self, data: TrainingData, context: TrainContext) -> None:
        if context.features is None:
            raise RuntimeError("the intent classifier needs the featurizer before it")
        cfg = self.config
        self.intents = data.intents
        index = {name: i for i, name in enumerate(self.intents)}
        labels = np.array([index[ex.intent] for ex in data.examples], dtype=np.int64)
        languages = [ex.language or "" for ex in data.examples]
        groups: dict[str, np.ndarray] = {}
        if cfg.per_language and len({lang for lang in languages if lang}) > 1:
            for lang in sorted({lang for lang in languages if lang}):
                groups[lang] = np.flatnonzero([lng in (lang, "") for lng in languages])
        else:
            groups["*"] = np.arange(len(labels))
        self.models = {}
        for group, rows in groups.items():
            prefix = "" if group == "*" else f"[{group}] "
            x = context.features.rows(rows)
            y = labels[rows]
            context.say(f"{prefix}intent classifier: {len(rows)} examples, {len(self.intents)} intents")
            gram = gram_matrix(x, cfg.dense_df)
            top = largest_kernel_eigenvalue(gram)
            weight = self._sample_weight(y)
            temperature = 1.0
            folds = cfg.calibration_folds
            if folds >= 2 and len(rows) >= folds * 4:
                scores = np.zeros((len(rows), len(self.intents)))
                for k, test in enumerate(stratified_folds(y, folds, cfg.seed)):
                    train = np.setdiff1d(np.arange(len(rows)), test)
                    coef = fit_softmax(
                        gram[np.ix_(train, train)],
                        y[train],
                        len(self.intents),
                        l2=cfg.l2,
                        epochs=cfg.epochs,
                        sample_weight=weight[train],
                        largest_eigenvalue=top,
                    )
                    scores[test] = (gram[np.ix_(test, train)] + 1.0) @ coef
                    context.say(f"{prefix}calibration fold {k + 1}/{folds}")
                temperature = fit_temperature(scores, y)
                self.cv_accuracy[group] = float((scores.argmax(1) == y).mean())
                context.say(
                    f"{prefix}cross-validated accuracy {self.cv_accuracy[group]:.3f}, "
                    f"temperature {temperature:.2f}"
                )
            coef = fit_softmax(
                gram,
                y,
                len(self.intents),
                l2=cfg.l2,
                epochs=cfg.epochs,
                sample_weight=weight,
                largest_eigenvalue=top,
                progress=context.progress,
                label=prefix,
            )
            weights, bias = primal_weights(x, coef)
            self.models[group] = LinearModel(weights, bias, temperature)
        context.stats["cv_accuracy"] = self.cv_accuracy

    def _sample_weight(self, labels: np.ndarray) -> np.ndarray:
        if not self.config.balanced:
            return np.ones(len(labels))
        counts = np.bincount(labels, minlength=len(self.intents)).astype(np.float64)
        return 1.0 / counts[labels]

    def process(self, message: Message) -> None:
        model = self.models.get(message.language) or self.models.get("*") or next(iter(self.models.values()))
        idx, val = message.features if message.features is not None else (np.zeros(0, int), np.zeros(0))
        probs = (
            model.probabilities(idx, val) if len(idx) else np.full(len(self.intents), 1.0 / len(self.intents))
        )
        probs = self._lean_out_of_scope(probs, message.coverage if len(idx) else 0.0)
        top = np.argsort(-probs, kind="stable")[:10]
        message.ranking = [IntentScore(self.intents[i], float(probs[i])) for i in top]

    def _lean_out_of_scope(self, probs: np.ndarray, coverage: float) -> np.ndarray:
        """Mix the prediction with "out of scope" in proportion to how much of the text is unknown."""
        floor = self.config.min_coverage
        trust = 1.0 if floor <= 0 else min(1.0, coverage / floor)
        if trust >= 1.0:
            return probs
        # Unknown text is most likely off-topic, but not certainly: the target keeps it modest.
        target = np.full_like(probs, 1.0 / len(probs))
        if self.config.oos_intent in self.intents:
            weight = self.config.unknown_oos_weight
            target *= 1.0 - weight
            target[self.intents.index(self.config.oos_intent)] += weight
        return trust * probs + (1.0 - trust) * target

    def persist(self) -> dict[str, np.ndarray]:
        arrays: dict[str, np.ndarray] = {}
        for group, model in self.models.items():
            arrays[f"weights.{group}"] = model.weights
            arrays[f"bias.{group}"] = model.bias
        return arrays

    def describe(self) -> dict[str, Any]:
        return {
            **self.config.to_dict(),
            "intents": self.intents,
            "temperatures": {g: m.temperature for g, m in self.models.items()},
            "cv_accuracy": self.cv_accuracy,
        }

    @classmethod
    def load(cls, arrays: dict[str, np.ndarray], description: dict[str, Any]) -> IntentClassifier:
        comp = cls(ClassifierConfig.from_dict(description))
        comp.intents = [str(name) for name in description["intents"]]
        comp.cv_accuracy = dict(description.get("cv_accuracy") or {})
        for group, temperature in description["temperatures"].items():
            weights = np.asarray(arrays[f"weights.{group}"], dtype=np.float32)
            bias = np.asarray(arrays[f"bias.{group}"], dtype=np.float32)
            if (
                weights.ndim != 2
                or weights.shape[1] != len(comp.intents)
                or bias.shape != (len(comp.intents),)
            ):
                raise ValueError("classifier weights do not match the intents")
            comp.models[group] = LinearModel(weights, bias, float(temperature))
        if not comp.models:
            raise ValueError("no classifier weights")
        return comp


class EntityExtractor:
    """Delegates to `nlu.entities.extract_entities` (rules and gazetteer); never lets it raise."""

    name: ClassVar[str] = "entities"
    max_chars: ClassVar[int] = 4096

    def __init__(self) -> None:
        self._extract: Callable[..., list[Entity]] | None = None
        self._failed = False

    def _extractor(self) -> Callable[..., list[Entity]] | None:
        if self._extract is None and not self._failed:
            try:
                from nlu.entities import extract_entities
            except Exception:  # the extractor is optional: intents still work without it
                log.warning("entity extraction unavailable", exc_info=True)
                self._failed = True
                return None
            self._extract = extract_entities
        return self._extract

    def train(self, data: TrainingData, context: TrainContext) -> None:
        """Rule-based: nothing to learn."""

    def process(self, message: Message) -> None:
        extract = self._extractor()
        if extract is None or not message.text.strip():
            return
        text = message.text[: self.max_chars]
        try:
            found = extract(text, lang=message.language, now=message.now)
        except Exception:
            log.warning("entity extraction failed for a message of %d chars", len(text), exc_info=True)
            return
        message.entities = [
            ent for ent in found or () if isinstance(ent, Entity) and 0 <= ent.start <= ent.end <= len(text)
        ]

    def persist(self) -> dict[str, np.ndarray]:
        return {}

    def describe(self) -> dict[str, Any]:
        return {}

    @classmethod
    def load(cls, arrays: dict[str, np.ndarray], description: dict[str, Any]) -> EntityExtractor:
        return cls()


COMPONENTS: dict[str, type] = {
    cls.name: cls for cls in (Normaliser, LanguageDetector, TextFeaturizer, IntentClassifier, EntityExtractor)
}
