"""The host side of the insncount QEMU plugin (tools/qemu-plugin/insncount.c),
shared by ./keel bench and ./keel bench --profile.  Python 3 standard library only.

- MARKERS: the marker encodings per ISA (what ./keel passes to the plugin, and
  the SDK's KEEL_ARCH_MARK_* in sdk/include/keel/arch/<isa>/syscall.h), and
  marker_sites(), which finds them in an ELF's code: ./keel bench checks that
  only the benchmark holds any, so no kernel or server instruction is ever
  taken for a marker.
- parse(): the plugin's output, as groups of pair counts and profiles.
- Symbols: an ELF's functions and the source file of each, to name the
  function of a guest address.
- PHASES: which functions make up each phase of a system call (entry,
  dispatch, capability lookup, IPC, scheduling, address-space switch, exit),
  and phase_of().
"""
import bisect
import os
import re
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ports  # noqa: E402

# ------------------------------------------------------------------ markers

START, STOP, REPORT = 1, 2, 3


# ISA -> (kind -> encoding, alignment of instructions in the code), from
# each port.py's bench_marker(k) and BENCH_MARKER_ALIGN.
MARKERS = {p.ISA: ({k: p.bench_marker(k) for k in (START, STOP, REPORT)},
                   p.BENCH_MARKER_ALIGN) for p in ports.load_all()}


def marker_sites(elf, isa):
    """(address, kind) of every marker encoding in the executable sections
    of elf, by address."""
    encodings, align = MARKERS[isa]
    found = []
    for sec in elf.code_sections():
        data = elf.section_data(sec)
        for kind, enc in encodings.items():
            at = data.find(enc)
            while at >= 0:
                if at % align == 0:
                    found.append((sec["addr"] + at, kind))
                at = data.find(enc, at + 1)
    return sorted(found)


# ---------------------------------------------------------------------- ELF

SHF_EXECINSTR = 4
SHT_SYMTAB = 2
STT_NOTYPE, STT_FUNC, STT_SECTION, STT_FILE = 0, 2, 3, 4


class Elf:
    """A little-endian ELF64 file: its code sections and symbols."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self.data = f.read()
        if self.data[:4] != b"\x7fELF" or self.data[4] != 2 or self.data[5] != 1:
            raise ValueError(f"{path}: not a little-endian ELF64 file")
        shoff, = struct.unpack_from("<Q", self.data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", self.data, 0x3A)
        self.sections = []
        for i in range(shnum):
            name, typ, flags, addr, off, size, link, info, _, entsize = struct.unpack_from(
                "<IIQQQQIIQQ", self.data, shoff + i * shentsize)
            self.sections.append(dict(name=name, type=typ, flags=flags, addr=addr, offset=off,
                                      size=size, link=link, entsize=entsize))
        strtab = self.sections[shstrndx]
        for s in self.sections:
            s["name"] = self._str(strtab, s["name"])

    def _str(self, sec, off):
        start = sec["offset"] + off
        return self.data[start:self.data.index(b"\0", start)].decode(errors="replace")

    def code_sections(self):
        return [s for s in self.sections if s["flags"] & SHF_EXECINSTR and s["size"]]

    def section_data(self, sec):
        return self.data[sec["offset"]:sec["offset"] + sec["size"]]

    def code_bytes(self, addr, n):
        """The n bytes of code at addr, or None when addr is in no code section."""
        for s in self.code_sections():
            if s["addr"] <= addr and addr + n <= s["addr"] + s["size"]:
                off = s["offset"] + addr - s["addr"]
                return self.data[off:off + n]
        return None

    def symbols(self):
        """(address, name, source file or None) of every function or code
        label; a local symbol's file is the STT_FILE entry before it."""
        out = []
        code = {i for i, s in enumerate(self.sections) if s["flags"] & SHF_EXECINSTR}
        for sec in self.sections:
            if sec["type"] != SHT_SYMTAB:
                continue
            strtab = self.sections[sec["link"]]
            current_file = None
            for off in range(sec["offset"], sec["offset"] + sec["size"], 24):
                name, info, _, shndx, value, _ = struct.unpack_from("<IBBHQQ", self.data, off)
                typ, bind = info & 0xF, info >> 4
                if typ == STT_FILE:
                    current_file = self._str(strtab, name)
                    if current_file.endswith(".o"):       # assemblers name the object
                        current_file = current_file[:-2]
                    continue
                if typ not in (STT_FUNC, STT_NOTYPE) or shndx not in code:
                    continue
                label = self._str(strtab, name)
                if not label or label.startswith((".L", "$")):
                    continue
                out.append((value, label, current_file if bind == 0 else None))
        return out


class Symbols:
    """Names the function of a code address from one ELF's symbol table;
    object files (out/<cc>/<isa>/**.o) give the source file of globals."""

    def __init__(self, elf, objects=(), relocated=()):
        files = {}
        for obj in objects:
            src = os.path.basename(obj)[:-2]     # "ipc.c.o" -> "ipc.c"
            try:
                for _, name, _ in Elf(obj).symbols():
                    files.setdefault(name, src)
            except (ValueError, OSError):
                continue
        entries = {}
        for addr, name, src in elf.symbols():
            # Prefer a function name over another label at the same address.
            if addr not in entries or entries[addr][0].startswith("."):
                entries[addr] = (name, src or files.get(name))
        # Code copied elsewhere: (runtime start, runtime end, link start, file).
        self.moved = []
        by_name = {name: addr for addr, name, _ in elf.symbols()}
        for first, end, runs_at, src in relocated:
            if first in by_name and end in by_name:
                start = by_name[first]
                self.moved.append((runs_at, runs_at + by_name[end] - start, start, src))
        self.addrs = sorted(entries)
        self.entries = [entries[a] for a in self.addrs]
        code = elf.code_sections()
        self.lo = min((s["addr"] for s in code), default=0)
        self.hi = max((s["addr"] + s["size"] for s in code), default=0)

    def covers(self, addr):
        return self.lo <= addr < self.hi or any(lo <= addr < hi for lo, hi, _, _ in self.moved)

    def link_address(self, addr):
        """Where the code at runtime address addr is linked."""
        for lo, hi, linked, _ in self.moved:
            if lo <= addr < hi:
                return linked + addr - lo
        return addr

    def lookup(self, addr):
        """(function name, source file) of addr."""
        for lo, hi, linked, src in self.moved:
            if lo <= addr < hi:
                name, file = self.lookup(linked + addr - lo)
                return name, file or src
        i = bisect.bisect_right(self.addrs, addr) - 1
        if i < 0 or not (self.lo <= addr < self.hi):
            return (f"0x{addr:x}", None)
        return self.entries[i]


# ------------------------------------------------------------ plugin output

GROUP = re.compile(r"insncount: group (\d+) pairs (\d+)(?: mode (\d+) at (\d+) min (\d+) max (\d+))?")
PC = re.compile(r"insncount: pc 0x([0-9a-f]+) n (\d+) bytes ([0-9a-f]*)")


def parse(text):
    """The plugin's groups, in order: dicts with pairs, mode, at, min, max and
    profile, a list of (address, executions, instruction bytes) of the
    mode's path (profile=on)."""
    groups = []
    for line in text.splitlines():
        m = GROUP.match(line)
        if m:
            vals = [int(v) if v is not None else None for v in m.groups()]
            groups.append(dict(pairs=vals[1], mode=vals[2], at=vals[3], min=vals[4],
                               max=vals[5], profile=[]))
            continue
        m = PC.match(line)
        if m and groups:
            groups[-1]["profile"].append((int(m.group(1), 16), int(m.group(2)),
                                          bytes.fromhex(m.group(3))))
    return groups


# ------------------------------------------------------------------- phases

# A system call's phases, each a set of functions, in the order they run:
#   entry                 trap vector and entry assembly, the port's C trap
#                         decoding, up to the generic system-call handler
#   dispatch              kernel_syscall: decoding the selector and words
#   capability lookup     cap.c: the capability table
#   IPC                   ipc.c: the IPC operations and the message copy;
#                         fastpath.c: the fast path (its checks, capability
#                         lookup, copy and hand-off are one function)
#   scheduling            sched.c, runqueue.c: hand-off, picking the next thread
#   address-space switch  vm.c, tags.c and the port's MMU activation
#   FP/SIMD switch        the port's arch_fpu_switch (eager ports: on every
#                         switch of thread; lazy ones: on a trap for the unit,
#                         kernel_fpu_trap, or an eager load after one) and
#                         arch_fpu_access (lazy ports: the unit on or off)
#   exit                  the user frame, the return to user mode (and on
#                         POWER the kernel-stack canary check before it)
# Whatever runs in user mode is "user": the system-call stub and the loop
# around it in the benchmark, and the server's reply_wait loop.  A kernel
# function no rule names is "other kernel" (none in the IPC paths today).
# Generic kernel code is assigned by source file; the port's code by source
# file (its arch/<dir>/ files share names) and, where one file serves two
# phases, by function (PORT_FUNCTIONS).
PHASE_ORDER = ["user", "entry", "dispatch", "capability lookup", "IPC", "scheduling",
               "address-space switch", "FP/SIMD switch", "exit", "other kernel"]

# Source file (kernel/ or arch/<dir>/) -> phase.
FILES = {
    # generic kernel
    "syscall.c": "dispatch",
    "cap.c": "capability lookup",
    "ipc.c": "IPC",
    "fastpath.c": "IPC",
    "usercopy.c": "IPC",
    "string.c": "IPC",          # memcpy of message words
    "timeout.c": "IPC",
    "sched.c": "scheduling",
    "runqueue.c": "scheduling",
    "vm.c": "address-space switch",
    "tags.c": "address-space switch",
    "stack.c": "exit",          # the kernel-stack canary check (POWER)
    # ports
    "trap.S": "entry",
    "syscall.S": "entry",
    "trap.c": "entry",
    "user.c": "exit",
    "gdt.c": "exit",            # x86: the TSS stack pointer for the next entry
    "mmu.c": "address-space switch",
    "radix.c": "address-space switch",
    "fpu.S": "FP/SIMD switch",
    "fpu.c": "FP/SIMD switch",
    # headers whose inline functions have a phase of their own (--inline);
    # other headers' inline functions take the phase of their caller
    "vm.h": "address-space switch",
    "cap.h": "capability lookup",
}
# Per port (port.py PROFILE_FUNCTIONS): functions whose phase is not their
# file's.
PORT_FUNCTIONS = {p.ISA: p.PROFILE_FUNCTIONS for p in ports.load_all()}
# Code that runs elsewhere than it is linked (port.py PROFILE_RELOCATED):
# (first symbol, end symbol, address it runs at, source file).
RELOCATED = {p.ISA: p.PROFILE_RELOCATED for p in ports.load_all() if p.PROFILE_RELOCATED}


# Functions whose phase is not their file's, on every port.
FUNCTIONS = {
    "arch_fpu_access": "FP/SIMD switch",    # the ports' user.c
    "kernel_fpu_trap": "FP/SIMD switch",    # sched.c
}


def phase_of(isa, name, src, kernel):
    """The phase of function name (from source file src)."""
    if not kernel:
        return "user"
    if name in PORT_FUNCTIONS.get(isa, {}):
        return PORT_FUNCTIONS[isa][name]
    if name in FUNCTIONS:
        return FUNCTIONS[name]
    return FILES.get(src, "other kernel")


def phase_of_chain(isa, chain):
    """The phase of an inlining chain [(function, file)], innermost first:
    that of the innermost function a rule names."""
    for name, src in chain:
        phase = phase_of(isa, name, src, True)
        if phase != "other kernel":
            return phase
    return "other kernel"


ADDR2LINE = "llvm-addr2line-14"     # reads DWARF of every ISA


def inline_chains(elf_path, addrs):
    """{address: [(function, source file)], innermost first} from the ELF's
    debug information: where inlined code came from."""
    import subprocess
    if not addrs:
        return {}
    text = "\n".join(f"0x{a:x}" for a in addrs) + "\n"
    r = subprocess.run([ADDR2LINE, "-e", elf_path, "-f", "-i", "-a"], input=text,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True)
    chains, current = {}, None
    lines = r.stdout.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("0x"):
            current = chains.setdefault(int(lines[i], 16), [])
            i += 1
            continue
        fn = lines[i]
        where = lines[i + 1] if i + 1 < len(lines) else "??"
        src = os.path.basename(where.split(":")[0])
        if current is not None and fn != "??":
            current.append((fn, src))
        i += 2
    return chains
