"""A model folder: plain data files listed, with their SHA-256, in ``manifest.json``.

Reading never unpickles and never runs code: every file is text (JSON, or a model format
such as LightGBM's), is read only if the manifest lists it, and is refused, naming the
file, when it is missing, too large, altered (checksum) or does not parse.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from features.errors import LeadgradeError

FORMAT = "leadgrade-model"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# A model file is read whole; no file a real model writes comes near this.
MAX_FILE_BYTES = 512 * 1024 * 1024
_FILE_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}\.(json|txt)")

T = TypeVar("T")


class ModelFileError(LeadgradeError):
    """A model file is missing, altered or malformed; the message names the file."""

    code = "invalid_model_file"


class ModelWriter:
    """Writes the files of one model folder and, last, the manifest with their checksums."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, str] = {}

    def text(self, name: str, text: str) -> None:
        if not _FILE_NAME.fullmatch(name) or name == MANIFEST:
            raise ValueError(f"{name!r} is not a model file name")
        data = text.encode("utf-8")
        (self.folder / name).write_bytes(data)
        self._files[name] = hashlib.sha256(data).hexdigest()

    def json(self, name: str, value: Any) -> None:
        self.text(name, json.dumps(value, indent=1, sort_keys=True))

    def finish(self, kind: str) -> Path:
        """Write the manifest naming the model ``kind``; returns the folder."""
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "kind": kind,
            "files": dict(sorted(self._files.items())),
        }
        (self.folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        return self.folder


class ModelReader:
    """Reads the files of a model folder, each checked against the manifest first."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        manifest = self._parse(MANIFEST, _read(self.folder / MANIFEST), json.loads)
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ModelFileError(f"{self.folder / MANIFEST}: not a {FORMAT} manifest")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise ModelFileError(
                f"{self.folder / MANIFEST}: format version {manifest.get('format_version')!r} "
                f"is not {FORMAT_VERSION}: this leadgrade cannot read it"
            )
        files, kind = manifest.get("files"), manifest.get("kind")
        if not isinstance(kind, str) or not isinstance(files, dict):
            raise ModelFileError(f"{self.folder / MANIFEST}: needs a kind and a files table")
        self.kind: str = kind
        self._files: dict[str, str] = {str(k): str(v) for k, v in files.items()}

    def has(self, name: str) -> bool:
        return name in self._files

    def text(self, name: str) -> str:
        """The file's text, after its size and checksum were checked."""
        path = self.folder / name
        if name not in self._files or not _FILE_NAME.fullmatch(name):
            raise ModelFileError(f"{path}: not listed in the model's manifest")
        data = _read(path)
        if hashlib.sha256(data).hexdigest() != self._files[name]:
            raise ModelFileError(f"{path}: checksum does not match the manifest (file altered)")
        text: str = self._parse(name, data, lambda d: d.decode("utf-8"))
        return text

    def json(self, name: str) -> Any:
        return self.parse(name, json.loads)

    def build(self, name: str, factory: Callable[[Any], T]) -> T:
        """``factory(JSON of the file)``; any error it raises is refused, naming the file."""
        return self.parse(name, lambda text: factory(json.loads(text)))

    def parse(self, name: str, parser: Callable[[str], T]) -> T:
        """``parser(text)``; any error it raises is refused, naming the file."""
        return self._parse(name, self.text(name), parser)

    def _parse(self, name: str, data: Any, parser: Callable[[Any], T]) -> T:
        try:
            return parser(data)
        except ModelFileError:
            raise
        except Exception as exc:  # whatever a parser raises, the file is unusable
            raise ModelFileError(
                f"{self.folder / name}: does not parse: {type(exc).__name__}: {exc}"
            ) from exc


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ModelFileError(f"{path}: {size} bytes, more than a model file may hold")
        return path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot be read: {exc.strerror}") from exc
