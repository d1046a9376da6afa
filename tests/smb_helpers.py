"""A real SMB share for the watcher tests: Samba (smbd) on a loopback address serves a folder,
and smbnetfs mounts it through FUSE, the way a Linux watcher host mounts the departments' share.

What another PC drops is written into the server-side folder (`SmbShare.server`); the watcher
sees it only through the mount (`SmbShare.mount`), where no inotify event reports it. Writes made
through the mount go over SMB and do raise local events (the watcher's own probe file, say).

Everything lives in a private temp folder: smbd gets its own config, state, lock and log
folders, and smbnetfs its own HOME (it and libsmbclient read ~/.smb). Each share binds port 445
(smbnetfs reaches no other port) on its own random 127.x.y.z address, so two test runs on one
machine do not meet. Needs root (port 445, the FUSE mount), /dev/fuse and the Debian packages
samba and smbnetfs (.ci/run installs them). Without them the tests skip and say why, except
under CI=true, where a share that cannot run is a failure (as for LibreOffice).
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SHARE = "inbox"
PACKAGES = "samba smbnetfs"


def _binary(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")


def why_not() -> str | None:
    """Why a real share cannot run on this machine, or None when it can."""
    if not sys.platform.startswith("linux"):
        return "a Samba share mounted through FUSE needs Linux"
    if getattr(os, "geteuid", lambda: -1)() != 0:
        return "needs root: smbd binds port 445 and the share is mounted through FUSE"
    if not os.path.exists("/dev/fuse") or not os.access("/dev/fuse", os.R_OK | os.W_OK):
        return "needs /dev/fuse (a container without FUSE)"
    missing = [name for name in ("smbd", "smbnetfs") if _binary(name) is None]
    if missing:
        return f"{' and '.join(missing)} not installed (Debian packages: {PACKAGES}; .ci/run installs them)"
    return None


def require_share(reason: str | None = None) -> None:
    """Skip (under CI=true: fail) when no real share can run here."""
    reason = reason or why_not()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"the real SMB share is required in CI, but {reason}")
    pytest.skip(f"real SMB share: {reason}")


@dataclass
class SmbShare:
    mount: Path    # the share as the watcher host sees it: through smbnetfs (FUSE) and SMB
    server: Path   # the same folder on the server's disk: where another PC's drops land
    address: str
    root: Path
    processes: tuple[subprocess.Popen, ...] = ()

    def folder(self, name: str) -> tuple[Path, Path]:
        """A new folder on the share: (as mounted, server side)."""
        (self.server / name).mkdir(mode=0o777)
        (self.server / name).chmod(0o777)
        mounted = self.mount / name
        _wait(mounted.is_dir, 10, f"{mounted} to appear through the mount")
        return mounted, self.server / name

    def log_tail(self, lines: int = 30) -> str:
        text = []
        for log in sorted(self.root.glob("**/log/*.*")):
            text += [f"--- {log.name}", *log.read_text("utf-8", "replace").splitlines()[-lines:]]
        return "\n".join(text)


def _free_address() -> str | None:
    """A random loopback address whose port 445 nobody listens on (None: a server on every address)."""
    for _ in range(20):
        address = f"127.{random.randint(100, 250)}.{random.randint(1, 250)}.{random.randint(2, 250)}"
        if not _listening(address):
            return address
    return None


def _wait(check, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"waited {timeout:.0f} s for {what}")


def _listening(address: str) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((address, 445)) == 0


def _smbd_conf(root: Path, address: str, extra: str) -> str:
    folders = {key: root / key for key in ("pid", "lock", "state", "cache", "private", "ncalrpc", "log")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return f"""[global]
  interfaces = {address}/8
  bind interfaces only = yes
  smb ports = 445
  disable netbios = yes
  server min protocol = SMB2
  pid directory = {folders['pid']}
  lock directory = {folders['lock']}
  state directory = {folders['state']}
  cache directory = {folders['cache']}
  private dir = {folders['private']}
  ncalrpc dir = {folders['ncalrpc']}
  log file = {folders['log']}/smbd.log
  max log size = 1000
  map to guest = Bad User
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
[{SHARE}]
  path = {root / 'share'}
  read only = no
  guest ok = yes
  force user = root
{extra}"""


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A process of our own, in its own process group (smbd forks workers; smbnetfs too)."""
    with open(log, "ab") as out:
        return subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the group we started (smbnetfs unmounts on it), SIGKILL if it lingers."""
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _unmount(point: Path) -> None:
    if os.path.ismount(point):
        subprocess.run(["umount", "-l", str(point)], capture_output=True, timeout=30)


def _start_smbnetfs(client: Path, address: str, share: str, auth: str) -> tuple[subprocess.Popen, Path]:
    """A smbnetfs client of its own (HOME, config, log under `client`) mounted at client/mnt;
    returns the process and the share's folder as mounted (client/mnt/ADDRESS/SHARE)."""
    home, mnt = client / "home", client / "mnt"
    (home / ".smb").mkdir(parents=True, exist_ok=True)
    mnt.mkdir(parents=True, exist_ok=True)
    (home / ".smb" / "smb.conf").write_text("[global]\n  client min protocol = SMB2\n", "utf-8")
    conf = home / ".smb" / "smbnetfs.conf"
    conf.write_text(f"{auth}\nhost {address} visible=true\n", "utf-8")
    conf.chmod(0o600)
    env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "HOME": str(home), "LANG": "C.UTF-8"}
    (client / "log").mkdir(exist_ok=True)
    proc = _start([_binary("smbnetfs"), str(mnt), "-f", "-o", f"config={conf}"], env, client / "log" / "smbnetfs.out")
    folder = mnt / address / share
    try:
        _wait(lambda: proc.poll() is not None or (os.path.ismount(mnt) and (mnt / address).is_dir()),
              20, f"the smbnetfs mount of //{address}")
        if proc.poll() is not None:
            raise RuntimeError(f"smbnetfs exited with {proc.returncode}")
    except (RuntimeError, TimeoutError):
        _teardown([proc], mnt)
        raise
    return proc, folder


@contextmanager
def smb_share(root: Path, extra_conf: str = "") -> Iterator[SmbShare]:
    """Samba serving root/share as //ADDRESS/inbox (guest, read-write as root: the watcher host's
    account), mounted with smbnetfs at root/mnt; stopped and unmounted at the end. `extra_conf`:
    more [share] sections for smbd (see `client_mount`)."""
    require_share()
    root.mkdir(parents=True, exist_ok=True)
    (root / "share").mkdir(mode=0o777, exist_ok=True)
    (root / "share").chmod(0o777)
    address = _free_address()
    if address is None:
        require_share("port 445 is taken on every loopback address (a system Samba bound to all of them?)")
    conf = root / "smb.conf"
    conf.write_text(_smbd_conf(root, address, extra_conf), "utf-8")
    env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "LANG": "C.UTF-8"}
    share = SmbShare(mount=root / "mnt" / address / SHARE, server=root / "share", address=address, root=root)
    processes: list[subprocess.Popen] = []
    try:
        processes.append(_start([_binary("smbd"), "-s", str(conf), "--foreground", "--no-process-group"],
                                env, root / "log" / "smbd.out"))
        _wait(lambda: _listening(address) or processes[0].poll() is not None, 15, f"smbd on {address}:445")
        if processes[0].poll() is not None:
            raise RuntimeError(f"smbd exited with {processes[0].returncode}")
        proc, _ = _start_smbnetfs(root, address, SHARE, 'auth "guest" ""')
        processes.append(proc)
        _wait(lambda: os.listdir(share.mount) is not None, 20, f"//{address}/{SHARE} through the mount")
    except (RuntimeError, TimeoutError) as exc:
        _teardown(processes, root / "mnt")
        pytest.fail(f"the real SMB share did not start: {exc}\n{share.log_tail()}")
    share.processes = tuple(processes)
    try:
        yield share
    finally:
        _teardown(processes, root / "mnt")


@contextmanager
def client_mount(share: SmbShare, name: str, share_name: str, auth: str = 'auth "guest" ""') -> Iterator[Path]:
    """Another client of the same server (a department's PC) with its own smbnetfs mount of
    //ADDRESS/share_name; yields that share's folder as this client sees it."""
    try:
        proc, folder = _start_smbnetfs(share.root / "clients" / name, share.address, share_name, auth)
    except (RuntimeError, TimeoutError) as exc:
        pytest.fail(f"the client mount {name} did not start: {exc}\n{share.log_tail()}")
    try:
        yield folder
    finally:
        _teardown([proc], share.root / "clients" / name / "mnt")


def _teardown(processes: list[subprocess.Popen], mnt: Path) -> None:
    for proc in reversed(processes):  # smbnetfs first: it unmounts on SIGTERM
        _stop(proc)
    _unmount(mnt)
