"""Confine a forked grading worker before it runs untrusted student code.

The zygote imports torch, forks one worker per student component, and the worker calls
:func:`confine` exactly once, while it is still single-threaded and before it imports any
student code. ``confine`` stacks several independent layers; each one is applied where the
platform allows it and silently skipped elsewhere, and the tuple it returns names exactly the
layers that took effect, in the order they were applied:

``rlimits``
    Address space, open files, processes, file size and CPU time limits (``rlimits-partial``
    when some of them could not be set, e.g. RLIMIT_AS on macOS).
``mount-ns``
    A private mount namespace (root, or an unprivileged user namespace) whose root is built,
    not masked: an empty tmpfs holding only the allow-list (:func:`allowed_paths`: the
    standard library, the site-packages of torch and numpy, the shared libraries), the
    student's code (``Policy.code``), a working directory on a tmpfs of its own limited in
    bytes and inodes (``Limits.disk_kb``, ``Limits.disk_files``; gone with the worker),
    /dev/{null,zero,urandom,random} and /proc/self. Nothing else exists for the worker: not
    /tmp, not home folders, not the project, not another checkout or another submission.
``ro-fs``
    In that namespace every mount is made read-only except the working directory, so
    nothing else can be written, by Python or by native code (``torch.save`` to a path
    writes from C++ and never raises an audit event).
``pid-ns``
    Not applied here: the zygote forks each worker as the first process of a PID namespace of
    its own (root only), so no other process exists for it. Listed when that is so.
``net-ns``
    A fresh network namespace with no usable interface.
``nobody``
    When running as root: the working copy is handed to ``nobody`` and the worker drops to
    that uid, so file permissions protect the rest of the system and /proc/<pid> of root
    processes, and all capabilities are gone.
``seccomp``
    A classic-BPF seccomp filter (Linux x86_64/aarch64) that makes the kernel refuse
    process creation, non-AF_UNIX sockets, signals to other processes, ptrace-like calls,
    namespace and mount changes, io_uring, and a few other escape hatches.
``audit``
    A ``sys.addaudithook`` hook that turns forbidden Python-level operations into
    :class:`SandboxViolation` with a one-line English message, plus stubs replacing
    ``_posixsubprocess.fork_exec`` and ``_thread.start_new_thread`` (which raise no audit
    event in Python 3.11).

Threat model and limits. The kernel layers (mount-ns, ro-fs, net-ns, nobody, seccomp) are the
security boundary. The audit layer is defence in depth and the place where student code gets a
clear message; on macOS it is the only file-system guard. An in-process hook cannot be
airtight: code that corrupts interpreter memory (ctypes pointer indexing, hand-made bytecode or
.pyc files), re-creates a built-in module through importlib internals, swaps ``__class__`` of a
path object while it is being converted, or opens files relative to a ``dir_fd`` (the ``open``
audit event does not carry ``dir_fd``) can get around it. The hook is written so that it reads
no global or builtin name and keeps its state in immutable default arguments, so that leaking its
frame (e.g. through a traceback) does not let student code switch it off.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import glob
import os
import pathlib
import platform
import signal
import site
import stat
import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:  # POSIX only; the grader runs on Linux and macOS.
    import pwd
    import resource
except ImportError:  # pragma: no cover - not a supported platform
    pwd = None  # type: ignore[assignment]
    resource = None  # type: ignore[assignment]

__all__ = ["Limits", "Policy", "SandboxViolation", "confine"]


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker."""

    memory_mb: int = 1024  # address space the worker may add beyond what it has mapped
    open_files: int = 64  # RLIMIT_NOFILE
    processes: int = 256  # RLIMIT_NPROC (only effective for non-root uids; threads count too)
    output_kb: int = 1024  # RLIMIT_FSIZE: no file, the stdout/stderr log included, grows beyond
    cpu_s: int = 600  # RLIMIT_CPU backstop against orphans; the grader enforces the real limit
    disk_kb: int = 32 * 1024  # the working directory's tmpfs (mount-ns only)
    disk_files: int = 1000  # files and folders in it


@dataclass(frozen=True)
class Policy:
    """What the worker may touch."""

    workdir: Path  # the only place it may write (an empty tmpfs under mount-ns); confine() chdirs
    # Folders it may not read: absent from the built root anyway (covered should one lie inside
    # an allowed folder); the audit hook names the attempt, and guards where mount-ns is missing.
    hidden: tuple[Path, ...]
    limits: Limits = field(default_factory=Limits)
    # Modules it may not import, with their submodules (e.g. "reference", "graders.suites"):
    # hidden folders already make them unreadable; this names the attempt as a violation.
    hidden_modules: tuple[str, ...] = ()
    code: tuple[Path, ...] = ()  # the student's code: bound read-only into the built root


class SandboxViolation(PermissionError):
    """Raised inside the worker when student code tries something the sandbox forbids.

    The message is one English line, e.g.
    ``"sandbox: starting a process is not allowed (os.system)"``. It derives from
    PermissionError (an OSError) so that library code which already copes with a refused
    operation (importlib failing to write a .pyc, for instance) keeps coping.
    """


def confine(policy: Policy) -> tuple[str, ...]:
    """Apply every layer available here, in order, and return the names of those applied.

    Call it exactly once, in the forked worker, while it has a single thread, after
    ``import torch`` and before importing student code. Typical results:
    ``("rlimits", "pid-ns", "mount-ns", "ro-fs", "net-ns", "nobody", "seccomp", "audit")`` as
    root on Linux (a worker of the zygote),
    ``("rlimits", "mount-ns", "ro-fs", "net-ns", "seccomp", "audit")`` for an ordinary Linux
    user with user namespaces, ``("rlimits-partial", "audit")`` on macOS.

    Raises OSError if the working copy does not exist, or in the rare case where a namespace
    was entered but could not be set up consistently (the worker must not go on then).
    """
    workdir = os.path.realpath(policy.workdir)
    allowed = _ALLOWED or allowed_paths()
    if not os.path.isdir(workdir):
        raise FileNotFoundError(errno.ENOENT, "sandbox: working copy not found", workdir)
    hidden = tuple(os.path.realpath(h) for h in policy.hidden)
    pid = os.getpid()
    libc = _linux_libc()
    arch = _ARCHES.get(platform.machine()) if libc is not None and _is_64bit() else None
    root = os.geteuid() == 0
    nobody_ids = _nobody_ids() if root else None

    applied: list[str] = []
    applied.append(_apply_rlimits(policy.limits))
    if pid == 1:  # the zygote forked us into a PID namespace of our own (zygote.fork_into_pid_namespace)
        applied.append("pid-ns")
    in_userns = False
    if libc is not None:
        names, in_userns = _enter_namespaces(libc, arch, policy, workdir, hidden, allowed, nobody_ids)
        applied += names
    # After the namespace work: a cwd taken before it would point into the old root.
    os.chdir(workdir)
    # The one writable place is where temporary files go too (tempfile caches its choice).
    os.environ["TMPDIR"] = workdir
    if "tempfile" in sys.modules:
        sys.modules["tempfile"].tempdir = workdir
    if nobody_ids is not None and not in_userns and _become_nobody(
        workdir, hidden, nobody_ids, libc
    ):
        applied.append("nobody")
    if libc is not None and arch is not None and _install_seccomp(libc, arch, pid):
        applied.append("seccomp")
    _neutralise_unaudited_entry_points()
    sys.addaudithook(_make_audit_hook(workdir, hidden, pid, tuple(policy.hidden_modules)))
    applied.append("audit")
    return tuple(applied)


# --------------------------------------------------------------------------------------------
# Layer 1: resource limits
# --------------------------------------------------------------------------------------------


def _current_vm_bytes() -> int | None:
    """VmSize of this process (Linux); RLIMIT_AS counts everything already mapped."""
    try:  # binary: a text-mode open may import a codec, and confine() imports nothing
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _apply_rlimits(limits: Limits) -> str:
    if resource is None:  # pragma: no cover - not a supported platform
        return "rlimits-partial"
    vm = _current_vm_bytes()
    wanted = [
        ("RLIMIT_CORE", 0),
        ("RLIMIT_CPU", limits.cpu_s),
        ("RLIMIT_FSIZE", limits.output_kb * 1024),
        ("RLIMIT_NOFILE", limits.open_files),
        ("RLIMIT_NPROC", limits.processes),
        ("RLIMIT_AS", None if vm is None else vm + limits.memory_mb * 1024 * 1024),
    ]
    complete = True
    for name, value in wanted:
        res = getattr(resource, name, None)
        if res is None or value is None:
            complete = False
            continue
        try:
            _, hard = resource.getrlimit(res)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            # soft == hard: student code can neither raise the limit nor catch a soft one.
            resource.setrlimit(res, (value, value))
        except (OSError, ValueError):
            complete = False
    # An oversized write should fail with EFBIG, not kill the worker with SIGXFSZ, so that the
    # grader can still collect results and report "output limit hit".
    try:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    except (AttributeError, ValueError, OSError):
        complete = False
    return "rlimits" if complete else "rlimits-partial"


# --------------------------------------------------------------------------------------------
# Linux plumbing: libc through ctypes, syscall numbers per architecture
# --------------------------------------------------------------------------------------------

# <linux/sched.h>
_CLONE_THREAD = 0x00010000
_CLONE_NEWNS = 0x00020000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
# <sys/mount.h>, <linux/mount.h>, <fcntl.h>
_MS_RDONLY = 1
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_NOEXEC = 8
_MS_BIND = 4096
_MS_REC = 16384
_MS_PRIVATE = 1 << 18
_MNT_DETACH = 2
_MOUNT_ATTR_RDONLY = 0x1
_AT_FDCWD = -100
_AT_RECURSIVE = 0x8000
# <linux/prctl.h>, <linux/seccomp.h>, <linux/capability.h>
_PR_SET_PDEATHSIG = 1
_PR_GET_PDEATHSIG = 2
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


@dataclass(frozen=True)
class _Arch:
    audit_arch: int  # AUDIT_ARCH_* from <linux/audit.h>, checked first by the filter
    has_x32: bool  # x86_64 also accepts x32-ABI calls (nr | 0x40000000): refuse them all
    nr: dict[str, int]


# Syscall numbers from the Linux UAPI headers: arch/x86/entry/syscalls/syscall_64.tbl
# (<asm/unistd_64.h>) for x86_64 and include/uapi/asm-generic/unistd.h, which arm64 uses.
# aarch64 has no fork/vfork (glibc forks with clone) and no iopl/ioperm. Numbers from 424 on
# are shared by all architectures.
_X86_64 = {
    "socket": 41, "socketpair": 53, "clone": 56, "fork": 57, "vfork": 58, "execve": 59,
    "kill": 62, "ptrace": 101, "rt_sigqueueinfo": 129, "personality": 135, "pivot_root": 155,
    "chroot": 161, "mount": 165, "umount2": 166, "swapon": 167, "swapoff": 168, "reboot": 169,
    "iopl": 172, "ioperm": 173, "init_module": 175, "delete_module": 176, "tkill": 200,
    "tgkill": 234, "kexec_load": 246, "add_key": 248, "request_key": 249, "keyctl": 250,
    "unshare": 272, "rt_tgsigqueueinfo": 297, "perf_event_open": 298, "open_by_handle_at": 304,
    "setns": 308, "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312,
    "finit_module": 313, "seccomp": 317, "kexec_file_load": 320, "bpf": 321, "execveat": 322,
    "userfaultfd": 323,
}
_AARCH64 = {
    "umount2": 39, "mount": 40, "pivot_root": 41, "chroot": 51, "personality": 92,
    "unshare": 97, "kexec_load": 104, "init_module": 105, "delete_module": 106, "ptrace": 117,
    "kill": 129, "tkill": 130, "tgkill": 131, "rt_sigqueueinfo": 138, "reboot": 142,
    "socket": 198, "socketpair": 199, "add_key": 217, "request_key": 218, "keyctl": 219,
    "clone": 220, "execve": 221, "swapon": 224, "swapoff": 225, "rt_tgsigqueueinfo": 240,
    "perf_event_open": 241, "open_by_handle_at": 265, "setns": 268, "process_vm_readv": 270,
    "process_vm_writev": 271, "kcmp": 272, "finit_module": 273, "seccomp": 277, "bpf": 280,
    "execveat": 281, "userfaultfd": 282, "kexec_file_load": 294,
}
_COMMON = {
    "pidfd_send_signal": 424, "io_uring_setup": 425, "io_uring_enter": 426,
    "io_uring_register": 427, "open_tree": 428, "move_mount": 429, "fsopen": 430,
    "fsconfig": 431, "fsmount": 432, "fspick": 433, "pidfd_open": 434, "clone3": 435,
    "pidfd_getfd": 438, "process_madvise": 440, "mount_setattr": 442,
}
_ARCHES = {
    "x86_64": _Arch(0xC000003E, True, {**_X86_64, **_COMMON}),
    "aarch64": _Arch(0xC00000B7, False, {**_AARCH64, **_COMMON}),
}


def _is_64bit() -> bool:
    # A 32-bit interpreter on an x86_64 kernel makes i386 syscalls, which our x86_64 filter
    # would refuse wholesale; only filter processes whose ABI matches the table.
    return sys.maxsize > 2**32


def _linux_libc() -> ctypes.CDLL | None:
    """libc with the prototypes we need, or None where this is not Linux/glibc-like."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.unshare.argtypes = [ctypes.c_int]
        libc.mount.argtypes = [
            ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p,
        ]
        libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
        libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
        libc.syscall.restype = ctypes.c_long  # variadic: arguments are passed as ctypes objects
        libc.capset.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    except (OSError, AttributeError):
        return None
    return libc


def _syscall(libc: ctypes.CDLL, nr: int, *args: Any) -> int:
    """Raw syscall; ints travel as C longs, bytes as char*, ctypes objects as they are."""
    c_args = [
        ctypes.c_long(a) if isinstance(a, int) else ctypes.c_char_p(a) if isinstance(a, bytes)
        else a
        for a in args
    ]
    return int(libc.syscall(ctypes.c_long(nr), *c_args))


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"sandbox: {what} failed: {os.strerror(err)}")


class _MountAttr(ctypes.Structure):  # struct mount_attr, <linux/mount.h>
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


# --------------------------------------------------------------------------------------------
# Layer 2: namespaces (mount-ns, ro-fs, net-ns)
# --------------------------------------------------------------------------------------------


def _enter_namespaces(
    libc: ctypes.CDLL,
    arch: _Arch | None,
    policy: Policy,
    workdir: str,
    hidden: tuple[str, ...],
    allowed: tuple[str, ...],
    nobody_ids: tuple[int, int] | None,
) -> tuple[list[str], bool]:
    """Unshare what we can; return (layer names, whether we are now in a new user namespace)."""
    plain = [
        _CLONE_NEWNS | _CLONE_NEWNET | _CLONE_NEWIPC,
        _CLONE_NEWNS | _CLONE_NEWNET,
        _CLONE_NEWNS,
        _CLONE_NEWNET,
    ]
    # An ordinary user needs a user namespace to own the new ones. Root tries that too as a
    # last resort (a container without CAP_SYS_ADMIN), giving up the "nobody" layer then.
    with_user = [_CLONE_NEWUSER | f for f in plain]
    attempts = plain + with_user if os.geteuid() == 0 else with_user
    got = 0
    for flags in attempts:
        if libc.unshare(flags) == 0:
            got = flags
            break
    if not got:
        return [], False
    in_userns = bool(got & _CLONE_NEWUSER)
    if in_userns:
        _map_own_ids()
    names: list[str] = []
    # Never let our mounts propagate back to the host's namespace (nothing may be mounted
    # before this), then build the root; pivot_root needs a syscall number (arch).
    if got & _CLONE_NEWNS and arch is not None and libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) == 0:
        owner = nobody_ids if nobody_ids is not None and not in_userns else (os.geteuid(), os.getegid())
        if _build_root(libc, arch, policy, workdir, hidden, allowed, owner):
            names.append("mount-ns")
            if _make_readonly_except(libc, arch, workdir):
                names.append("ro-fs")
    if got & _CLONE_NEWNET:
        names.append("net-ns")
    if in_userns:
        # We hold every capability inside the new user namespace, enough to undo the mounts.
        # Drop them all now that the mounts are in place.
        _drop_capabilities(libc)
    return names, in_userns


def _map_own_ids() -> None:
    """Map our own uid/gid into the new user namespace (the only mapping a user may write)."""
    uid, gid = os.geteuid(), os.getegid()
    # Required before gid_map for non-root; kernels before 3.19 have no such file.
    with contextlib.suppress(FileNotFoundError):
        _write_proc_file("/proc/self/setgroups", b"deny")
    try:
        _write_proc_file("/proc/self/uid_map", b"%d %d 1" % (uid, uid))
        _write_proc_file("/proc/self/gid_map", b"%d %d 1" % (gid, gid))
    except OSError as exc:
        # There is no way back out of the namespace, and unmapped ids cannot create files.
        raise OSError(exc.errno, f"sandbox: cannot map ids in the user namespace: {exc}") from exc


def _write_proc_file(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _drop_capabilities(libc: ctypes.CDLL) -> None:
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable, twice: all zero
    _check(libc.capset(header, data), "dropping capabilities")


# The allow-list. What a worker needs of the machine besides its working directory and the
# student's code: the interpreter's standard library and the site-packages that hold torch and
# numpy (site's paths: a venv's own site-packages, never the project around it), and the
# shared libraries their extension modules load lazily. Everything else is simply absent.
_LIBRARY_DIRS = ("/lib", "/lib64", "/lib32", "/usr/lib", "/usr/lib64", "/usr/lib32")
_SYSTEM_FILES = ("/etc/ld.so.cache",)  # how the loader finds a library by name
_DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
_ROOT_OPTIONS = b"size=1m,nr_inodes=4096,mode=0755"  # the skeleton: folders and mount points
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the grader's own: never bound


def allowed_paths() -> tuple[str, ...]:
    """The folders and files bound read-only into every worker's root (see _LIBRARY_DIRS)."""
    found = [os.path.dirname(os.__file__), *site.getsitepackages()]  # lib-dynload is in the first
    found += [p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")]  # user, distro
    found += [p for p in _LIBRARY_DIRS + _SYSTEM_FILES if os.path.exists(p)]
    return tuple(dict.fromkeys(os.path.abspath(p) for p in found if os.path.exists(p)))


def _build_root(
    libc: ctypes.CDLL,
    arch: _Arch,
    policy: Policy,
    workdir: str,
    hidden: tuple[str, ...],
    allowed: tuple[str, ...],
    owner: tuple[int, int],
) -> bool:
    """Replace this mount namespace's root by one built from the allow-list; False (nothing
    changed) where the kernel refuses a step.

    The new root is a tmpfs mounted over the (empty) working directory. It holds, at their
    usual paths so that loaded modules keep their file names: read-only binds of
    allowed_paths() and of the student's code (policy.code), the working directory as a tmpfs
    of its own limited in size and inodes (gone when the worker ends), /dev/{null,zero,
    urandom,random}, and /proc/self only (no other process is visible). Then pivot_root, and
    the old root is detached: no path leads back to it.

    Why by hand and not with bubblewrap: bwrap builds such a root only around a new process
    (it execs), which would import torch afresh for every component; here the zygote's fork
    already has torch. Measured on the same loaded 2-core machine: `bwrap ... python -c
    "import torch"` 18-53 s (a bare import: 20-25 s), a forked worker building this root,
    confining itself and saying hello 0.08-0.25 s (0.06-0.18 s before, masking instead).
    """
    top = os.fsencode(workdir)
    if libc.mount(b"tmpfs", top, b"tmpfs", _MS_NOSUID | _MS_NODEV, _ROOT_OPTIONS) != 0:
        return False
    try:
        for path in (*allowed, *(os.path.abspath(c) for c in policy.code)):
            real = os.path.realpath(path)
            if os.path.islink(path) and os.path.dirname(path) == "/":
                _link(workdir, path)  # /lib -> usr/lib: the link itself (its target is bound)
                continue
            # At the path modules were loaded from, and at the real path if a link led there.
            for target in dict.fromkeys((path, real)):
                _bind(libc, real, workdir + target)
        for folder in (*hidden, _PACKAGE):  # inside an allowed folder (a non-editable install): covered
            if os.path.isdir(workdir + folder):
                _check(libc.mount(b"tmpfs", os.fsencode(workdir + folder), b"tmpfs",
                                  _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC,
                                  b"size=4k,mode=0555"), f"covering {folder}")
        for device in _DEVICES:
            if os.path.exists(device):
                _bind(libc, device, workdir + device)
        # A GPU for the training tasks, where there is one (docs/training.md). Best effort: CUDA
        # that cannot start here makes the worker train on the CPU (training/session.device).
        for device in sorted(glob.glob("/dev/nvidia*")):
            with contextlib.suppress(OSError):
                _bind(libc, device, workdir + device)
        _bind(libc, os.path.realpath("/proc/self"), workdir + "/proc/self")
        limits = policy.limits
        options = b"size=%dk,nr_inodes=%d,mode=0700,uid=%d,gid=%d" % (
            limits.disk_kb, limits.disk_files, *owner)
        _mkdirs(workdir + workdir)
        _check(libc.mount(b"tmpfs", os.fsencode(workdir + workdir), b"tmpfs",
                          _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, options), "mounting the working directory")
        os.chdir(workdir)
        _check(_syscall(libc, arch.nr["pivot_root"], b".", b"."), "pivot_root")
    except OSError:
        os.chdir("/")
        libc.umount2(top, _MNT_DETACH)
        return False
    # The old root is stacked on the new one now; detaching it leaves only the new root.
    _check(libc.umount2(b".", _MNT_DETACH), "detaching the old root")
    os.chdir("/")
    return True


def _mkdirs(path: str) -> None:
    """Create path and its missing parents, each 0755 whatever the umask (nobody must pass)."""
    missing = []
    while not os.path.lexists(path):
        missing.append(path)
        path = os.path.dirname(path)
    for folder in reversed(missing):
        os.mkdir(folder)
        os.chmod(folder, 0o755)


def _bind(libc: ctypes.CDLL, source: str, target: str) -> None:
    """Bind `source` (a folder or a file) at `target`, a path in the new root."""
    if os.path.isdir(source):
        _mkdirs(target)
    elif not os.path.lexists(target):
        _mkdirs(os.path.dirname(target))
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    _check(libc.mount(os.fsencode(source), os.fsencode(target), None, _MS_BIND | _MS_REC, None),
           f"binding {source}")


def _link(root: str, path: str) -> None:
    if not os.path.lexists(root + path):
        os.symlink(os.readlink(path), root + path)


def _make_readonly_except(libc: ctypes.CDLL, arch: _Arch, workdir: str) -> bool:
    """Make every mount read-only, then the working copy's bind mount writable again."""
    if os.statvfs(workdir).f_flag & os.ST_RDONLY:
        return False  # already read-only where it matters: nothing we could restore later
    nr = arch.nr["mount_setattr"]  # Linux 5.12+
    size = ctypes.sizeof(_MountAttr)
    ro = _MountAttr(attr_set=_MOUNT_ATTR_RDONLY)
    if _syscall(libc, nr, _AT_FDCWD, b"/", _AT_RECURSIVE, ctypes.byref(ro), size) != 0:
        return False
    rw = _MountAttr(attr_clr=_MOUNT_ATTR_RDONLY)
    if _syscall(libc, nr, _AT_FDCWD, os.fsencode(workdir), 0, ctypes.byref(rw), size) == 0:
        return True
    # Could not reopen the working copy: undo, or the worker could not write at all.
    _syscall(libc, nr, _AT_FDCWD, b"/", _AT_RECURSIVE, ctypes.byref(rw), size)
    if os.statvfs(workdir).f_flag & os.ST_RDONLY:
        raise OSError(errno.EROFS, "sandbox: working copy left read-only", workdir)
    return False


# ---- making the interpreter reachable for "nobody" ---------------------------------------


def _nobody_ids() -> tuple[int, int]:
    try:
        entry = pwd.getpwnam("nobody")
        return entry.pw_uid, entry.pw_gid
    except (KeyError, AttributeError):
        return 65534, 65534


def _allows(st: os.stat_result, uid: int, gid: int, want: int) -> bool:
    """Would `uid` (with primary group `gid`, no others) get rwx bits `want` on this inode?"""
    if st.st_uid == uid:
        bits = (st.st_mode >> 6) & 7
    elif st.st_gid == gid:
        bits = (st.st_mode >> 3) & 7
    else:
        bits = st.st_mode & 7
    return bits & want == want


def _ancestors(path: str) -> Iterator[str]:
    """'/', '/a', '/a/b' for '/a/b/c' (strict ancestors, outermost first)."""
    parts = path.strip("/").split("/")
    yield "/"
    for i in range(1, len(parts)):
        yield "/" + "/".join(parts[:i])


def _first_blocked_ancestor(path: str, uid: int, gid: int) -> str | None:
    for folder in _ancestors(path):
        try:
            if not _allows(os.stat(folder), uid, gid, 1):
                return folder
        except OSError:
            return folder
    return None


def _usable_by(path: str, uid: int, gid: int, *, owned: bool = False) -> bool:
    if _first_blocked_ancestor(path, uid, gid) is not None:
        return False
    if owned:
        return True
    try:
        st = os.stat(path)
    except OSError:
        return False
    return _allows(st, uid, gid, 5 if stat.S_ISDIR(st.st_mode) else 4)


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _paths_nobody_needs(workdir: str, hidden: tuple[str, ...]) -> list[str]:
    """The working copy and every import root: after the uid switch, lazy imports must work."""
    paths = [workdir]
    for entry in sys.path:
        if not entry or not os.path.isabs(entry):
            continue  # '' and relative entries mean the cwd: the working copy
        real = os.path.realpath(entry)
        if not os.path.exists(real) or _under(real, workdir) or any(_under(real, h) for h in hidden):
            continue
        paths.append(real)
    return paths



# --------------------------------------------------------------------------------------------
# Layer 3: drop root to "nobody"
# --------------------------------------------------------------------------------------------


def _become_nobody(
    workdir: str, hidden: tuple[str, ...], ids: tuple[int, int], libc: ctypes.CDLL | None
) -> bool:
    uid, gid = ids
    # Only switch if the worker can still do its job afterwards: reach its working copy and
    # import from every import root. Otherwise skip the layer (and do not list it).
    if not _usable_by(workdir, uid, gid, owned=True):
        return False
    if not all(_usable_by(p, uid, gid) for p in _paths_nobody_needs(workdir, hidden)[1:]):
        return False
    # The kernel clears the parent-death signal on any change of credentials; the worker set
    # one (die_with_parent) so that it does not outlive the grader. Carry it over.
    death_signal = ctypes.c_int(0)
    if libc is not None:
        libc.prctl(_PR_GET_PDEATHSIG, ctypes.addressof(death_signal), 0, 0, 0)
    parent = os.getppid()
    try:
        for folder, dirs, files in os.walk(workdir):
            os.chown(folder, uid, gid, follow_symlinks=False)
            for name in dirs + files:
                os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)  # as root this sets real, effective and saved uid: no way back
    except OSError:
        return False
    finally:
        if libc is not None and death_signal.value:
            libc.prctl(_PR_SET_PDEATHSIG, death_signal.value, 0, 0, 0)
            if os.getppid() != parent:  # the parent died while the signal was unset
                os.kill(os.getpid(), death_signal.value)
    return True


# --------------------------------------------------------------------------------------------
# Layer 4: seccomp
# --------------------------------------------------------------------------------------------

# Classic BPF opcodes (<linux/bpf_common.h>) and seccomp return values (<linux/seccomp.h>).
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_JSET_K = 0x45  # BPF_JMP | BPF_JSET | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
# Offsets in struct seccomp_data {int nr; u32 arch; u64 ip; u64 args[6];}. Both supported
# arches are little-endian, so the low 32 bits of args[0] sit at offset 16. The arguments we
# compare (flags, domain, pid) are C ints: the kernel ignores the upper half too.
_OFF_NR = 0
_OFF_ARCH = 4
_OFF_ARG0 = 16
_AF_UNIX = 1

# Refused outright: process creation, inspecting or steering other processes, namespaces and
# mounts (which could undo the mount layer), and kernel interfaces an exploit would want.
_DENIED_SYSCALLS = (
    "fork", "vfork", "execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev",
    "process_madvise", "kcmp", "pidfd_open", "pidfd_getfd", "pidfd_send_signal", "unshare",
    "setns", "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount", "fsopen",
    "fsconfig", "fsmount", "fspick", "mount_setattr", "open_by_handle_at", "bpf",
    "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "keyctl", "add_key", "request_key", "personality", "init_module", "finit_module",
    "delete_module", "kexec_load", "kexec_file_load", "iopl", "ioperm", "reboot", "swapon",
    "swapoff",
)
# Allowed only when their first argument is this process's pid (or a thread group id).
_SIGNAL_SYSCALLS = ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")


def _seccomp_program(arch: _Arch, pid: int) -> list[tuple[int, int, int, int]]:
    """Assemble the filter; returns (code, jt, jf, k) instructions."""
    code: list[tuple[int, str | None, str | None, int]] = []
    labels: dict[str, int] = {}

    def op(opcode: int, k: int, jt: str | None = None, jf: str | None = None) -> None:
        code.append((opcode, jt, jf, k))

    op(_LD_W_ABS, _OFF_ARCH)
    op(_JEQ_K, arch.audit_arch, None, "deny")  # another ABI (i386 via int 0x80, ...)
    op(_LD_W_ABS, _OFF_NR)
    if arch.has_x32:
        op(_JGE_K, 0x40000000, "deny")  # x32 ABI: same arch value, high syscall numbers
    for name in _DENIED_SYSCALLS:
        if name in arch.nr:
            op(_JEQ_K, arch.nr[name], "deny")
    op(_JEQ_K, arch.nr["clone"], "clone")
    # clone3 passes its flags in a struct the filter cannot read; ENOSYS makes glibc fall back
    # to clone, whose flags we can check.
    op(_JEQ_K, arch.nr["clone3"], "enosys")
    op(_JEQ_K, arch.nr["socket"], "socket")
    op(_JEQ_K, arch.nr["socketpair"], "socket")
    for name in _SIGNAL_SYSCALLS:
        op(_JEQ_K, arch.nr[name], "signal")
    op(_RET_K, _RET_ALLOW)

    labels["clone"] = len(code)  # a new thread (CLONE_THREAD) is fine, a new process is not
    op(_LD_W_ABS, _OFF_ARG0)
    op(_JSET_K, _CLONE_THREAD, "allow", "deny")
    labels["socket"] = len(code)  # AF_UNIX only: the grader's socketpair and local pairs
    op(_LD_W_ABS, _OFF_ARG0)
    op(_JEQ_K, _AF_UNIX, "allow", "deny")
    labels["signal"] = len(code)  # own pid only. Not 0 or -1: those reach the process group
    op(_LD_W_ABS, _OFF_ARG0)  # (the grader, the zygote) or every process of the uid.
    op(_JEQ_K, pid, "allow", "deny")
    labels["allow"] = len(code)
    op(_RET_K, _RET_ALLOW)
    labels["deny"] = len(code)
    op(_RET_K, _RET_ERRNO | errno.EPERM)
    labels["enosys"] = len(code)
    op(_RET_K, _RET_ERRNO | errno.ENOSYS)

    program = []
    for i, (opcode, jt, jf, k) in enumerate(code):
        t = labels[jt] - i - 1 if jt else 0
        f = labels[jf] - i - 1 if jf else 0
        if not (0 <= t <= 255 and 0 <= f <= 255):  # classic BPF jumps forward by a u8
            raise AssertionError("seccomp program too long for 8-bit jumps")
        program.append((opcode, t, f, k & 0xFFFFFFFF))
    return program


class _SockFilter(ctypes.Structure):  # struct sock_filter, <linux/filter.h>
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _SockFprog(ctypes.Structure):  # struct sock_fprog
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _install_seccomp(libc: ctypes.CDLL, arch: _Arch, pid: int) -> bool:
    program = _seccomp_program(arch, pid)
    filters = (_SockFilter * len(program))(*(_SockFilter(*ins) for ins in program))
    fprog = _SockFprog(len(program), ctypes.cast(filters, ctypes.POINTER(_SockFilter)))
    # Required for an unprivileged filter, and it stops set-uid binaries from regaining
    # privileges (exec is refused anyway).
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    # seccomp(2) with TSYNC also filters threads that already exist (torch may have started
    # one); prctl, the fallback for old kernels, filters the calling thread (and its future
    # children) only.
    rc = _syscall(libc, arch.nr["seccomp"], _SECCOMP_SET_MODE_FILTER,
                  _SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(fprog))
    if rc != 0:
        rc = libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0)
    return rc == 0


# --------------------------------------------------------------------------------------------
# Layer 5: audit hook and stubs
# --------------------------------------------------------------------------------------------


def _unaudited_originals() -> list[object]:
    """The callables (and module) that start processes or threads without an audit event."""
    import _thread

    found: list[object] = []
    real = sys.modules.get("_posixsubprocess")
    if real is not None:
        found.append(real)
        if hasattr(real, "fork_exec"):
            found.append(real.fork_exec)
    found += [getattr(_thread, n) for n in ("start_new_thread", "start_new") if hasattr(_thread, n)]
    return found


def _references(modules: list[types.ModuleType], targets: list[object]) -> list[tuple[dict, str]]:
    """(module namespace, name) of every module attribute that is one of `targets`."""
    wanted = {id(t) for t in targets}
    sites = []
    for module in modules:
        namespace = getattr(module, "__dict__", None)
        if type(namespace) is dict:
            sites += [(namespace, key) for key, value in list(namespace.items()) if id(value) in wanted]
    return sites


# Filled by prepare() in the zygote, which puts the stubs in place before it forks: a scan of
# every module in a freshly forked child touches (and so copies) every page of the interpreter,
# 60-100 ms per worker, and even listing sys.modules there costs 5-10 ms. A worker inherits the
# stubs and scans again only if a module was imported since (len(sys.modules) changed).
_NEUTRALISED: tuple[int, list[object]] | None = None  # (len(sys.modules) then, the originals)


_ALLOWED: tuple[str, ...] = ()  # allowed_paths(), found once by prepare()


def prepare() -> None:
    """Called once in the fork server before it forks workers (see _NEUTRALISED, _ALLOWED).
    The fork server starts no process or thread after it."""
    global _ALLOWED
    _neutralise_unaudited_entry_points()
    _ALLOWED = allowed_paths()


def _neutralise_unaudited_entry_points() -> None:
    """Replace callables that start processes or threads without raising an audit event.

    In Python 3.11 neither ``_posixsubprocess.fork_exec`` nor ``_thread.start_new_thread``
    raises one. Every reference held by a loaded module is swapped for a stub, and the
    sys.modules entry of _posixsubprocess too, so that a later ``import _posixsubprocess``
    gets the stub.
    """
    global _NEUTRALISED
    if _NEUTRALISED is not None and _NEUTRALISED[0] == len(sys.modules):
        return  # done in the fork server, and nothing imported since: every reference is a stub

    def fork_exec(*_args: object, _v: type[SandboxViolation] = SandboxViolation) -> None:
        raise _v("sandbox: starting a process is not allowed (_posixsubprocess.fork_exec)")

    def start_new_thread(*_args: object, _v: type[SandboxViolation] = SandboxViolation) -> None:
        raise _v("sandbox: starting a thread is not allowed (_thread.start_new_thread)")

    stub = types.ModuleType("_posixsubprocess", "Stub installed by the grader's sandbox.")
    stub.fork_exec = fork_exec  # type: ignore[attr-defined]
    originals = _NEUTRALISED[1] if _NEUTRALISED is not None else _unaudited_originals()
    replacement = {id(o): (stub if isinstance(o, types.ModuleType) else
                           fork_exec if getattr(o, "__name__", "") == "fork_exec" else start_new_thread)
                   for o in originals}
    for namespace, key in _references(list(sys.modules.values()), originals):
        replaced = replacement.get(id(namespace.get(key)))
        if replaced is not None:  # (a module listed under two names is met twice)
            namespace[key] = replaced
    sys.modules["_posixsubprocess"] = stub
    _NEUTRALISED = (len(sys.modules), originals)


# Event names from the CPython 3.11 audit events table, checked on 3.11.7 with a logging hook.
_PROCESS_EVENTS = frozenset({
    "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
    "subprocess.Popen", "pty.spawn", "os.startfile",
})
_THREAD_EVENTS = frozenset({"_thread.start_new_thread"})  # raised from Python 3.13 on
_SIGNAL_EVENTS = frozenset({"os.kill", "os.killpg"})
_NETWORK_EVENTS = frozenset({
    "socket.connect", "socket.bind", "socket.sendto", "socket.getaddrinfo",
    "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo", "socket.sethostname",
})
_NATIVE_EVENTS = frozenset({
    "ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle", "ctypes.call_function",
    "ctypes.cdata", "ctypes.string_at", "ctypes.wstring_at", "ctypes.PyObj_FromPtr",
})
_HOOK_EVENTS = frozenset({"sys.settrace", "sys.setprofile"})
_GC_EVENTS = frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents"})
# Imports refused when the module is not loaded yet (importing a loaded one raises no event).
_BLOCKED_IMPORTS = frozenset({
    "_posixsubprocess", "ctypes", "_ctypes", "socket", "_socket", "multiprocessing",
    "_multiprocessing", "subprocess", "pty",
})
# (event, indexes of path arguments read, indexes written, whether a write follows a final
# symlink). An entry operation (remove, rename, ...) acts on the link itself.
_PATH_RULES = (
    ("os.listdir", (0,), (), True),
    ("os.scandir", (0,), (), True),
    ("os.chdir", (0,), (), True),
    ("os.listxattr", (0,), (), True),
    ("os.getxattr", (0,), (), True),
    ("os.remove", (), (0,), False),
    ("os.rmdir", (), (0,), False),
    ("os.mkdir", (), (0,), False),
    ("os.rename", (), (0, 1), False),
    ("os.link", (0,), (1,), False),
    ("os.symlink", (), (1,), False),
    ("shutil.rmtree", (), (0,), False),
    ("shutil.move", (), (0, 1), False),
    ("os.chmod", (), (0,), True),
    ("os.lchmod", (), (0,), True),
    ("os.chown", (), (0,), True),
    ("os.chflags", (), (0,), True),
    ("os.lchflags", (), (0,), True),
    ("os.utime", (), (0,), True),
    ("os.truncate", (), (0,), True),
    ("os.setxattr", (), (0,), True),
    ("os.removexattr", (), (0,), True),
    ("shutil.chown", (), (0,), True),
    ("shutil.copyfile", (0,), (1,), True),
    ("shutil.copymode", (0,), (1,), True),
    ("shutil.copystat", (0,), (1,), True),
    ("shutil.copytree", (0,), (1,), True),
)
_WATCHED = frozenset(
    {"open", "import", "object.__setattr__"}
    | _PROCESS_EVENTS | _THREAD_EVENTS | _SIGNAL_EVENTS | _NETWORK_EVENTS | _NATIVE_EVENTS
    | _HOOK_EVENTS | _GC_EVENTS | {"socket.__new__", "socket.sendmsg"}
    | {rule[0] for rule in _PATH_RULES}
)
_TRUSTED_PATH_TYPES = (
    pathlib.PosixPath, pathlib.PurePosixPath, pathlib.WindowsPath, pathlib.PureWindowsPath,
    os.DirEntry,
)


def _make_audit_hook(
    workdir: str, hidden: tuple[str, ...], pid: int, hidden_modules: tuple[str, ...] = ()
) -> Callable[[str, tuple[Any, ...]], None]:
    """Build the hook and its helpers.

    Why the odd style: student code can reach the hook's frame (it is in the traceback of every
    SandboxViolation) and can replace any module attribute or builtin. So the functions below
    read no global and no builtin by name and have no closure cells: everything they use is a
    positional default argument (``__defaults__`` is a tuple; keyword-only defaults would sit in
    a mutable dict), bound now, and consists of immutable objects
    (frozensets, tuples, str) or of other such functions, whose __code__ and __defaults__ the
    hook refuses to let anyone replace (``object.__setattr__`` event). Student-supplied objects
    are only touched through their exact built-in type (``str.join`` copies a str subclass
    without calling into it).
    """
    fold = sys.platform == "darwin"  # APFS is case-insensitive by default
    hidden_roots = tuple((h.lower() if fold else h, (h.lower() if fold else h).rstrip("/") + "/")
                         for h in hidden)
    work = workdir.lower() if fold else workdir
    work_roots = ((work, work.rstrip("/") + "/"),)
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    fs_encoding = sys.getfilesystemencoding()

    def as_text(p, _type=type, _str=str, _bytes=bytes, _int=int, _issub=issubclass,
                _join="".join, _bjoin=b"".join, _enc=fs_encoding,
                _trusted=_TRUSTED_PATH_TYPES, _fspath=os.fspath, _v=SandboxViolation):
        """A path argument as an exact str; None for an int (an open fd: nothing to check)."""
        t = _type(p)
        if t is _str:
            return p
        if p is None:
            return "."
        if _issub(t, _int):
            return None
        for trusted in _trusted:
            if t is trusted:
                p = _fspath(p)
                t = _type(p)
                break
        if _issub(t, _str):
            return _join((p,))
        if _issub(t, _bytes):
            return _bjoin((p,)).decode(_enc, "surrogateescape")
        raise _v("sandbox: file names must be str, bytes or pathlib paths")

    def lexical(path, _getcwd=os.getcwd, _join="/".join):
        """Absolute, normalised path without following symlinks."""
        if not path.startswith("/"):
            path = _getcwd() + "/" + path
        parts = []
        for part in path.split("/"):
            if part == "" or part == ".":
                continue
            if part == "..":
                if parts:
                    parts.pop()
                continue
            parts.append(part)
        return "/" + _join(parts)

    def resolve(path, follow_last, _getcwd=os.getcwd, _lstat=os.lstat,
                _readlink=os.readlink, _item=tuple.__getitem__, _join="/".join,
                _ifmt=0o170000, _iflnk=stat.S_IFLNK, _oserror=OSError):
        """Like os.path.realpath, with builtins bound now; stops at missing components."""
        if not path.startswith("/"):
            path = _getcwd() + "/" + path
        pending = path.split("/")
        pending.reverse()
        done = []
        hops = 0
        while pending:
            part = pending.pop()
            if part == "" or part == ".":
                continue
            if part == "..":
                if done:
                    done.pop()
                continue
            if not pending and not follow_last:
                done.append(part)
                break
            candidate = "/" + _join(done) + ("/" if done else "") + part
            try:
                mode = _item(_lstat(candidate), 0)
            except _oserror:
                mode = 0
            if mode & _ifmt == _iflnk and hops < 40:
                hops += 1
                try:
                    target = _readlink(candidate)
                except _oserror:
                    target = ""
                if target:
                    if target.startswith("/"):
                        done = []
                    more = target.split("/")
                    more.reverse()
                    pending += more
                    continue
            done.append(part)
        return "/" + _join(done)

    def inside(path, roots, _fold=fold):
        if _fold:
            path = path.lower()
        for root, prefix in roots:  # noqa: SIM110 - any() would be a builtin lookup
            if path == root or path.startswith(prefix):
                return True
        return False

    def foreign_proc(path, _own=str(pid)):
        if not path.startswith("/proc/"):
            return False
        entry = path[6:].partition("/")[0]
        return entry.isdigit() and entry != _own

    def check_path(event, arg, write, follow_last, _as_text=as_text, _lexical=lexical,
                   _resolve=resolve, _inside=inside, _foreign=foreign_proc,
                   _hidden=hidden_roots, _work=work_roots, _devices=("/dev/null",),
                   _v=SandboxViolation):
        text = _as_text(arg)
        if text is None:
            return None
        plain = _lexical(text)
        real = _resolve(text, follow_last)
        if _inside(plain, _hidden) or _inside(real, _hidden):
            raise _v("sandbox: hidden files are not accessible (" + event + ": " + text + ")")
        if _foreign(plain) or _foreign(real):
            raise _v("sandbox: other processes' /proc entries are not accessible ("
                     + event + ": " + text + ")")
        if write and not (_inside(real, _work) or real in _devices):
            raise _v("sandbox: writing outside the working copy is not allowed ("
                     + event + ": " + text + ")")
        return real

    def check_open(args, _check=check_path, _type=type, _str=str, _int=int,
                   _write_flags=write_flags, _stat=os.stat, _item=tuple.__getitem__,
                   _isdir=stat.S_ISDIR, _inside=inside, _work=work_roots, _oserror=OSError,
                   _v=SandboxViolation):
        path, mode, flags = args[0], args[1], args[2]
        write = _type(flags) is _int and flags & _write_flags != 0
        if _type(mode) is _str and ("w" in mode or "a" in mode or "x" in mode or "+" in mode):
            write = True
        real = _check("open", path, write, True)
        if real is None or mode is not None:
            return
        # os.open (mode None) of a folder outside the working copy would give a dir_fd from
        # which relative opens escape every path check (the event does not carry dir_fd).
        try:
            is_dir = _isdir(_item(_stat(real), 0))
        except _oserror:
            is_dir = False
        if is_dir and not _inside(real, _work):
            raise _v("sandbox: opening a folder outside the working copy is not allowed ("
                     "os.open: " + real + ")")

    # The hook refuses replacing __code__/__defaults__ of these (they sit in its frame's locals).
    protected = frozenset(
        id(f) for f in (as_text, lexical, resolve, inside, foreign_proc, check_path, check_open)
    )

    def hook(event, args, _type=type, _str=str, _int=int, _id=id, _join="".join,
             _watched=_WATCHED, _process=_PROCESS_EVENTS, _thread=_THREAD_EVENTS,
             _signal=_SIGNAL_EVENTS, _network=_NETWORK_EVENTS, _native=_NATIVE_EVENTS,
             _hooks=_HOOK_EVENTS, _gc=_GC_EVENTS, _blocked=_BLOCKED_IMPORTS,
             _rules=_PATH_RULES, _check_open=check_open, _check=check_path, _pid=pid,
             _unix=_AF_UNIX, _v=SandboxViolation, _protected=protected,
             _secret=hidden_modules, _dotted=tuple(m + "." for m in hidden_modules)):
        # Cheap exit for the frequent events (exec, compile, sys._getframe, builtins.id, ...).
        if _type(event) is not _str or event not in _watched:
            return
        if event == "open":
            _check_open(args)
        elif event == "import":
            name = args[0]
            if _type(name) is not _str:
                name = _join((name,))
            if name in _blocked:  # a submodule of one of them cannot do harm on its own
                raise _v("sandbox: importing " + name + " is not allowed")
            if name in _secret or name.startswith(_dotted):
                raise _v("sandbox: importing " + name + " (the answers or the tests) is not allowed")
        elif event == "object.__setattr__":
            if _id(args[0]) in _protected:
                raise _v("sandbox: the sandbox's own functions cannot be modified")
        elif event in _process:
            raise _v("sandbox: starting a process is not allowed (" + event + ")")
        elif event in _thread:
            raise _v("sandbox: starting a thread is not allowed (" + event + ")")
        elif event in _signal:
            target = args[0]
            if not (_type(target) is _int and target == _pid):
                raise _v("sandbox: sending signals to other processes is not allowed ("
                         + event + ")")
        elif event == "socket.__new__":
            family = args[1]
            if not (_type(family) is _int and family == _unix):
                raise _v("sandbox: network access is not allowed (socket.__new__: only "
                         "AF_UNIX sockets may be created)")
        elif event == "socket.sendmsg":
            if args[1] is not None:
                raise _v("sandbox: network access is not allowed (socket.sendmsg)")
        elif event in _network:
            raise _v("sandbox: network access is not allowed (" + event + ")")
        elif event in _native:
            raise _v("sandbox: loading or calling native code is not allowed (" + event + ")")
        elif event in _hooks:
            raise _v("sandbox: replacing the trace/profile hook is not allowed (" + event + ")")
        elif event in _gc:
            raise _v("sandbox: walking the interpreter's object graph is not allowed ("
                     + event + ")")
        else:
            for name, reads, writes, follow in _rules:
                if name == event:
                    for i in reads:
                        _check(event, args[i], False, True)
                    for i in writes:
                        _check(event, args[i], True, follow)
                    break

    return hook
