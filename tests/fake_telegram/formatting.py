"""Text rendering like Telegram: parse_mode markup -> plain text + entities (UTF-16 offsets).

Validating markup here is the point: a bot that forgets to escape "." in MarkdownV2 or "<" in HTML
gets the same 400 "can't parse entities" it would get from Telegram.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from telegram import MessageEntity

from .errors import bad_request

MAX_TEXT = 4096
MAX_CAPTION = 1024

_HTML_SPECIAL = re.compile(r"[<&]")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>")
_ATTR = re.compile(r"""([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_SIMPLE_HTML = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets in UTF-16 code units (emoji count twice)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _cant_parse(reason: str) -> Exception:
    return bad_request(f"can't parse entities: {reason}")


@dataclass(slots=True)
class _Open:
    tag: str
    type: str | None
    start: int
    index: int
    extra: dict[str, Any]


class _Out:
    """Accumulates plain text and tracks its UTF-16 length."""

    __slots__ = ("entities", "parts", "pos")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.entities: list[MessageEntity] = []

    def add(self, chunk: str) -> None:
        if chunk:
            self.parts.append(chunk)
            self.pos += utf16_len(chunk)

    def entity(self, etype: str, start: int, **extra: Any) -> None:
        if self.pos > start:
            self.entities.append(MessageEntity(etype, start, self.pos - start, **extra))

    def result(self) -> tuple[str, list[MessageEntity]]:
        self.entities.sort(key=lambda e: (e.offset, -e.length))
        return "".join(self.parts), self.entities


def _html_attrs(raw: str) -> dict[str, str]:
    return {
        m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
        for m in _ATTR.finditer(raw)
    }


def _open_html_tag(text: str, index: int, name: str, raw_attrs: str, stack: list[_Open], pos: int) -> _Open:
    attrs = _html_attrs(raw_attrs)
    extra: dict[str, Any] = {}
    etype = _SIMPLE_HTML.get(name)
    if name == "span":
        if attrs.get("class") != "tg-spoiler":
            raise _cant_parse('tag "span" must have class "tg-spoiler"')
        etype = "spoiler"
    elif name == "a":
        href = attrs.get("href")
        match = re.fullmatch(r"tg://user\?id=(\d+)", href or "")
        if match:
            etype = "text_mention"
            extra["user"] = {"id": int(match.group(1)), "is_bot": False, "first_name": ""}
        elif href:
            etype = "text_link"
            extra["url"] = href
    elif name == "tg-emoji":
        if "emoji-id" not in attrs:
            raise _cant_parse('tag "tg-emoji" must have attribute "emoji-id"')
        etype, extra["custom_emoji_id"] = "custom_emoji", attrs["emoji-id"]
    elif name == "blockquote":
        etype = "expandable_blockquote" if "expandable" in attrs else "blockquote"
    elif name == "code" and stack and stack[-1].tag == "pre":
        language = attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1].extra["language"] = language[len("language-") :]
            etype = None  # merged into the enclosing pre entity
    elif etype is None:
        raise _cant_parse(f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, index)}')
    return _Open(name, etype, pos, index, extra)


def parse_html(text: str) -> tuple[str, list[MessageEntity]]:
    out = _Out()
    stack: list[_Open] = []
    i = 0
    n = len(text)
    while i < n:
        found = _HTML_SPECIAL.search(text, i)
        if found is None:
            out.add(text[i:])
            break
        j = found.start()
        out.add(text[i:j])
        if text[j] == "&":
            ent = _ENTITY.match(text, j)
            if ent is None:
                out.add("&")
                i = j + 1
            else:
                out.add(html.unescape(ent.group(0)))
                i = ent.end()
            continue
        tag = _TAG.match(text, j)
        if tag is None:
            word = re.match(r"</?([^\s<>]*)", text[j:])
            name = word.group(1) if word else ""
            raise _cant_parse(f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, j)}')
        closing, name, raw_attrs = tag.group(1) == "/", tag.group(2).lower(), tag.group(3)
        if closing:
            if not stack:
                raise _cant_parse(f"Unexpected end tag at byte offset {_byte_offset(text, j)}")
            top = stack.pop()
            if top.tag != name:
                raise _cant_parse(
                    f'Unmatched end tag at byte offset {_byte_offset(text, j)}, expected "</{top.tag}>", '
                    f'found "</{name}>"'
                )
            if top.type is not None:
                out.entity(top.type, top.start, **top.extra)
        else:
            stack.append(_open_html_tag(text, j, name, raw_attrs, stack, out.pos))
        i = tag.end()
    if stack:
        raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    return out.result()


def _mdv2_code(text: str, i: int, out: _Out) -> int:
    """Parse `code` or ```pre``` starting at i; return the index after the closing backticks."""
    fence = "```" if text.startswith("```", i) else "`"
    j = i + len(fence)
    chunk: list[str] = []
    while j < len(text):
        c = text[j]
        if c == "\\" and j + 1 < len(text):
            chunk.append(text[j + 1])
            j += 2
            continue
        if text.startswith(fence, j):
            break
        chunk.append(c)
        j += 1
    else:
        kind = "Pre" if fence == "```" else "Code"
        raise _cant_parse(f"Can't find end of {kind} entity at byte offset {_byte_offset(text, i)}")
    content = "".join(chunk)
    extra: dict[str, Any] = {}
    if fence == "```":
        first, newline, rest = content.partition("\n")
        if newline and first and " " not in first:
            extra["language"], content = first, rest
        elif newline and not first:
            content = rest
    start = out.pos
    out.add(content)
    out.entity("pre" if fence == "```" else "code", start, **extra)
    return j + len(fence)


def _mdv2_url(text: str, i: int) -> tuple[str | None, int]:
    """After a closing "]": parse "(url)" if present."""
    if i >= len(text) or text[i] != "(":
        return None, i
    j = i + 1
    url: list[str] = []
    while j < len(text) and text[j] != ")":
        if text[j] == "\\" and j + 1 < len(text):
            j += 1
        url.append(text[j])
        j += 1
    if j >= len(text):
        raise _cant_parse(f"Can't find end of a URL at byte offset {_byte_offset(text, i)}")
    return "".join(url), j + 1


def parse_markdown_v2(text: str) -> tuple[str, list[MessageEntity]]:
    out = _Out()
    stack: list[_Open] = []
    quote_start: int | None = None
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) < 127:
            out.add(text[i + 1])
            i += 2
            continue
        if c == "\n" and quote_start is not None and not text.startswith(">", i + 1):
            out.entity("blockquote", quote_start)
            quote_start = None
        if c not in _MDV2_RESERVED:
            out.add(c)
            i += 1
            continue
        nxt = text[i + 1] if i + 1 < n else ""
        top = stack[-1].type if stack else None
        closes = (
            (top == "bold" and c == "*")
            or (top == "italic" and c == "_")
            or (top == "underline" and c == "_" and nxt == "_")
            or (top == "strikethrough" and c == "~")
            or (top == "spoiler" and c == "|" and nxt == "|")
            or (top in ("text_link", "custom_emoji") and c == "]")
        )
        if closes:
            opened = stack.pop()
            i += 2 if top in ("underline", "spoiler") else 1
            if top in ("text_link", "custom_emoji"):
                url, i = _mdv2_url(text, i)
                if url is None:
                    continue
                if top == "custom_emoji":
                    out.entity("custom_emoji", opened.start, custom_emoji_id=url.rpartition("id=")[2])
                else:
                    out.entity("text_link", opened.start, url=url)
                continue
            out.entity(opened.type or "", opened.start)
            continue
        if c == "`":
            i = _mdv2_code(text, i, out)
            continue
        if c == ">" and (i == 0 or text[i - 1] == "\n"):
            if quote_start is None:
                quote_start = out.pos
            i += 1
            continue
        etype = {"*": "bold", "~": "strikethrough", "[": "text_link"}.get(c)
        step = 1
        if c == "_":
            etype, step = ("underline", 2) if nxt == "_" else ("italic", 1)
        elif c == "|" and nxt == "|":
            etype, step = "spoiler", 2
        elif c == "!" and nxt == "[":
            etype, step = "custom_emoji", 2
        if etype is None:
            raise _cant_parse(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
        stack.append(_Open(c, etype, out.pos, i, {}))
        i += step
    if stack:
        opened = stack[-1]
        name = _MDV2_NAMES.get(opened.type or "", "")
        raise _cant_parse(
            f"Can't find end of {name} entity at byte offset {_byte_offset(text, opened.index)}"
        )
    if quote_start is not None:
        out.entity("blockquote", quote_start)
    return out.result()


def parse_markdown(text: str) -> tuple[str, list[MessageEntity]]:
    """Legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url), no nesting."""
    out = _Out()
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if c in "*_`":
            fence = "```" if text.startswith("```", i) else c
            end = text.find(fence, i + len(fence))
            if end < 0:
                raise _cant_parse(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            start = out.pos
            content = text[i + len(fence) : end]
            extra: dict[str, Any] = {}
            if fence == "```":
                first, newline, rest = content.partition("\n")
                if newline and first and " " not in first:
                    extra["language"], content = first, rest
            out.add(content)
            etype = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}[fence]
            out.entity(etype, start, **extra)
            i = end + len(fence)
            continue
        if c == "[":
            close = text.find("](", i)
            end = text.find(")", close + 2) if close >= 0 else -1
            if close >= 0 and end >= 0:
                start = out.pos
                out.add(text[i + 1 : close])
                out.entity("text_link", start, url=text[close + 2 : end])
                i = end + 1
                continue
        out.add(c)
        i += 1
    return out.result()


def render(text: str, parse_mode: str | None, entities: Any = None) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entity dicts) as Telegram would store them on the message."""
    if entities:
        if not isinstance(entities, list):
            raise bad_request("can't parse entities JSON object")
        return text, [MessageEntity.de_json(e, None).to_dict() for e in entities]  # type: ignore[union-attr]
    mode = (parse_mode or "").lower()
    if mode == "html":
        plain, ents = parse_html(text)
    elif mode == "markdownv2":
        plain, ents = parse_markdown_v2(text)
    elif mode == "markdown":
        plain, ents = parse_markdown(text)
    elif mode:
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    else:
        return text, []
    return plain, [e.to_dict() for e in ents]


def command_entities(text: str) -> list[MessageEntity]:
    """bot_command entities Telegram attaches to incoming "/start"-style words."""
    out: list[MessageEntity] = []
    for match in _COMMAND.finditer(text):
        start = utf16_len(text[: match.start()])
        out.append(MessageEntity("bot_command", start, utf16_len(match.group(0))))
    return out
