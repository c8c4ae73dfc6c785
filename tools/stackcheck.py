#!/usr/bin/env python3
"""stackcheck - bound the kernel's stack use from its binary; fail if it can overflow.

    stackcheck.py --port x86 --cc gcc --elf out/gcc/x86_64/keel.elf \\
        --objdump x86_64-linux-gnu-objdump --su a.c.su ... --out stack.txt

The call graph comes from the disassembly of keel.elf (direct calls, and
jumps from one function into another: tail calls), the frame sizes from the
compiler's -fstack-usage files (.su, one per C file), the stack's size from
the symbols of kernel/stack.S, the rest from the port (arch/<dir>/port.py,
STACK_*): the C functions that start on the kernel stack (boot, a trap from
user mode), the function a trap taken in kernel mode calls and the bytes its
entry code pushes first, the stack use of assembly functions C calls, and
the ABI's red zone.

The worst case is the deepest path from any entry, plus one trap taken in
kernel mode on top of it (the kernel runs with interrupts masked except when
it idles, but a fault can strike anywhere), plus the red zone.  It must stay
below the stack size minus MARGIN, and the trap alone below the fault stack's
(where x86's #DF and the overflow paths run).  The check refuses, with a message naming
the path or the function:
  - recursion (a cycle in the call graph), unless kernel/stackcheck.conf
    tolerates that cycle ("recursion"); each function then counts once;
  - an indirect call or jump whose possible targets the same file does not
    declare ("indirect"); the kernel is built with -fno-jump-tables, so every
    indirect branch is a call through a function pointer;
  - a function without a known frame size (no .su entry, not in STACK_ASM);
  - a dynamic (unbounded alloca/VLA) frame, or one larger than the guard
    page below the stack (MAX_FRAME, or the port's STACK_MAX_FRAME), which
    could step over it;
  - a C function called from assembly that no declared entry covers;
  - a line of kernel/stackcheck.conf that nothing needs any more (so the fix
    of a tolerated recursion must delete its line).

Python 3 standard library only.  tests/host/test_stackcheck.py tests the graph
logic on small synthetic graphs.
"""
import argparse
import bisect
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ports  # noqa: E402

MARGIN = 1024          # bytes of the stack the bound must leave untouched
# kernel/stack.S: the kernel stack, and the stack fault paths switch to when
# it is unusable (a trap taken in kernel mode must fit in that one too).
STACK = ("kernel_stack_bottom", "kernel_stack_top")
FAULT_STACK = ("kernel_fault_stack", "kernel_fault_stack_top")
# The guard below the stack is one page: a bigger frame could step over it.
MAX_FRAME = 4096

# "   100770:\tjmp    *0x10a738(,%rax,8)" -> address, mnemonic, operands
INSN = re.compile(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$")
HEADER = re.compile(r"^([0-9a-f]+) <(.+)>:$")
TARGET = re.compile(r"([0-9a-f]+) <[^<>]*>\s*$")
X86_PREFIXES = {"notrack", "bnd", "rex.W", "data16", "cs", "ds", "lock", "rep"}


class CheckError(Exception):
    """The stack cannot be bounded, or the bound is too high."""


# ------------------------------------------------------------------ ISAs ----
# classify(mnemonic, operands) -> "call", "jump", "icall", "ijump" or None.
# Direct targets are read from objdump's "<symbol+0xoff>" annotation.

def classify_x86(mn, ops):
    if mn in ("call", "callq"):
        return "icall" if ops.startswith("*") else "call"
    if mn in ("jmp", "jmpq") or (mn.startswith("j") and mn != "jmp") or mn.startswith("loop"):
        return "ijump" if ops.startswith("*") else "jump"
    return None


def classify_arm(mn, ops):
    if mn == "bl":
        return "call"
    if mn == "blr":
        return "icall"
    if mn == "br":
        return "ijump"
    if mn in ("b", "cbz", "cbnz", "tbz", "tbnz") or mn.startswith("b."):
        return "jump"
    return None


RISCV_BRANCHES = {"beq", "bne", "blt", "bge", "bltu", "bgeu", "beqz", "bnez", "blez",
                  "bgez", "bltz", "bgtz", "bgt", "ble", "bgtu", "bleu", "j"}


def classify_riscv(mn, ops):
    direct = "#" in ops or TARGET.search(ops) is not None
    if mn in ("jal", "call"):
        return "call"
    if mn == "jalr":
        return "call" if direct else "icall"
    if mn in ("jr", "tail"):
        return "jump" if direct else "ijump"
    if mn in RISCV_BRANCHES:
        return "jump"
    return None


def classify_ppc(mn, ops):
    mn = mn.rstrip("+-")                # branch-prediction hints
    if not mn.startswith("b"):
        return None
    if mn == "bl":
        return "call"
    if mn in ("bcl", "bcl-"):           # bcl 20,31,.+4: reads the PC, no call
        return None
    if mn.endswith("ctrl") or mn.endswith("lrl"):
        return "icall"
    if mn.endswith("ctr"):
        return "ijump"
    if mn.endswith("lr") or mn in ("rfid", "hrfid", "rfi"):
        return None                     # returns
    return "jump"


CLASSIFY = {"x86": classify_x86, "arm": classify_arm, "riscv": classify_riscv,
            "ppc": classify_ppc}
# ELFv2: a direct call enters at the local entry point, 8 bytes past the
# symbol (after the TOC set-up); treat it as the function's start.
LOCAL_ENTRY = {"ppc": {0, 8}}


# --------------------------------------------------------------- parsing ----

class Function:
    def __init__(self, name, addr):
        self.name, self.addr = name, addr
        self.calls = set()      # direct calls and jumps into other functions
        self.indirect = []      # addresses of indirect calls/jumps


def parse_disassembly(text, isa, sizes=None):
    """objdump -d output -> {name: Function}.  sizes (symbol -> bytes, from
    the symbol table) ends a function where its symbol says: assembly without
    a symbol of its own (x86's trap stubs) must not count as the C function
    before it.  Assembly labels have no size and run to the next symbol;
    assembler-local labels (.L*, kept on RISC-V) belong to their function."""
    classify = CLASSIFY[isa]
    starts = LOCAL_ENTRY.get(isa, {0})
    sizes = sizes or {}
    funcs, cur, end, branches = {}, None, None, []
    for line in text.splitlines():
        m = HEADER.match(line)
        if m and not m.group(2).startswith(".L"):
            name, addr = m.group(2), int(m.group(1), 16)
            cur = funcs.setdefault(name, Function(name, addr))
            end = addr + sizes[name] if sizes.get(name) else None
            continue
        m = INSN.match(line)
        if not m or cur is None:
            continue
        if end is not None and int(m.group(1), 16) >= end:
            continue
        toks = (m.group(2) + " " + m.group(3)).split()
        while len(toks) > 1 and toks[0] in X86_PREFIXES:
            toks = toks[1:]
        mn, ops = toks[0], " ".join(toks[1:])
        kind = classify(mn, ops)
        if kind in ("icall", "ijump"):
            cur.indirect.append(int(m.group(1), 16))
        elif kind is not None:
            t = TARGET.search(ops)
            if t:
                branches.append((cur, kind, int(t.group(1), 16)))
    # Resolve branch targets by address: the function whose range holds it.
    table = sorted((f.addr, f.name) for f in funcs.values())
    addrs = [a for a, _ in table]
    for f, kind, target in branches:
        i = bisect.bisect_right(addrs, target) - 1
        if i < 0:
            continue
        start, name = table[i]
        off = target - start
        if name == f.name:
            # A branch inside the function; a call to its own start recurses.
            if kind == "call" and off in starts:
                f.calls.add(name)
            continue
        if kind == "call" and off not in starts:
            continue                    # e.g. a call to a label in the middle of asm
        f.calls.add(name)
    return funcs


def parse_su(paths):
    """-fstack-usage files -> ({name: bytes}, {name: source file}, [errors]).
    Lines: "file:line[:col]:name<TAB>bytes<TAB>static|dynamic[,bounded]".
    Two static functions of one name in different files: the larger counts."""
    frames, files, errors = {}, {}, []
    for path in paths:
        with open(path) as f:
            for line in f:
                fields = line.rstrip("\n").split("\t")
                if len(fields) != 3:
                    continue
                where, size, quals = fields
                name = where.rsplit(":", 1)[1]
                src = where.split(":", 1)[0]
                if "dynamic" in quals and "bounded" not in quals:
                    errors.append(f"{name} ({src}) has an unbounded dynamic frame")
                frames[name] = max(frames.get(name, 0), int(size))
                files.setdefault(name, src)
    return frames, files, errors


def su_name(sym, frames):
    """The .su name of a binary symbol: GCC's clones are foo.isra.0 in the
    binary and foo.isra in the .su file."""
    if sym in frames:
        return sym
    base = re.sub(r"\.\d+$", "", sym)
    return base if base in frames else None


def source_name(sym):
    """The C name of a binary symbol: GCC's clones (foo.isra.0,
    foo.constprop.0, foo.part.0) are still foo in the source."""
    while True:
        base = re.sub(r"\.(isra|constprop|part|cold)(\.\d+)?$", "", sym)
        if base == sym:
            return sym
        sym = base


# ---------------------------------------------------------------- config ----

class Config:
    """kernel/stackcheck.conf: indirect-call targets and tolerated recursion."""

    def __init__(self, text):
        self.indirect = {}      # source file or function -> set of targets
        self.recursion = []     # sets of functions whose cycles are tolerated
        self.used = set()       # the indirect keys some call site needed
        for n, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            word, _, rest = line.partition(" ")
            if word == "indirect" and ":" in rest:
                where, _, targets = rest.partition(":")
                self.indirect.setdefault(where.strip(), set()).update(targets.split())
            elif word == "recursion" and rest.split():
                self.recursion.append(set(rest.split()))
            else:
                raise CheckError(f"stackcheck.conf:{n}: cannot read '{raw.strip()}'")

    def cycle_allowed(self, cycle):
        names = {source_name(n) for n in cycle}
        return any(names <= allowed for allowed in self.recursion)


# ----------------------------------------------------------------- graph ----

class Graph:
    """Functions (name -> frame bytes) and edges (name -> callees)."""

    def __init__(self, frames, edges, config):
        self.frames, self.edges, self.config = frames, edges, config
        self.memo = {}
        self.tolerated = []     # cycles met and tolerated by the config

    def worst(self, name, path=()):
        """(bytes, path) of the deepest call chain starting at name."""
        if name in self.memo:
            return self.memo[name]
        if name in path:
            cycle = list(path[path.index(name):])
            if not self.config.cycle_allowed(cycle):
                raise CheckError("recursion: " + " -> ".join(cycle + [name]))
            first = cycle.index(min(cycle))       # one spelling per cycle
            cycle = cycle[first:] + cycle[:first] + [min(cycle)]
            if cycle not in self.tolerated:
                self.tolerated.append(cycle)
            return 0, []
        if name not in self.frames:
            raise CheckError(f"no frame size for {name} (reached by "
                             f"{' -> '.join(path) or 'an entry'}): no .su entry and "
                             "not in the port's STACK_ASM")
        path = path + (name,)
        best, best_path = 0, []
        for callee in sorted(self.edges.get(name, ())):
            cost, sub = self.worst(callee, path)
            if cost > best:
                best, best_path = cost, sub
        result = (self.frames[name] + best, [name] + best_path)
        # Inside a tolerated cycle the result depends on the path taken into
        # it, so only results not cut short by a cycle are remembered.
        if not any(name in c for c in self.tolerated):
            self.memo[name] = result
        return result

    def reachable(self, roots):
        seen, todo = set(), list(roots)
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo += self.edges.get(n, ())
        return seen


def build_graph(funcs, su_frames, su_files, port):
    """Frame size, direct callees and source file of every function."""
    asm = getattr(port, "STACK_ASM", {})
    frames, edges, sources = {}, {}, {}
    for name, f in funcs.items():
        s = su_name(name, su_frames)
        if s is not None:
            frames[name], sources[name] = su_frames[s], su_files[s]
            limit = getattr(port, "STACK_MAX_FRAME", MAX_FRAME)
            if frames[name] > limit:
                raise CheckError(f"{name} has a {frames[name]}-byte frame: a frame over "
                                 f"{limit} bytes could step over the guard below the stack")
        elif name.endswith(".cold"):
            frames[name] = 0            # GCC's cold part runs in its parent's frame
        elif name in asm:
            frames[name] = asm[name]
        edges[name] = set(f.calls)
    return frames, edges, sources


def resolve_indirect(funcs, edges, sources, config, reached):
    """Add the declared targets of every indirect call in a reached function;
    refuse one with no declaration."""
    for name in sorted(reached):
        f = funcs.get(name)
        if f is None or not f.indirect:
            continue
        key = sources.get(name)
        if key not in config.indirect:
            key = name
        targets = config.indirect.get(key)
        if targets is None:
            src = sources.get(name)
            raise CheckError(f"indirect call in {name} ({src or 'assembly'}, at "
                             f"{f.indirect[0]:#x}) with no declared targets: add "
                             f"'indirect {src or name}: <functions>' to kernel/stackcheck.conf")
        for t in targets:
            if t != "-" and t not in funcs:
                raise CheckError(f"kernel/stackcheck.conf: {key} may call {t}, "
                                 "which is not in the kernel")
        config.used.add(key)
        edges[name] |= {t for t in targets if t != "-"}


def check_stale(config, tolerated, built_sources, functions=()):
    """Every line of kernel/stackcheck.conf must still be needed: a fixed
    recursion or a removed function pointer takes its line with it.  A line
    naming a source file this port does not build, or a function its kernel
    does not have (another port's), is not this port's to judge."""
    for key in sorted(set(config.indirect) - config.used):
        if "/" in key and key not in built_sources:
            continue
        if "/" not in key and "." not in key and key not in functions:
            continue        # a function of another port's assembly
        raise CheckError(f"kernel/stackcheck.conf: 'indirect {key}' matches no indirect "
                         "call the kernel makes: delete the line")
    for allowed in config.recursion:
        if not any({source_name(n) for n in c} <= allowed for c in tolerated):
            raise CheckError(f"kernel/stackcheck.conf: 'recursion {' '.join(sorted(allowed))}'"
                             " matches no recursion the kernel has: delete the line")


# ------------------------------------------------------------------ main ----

def tool(objdump, name):
    return objdump[:-len("objdump")] + name if objdump.endswith("objdump") else name


def symbols(objdump, elf):
    """{name: (value, size)} of the ELF's symbols (nm -S)."""
    out = subprocess.run([tool(objdump, "nm"), "-S", elf], check=True,
                         stdout=subprocess.PIPE, universal_newlines=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4:
            syms[parts[3]] = (int(parts[0], 16), int(parts[1], 16))
        elif len(parts) == 3:
            syms[parts[2]] = (int(parts[0], 16), 0)
    return syms


def fmt_path(graph, path):
    return " > ".join(f"{n} ({graph.frames[n]})" for n in path)


def analyse(port, funcs, su_frames, su_files, config, stack_size, fault_size=None):
    """The report lines; raises CheckError on any violation."""
    frames, edges, sources = build_graph(funcs, su_frames, su_files, port)
    graph = Graph(frames, edges, config)
    trap_fn, trap_bytes = port.STACK_KERNEL_TRAP
    roots = list(port.STACK_ENTRIES) + [trap_fn]
    for r in roots + list(getattr(port, "STACK_ASM", {})):
        if r not in funcs:
            raise CheckError(f"{r} (port.py STACK_*) is not a function of the kernel")
    # Indirect targets first (they add edges), until nothing new is reached.
    reached = set()
    while True:
        now = graph.reachable(roots)
        if now == reached:
            break
        reached = now
        resolve_indirect(funcs, edges, sources, config, reached)
    # A C function that assembly calls must be covered by an entry.
    for name, f in funcs.items():
        if name in sources:
            continue
        for callee in f.calls:
            if callee in sources and callee not in reached:
                raise CheckError(f"assembly {name} calls {callee}, which no entry in "
                                 "port.py STACK_ENTRIES covers")
    lines, worst_entry = [], (0, None, [])
    for entry, pushed in port.STACK_ENTRIES.items():
        cost, path = graph.worst(entry)
        lines.append(f"entry {entry}: {pushed + cost} bytes: {fmt_path(graph, path)}")
        worst_entry = max(worst_entry, (pushed + cost, entry, path), key=lambda w: w[0])
    trap_cost, trap_path = graph.worst(trap_fn)
    trap_total = trap_bytes + trap_cost
    lines.append(f"kernel-mode trap: {trap_total} bytes: {trap_bytes} pushed by the entry "
                 f"code > {fmt_path(graph, trap_path)}")
    red = getattr(port, "STACK_RED_ZONE", 0)
    total = worst_entry[0] + trap_total + red
    limit = stack_size - MARGIN
    check_stale(config, graph.tolerated, set(sources.values()), funcs)
    for cycle in graph.tolerated:
        lines.append("TOLERATED RECURSION (kernel/stackcheck.conf; its depth is not "
                     "bounded): " + " -> ".join(cycle))
    verdict = "OK" if total <= limit else "TOO DEEP"
    lines.append(f"worst case: {total} bytes = entry {worst_entry[1]} {worst_entry[0]} "
                 f"+ kernel-mode trap {trap_total} + red zone {red}; stack {stack_size}, "
                 f"limit {limit} (margin {MARGIN}): {verdict}")
    if fault_size is not None:
        lines.insert(-1, f"fault stack: {fault_size} bytes, a kernel-mode trap needs "
                         f"{trap_total + red}")
        if trap_total + red > fault_size - MARGIN:
            raise CheckError(f"a kernel-mode trap ({trap_total} bytes) does not fit the "
                             f"{fault_size}-byte fault stack: " + fmt_path(graph, trap_path))
    if total > limit:
        raise CheckError("kernel stack overflow possible: " + lines[-1] + "\n  path: " +
                         fmt_path(graph, worst_entry[2]) + " + trap " +
                         fmt_path(graph, trap_path))
    return lines, total


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", required=True, help="arch/ folder name")
    ap.add_argument("--cc", required=True)
    ap.add_argument("--elf", required=True)
    ap.add_argument("--objdump", required=True)
    ap.add_argument("--su", nargs="+", required=True)
    ap.add_argument("--config", default=os.path.join(ports.ROOT, "kernel", "stackcheck.conf"))
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    port = ports.load(args.port)
    label = f"{port.ISA} {args.cc}"
    try:
        with open(args.config) as f:
            config = Config(f.read())
        text = subprocess.run([args.objdump, "-d", "-w", "--no-show-raw-insn", args.elf],
                              check=True, stdout=subprocess.PIPE,
                              universal_newlines=True).stdout
        syms = symbols(args.objdump, args.elf)
        funcs = parse_disassembly(text, args.port, {n: s for n, (_, s) in syms.items()})
        su_frames, su_files, errors = parse_su(args.su)
        if errors:
            raise CheckError("; ".join(errors))
        for sym in STACK + FAULT_STACK:
            if sym not in syms:
                raise CheckError(f"{sym} (kernel/stack.S) is not in {args.elf}")
        size = syms[STACK[1]][0] - syms[STACK[0]][0]
        fault = syms[FAULT_STACK[1]][0] - syms[FAULT_STACK[0]][0]
        lines, total = analyse(port, funcs, su_frames, su_files, config, size, fault)
    except CheckError as e:
        if os.path.exists(args.out):
            os.remove(args.out)
        print(f"stackcheck {label}: FAILED: {e}", file=sys.stderr)
        return 1
    with open(args.out, "w") as f:
        f.write(f"kernel stack use, {label} ({os.path.relpath(args.elf, ports.ROOT)})\n")
        f.write("\n".join(lines) + "\n")
    print(f"stackcheck {label}: {lines[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
