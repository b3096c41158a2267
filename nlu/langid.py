"""Which language a message is in: character n-gram naive Bayes plus the Polish-letter cue.

Trained on the same examples as the intent classifier (their language comes from the data files),
so it knows the words residents actually use ("zgloszenie", "pothole"). Polish letters (ą, ł, ż...)
are strong evidence on their own, but not decisive: "pothole on Głogowska" is still English, so the
cue adds a bounded bonus rather than a verdict. With no evidence the default language wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nlu.features import char_ngrams, decode_strings, encode_strings

__all__ = ["LanguageIdentifier"]

_POLISH_LETTERS = frozenset("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")


class LanguageIdentifier:
    """Multinomial naive Bayes over folded character 1-4-grams of the message's tokens."""

    def __init__(
        self,
        languages: Sequence[str] = ("pl", "en"),
        *,
        default: str = "pl",
        alpha: float = 0.3,
        cue_weight: float = 2.5,
    ) -> None:
        self.languages = list(languages)
        self.default = default if default in self.languages or not self.languages else self.languages[0]
        self.alpha = alpha
        self.cue_weight = cue_weight
        self.vocab: dict[str, int] = {}
        self.log_prob = np.zeros((0, len(self.languages)), dtype=np.float32)
        self.log_prior = np.zeros(len(self.languages), dtype=np.float32)

    def fit(self, tokens: Sequence[list[str]], labels: Sequence[str | None]) -> LanguageIdentifier:
        """Count n-grams per language over the labelled examples (unlabelled ones are ignored)."""
        known = sorted({lab for lab in labels if lab})
        if known:
            self.languages = known
            if self.default not in known:
                self.default = "pl" if "pl" in known else known[0]
        counts: dict[str, np.ndarray] = {}
        docs = np.zeros(len(self.languages))
        for toks, lab in zip(tokens, labels, strict=True):
            if lab not in self.languages:
                continue
            j = self.languages.index(lab)
            docs[j] += 1
            for gram in _grams(toks):
                row = counts.get(gram)
                if row is None:
                    row = counts[gram] = np.zeros(len(self.languages))
                row[j] += 1
        grams = sorted(counts)
        self.vocab = {g: i for i, g in enumerate(grams)}
        table = np.array([counts[g] for g in grams]).reshape(len(grams), len(self.languages))
        totals = table.sum(axis=0) + self.alpha * max(len(grams), 1)
        self.log_prob = np.log((table + self.alpha) / totals).astype(np.float32)
        self.log_prior = np.log((docs + 1.0) / (docs.sum() + len(self.languages))).astype(np.float32)
        return self

    def scores(self, text: str, tokens: list[str]) -> np.ndarray:
        """Log-posterior (unnormalised) per language."""
        result = self.log_prior.astype(np.float64).copy()
        idx = [j for j in (self.vocab.get(g) for g in _grams(tokens[:100])) if j is not None]
        if idx:
            result += self.log_prob[idx].sum(axis=0)
        if "pl" in self.languages:
            cues = sum(1 for ch in text[:2000] if ch in _POLISH_LETTERS)
            if cues:
                result[self.languages.index("pl")] += self.cue_weight * min(cues, 4)
        return result

    def detect(self, text: str, tokens: list[str]) -> str:
        """The most likely language; the default when there are no word tokens at all."""
        if len(self.languages) <= 1:
            return self.languages[0] if self.languages else self.default
        if not tokens:
            return self.default
        return self.languages[int(np.argmax(self.scores(text, tokens)))]

    # -- persistence ----------------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        return {
            "languages": self.languages,
            "default": self.default,
            "alpha": self.alpha,
            "cue_weight": self.cue_weight,
        }

    def persist(self) -> dict[str, np.ndarray]:
        return {"vocab": encode_strings(self.vocab), "log_prob": self.log_prob, "log_prior": self.log_prior}

    @classmethod
    def load(cls, arrays: dict[str, np.ndarray], config: dict[str, Any]) -> LanguageIdentifier:
        ident = cls(
            config.get("languages", ["pl", "en"]),
            default=config.get("default", "pl"),
            alpha=float(config.get("alpha", 0.3)),
            cue_weight=float(config.get("cue_weight", 2.5)),
        )
        grams = decode_strings(arrays["vocab"])
        ident.vocab = {g: i for i, g in enumerate(grams)}
        ident.log_prob = np.asarray(arrays["log_prob"], dtype=np.float32)
        ident.log_prior = np.asarray(arrays["log_prior"], dtype=np.float32)
        if ident.log_prob.shape != (len(grams), len(ident.languages)):
            raise ValueError("language model tables do not match")
        return ident


def _grams(tokens: list[str]) -> list[str]:
    grams: list[str] = []
    for tok in tokens:
        grams.extend(char_ngrams(tok, 1, 4))
    return grams
