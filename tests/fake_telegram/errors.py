"""Telegram-shaped API errors, raised by method handlers and turned into JSON by the server."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answer exactly as Telegram sends it: HTTP status == error_code."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    """400 with Telegram's "Bad Request: " prefix (PTB strips it again in BadRequest.message)."""
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    return ApiError(403, f"Forbidden: {reason}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


def conflict(reason: str) -> ApiError:
    return ApiError(409, f"Conflict: {reason}")


NOT_FOUND = ApiError(404, "Not Found")
