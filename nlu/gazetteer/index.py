"""Token-sequence index of names and their inflected forms, keyed by the folded first word.

A message is scanned word by word; at each word only the forms starting with that word are tried,
so the cost per message depends on its length, not on the number of streets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from nlu.gazetteer.fuzzy import DeletionIndex

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Hit(Generic[T]):
    """A form found at some word: how many words it spans, what it names, whether it is a base form."""

    length: int
    item: T
    base: bool
    form: tuple[str, ...]


class NameIndex(Generic[T]):
    """Forms (tuples of folded words) -> items, looked up by first word; typo search on demand."""

    def __init__(self) -> None:
        self._first: dict[str, list[tuple[tuple[str, ...], T, bool]]] = {}
        self._forms: dict[tuple[str, ...], list[tuple[T, bool]]] = {}
        self._fuzzy: DeletionIndex | None = None
        self._heads: frozenset[str] = frozenset()

    def add(self, forms: Iterable[tuple[str, ...]], item: T, base_forms: Iterable[tuple[str, ...]]) -> None:
        bases = set(base_forms)
        for form in forms:
            if not form:
                continue
            is_base = form in bases
            entries = self._forms.setdefault(form, [])
            if any(existing is item for existing, _ in entries):
                continue
            entries.append((item, is_base))
            self._first.setdefault(form[0], []).append((form, item, is_base))
        self._fuzzy = None

    def finish(self) -> None:
        """Longest forms first, so the first hit at a word is the most specific one."""
        for entries in self._first.values():
            entries.sort(key=lambda e: -len(e[0]))
        self._heads = frozenset(k[:2] for k in self._first)

    def exact(self, form: Sequence[str]) -> list[tuple[T, bool]]:
        return list(self._forms.get(tuple(form), ()))

    def at(self, words: Sequence[str], i: int, first: str | None = None) -> list[Hit[T]]:
        """Forms matching `words` from position i (the first word may be replaced by `first`)."""
        entries = self._first.get(words[i] if first is None else first)
        if not entries:
            return []
        hits: list[Hit[T]] = []
        n = len(words)
        for form, item, base in entries:
            size = len(form)
            if size == 1 or (i + size <= n and tuple(words[i + 1 : i + size]) == form[1:]):
                hits.append(Hit(size, item, base, form))
        return hits

    def near(self, word: str) -> list[tuple[int, str]]:
        """First words of indexed forms within the typo budget of `word`, nearest first.

        Typos are looked for after the first two letters, which residents rarely get wrong; that
        keeps the search off most ordinary words.
        """
        if word[:2] not in self._heads:
            return []
        return self.typo_index().lookup(word)

    def typo_index(self) -> DeletionIndex:
        """The deletion index over first words, built on first use (a fraction of a second)."""
        if self._fuzzy is None:
            self._fuzzy = DeletionIndex(k for k in self._first if k.isalpha())
        return self._fuzzy

    def first_words(self) -> Iterable[str]:
        return self._first.keys()

    def items_of(self, form: tuple[str, ...]) -> list[T]:
        return [item for item, _ in self._forms.get(form, ())]
