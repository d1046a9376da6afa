"""Installed into the Windows lane's CPython (setup.sh). Wine 8.0, not Windows: KERNEL32.CopyFile2
is a stub there, and shutil.copyfile uses it on Python 3.12+; without it shutil takes the older
copy path (the one older Windows builds take too)."""
try:
    import _winapi

    if hasattr(_winapi, "CopyFile2"):
        del _winapi.CopyFile2
except ImportError:
    pass
