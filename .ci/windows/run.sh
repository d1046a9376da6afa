#!/usr/bin/env bash
# The Windows lane: the tests marked `windows` and `xlflow demo`, on the Windows CPython under Wine
# (setup.sh made it). What this checks is Windows API semantics (share modes, byte-range locks,
# reserved names, code pages, CRLF, the ReadDirectoryChangesW observer, drive types), not NTFS, SMB
# or Excel: docs/administrator-windows.md says what still needs a real Windows PC.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
checkout=$(cd "$here/../.." && pwd)
. "$here/env.sh"
start=$SECONDS

# S: a network drive letter, as Wine sees it (its drive type "network" = DRIVE_REMOTE): the
# mapped-drive tests use it (XLFLOW_WIN_REMOTE_DRIVE), as an unattended watcher would meet S:\ on a PC
share=$XLFLOW_WINROOT/share
mkdir -p "$share"
ln -sfn "$share" "$WINEPREFIX/dosdevices/s:"
wine reg add 'HKLM\Software\Wine\Drives' /v 's:' /d network /f </dev/null 2>&1 | cat >/dev/null

cd "$checkout"
export XLFLOW_WIN_REMOTE_DRIVE='S:'
cache=$XLFLOW_WINROOT/pytest-cache
if ! wpy -m pytest -q -o cache_dir="$(winepath -w "$cache")" -m windows -rs "${@:-tests}"; then
  # Under a loaded CI machine a golden run under Wine has once come out different and passed on the
  # next run (not understood yet: see the closing note of issue 20). Retry what failed once, loudly;
  # a second failure fails the lane.
  echo "[windows lane] retrying the failed tests once" >&2
  wpy -m pytest -q -o cache_dir="$(winepath -w "$cache")" -m windows -rs --lf "${@:-tests}"
fi
tests=$((SECONDS - start))

demo=$XLFLOW_WINROOT/demo-run
rm -rf "$demo" && mkdir -p "$demo"
(cd "$demo" && wexe xlflow demo demo --lang en)
test -f "$demo/demo/master/NPL-2026-master.xlsx"
ls "$demo"/demo/reports/*.html >/dev/null
wineserver -w
echo "[windows lane] tests ${tests} s, demo $((SECONDS - start - tests)) s"
