#!/usr/bin/env python3
"""Host test of ./keel's judging and reporting: the PASS rule of run, demo
and --image (the verdict line and the port's QEMU exit status), the --image
pattern's placeholders, and the JUnit XML of --junit.
Run from the repository root (./keel test copies it to out/host/)."""
import importlib.machinery
import importlib.util
import os
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests", "host"))
from check import check, finish  # noqa: E402
loader = importlib.machinery.SourceFileLoader("keel_cli", os.path.join(ROOT, "keel"))
spec = importlib.util.spec_from_loader("keel_cli", loader)
keel = importlib.util.module_from_spec(spec)
loader.exec_module(keel)
import ports  # noqa: E402


def boot(output, exit_code, timed_out=False):
    b = keel.Boot(["qemu"], "/dev/null", 7)
    b.output, b.exit_code, b.timed_out = output, exit_code, timed_out
    return b


PASS = "root: all modules ended\nKEEL VERDICT: PASS (status 0)\n"
FAIL = "[kernel] the boot image holds no program named \"root\"\nKEEL VERDICT: FAIL (status 1)\n"


def test_judge_pass():
    x86, riscv = ports.by_isa("x86_64"), ports.by_isa("riscv64")
    # isa-debug-exit: a pass ends QEMU with (0 << 1) | 1 = 1, and that is a pass.
    check("x86 pass exits 1", keel.judge_pass(x86, boot(PASS, 1))[0])
    check("x86 PASS with another exit status fails", not keel.judge_pass(x86, boot(PASS, 0))[0])
    check("x86 FAIL (exit 3) fails", not keel.judge_pass(x86, boot(FAIL, 3))[0])
    check("riscv pass", keel.judge_pass(riscv, boot(PASS, 0))[0] is True)
    ok, why = keel.judge_pass(riscv, boot(FAIL, 0))
    check("FAIL verdict fails, however QEMU ends", not ok and why == "verdict FAIL")
    ok, why = keel.judge_pass(riscv, boot("no verdict at all\n", 0))
    check("no verdict line fails", not ok and "no verdict" in why)
    ok, why = keel.judge_pass(riscv, boot(PASS, None, timed_out=True))
    check("a timeout fails even after PASS", not ok and "timed out after 7 s" in why)
    check("the last verdict counts", not keel.judge_pass(riscv, boot(PASS + FAIL, 0))[0])


def test_image_cases():
    chosen = [ports.by_isa("x86_64"), ports.by_isa("riscv")]
    cases = keel.image_cases("/sys/{isa}/{arch}/{cc}/system.cpio", ["gcc", "clang"], chosen)
    got = sorted((c.cc, c.port.ISA, c.initrd) for c in cases)
    want = sorted([("gcc", "x86_64", "/sys/x86_64/x86/gcc/system.cpio"),
                   ("gcc", "riscv64", "/sys/riscv64/riscv/gcc/system.cpio"),
                   ("clang", "x86_64", "/sys/x86_64/x86/clang/system.cpio"),
                   ("clang", "riscv64", "/sys/riscv64/riscv/clang/system.cpio")])
    check("one case per target, placeholders replaced", got == want)
    check("named after the pattern", all(c.name == "/sys/{isa}/{arch}/{cc}/system.cpio"
                                         for c in cases))
    check("no -append for someone's system", all(c.append == "" for c in cases))
    missing = keel.image_cases("/nonexistent/{isa}.cpio", ["gcc"], chosen[:1], name="mine")[0]
    case, b = missing.run()             # boots nothing
    ok, why = missing.judge(b)
    check("a missing image fails and says where it looked",
          not ok and why == "no boot image at /nonexistent/x86_64.cpio")
    check("the case name is kept", missing.name == "mine")
    check("the log name has no path separators",
          "/" not in os.path.basename(missing.log_path()) and
          missing.log_path().startswith(keel.LOG_DIR))


def test_junit():
    results = [
        ("host", "test_print", 0.25, True, "34 passed, 0 failed", "..."),
        ("x86_64-gcc", "ktest", 3.5, True, "ktest: 90 passed, 0 failed", "log"),
        ("x86_64-gcc", "stack-guard", 1.0, False, "verdict PASS, expected FAIL",
         "\n".join(f"line {i}" for i in range(100)) + "\n\x1b[0mescape\x07"),
        ("riscv64-clang", "ktest", 2.0, False, "timed out after 60 s", "booting\n"),
    ]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "sub", "junit.xml")
        keel.write_junit(path, results)
        root = ET.parse(path).getroot()     # well-formed, escape codes and all
    check("testsuites totals", root.tag == "testsuites" and root.get("tests") == "4"
          and root.get("failures") == "2")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    check("one testsuite per machine x compiler, and host",
          sorted(suites) == ["host", "riscv64-clang", "x86_64-gcc"])
    x86 = suites["x86_64-gcc"]
    check("suite counts", x86.get("tests") == "2" and x86.get("failures") == "1"
          and x86.get("time") == "4.500")
    cases = {c.get("name"): c for c in x86.findall("testcase")}
    check("one testcase per boot", sorted(cases) == ["ktest", "stack-guard"])
    check("a pass has no failure", cases["ktest"].find("failure") is None
          and cases["ktest"].get("time") == "3.500")
    failure = cases["stack-guard"].find("failure")
    text = failure.text if failure is not None else ""
    check("failure message is the reason",
          failure is not None and failure.get("message") == "verdict PASS, expected FAIL")
    check("failure text starts with the reason", text.startswith("verdict PASS, expected FAIL\n"))
    check("failure text holds the log's tail, not all of it",
          "line 99" in text and "line 61\n" in text and "line 60\n" not in text)
    check("characters XML cannot hold are replaced", "?[0mescape?" in text)
    check("classname names the suite", cases["ktest"].get("classname") == "keel.x86_64-gcc")


def test_machine():
    """The SDK's Machine (share/keel/targets.json) boots and judges as the port does."""
    import json
    import keelboot
    for port in ports.load_all():
        m = keelboot.Machine(json.loads(json.dumps(keelboot.Machine.facts(port))))
        check(f"{port.ISA}: same QEMU command line",
              keelboot.qemu_command(m, "k", initrd="i", gdb=4711) ==
              keelboot.qemu_command(port, "k", initrd="i", gdb=4711))
        for out, code in ((PASS, port.exit_code(0)), (PASS, 7), (FAIL, port.exit_code(1))):
            check(f"{port.ISA}: same verdict", keelboot.judge_pass(m, boot(out, code)) ==
                  keelboot.judge_pass(port, boot(out, code)))
    cmd = keelboot.qemu_command(ports.by_isa("riscv64"), "k", gdb=4711)
    check("--gdb on another port waits there", cmd[-3:] == ["-gdb", "tcp::4711", "-S"])


def test_link_base():
    """keel-cc's link addresses: in [0x80_0100_0000, 0x90_0000_0000) with room
    for a 16 MiB image, page aligned, never the link script's default."""
    path = os.path.join(ROOT, "tools", "sdk", "keel-cc")
    cc_loader = importlib.machinery.SourceFileLoader("keel_cc", path)
    cc = importlib.util.module_from_spec(importlib.util.spec_from_loader("keel_cc", cc_loader))
    cc_loader.exec_module(cc)
    bases = [cc.link_base(f"component-{i}") for i in range(5000)] + [cc.link_base("")]
    check("inside the window", all(0x80_0100_0000 <= b and b + cc.LINK_SLOT <= 0x90_0000_0000
                                   for b in bases))
    check("page aligned, past the default", all(b % 4096 == 0 and b != cc.DEFAULT_BASE
                                                for b in bases))
    check("a name keeps its address", cc.link_base("counter") == cc.link_base("counter"))
    check("names spread out", len(set(bases)) > 2500)


def test_boot_budget():
    """A boot's timeout is processor time: a process that sleeps outlives
    it (a loaded host stretches wall time, not that); one that spins is
    stopped, and says so."""
    import keelboot
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "b.log")
        b = keelboot.Boot([sys.executable, "-c", "import time; time.sleep(2.5); "
                           "print('KEEL VERDICT: PASS')"], log, 1).run()
        check("a sleeping process outlives 1 s of processor time",
              not b.timed_out and b.verdict() == "PASS" and b.seconds >= 2.5)
        b = keelboot.Boot([sys.executable, "-c", "print('spinning', flush=True)\nwhile 1: pass"],
                          log, 1).run()
        why = b.timeout_text()
        # (or after 10 s of wall time, on a host so loaded that 1 s of
        # processor time takes longer)
        check(f"a spinning process is stopped after 1 s of processor time ({why})",
              b.timed_out and "spinning" in b.output and
              ("of processor time" in why or b.seconds >= keelboot.BOOT_WALL_FACTOR))


test_judge_pass()
test_boot_budget()
test_image_cases()
test_junit()
test_machine()
test_link_base()
finish("test_keel")
