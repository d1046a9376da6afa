"""Files shipped with xlflow: inside the installed package, or beside it in a source checkout."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import tomllib
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def data_dir() -> Path:
    """workbook_templates/: the form specs, enumerations and message catalog."""
    return _shipped("workbook_templates")


def samples_dir() -> Path:
    """samples/: the sample workspace config and submissions."""
    return _shipped("samples")


def cache_dir() -> Path:
    """The user's cache folder for xlflow (XLFLOW_CACHE_DIR, else the platform's own)."""
    if os.environ.get("XLFLOW_CACHE_DIR"):
        return Path(os.environ["XLFLOW_CACHE_DIR"])
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "xlflow" / "cache"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "xlflow"


class _ParsedToml:
    """Parsed TOML by the digest of the file's bytes, kept as JSON text in one file of the user's cache.
    Why: every command parses ~300 kB of shipped messages and form specs, ~0.1 s of CPU with tomllib;
    the cache gives them in ~10 ms. The files stay the truth (a changed file has a new digest), and a
    cache that cannot be read or written is only parsing again. JSON, never pickle: loading it runs nothing."""

    LIMIT = 4 << 20  # characters: past this, entries this process did not use are dropped

    def __init__(self) -> None:
        self.entries: dict[str, str] | None = None  # digest → the parsed file as JSON text
        self.used: set[str] = set()

    def load(self, path: Path) -> dict:
        data = path.read_bytes()
        key = hashlib.sha256(data).hexdigest()
        if self.entries is None:
            self.entries = self._read()
        self.used.add(key)
        if key in self.entries:
            try:
                parsed = json.loads(self.entries[key])
                if isinstance(parsed, dict):
                    return parsed
            except ValueError:
                pass
        parsed = tomllib.loads(data.decode("utf-8"))
        try:
            self.entries[key] = json.dumps(parsed, ensure_ascii=False)
        except (TypeError, ValueError):  # a TOML date, which JSON cannot hold: parsed every time
            return parsed
        self._write()
        return parsed

    @staticmethod
    def _file() -> Path:
        return cache_dir() / "parsed-toml.json"

    def _read(self) -> dict[str, str]:
        try:
            entries = json.loads(self._file().read_bytes())
        except (OSError, ValueError):
            return {}
        return {k: v for k, v in entries.items() if isinstance(v, str)} if isinstance(entries, dict) else {}

    def _write(self) -> None:
        assert self.entries is not None
        if sum(map(len, self.entries.values())) > self.LIMIT:
            self.entries = {k: v for k, v in self.entries.items() if k in self.used}
        target, tmp = self._file(), None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".parsed-toml-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.entries, fh, ensure_ascii=False)
            os.replace(tmp, target)
        except OSError:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)


_parsed = _ParsedToml()


def read_toml(path: Path) -> dict:
    """A TOML file parsed (tomllib's errors as tomllib raises them), through the user's cache."""
    return _parsed.load(path)
