"""xlflow.toml as Notepad on Chinese Windows saves it: GBK ("ANSI"), UTF-16 with a
byte-order mark ("Unicode"), UTF-8 with a mark; read like UTF-8. A file in none of them gets a
sentence naming it and saying to save it as UTF-8, in Chinese and English, never a traceback."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from xlflow.cli import main
from xlflow.config import CONFIG_NAME, load_workspace
from xlflow.errors import ConfigError
from xlflow.service.scaffold import init_workspace


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    root = tmp_path_factory.mktemp("utf8") / "ws"
    init_workspace(root, "zh", sample=True)
    return (root / CONFIG_NAME).read_text("utf-8")


def _fingerprint(ws) -> tuple:
    return (ws.project.name("zh"), ws.project.code, [(d.code, d.name("zh"), d.contact) for d in ws.departments],
            ws.email.to, ws.lang)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-16-be-bom", "utf-8-sig", "utf-16-le-nobom"])
def test_notepad_encodings_are_read_like_utf8(tmp_path, reference, encoding):
    assert "智能水壶" in reference  # Chinese text that the encodings really change
    expected = _fingerprint(_workspace(tmp_path / "utf8", reference.encode("utf-8")))
    data = {"utf-16-be-bom": b"\xfe\xff" + reference.encode("utf-16-be"),
            "utf-16-le-nobom": reference.encode("utf-16-le")}.get(encoding) or reference.encode(encoding)
    assert data != reference.encode("utf-8")
    assert _fingerprint(_workspace(tmp_path / encoding, data)) == expected


def _workspace(root, data: bytes):
    init_workspace(root, "zh", sample=True)
    (root / CONFIG_NAME).write_bytes(data)
    return load_workspace(root)


@pytest.mark.parametrize("lang, text", [("zh", "另存为"), ("en", "Save As")])
def test_an_undecodable_config_names_the_file_and_says_save_as_utf8(tmp_path, reference, lang, text):
    root = tmp_path / "ws"
    init_workspace(root, "en", sample=True)
    path = root / CONFIG_NAME
    path.write_bytes(reference.replace("智能水壶X1新品上市", "Café").encode("utf-8").replace("é".encode(), b"\xe9"))
    with pytest.raises(ConfigError) as info:
        load_workspace(root)
    assert str(path) in info.value.message(lang) and "UTF-8" in info.value.message(lang)
    result = CliRunner().invoke(main, ["status", "-w", str(root)], env={"XLFLOW_LANG": lang})
    assert result.exit_code == 1 and text in result.output and str(path) in result.output
    assert "Traceback" not in result.output and "UnicodeDecodeError" not in result.output
