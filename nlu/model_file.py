"""The model file: one numpy .npz of plain arrays plus a JSON header, never pickle.

A model is only trusted when its format version is ours; the header also records the fingerprint
of the data and configuration it was trained from, the intents and languages, so `load_or_train`
can tell a stale model from a current one without unpacking it. Writes are atomic (temporary file
then rename) so a crash or two processes starting at once never leave half a model behind.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FORMAT_VERSION", "ModelFileError", "read_header", "read_model", "write_model"]

FORMAT_VERSION = 1
_HEADER = "__header__"


class ModelFileError(Exception):
    """A model file that is missing, corrupt or of another format version (one-line message)."""


def write_model(path: Path, header: dict[str, Any], arrays: dict[str, np.ndarray]) -> int:
    """Save atomically; return the file size in bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    full_header = {"format_version": FORMAT_VERSION, **header}
    payload = {_HEADER: np.frombuffer(json.dumps(full_header, ensure_ascii=False).encode(), dtype=np.uint8)}
    for key, value in arrays.items():
        array = np.asarray(value)
        if array.dtype == object:
            raise TypeError(f"array {key!r} has dtype object; only plain arrays may be saved")
        payload[key] = array
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez_compressed(handle, **payload)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path.stat().st_size


def read_header(path: Path) -> dict[str, Any]:
    """Only the JSON header (cheap): format version, fingerprint, intents, pipeline."""
    header, _ = _open(path, header_only=True)
    return header


def read_model(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Header and every array; raises ModelFileError if the file cannot be trusted."""
    return _open(path, header_only=False)


def _open(path: Path, *, header_only: bool) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if _HEADER not in archive.files:
                raise ModelFileError(f"{path}: not an NLU model (no header)")
            header = json.loads(archive[_HEADER].tobytes().decode("utf-8"))
            if not isinstance(header, dict):
                raise ModelFileError(f"{path}: malformed model header")
            version = header.get("format_version")
            if version != FORMAT_VERSION:
                raise ModelFileError(f"{path}: model format {version}, this version reads {FORMAT_VERSION}")
            arrays = {} if header_only else {k: archive[k] for k in archive.files if k != _HEADER}
    except ModelFileError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: corrupt model file ({type(exc).__name__})") from None
    return header, arrays
