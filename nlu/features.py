"""TF-IDF features of folded words, word bigrams and character n-grams, as compact sparse rows.

Residents type "zglosic", "zgłoszenie", "zgloszeniem", "zglsozenie": words alone would treat these
as strangers, character n-grams taken inside word boundaries ("<zgl", "losz", "enie>") let them
share most of their evidence, so inflection and typos cost little. Words and bigrams keep the
sharper signal of whole phrases. Digits are mapped to "0" so "10", "14" and "PZN-2026-000123"
generalise by shape. The vocabulary is fixed at training time; unknown n-grams are simply ignored.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from nlu.text import fold

__all__ = [
    "Featurizer",
    "FeaturizerConfig",
    "SparseRows",
    "char_ngrams",
    "decode_strings",
    "encode_strings",
    "feature_tokens",
]

_WORD = re.compile(r"\w+", re.UNICODE)
_DIGIT = re.compile(r"\d")
_SEP = "\n"  # never inside a token, so vocabularies persist as one joined string


def _is_symbol(ch: str) -> bool:
    return unicodedata.category(ch) == "So"


def feature_tokens(text: str) -> list[str]:
    """Folded word tokens with digits as '0', plus emoji/pictographs as one-character tokens.

    Emoji matter in chat ("👍" is a yes), so they are kept as tokens of their own.
    """
    folded = _DIGIT.sub("0", fold(text))
    toks = _WORD.findall(folded)
    if any(ord(ch) > 0x2000 and _is_symbol(ch) for ch in text):
        toks.extend(ch for ch in text if ord(ch) > 0x2000 and _is_symbol(ch))
    return toks


def char_ngrams(token: str, lo: int, hi: int) -> list[str]:
    """n-grams of `<token>` for n in lo..hi (the brackets mark the word boundaries)."""
    padded = f"<{token}>"
    size = len(padded)
    return [padded[i : i + n] for n in range(lo, hi + 1) for i in range(size - n + 1)]


@dataclass(frozen=True, slots=True)
class FeaturizerConfig:
    """What the featuriser extracts and how the two blocks (words, characters) are weighted."""

    char_min: int = 2
    char_max: int = 5
    word_bigrams: bool = True
    word_weight: float = 1.0
    char_weight: float = 2.0
    min_df_char: int = 1
    max_tokens: int = 200

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeaturizerConfig:
        known = {k: v for k, v in data.items() if k in cls.__slots__}
        return cls(**known)


@dataclass(slots=True)
class SparseRows:
    """A CSR matrix in three numpy arrays: row i is indices/data[indptr[i]:indptr[i+1]]."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    n_cols: int

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def rows(self, selection: Sequence[int] | np.ndarray) -> SparseRows:
        sel = np.asarray(selection, dtype=np.int64)
        starts, ends = self.indptr[sel], self.indptr[sel + 1]
        lengths = ends - starts
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        take = np.concatenate(
            [np.arange(s, e) for s, e in zip(starts, ends, strict=True)] or [np.zeros(0, int)]
        )
        return SparseRows(indptr, self.indices[take], self.data[take], self.n_cols)

    def row_ids(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_rows), np.diff(self.indptr))


class Featurizer:
    """Fits a vocabulary with IDF weights; turns a text into (indices, values, coverage)."""

    def __init__(self, config: FeaturizerConfig | None = None) -> None:
        self.config = config or FeaturizerConfig()
        self.words: dict[str, int] = {}
        self.bigrams: dict[str, int] = {}
        self.chars: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)

    @property
    def size(self) -> int:
        return len(self.idf)

    # -- training -------------------------------------------------------------------------------

    def fit(self, texts: Iterable[str]) -> SparseRows:
        """Learn the vocabulary and IDF from `texts`; return their feature rows."""
        return self.fit_tokens(feature_tokens(text) for text in texts)

    def fit_tokens(self, token_lists: Iterable[list[str]]) -> SparseRows:
        """`fit` for texts already tokenised by `feature_tokens`."""
        analysed = [self._analyse_tokens(toks) for toks in token_lists]
        cfg = self.config
        doc_freq: list[dict[str, int]] = [{}, {}, {}]
        for parts in analysed:
            for block, grams in enumerate(parts):
                for gram in set(grams):
                    doc_freq[block][gram] = doc_freq[block].get(gram, 0) + 1
        minimum = (1, 1, cfg.min_df_char)
        vocabularies: list[dict[str, int]] = []
        counts: list[int] = []
        offset = 0
        for block in range(3):
            kept = sorted(g for g, n in doc_freq[block].items() if n >= minimum[block])
            vocabularies.append({g: offset + i for i, g in enumerate(kept)})
            counts.extend(doc_freq[block][g] for g in kept)
            offset += len(kept)
        self.words, self.bigrams, self.chars = vocabularies
        n_docs = len(analysed)
        df = np.asarray(counts, dtype=np.float64)
        self.idf = (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)
        return self._rows(analysed)

    def transform_many(self, texts: Iterable[str]) -> SparseRows:
        return self._rows([self._analyse(text) for text in texts])

    def transform_many_tokens(self, token_lists: Iterable[list[str]]) -> SparseRows:
        return self._rows([self._analyse_tokens(toks) for toks in token_lists])

    def _rows(self, analysed: list[tuple[list[str], list[str], list[str]]]) -> SparseRows:
        indptr = [0]
        all_idx: list[np.ndarray] = []
        all_val: list[np.ndarray] = []
        for parts in analysed:
            idx, val = self._vector(parts)
            all_idx.append(idx)
            all_val.append(val)
            indptr.append(indptr[-1] + len(idx))
        return SparseRows(
            np.asarray(indptr, dtype=np.int64),
            np.concatenate(all_idx) if all_idx else np.zeros(0, np.int32),
            np.concatenate(all_val) if all_val else np.zeros(0, np.float32),
            self.size,
        )

    # -- inference ------------------------------------------------------------------------------

    def transform(self, text: str) -> tuple[np.ndarray, np.ndarray, float]:
        """Feature indices and TF-IDF values of one text, and the share of its tokens we know."""
        return self.transform_tokens(feature_tokens(text))

    def transform_tokens(self, toks: list[str]) -> tuple[np.ndarray, np.ndarray, float]:
        """Like `transform` for tokens already made by `feature_tokens` (shared within a parse)."""
        parts = self._analyse_tokens(toks)
        idx, val = self._vector(parts)
        return idx, val, self.coverage(parts[0])

    def coverage(self, toks: list[str]) -> float:
        """Share of tokens that are known words, or typos of them: a third of their 3..5-grams known.

        A single transposition ("zglsozenie") breaks about half of a word's n-grams, gibberish
        ("xqzv") nearly all of them.
        """
        if not toks:
            return 0.0
        lo = max(3, self.config.char_min)
        known = 0
        for tok in toks:
            if tok in self.words:
                known += 1
                continue
            grams = char_ngrams(tok, lo, self.config.char_max)
            if grams and sum(g in self.chars for g in grams) * 3 >= len(grams):
                known += 1
        return known / len(toks)

    def _analyse(self, text: str) -> tuple[list[str], list[str], list[str]]:
        return self._analyse_tokens(feature_tokens(text))

    def _analyse_tokens(self, toks: list[str]) -> tuple[list[str], list[str], list[str]]:
        cfg = self.config
        toks = toks[: cfg.max_tokens]
        bigrams = [f"{a} {b}" for a, b in pairwise(toks)] if cfg.word_bigrams else []
        chars: list[str] = []
        for tok in toks:
            chars.extend(char_ngrams(tok, cfg.char_min, cfg.char_max))
        return toks, bigrams, chars

    def _vector(self, parts: tuple[list[str], list[str], list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Sublinear TF x IDF, each block (words+bigrams, chars) L2-normalised, then weighted."""
        cfg = self.config
        word_counts: dict[int, int] = {}
        char_counts: dict[int, int] = {}
        for vocab, grams, counts in (
            (self.words, parts[0], word_counts),
            (self.bigrams, parts[1], word_counts),
            (self.chars, parts[2], char_counts),
        ):
            get = vocab.get
            for gram in grams:
                j = get(gram)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
        blocks_idx: list[np.ndarray] = []
        blocks_val: list[np.ndarray] = []
        weights = (cfg.word_weight, cfg.char_weight)
        total = math.sqrt(sum(w * w for w in weights)) or 1.0
        for counts, weight in zip((word_counts, char_counts), weights, strict=True):
            if not counts or weight <= 0:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int32, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            val = (1.0 + np.log(tf)) * self.idf[idx]
            norm = float(np.sqrt(np.dot(val, val)))
            if norm > 0:
                blocks_idx.append(idx)
                blocks_val.append(val * (weight / (norm * total)))
        if not blocks_idx:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        if len(blocks_idx) == 1:
            return blocks_idx[0], blocks_val[0].astype(np.float32)
        return np.concatenate(blocks_idx), np.concatenate(blocks_val).astype(np.float32)

    # -- persistence ----------------------------------------------------------------------------

    def persist(self) -> dict[str, np.ndarray]:
        return {
            "words": encode_strings(self.words),
            "bigrams": encode_strings(self.bigrams),
            "chars": encode_strings(self.chars),
            "idf": self.idf,
        }

    @classmethod
    def load(cls, arrays: dict[str, np.ndarray], config: dict[str, Any]) -> Featurizer:
        feat = cls(FeaturizerConfig.from_dict(config))
        feat.idf = np.asarray(arrays["idf"], dtype=np.float32)
        offset = 0
        decoded = []
        for key in ("words", "bigrams", "chars"):
            grams = decode_strings(arrays[key])
            decoded.append({g: offset + i for i, g in enumerate(grams)})
            offset += len(grams)
        if offset != len(feat.idf):
            raise ValueError("vocabulary and IDF sizes differ")
        feat.words, feat.bigrams, feat.chars = decoded
        return feat


def encode_strings(vocab: dict[str, int]) -> np.ndarray:
    ordered = sorted(vocab, key=vocab.__getitem__)
    return np.frombuffer(_SEP.join(ordered).encode("utf-8"), dtype=np.uint8).copy()


def decode_strings(array: np.ndarray) -> list[str]:
    raw = np.asarray(array, dtype=np.uint8).tobytes().decode("utf-8")
    return raw.split(_SEP) if raw else []
