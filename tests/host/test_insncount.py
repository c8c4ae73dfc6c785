#!/usr/bin/env python3
"""Host test of tools/insncount.py, the host side of ./keel bench's QEMU
plugin: the SDK's marker instructions (keel/mark.h), compiled by each port's
GCC and Clang, are exactly the encodings the scan knows, in order and of the
right kind, and code without markers has none; the plugin's output parses;
symbols name addresses, also of code copied elsewhere; phases follow the
rules.  Run from the repository root (./keel test copies it to out/host/)."""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests", "host"))
from check import check, finish  # noqa: E402
import insncount as ic  # noqa: E402
import ports  # noqa: E402


MARKED = """
#include <keel/mark.h>
int f(int x);
int marked(int x)
{
    keel_mark_start();
    x = f(x);
    keel_mark_stop();
    keel_mark_report();
    return x;
}
"""
PLAIN = """
int f(int x);
int plain(int x) { return f(x) * 3 + f(x + 1); }
"""


def compile_obj(port, cc, src, out):
    tc = port.toolchain(cc)
    flags = tc["user_cflags"].split()    # as user code (ipcbench) is built
    cmd = tc["cc"].split() + ["-std=c11", "-O2", "-ffreestanding", "-c", "-x", "c", "-",
                              "-I", os.path.join(ROOT, "sdk", "include"), "-o", out] + flags
    r = subprocess.run(cmd, input=src.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if r.returncode:
        print(r.stdout.decode(errors="replace"))
    return r.returncode == 0


def test_markers(tmp):
    for port in ports.load_all():
        for cc in ("gcc", "clang"):
            tag = f"{port.ISA}/{cc}"
            obj = os.path.join(tmp, f"{port.ISA}-{cc}.o")
            if not compile_obj(port, cc, MARKED, obj):
                check(f"{tag}: compiles keel/mark.h", False)
                continue
            sites = ic.marker_sites(ic.Elf(obj), port.ISA)
            check(f"{tag}: three markers start, stop, report in order (got {sites})",
                  [k for _, k in sites] == [ic.START, ic.STOP, ic.REPORT])
            plain = os.path.join(tmp, f"{port.ISA}-{cc}-plain.o")
            check(f"{tag}: compiles plain code", compile_obj(port, cc, PLAIN, plain))
            check(f"{tag}: no marker in plain code",
                  ic.marker_sites(ic.Elf(plain), port.ISA) == [])


def test_parse():
    text = ("noise\ninsncount: group 0 pairs 3 mode 10 at 2 min 10 max 12\n"
            "insncount: pc 0x1000 n 2 bytes 0f05\ninsncount: pc 0x2000 n 8 bytes 90\n"
            "insncount: group 1 pairs 0\n")
    g = ic.parse(text)
    check("parse: two groups", len(g) == 2)
    check("parse: statistics", (g[0]["pairs"], g[0]["mode"], g[0]["at"], g[0]["min"],
                                g[0]["max"]) == (3, 10, 2, 10, 12))
    check("parse: profile", g[0]["profile"] == [(0x1000, 2, b"\x0f\x05"),
                                                (0x2000, 8, b"\x90")])
    check("parse: an empty group", g[1]["pairs"] == 0 and g[1]["mode"] is None)


def test_symbols():
    """The kernel ELF of every built target names its system-call handler,
    and POWER's vectors are found where they run (real address 0)."""
    for port in ports.load_all():
        elf_path = os.path.join(ROOT, "out", "gcc", port.ISA, "keel.elf")
        if not os.path.exists(elf_path):
            continue
        elf = ic.Elf(elf_path)
        syms = ic.Symbols(elf, relocated=ic.RELOCATED.get(port.ISA, ()))
        addr = {name: a for a, name, _ in elf.symbols()}
        check(f"{port.ISA}: kernel_syscall named",
              syms.lookup(addr["kernel_syscall"] + 4)[0] == "kernel_syscall")
        check(f"{port.ISA}: the kernel holds no marker", ic.marker_sites(elf, port.ISA) == [])
        for first, end, runs_at, src in ic.RELOCATED.get(port.ISA, ()):
            moved = addr[first]
            check(f"{port.ISA}: relocated code covered", syms.covers(runs_at + 0xc00))
            check(f"{port.ISA}: relocated code linked back",
                  syms.link_address(runs_at + 0xc00) == moved + 0xc00)
            check(f"{port.ISA}: relocated code's file", syms.lookup(runs_at + 0xc00)[1] == src)


def test_phases():
    check("phase: user", ic.phase_of("x86_64", "main", None, False) == "user")
    check("phase: by file", ic.phase_of("riscv64", "cap_lookup", "cap.c", True) ==
          "capability lookup")
    check("phase: by port function", ic.phase_of("x86_64", "x86_user_trap", "user.c", True) ==
          "entry")
    check("phase: same file, other port", ic.phase_of("aarch64", "arch_set_user_frame",
                                                      "user.c", True) == "exit")
    check("phase: unknown", ic.phase_of("aarch64", "mystery", "mystery.c", True) ==
          "other kernel")
    check("phase: inline chain takes the innermost named",
          ic.phase_of_chain("x86_64", [("arch_syscall_word", "arch.h"),
                                       ("ipc_syscall", "ipc.c")]) == "IPC")
    check("phase: inline header with a phase",
          ic.phase_of_chain("x86_64", [("vm_activate", "vm.h"),
                                       ("kernel_user_resume", "sched.c")]) ==
          "address-space switch")


with tempfile.TemporaryDirectory() as tmp:
    test_markers(tmp)
test_parse()
test_symbols()
test_phases()
finish("test_insncount")
