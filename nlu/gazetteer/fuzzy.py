"""Bounded typo search: a deletion-neighbourhood (SymSpell-style) index plus an early-exit edit distance.

Scanning every street per token would cost milliseconds; looking up the deletions of a word in a
dict costs microseconds, so typo tolerance stays inside the latency budget of a message.
"""

from __future__ import annotations

from collections.abc import Iterable


def max_typos(length: int) -> int:
    """Typos allowed for a name of `length` letters: 0 below 6, 1 from 6, 2 from 10."""
    if length >= 10:
        return 2
    if length >= 6:
        return 1
    return 0


def deletions(word: str, depth: int) -> set[str]:
    """Every string obtained from `word` by deleting up to `depth` (1 or 2) characters, itself included."""
    first = {word[:i] + word[i + 1 :] for i in range(len(word))} if len(word) > 1 else set()
    if depth >= 2:
        second = {w[:i] + w[i + 1 :] for w in first if len(w) > 1 for i in range(len(w))}
        first |= second
    first.add(word)
    return first


def distance(a: str, b: str, limit: int = 99) -> int:
    """Optimal-string-alignment distance (a transposition counts as one); `limit + 1` once exceeded."""
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        best = cur[0]
        ca = a[i - 1]
        for j in range(1, lb + 1):
            cost = 0 if ca == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            if v < best:
                best = v
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[lb]


class DeletionIndex:
    """Maps deletion variants to the words they came from; `lookup` returns words within the typo budget."""

    def __init__(self, words: Iterable[str], cache_size: int = 8192) -> None:
        self._index: dict[str, set[str]] = {}
        self._cache: dict[tuple[str, int | None], list[tuple[int, str]]] = {}
        self._cache_size = cache_size
        for word in set(words):
            depth = max_typos(len(word))
            if depth == 0:
                continue
            for variant in deletions(word, depth):
                self._index.setdefault(variant, set()).add(word)

    def __len__(self) -> int:
        return len(self._index)

    def lookup(self, query: str, *, max_distance: int | None = None) -> list[tuple[int, str]]:
        """Indexed words within the allowed distance of `query`, as (distance, word), nearest first.

        The budget is that of the indexed word (a typo in a 6-letter name is forgiven once), capped
        by `max_distance` when given. Results are memoised: chat messages repeat the same words.
        """
        key = (query, max_distance)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        found = self._lookup(query, max_distance)
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[key] = found
        return found

    def _lookup(self, query: str, max_distance: int | None) -> list[tuple[int, str]]:
        depth = 2 if len(query) >= 9 else 1
        if max_distance is not None:
            depth = min(depth, max_distance)
        if depth <= 0:
            return []
        seen: set[str] = set()
        found: list[tuple[int, str]] = []
        for variant in deletions(query, depth):
            for word in self._index.get(variant, ()):
                if word in seen:
                    continue
                seen.add(word)
                budget = max_typos(len(word))
                if max_distance is not None:
                    budget = min(budget, max_distance)
                d = distance(query, word, budget)
                if d <= budget:
                    found.append((d, word))
        found.sort()
        return found
