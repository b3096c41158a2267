"""Read Rasa NLU training data (YAML, version "3.x") into plain examples with entity spans.

The embedded engine and a Rasa server train on the very same files, so this loader understands
Rasa's syntax: `- intent: x` blocks whose `examples` are a `|` block of `- text` lines (or a list of
`{text: ...}` mappings), inline annotations `[text](entity)`, `[text](entity:value)` and
`[text]{"entity": "x", "value": "y", "role": "r"}`. Sections the embedded engine has no use for
(`synonym`, `regex`, `lookup`) are skipped without complaint.

Language: a file's language is read from its path (a folder named `pl`/`en`, or a file name such as
`test_pl.yml`, `pl_basics.yml`). When a directory is loaded, sub-directories named `test`/`tests`
are skipped so a held-out set kept under the data folder never leaks into training.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "LANGUAGES",
    "AnnotatedEntity",
    "Example",
    "NLUDataError",
    "TrainingData",
    "data_digest",
    "data_files",
    "language_of_path",
    "load_data",
    "parse_annotated",
]

LANGUAGES = ("pl", "en")
_SKIP_DIRS = {"test", "tests"}
_SUFFIXES = {".yml", ".yaml"}
_LANG_TOKEN = re.compile(r"(?:^|[_\-.])(pl|en)(?:[_\-.]|$)")
# [text](entity) / [text](entity:value) / [text]{"entity": ...}; the text may not contain brackets.
_ANNOTATION = re.compile(r"\[(?P<text>[^\[\]]+)\](?:\((?P<short>[^()]+)\)|(?P<json>\{[^{}]*\}))")


class NLUDataError(Exception):
    """Training or test data that cannot be used; the message is one line, fit for a CLI error."""


@dataclass(frozen=True, slots=True)
class AnnotatedEntity:
    """An entity span annotated in the training data (value defaults to the span's text)."""

    entity: str
    value: str
    start: int
    end: int
    role: str | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Example:
    """One training or test message: plain text, its intent, annotated entities and language."""

    text: str
    intent: str
    entities: tuple[AnnotatedEntity, ...] = ()
    language: str | None = None
    source: str = ""


@dataclass(slots=True)
class TrainingData:
    """All examples read from a file or directory, plus a digest of the files they came from."""

    examples: list[Example]
    files: list[Path] = field(default_factory=list)
    digest: str = ""
    skipped_sections: int = 0

    @property
    def intents(self) -> list[str]:
        return sorted({ex.intent for ex in self.examples})

    @property
    def languages(self) -> list[str]:
        return sorted({ex.language for ex in self.examples if ex.language})

    def texts(self) -> list[str]:
        return [ex.text for ex in self.examples]

    def subset(self, indices: Iterable[int]) -> TrainingData:
        return TrainingData([self.examples[i] for i in indices], self.files, self.digest)


def parse_annotated(line: str) -> tuple[str, tuple[AnnotatedEntity, ...]]:
    """Strip Rasa entity markup from one example; return the plain text and the entity spans."""
    out: list[str] = []
    entities: list[AnnotatedEntity] = []
    pos = 0
    length = 0
    for match in _ANNOTATION.finditer(line):
        before = line[pos : match.start()]
        out.append(before)
        length += len(before)
        span_text = match.group("text")
        entity, value, role, group = _annotation_fields(match, span_text)
        if entity:
            entities.append(AnnotatedEntity(entity, value, length, length + len(span_text), role, group))
        out.append(span_text)
        length += len(span_text)
        pos = match.end()
    out.append(line[pos:])
    return "".join(out), tuple(entities)


def _annotation_fields(match: re.Match[str], span_text: str) -> tuple[str, str, str | None, str | None]:
    short = match.group("short")
    if short is not None:
        entity, _, value = short.partition(":")
        return entity.strip(), (value.strip() or span_text), None, None
    try:
        spec = json.loads(match.group("json"))
    except json.JSONDecodeError:
        return "", span_text, None, None
    if not isinstance(spec, dict):
        return "", span_text, None, None
    value = spec.get("value", span_text)
    role, group = spec.get("role"), spec.get("group")
    return (
        str(spec.get("entity") or ""),
        str(value),
        str(role) if role is not None else None,
        str(group) if group is not None else None,
    )


def language_of_path(path: Path) -> str | None:
    """`pl`/`en` when the file name or one of its folders says so, else None."""
    for part in reversed(path.parts):
        stem = part.rsplit(".", 1)[0] if part.endswith((".yml", ".yaml")) else part
        if stem in LANGUAGES:
            return stem
        match = _LANG_TOKEN.search(stem.lower())
        if match:
            return match.group(1)
    return None


def data_files(path: Path) -> list[Path]:
    """The YAML files a path stands for: itself, or every *.yml below it except test folders."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise NLUDataError(f"data not found: {path}")
    found: list[Path] = []
    for candidate in sorted(path.rglob("*")):
        rel = candidate.relative_to(path)
        if any(part in _SKIP_DIRS for part in rel.parts[:-1]):
            continue
        if candidate.is_file() and candidate.suffix.lower() in _SUFFIXES:
            found.append(candidate)
    return found


def data_digest(path: Path, *, lang: str | None = None) -> str:
    """SHA-256 of the data files' names and bytes: cheap, used to decide whether to retrain."""
    path = Path(path)
    digest = hashlib.sha256(f"lang={lang}\n".encode())
    root = path if path.is_dir() else path.parent
    for file in data_files(path):
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise NLUDataError(f"cannot read {file}: {exc.strerror or exc}") from exc
        digest.update(str(file.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(content).digest())
    return digest.hexdigest()


def load_data(path: Path | str, *, lang: str | None = None) -> TrainingData:
    """Every example under `path` (a file or a directory).

    With `lang`, files marked for another language are skipped and unmarked files are taken to be
    in `lang`. Raises NLUDataError with a one-line reason for missing, unreadable or malformed data.
    """
    path = Path(path)
    if not path.exists():
        raise NLUDataError(f"data not found: {path}")
    single = path.is_file()
    files = data_files(path)
    examples: list[Example] = []
    used: list[Path] = []
    skipped = 0
    for file in files:
        file_lang = language_of_path(file.relative_to(path.parent if single else path)) or (
            language_of_path(file) if single else None
        )
        if lang and file_lang and file_lang != lang:
            continue
        doc = _read_yaml(file)
        if not isinstance(doc, dict) or "nlu" not in doc:
            if single:
                raise NLUDataError(f"{file}: not Rasa NLU data (no top-level 'nlu:' key)")
            continue  # config.yml, domain.yml and friends living next to the data
        file_examples, file_skipped = _examples_from_doc(doc, file, file_lang or lang)
        examples.extend(file_examples)
        skipped += file_skipped
        used.append(file)
    if not examples:
        raise NLUDataError(f"no NLU examples found in {path}")
    return TrainingData(examples, used, data_digest(path, lang=lang), skipped)


def _read_yaml(file: Path) -> Any:
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise NLUDataError(f"{file}: not UTF-8 text") from None
    except OSError as exc:
        raise NLUDataError(f"cannot read {file}: {exc.strerror or exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise NLUDataError(f"{file}: malformed YAML{where}: {problem}") from None


def _examples_from_doc(doc: dict[str, Any], file: Path, language: str | None) -> tuple[list[Example], int]:
    items = doc.get("nlu")
    if items is None:
        return [], 0
    if not isinstance(items, list):
        raise NLUDataError(f"{file}: 'nlu' must be a list of intent blocks")
    examples: list[Example] = []
    skipped = 0
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise NLUDataError(f"{file}: nlu item {number} is not a mapping")
        if "intent" not in item:
            skipped += 1  # synonym / regex / lookup: Rasa's business, not ours
            continue
        intent = str(item["intent"]).strip()
        if not intent:
            raise NLUDataError(f"{file}: nlu item {number} has an empty intent name")
        for raw in _example_lines(item.get("examples"), file, intent):
            text, entities = parse_annotated(raw)
            text = text.strip()
            if text:
                examples.append(Example(text, intent, entities, language, str(file)))
    return examples, skipped


def _example_lines(value: Any, file: Path, intent: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        lines = []
        for line in value.splitlines():
            stripped = line.strip()
            if not stripped:
                continue
            if not stripped.startswith("- "):
                raise NLUDataError(
                    f"{file}: intent '{intent}': example line must start with '- ': {stripped!r}"
                )
            lines.append(stripped[2:])
        return lines
    if isinstance(value, list):
        lines = []
        for entry in value:
            if isinstance(entry, dict) and "text" in entry:
                lines.append(str(entry["text"]))
            elif isinstance(entry, str):
                lines.append(entry)
            else:
                raise NLUDataError(f"{file}: intent '{intent}': unreadable example {entry!r}")
        return lines
    raise NLUDataError(f"{file}: intent '{intent}': 'examples' must be a block of '- text' lines")
