"""A sample workspace with [[chat]] tables pointing at fake robots, and a sender on a simulated clock."""
from __future__ import annotations

from pathlib import Path

from chat_fakes import Fake, SimClock
from xlflow.chat.config import load_channels
from xlflow.chat.outbox import ChatOutbox
from xlflow.chat.sender import Sender
from xlflow.config import Workspace, load_workspace
from xlflow.service.scaffold import init_workspace

SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"


def chat_table(name: str, fake: Fake, secret_env: str = "", keyword: str = "", events: list[str] | None = None,
               mention: dict | None = None) -> str:
    lines = ["", "[[chat]]", f'name = "{name}"', f'vendor = "{fake.vendor}"', f'webhook = "{fake.webhook}"']
    lines += [f'secret_env = "{secret_env}"'] if secret_env else []
    lines += [f'keyword = "{keyword}"'] if keyword else []
    lines += ["events = [" + ", ".join(f'"{e}"' for e in events) + "]"] if events else []
    if mention:
        lines += ["[chat.mention]"] + [f'{k} = "{v}"' for k, v in mention.items()]
    return "\n".join(lines) + "\n"


def chat_workspace(root: Path, tables: list[str], lang: str = "zh") -> Workspace:
    ws = init_workspace(root, lang, sample=True)
    path = ws.root / "xlflow.toml"
    path.write_text(path.read_text("utf-8") + "".join(tables), "utf-8")
    return load_workspace(ws.root)


def sim_sender(ws: Workspace, clock: SimClock, env: dict | None = None) -> Sender:
    return Sender(ChatOutbox(ws.state_db), load_channels(ws), ws.lang, clock=clock.now, sleep=clock.sleep,
                  env=env or {})
