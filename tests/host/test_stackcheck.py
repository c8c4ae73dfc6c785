#!/usr/bin/env python3
"""Host test of tools/stackcheck.py's graph logic on small synthetic inputs:
disassembly parsing, worst paths, recursion, indirect calls, the limit.
Run from the repository root (./keel test copies it to out/host/)."""
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests", "host"))
from check import check, finish  # noqa: E402
import stackcheck as sc  # noqa: E402


def raises(fn, text):
    try:
        fn()
    except sc.CheckError as e:
        return text in str(e)
    return False


X86 = """
0000000000001000 <main>:
    1000:\tpush   %rbp
    1001:\tcall   1100 <leaf>
    1006:\tcall   *0x10(%rax)
    100a:\tjne    1004 <main+0x4>
    100c:\tjmp    1200 <tail>
0000000000001100 <leaf>:
    1100:\tret
    1101:\tnotrack jmp *%rax
0000000000001200 <tail>:
    1200:\tcall   1200 <tail>
    1205:\tret
0000000000001300 <stub>:
    1300:\tcall   1100 <leaf>
"""

RISCV = """
0000000080000000 <f>:
    80000000:\tauipc\tra,0x0
    80000004:\tjalr\t16(ra) # 80000010 <.LBB0_1>
    80000008:\tjalr\ta5
0000000080000010 <.LBB0_1>:
    80000010:\tjr\t-16(t1) # 80000020 <g>
    80000014:\tret
0000000080000020 <g>:
    80000020:\tret
"""


def test_parse():
    f = sc.parse_disassembly(X86, "x86", {"main": 0x10, "leaf": 1, "tail": 6})
    check("x86 call and tail jump", f["main"].calls == {"leaf", "tail"})
    check("x86 indirect call", f["main"].indirect == [0x1006])
    check("x86 code past a symbol's size is not its", f["leaf"].indirect == [])
    check("x86 self call is recursion", f["tail"].calls == {"tail"})
    check("x86 label without size", f["stub"].calls == {"leaf"})
    r = sc.parse_disassembly(RISCV, "riscv")
    check("riscv .L labels stay in their function", ".LBB0_1" not in r)
    check("riscv branch into the own function is no call", r["f"].calls == {"g"})
    check("riscv indirect jalr", r["f"].indirect == [0x80000008])


def cfg(text=""):
    return sc.Config(text)


def test_graph():
    frames = {"a": 16, "b": 32, "c": 64, "d": 8}
    edges = {"a": {"b", "c"}, "b": {"d"}, "c": set(), "d": set()}
    g = sc.Graph(frames, edges, cfg())
    check("worst path", g.worst("a") == (80, ["a", "c"]))
    edges["c"] = {"a"}
    g = sc.Graph(frames, edges, cfg())
    check("recursion refused", raises(lambda: g.worst("a"), "recursion: a -> c -> a"))
    g = sc.Graph(frames, edges, cfg("recursion a c\n"))
    cost, path = g.worst("a")
    check("tolerated recursion counts each function once", (cost, path) == (80, ["a", "c"]))
    check("tolerated recursion reported", g.tolerated == [["a", "c", "a"]])
    g = sc.Graph(frames, edges, cfg("recursion a c\n"))
    check("entered at the other function", g.worst("c") == (120, ["c", "a", "b", "d"]))
    g = sc.Graph({"a": 1}, {"a": {"x"}}, cfg())
    check("missing frame refused", raises(lambda: g.worst("a"), "no frame size for x"))
    check("bad config refused", raises(lambda: cfg("frobnicate a\n"), "cannot read"))


class Port:
    STACK_ENTRIES = {"main": 0}
    STACK_KERNEL_TRAP = ("stub", 100)
    STACK_ASM = {"stub": 0}
    STACK_RED_ZONE = 0


def su_file(lines):
    f = tempfile.NamedTemporaryFile("w", suffix=".su", delete=False)
    f.write("".join(lines))
    f.close()
    return f.name


def test_analyse():
    su = su_file(["m.c:1:5:main\t48\tstatic\n", "m.c:9:5:leaf\t8\tstatic\n",
                  "t.c:3:tail\t16\tdynamic,bounded\n", "k.c:1:kmem_ptr\t8\tstatic\n"])
    frames, files, errors = sc.parse_su([su])
    check("su parsed", frames == {"main": 48, "leaf": 8, "tail": 16, "kmem_ptr": 8} and
          files["tail"] == "t.c" and not errors)
    bad = su_file(["x.c:1:f\t32\tdynamic\n"])
    check("unbounded frame reported", "unbounded" in " ".join(sc.parse_su([bad])[2]))
    os.unlink(bad)
    text = X86.replace("call   1200 <tail>", "nop")
    funcs = sc.parse_disassembly(text, "x86", {"main": 0x10, "leaf": 1, "tail": 6})
    check("undeclared indirect call refused",
          raises(lambda: sc.analyse(Port, funcs, frames, files, cfg(), 4096),
                 "indirect call in main (m.c"))
    funcs["kmem_ptr"] = sc.Function("kmem_ptr", 0x2000)
    ok = cfg("indirect m.c: kmem_ptr\n")
    lines, total = sc.analyse(Port, funcs, frames, files, ok, 4096)
    stale = cfg("indirect m.c: kmem_ptr\nindirect gone.c: kmem_ptr\n")
    check("stale indirect line refused",
          raises(lambda: sc.analyse(Port, funcs, frames, files, stale, 4096),
                 "'indirect gone.c' matches no indirect call"))
    other = cfg("indirect m.c: kmem_ptr\nindirect other_ports_copy:\n")
    check("another port's function's indirect line not stale",
          sc.analyse(Port, funcs, frames, files, other, 4096)[1] == total)
    stale = cfg("indirect m.c: kmem_ptr\nindirect leaf:\n")
    check("stale indirect line of a function refused",
          raises(lambda: sc.analyse(Port, funcs, frames, files, stale, 4096),
                 "'indirect leaf' matches no indirect call"))
    stale = cfg("indirect m.c: kmem_ptr\nrecursion main leaf\n")
    check("stale recursion line refused",
          raises(lambda: sc.analyse(Port, funcs, frames, files, stale, 4096),
                 "'recursion leaf main' matches no recursion"))
    # main 48 + tail 16, + trap 100 + stub 0 + leaf 8
    check("bound", total == 172)
    check("limit enforced", raises(lambda: sc.analyse(Port, funcs, frames, files, ok,
                                                       sc.MARGIN + 171), "overflow possible"))
    check("unknown indirect target refused",
          raises(lambda: sc.analyse(Port, funcs, frames, files,
                                    cfg("indirect m.c: nothere\n"), 4096), "nothere"))
    os.unlink(su)


test_parse()
test_graph()
test_analyse()
finish("test_stackcheck")
