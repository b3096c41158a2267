"""Reading Bot API parameters the way Telegram does: JSON, url-encoded or multipart, all alike.

PTB sends url-encoded forms (multipart when uploading) whose values are JSON-encoded unless they are
plain strings, so every value is normalised here once and handlers get typed accessors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import bad_request

# Parameters whose values are free text or identifiers: never JSON-decode them ("123" stays "123").
STRING_KEYS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "file_id",
        "title",
        "name",
        "description",
        "short_description",
        "action",
        "emoji",
        "address",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "language_code",
        "custom_title",
        "icon_custom_emoji_id",
        "query",
        "ip_address",
        "photo",
        "document",
        "video",
        "voice",
        "audio",
        "animation",
        "sticker",
        "thumbnail",
        "foursquare_id",
        "foursquare_type",
        "google_place_id",
        "google_place_type",
        "business_connection_id",
        "message_effect_id",
        "question",
        "filename",
    }
)
_JSON_START = frozenset('{["-0123456789tfn')


@dataclass(slots=True)
class Upload:
    """One multipart file part."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes

    def describe(self) -> dict[str, Any]:
        return {"upload": self.field, "filename": self.filename, "size": len(self.data)}


def decode_value(key: str, value: Any, string_keys: frozenset[str] = STRING_KEYS) -> Any:
    """JSON-decode form values that carry numbers, booleans or nested objects."""
    if not isinstance(value, str) or not value or key in string_keys or value[0] not in _JSON_START:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class Params:
    """Normalised request parameters plus uploaded files, with Telegram-style validation errors."""

    __slots__ = ("data", "uploads")

    def __init__(self, data: dict[str, Any], uploads: dict[str, Upload] | None = None) -> None:
        self.data = data
        self.uploads = uploads or {}

    def __contains__(self, key: str) -> bool:
        return self.data.get(key) is not None

    def get(self, key: str, default: Any = None) -> Any:
        value = self.data.get(key)
        return default if value is None else value

    def recorded(self) -> dict[str, Any]:
        """Params as received, with uploads replaced by a small description (no bytes in transcripts)."""
        if not self.uploads:
            return self.data  # shared, not copied: handlers never mutate it afterwards
        out = dict(self.data)
        for name, upload in self.uploads.items():
            out[name] = upload.describe()
        return out

    def require(self, key: str) -> Any:
        value = self.data.get(key)
        if value is None or value == "":
            raise bad_request(f'parameter "{key}" is required')
        return value

    def str(self, key: str, default: str | None = None) -> str | None:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, dict | list):
            return json.dumps(value)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def int(self, key: str, default: int | None = None, *, required: bool = False) -> int | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise bad_request(f'parameter "{key}" is required')
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(float(value)) if isinstance(value, float) else int(str(value))
        except ValueError:
            raise bad_request(f'field "{key}" must be a valid Number') from None

    def float(self, key: str, *, required: bool = False) -> float | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise bad_request(f'parameter "{key}" is required')
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{key}" must be a valid Number') from None

    def bool(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, str):
            return value.lower() in ("true", "1", "yes")
        return bool(value)

    def obj(self, key: str) -> Any:
        """A nested object; JSON strings are decoded even inside JSON bodies."""
        value = self.data.get(key)
        if isinstance(value, str) and value[:1] in ("{", "["):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {key} JSON object") from None
        return value

    def chat_id(self, key: str = "chat_id") -> int | str:
        value = self.data.get(key)
        if value is None or value == "":
            raise bad_request(f"{key} is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value)
        if text.startswith("@"):
            return text
        try:
            return int(text)
        except ValueError:
            raise bad_request("chat not found") from None


async def read_params(request: web.Request) -> Params:
    """Merge query string and body (any of the three encodings Telegram accepts)."""
    raw: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.body_exists:
        ctype = request.content_type
        if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    uploads[key] = Upload(key, value.filename, value.content_type, value.file.read())
                elif isinstance(value, bytes | bytearray):
                    uploads[key] = Upload(key, None, None, bytes(value))
                else:
                    raw[key] = value
        else:
            body = await request.read()
            if body.strip():
                try:
                    decoded = json.loads(body)
                except ValueError:
                    raise bad_request("can't parse JSON object") from None
                if not isinstance(decoded, dict):
                    raise bad_request("can't parse JSON object")
                raw.update(decoded)
    return Params({key: decode_value(key, value) for key, value in raw.items()}, uploads)
