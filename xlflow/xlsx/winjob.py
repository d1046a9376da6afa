"""Windows: the feedback copy's memory bound (what setrlimit gives on POSIX), a Job Object.

The parent puts the child in a job whose ProcessMemoryLimit is the copy's budget: an allocation
over it fails, openpyxl gets a MemoryError and the child says so. The job is made with
KILL_ON_JOB_CLOSE, so the child also dies with its parent (the job's handle closes with it),
as PR_SET_PDEATHSIG gives on Linux. The child reads its job from stdin first, so it allocates
nothing before it is in the job.
"""
from __future__ import annotations

import ctypes
import subprocess
from ctypes import wintypes

LIMIT_PROCESS_MEMORY = 0x100
LIMIT_KILL_ON_JOB_CLOSE = 0x2000
EXTENDED_LIMIT_INFORMATION = 9  # JobObjectExtendedLimitInformation


class _Basic(ctypes.Structure):
    _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64), ("PerJobUserTimeLimit", ctypes.c_int64),
                ("LimitFlags", wintypes.DWORD), ("MinimumWorkingSetSize", ctypes.c_size_t),
                ("MaximumWorkingSetSize", ctypes.c_size_t), ("ActiveProcessLimit", wintypes.DWORD),
                ("Affinity", ctypes.c_size_t), ("PriorityClass", wintypes.DWORD), ("SchedulingClass", wintypes.DWORD)]


class _Extended(ctypes.Structure):
    _fields_ = [("BasicLimitInformation", _Basic), ("IoInfo", ctypes.c_uint64 * 6),
                ("ProcessMemoryLimit", ctypes.c_size_t), ("JobMemoryLimit", ctypes.c_size_t),
                ("PeakProcessMemoryUsed", ctypes.c_size_t), ("PeakJobMemoryUsed", ctypes.c_size_t)]


def _kernel32():
    k32 = ctypes.WinDLL("kernel32", use_last_error=True)
    k32.CreateJobObjectW.restype = wintypes.HANDLE
    k32.CreateJobObjectW.argtypes = [wintypes.LPVOID, wintypes.LPCWSTR]
    k32.SetInformationJobObject.argtypes = [wintypes.HANDLE, ctypes.c_int, wintypes.LPVOID, wintypes.DWORD]
    k32.QueryInformationJobObject.argtypes = [wintypes.HANDLE, ctypes.c_int, wintypes.LPVOID, wintypes.DWORD,
                                              wintypes.LPVOID]
    k32.AssignProcessToJobObject.argtypes = [wintypes.HANDLE, wintypes.HANDLE]
    k32.CloseHandle.argtypes = [wintypes.HANDLE]
    return k32


def contain(proc: subprocess.Popen, memory: int) -> int | None:
    """Put `proc` in a new job limited to `memory` bytes; the job's handle (close it with `release`),
    or None when Windows refused (the parent's timeout is then the only bound)."""
    k32 = _kernel32()
    job = k32.CreateJobObjectW(None, None)
    if not job:
        return None
    info = _Extended()
    info.BasicLimitInformation.LimitFlags = LIMIT_PROCESS_MEMORY | LIMIT_KILL_ON_JOB_CLOSE
    info.ProcessMemoryLimit = memory
    if not (k32.SetInformationJobObject(job, EXTENDED_LIMIT_INFORMATION, ctypes.byref(info), ctypes.sizeof(info))
            and k32.AssignProcessToJobObject(job, int(proc._handle))):  # type: ignore[attr-defined]  # the Win32 process handle: typeshed has it on win32 only
        k32.CloseHandle(job)
        return None
    return job


def memory_limit(job: int) -> int:
    """The job's per-process memory limit as Windows holds it (0: none)."""
    info = _Extended()
    if not _kernel32().QueryInformationJobObject(job, EXTENDED_LIMIT_INFORMATION, ctypes.byref(info),
                                                 ctypes.sizeof(info), None):
        return 0
    return info.ProcessMemoryLimit if info.BasicLimitInformation.LimitFlags & LIMIT_PROCESS_MEMORY else 0


def release(job: int | None) -> None:
    if job:
        _kernel32().CloseHandle(job)
