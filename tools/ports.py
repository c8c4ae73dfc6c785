"""Load the port descriptions arch/<dir>/port.py (shared by configure.py and ./keel).

A port.py is plain data: see arch/riscv/port.py for a commented example and
docs/porting.md for what each name means.
"""
import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def arch_dirs():
    """The ports: every arch/<dir>/ holding a port.py, in their ORDER (then
    by name), so that adding a port is adding its folder."""
    dirs = [d for d in os.listdir(os.path.join(ROOT, "arch"))
            if os.path.exists(os.path.join(ROOT, "arch", d, "port.py"))]
    return [m.DIR for m in sorted((load(d) for d in dirs),
                                  key=lambda m: (getattr(m, "ORDER", 100), m.DIR))]


def load(dirname):
    path = os.path.join(ROOT, "arch", dirname, "port.py")
    spec = importlib.util.spec_from_file_location(f"port_{dirname}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.DIR = dirname
    for name in ("USER_GCC_CFLAGS", "USER_CLANG_CFLAGS", "USER_LDFLAGS"):
        if not hasattr(mod, name):
            setattr(mod, name, "")
    for name, default in (("DRIVERS", []), ("PACKAGES", {}), ("HOST_TEST_DTBS", {}),
                          ("EMPTY_INITRD_REPORTED", False), ("PROFILE_FUNCTIONS", {}),
                          ("PROFILE_RELOCATED", []), ("NEWLIB_FILES", {})):
        if not hasattr(mod, name):
            setattr(mod, name, default)
    if not hasattr(mod, "HOST_TEST_ELFS"):
        mod.HOST_TEST_ELFS = {mod.ISA: (f"{mod.GCC_PREFIX}gcc", "")}
    mod.toolchain = lambda cc, m=mod: toolchain(m, cc)
    return mod


def load_all():
    return [load(d) for d in arch_dirs()]


def by_isa(isa):
    for p in load_all():
        if p.ISA == isa or p.DIR == isa:
            return p
    raise KeyError(isa)


def toolchain(port, cc):
    """Commands and flags of compiler family cc ('gcc' or 'clang') for port."""
    if cc == "gcc":
        pre = port.GCC_PREFIX
        return {
            "cc": f"{pre}gcc",
            "ld": f"{pre}ld",
            "objcopy": f"{pre}objcopy",
            "cflags": f"{port.CFLAGS} {port.GCC_CFLAGS}".strip(),
            "user_cflags": f"{port.USER_CFLAGS} {port.USER_GCC_CFLAGS}".strip(),
            "user_ldflags": f"-nostdlib -static -z max-page-size=4096 -z noexecstack "
                            f"{port.USER_LDFLAGS}".strip(),
            "ldflags": f"-nostdlib -static {port.LDFLAGS}".strip(),
        }
    if cc == "clang":
        return {
            "cc": f"clang-14 --target={port.CLANG_TARGET}",
            "ld": "ld.lld-14",
            "objcopy": "llvm-objcopy-14",
            "cflags": f"{port.CFLAGS} {port.CLANG_CFLAGS}".strip(),
            "user_cflags": f"{port.USER_CFLAGS} {port.USER_CLANG_CFLAGS}".strip(),
            "user_ldflags": f"-nostdlib -static -z max-page-size=4096 -z noexecstack "
                            f"{port.USER_LDFLAGS}".strip(),
            "ldflags": f"-nostdlib -static {port.LDFLAGS}".strip(),
        }
    raise ValueError(cc)
