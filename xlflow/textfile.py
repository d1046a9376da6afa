"""Text files people save on Windows: xlflow.toml from Notepad may be UTF-16 or GBK, not UTF-8."""
from __future__ import annotations

from pathlib import Path

from .errors import ConfigError

_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xef\xbb\xbf", "utf-8"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def config_text(path: Path) -> str:
    """xlflow.toml as text, as Notepad on Chinese Windows may save it: decoded by its byte-order mark
    (UTF-8, UTF-16, UTF-32), UTF-16 without one told by its zero bytes, else UTF-8, else GBK (GB18030).
    Anything else is ConfigError "save it as UTF-8", naming the file."""
    data = path.read_bytes()
    bom = next(((mark, codec) for mark, codec in _BOMS if data.startswith(mark)), None)
    if bom is None and data.count(b"\x00") * 4 > len(data):  # UTF-16 without a mark: every other byte 0
        bom = (b"", "utf-16-be" if data[0::2].count(b"\x00") > data[1::2].count(b"\x00") else "utf-16-le")
    codecs = [bom[1]] if bom else ["utf-8", "gb18030"]
    for codec in codecs:
        try:
            text = data[len(bom[0]) if bom else 0:].decode(codec)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise ConfigError("config-encoding", file=str(path))
