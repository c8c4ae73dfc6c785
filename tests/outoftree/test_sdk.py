#!/usr/bin/env python3
"""The SDK as a user meets it, proved end to end (./keel test runs this).

Installs the SDK (tools/sdkinstall.py) into a temporary folder outside the
repository, moves it (it is relocatable) and checks that no installed file
names the repository; copies this
folder's example component (counter.c, Makefile, CMakeLists.txt) to another
temporary folder; for every selected ISA and compiler builds it the three
ways (Makefile with keel-cc, pkg-config, CMake with the toolchain file) and
checks they make the same program at the same link address; packs and boots
the Makefile's build with keel-run on each machine, and its system with a
file (disk.c, disk.desc, disk.txt: the SDK's block server serves the file
keel-pack packed, the component reads and writes it); and on each ISA (first
compiler) breaks in the component's own function with gdb-multiarch in
batch mode on a keel-run --gdb boot, and reads one of its variables.
Finally, the Makefile docs/sdk.md shows, taken from the installed copy of
that page, builds and boots the example for every target in turn in one
folder, as a newcomer following the page would.

    tests/outoftree/test_sdk.py [--isa ISA]... [--cc gcc|clang]... [--jobs N]

Prints one "PASS name  detail" or "FAIL name  detail" line per check (a
failure's output follows, indented by "      | "), then "N passed, N failed".
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import ports  # noqa: E402
import sdkinstall  # noqa: E402

EXAMPLE = ("counter.c", "Makefile", "CMakeLists.txt", "disk.c", "disk.desc", "disk.txt")
OUTPUT = "counter: the sum of the squares of 1..10 is 385 (mean 38)"
DISK_OUTPUT = ('disk: 1 sector(s), sector 0 begins "hello from an out-of-tree disk"; '
               "written and read back: the same")
GDB_TIMEOUT = 90


class Results:
    def __init__(self):
        self.passed = self.failed = 0

    def report(self, ok, name, detail, output=""):
        self.passed += bool(ok)
        self.failed += not ok
        # The name's words single-spaced: two spaces end it (./keel test reads this).
        print(f"{'PASS' if ok else 'FAIL'} {' '.join(name.split())}  {detail}", flush=True)
        if not ok and output:
            for line in output.splitlines()[-25:]:
                print("      | " + line, flush=True)


def sh(cmd, cwd, timeout=300, env=None):
    """(exit status, output) of a command."""
    try:
        r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout, env=env)
        return r.returncode, r.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        return 124, (e.output or b"").decode(errors="replace") + f"\n(timed out after {timeout} s)"


def text_and_entry(sdk, isa, cc, elf):
    """The bytes of elf's .text and its entry point (to compare builds)."""
    import json
    with open(os.path.join(sdk, "share", "keel", "targets.json")) as f:
        objcopy = json.load(f)[isa]["compilers"][cc]["objcopy"]
    with tempfile.NamedTemporaryFile() as tmp:
        subprocess.run([objcopy, "-O", "binary", "-j", ".text", elf, tmp.name], check=True)
        text = open(tmp.name, "rb").read()
    with open(elf, "rb") as f:
        head = f.read(32)
    return text, int.from_bytes(head[24:32], "little")


def build(sdk, src, isa, cc):
    """Build the example the three ways; (ok, detail, output)."""
    log = []
    make = ["make", "-s", f"SDK={sdk}", f"ISA={isa}", f"COMPILER={cc}", "all", "pkgconfig"]
    code, out = sh(make, src)
    log.append("$ " + " ".join(make) + "\n" + out)
    if code:
        return False, "make (keel-cc, pkg-config) failed", "\n".join(log)
    cmake_dir = os.path.join("build", f"cmake-{isa}-{cc}")
    chain = os.path.join(sdk, isa, "cmake", f"toolchain-{cc}.cmake")
    for cmd in (["cmake", "-S", ".", "-B", cmake_dir, f"-DCMAKE_TOOLCHAIN_FILE={chain}"],
                ["cmake", "--build", cmake_dir]):
        code, out = sh(cmd, src)
        log.append("$ " + " ".join(cmd) + "\n" + out)
        if code:
            return False, "cmake failed", "\n".join(log)
    out = os.path.join(src, "build", f"{isa}-{cc}")
    elfs = {"keel-cc": os.path.join(out, "counter.elf"),
            "pkg-config": os.path.join(out, "pc", "counter.elf"),
            "cmake": os.path.join(src, cmake_dir, "counter.elf")}
    got = {how: text_and_entry(sdk, isa, cc, elf) for how, elf in elfs.items()}
    want = sdkinstall_link_base(sdk)
    first = got["keel-cc"]
    if any(g != first for g in got.values()):
        return False, "the three routes built different programs: " + ", ".join(
            f"{h}: entry 0x{e:x}, {len(t)} bytes of text" for h, (t, e) in got.items()), ""
    if first[1] != want:
        return False, f"linked at 0x{first[1]:x}, not counter's address 0x{want:x}", ""
    return True, f"3 routes, same program at 0x{first[1]:x}", ""


def sdkinstall_link_base(sdk):
    r = subprocess.run([os.path.join(sdk, "bin", "keel-cc"), "--print-link-base", "counter"],
                       stdout=subprocess.PIPE, text=True, check=True)
    return int(r.stdout, 0)


def boot(sdk, src, isa, cc, image="system.cpio", want=OUTPUT):
    image = os.path.join(src, "build", f"{isa}-{cc}", image)
    cmd = [os.path.join(sdk, "bin", "keel-run"), "--target", isa, "--cc", cc, image]
    start = time.monotonic()
    code, out = sh(cmd, src, timeout=120)
    secs = time.monotonic() - start
    if code != 0:
        return False, f"keel-run exited {code}", out
    if want not in out:
        return False, "the component's line is missing", out
    return True, f"keel-run exit 0, verdict PASS ({secs:.1f} s)", ""


def doc_makefile(sdk, tmp, targets):
    """The Makefile docs/sdk.md shows (its installed copy, as a newcomer
    reads it), with counter.c in a folder of its own: make run for every
    target in turn there; (ok, detail, output)."""
    with open(os.path.join(sdk, "share", "doc", "keel", "sdk.md")) as f:
        found = re.search(r"```make\n(.*?)```", f.read(), re.S)
    if not found:
        return False, "docs/sdk.md shows no Makefile", ""
    src = os.path.join(tmp, "from-the-docs")
    os.makedirs(src)
    shutil.copy(os.path.join(HERE, "counter.c"), src)
    with open(os.path.join(src, "Makefile"), "w") as f:
        f.write(found.group(1))
    log = []
    start = time.monotonic()
    for isa, cc in targets:
        cmd = ["make", "-s", f"SDK={sdk}", f"ISA={isa}", f"COMPILER={cc}", "run"]
        code, out = sh(cmd, src, timeout=180)
        log.append("$ " + " ".join(cmd) + "\n" + out)
        if code or OUTPUT not in out:
            return False, f"make ... ISA={isa} COMPILER={cc} run failed ({code})", \
                "\n".join(log)
    return True, (f"its Makefile built and booted {len(targets)} targets in turn in one "
                  f"folder in {time.monotonic() - start:.1f} s"), ""


def pack_refusals(sdk, src, isa, cc):
    """keel-pack refuses a description's file no --file gives, a --file no
    line maps, and a --file without a description, each saying so and
    writing no image; (ok, detail, output)."""
    elf = os.path.join("build", f"{isa}-{cc}", "disk.elf")
    pack = [os.path.join(sdk, "bin", "keel-pack"), "--target", isa, "--cc", cc, "-o",
            "refused.cpio"]
    cases = [(["--system", "disk.desc", elf], r"disk\.desc:3: file=disk\.txt, but no --file"),
             (["--system", "disk.desc", "--file", "disk.txt", "--file", "extra=disk.c", elf],
              r"--file extra: no line of disk\.desc maps it"),
             (["--file", "disk.txt", elf], r"--file needs --system")]
    for args, want in cases:
        code, out = sh(pack + args, src)
        if code == 0 or not re.search(want, out) or os.path.exists(
                os.path.join(src, "refused.cpio")):
            return False, f"keel-pack {' '.join(args)}: exit {code}, wanted /{want}/", out
    return True, f"{len(cases)} bad --file uses refused, each naming its problem", ""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gdb(sdk, src, isa, cc, machine):
    """Break in counter_step on a booted system; read counter_total at its
    second call (1: the square of 1)."""
    elf = os.path.join(src, "build", f"{isa}-{cc}", "counter.elf")
    image = os.path.join(src, "build", f"{isa}-{cc}", "system.cpio")
    port = free_port()
    run = subprocess.Popen([os.path.join(sdk, "bin", "keel-run"), "--target", isa, "--cc", cc,
                            image, "--gdb", "--gdb-port", str(port), "--timeout",
                            str(GDB_TIMEOUT), "--log", image + ".gdb.log"], cwd=src,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL)
    script = ["set pagination off", "set confirm off", f"set architecture {machine}",
              f"file {elf}", f"target remote :{port}", "break counter_step", "continue",
              "continue", "info symbol $pc", "print counter_total", "print i", "delete",
              "continue"]
    cmd = ["gdb-multiarch", "-nx", "-batch"] + [x for c in script for x in ("-ex", c)]
    out = ""
    for _ in range(50):     # QEMU needs a moment to listen
        code, out = sh(cmd, src, timeout=GDB_TIMEOUT)
        if "Connection refused" not in out:
            break
        time.sleep(0.2)
    try:
        run_out = run.communicate(timeout=GDB_TIMEOUT)[0].decode(errors="replace")
    except subprocess.TimeoutExpired:
        run.kill()
        run_out = run.communicate()[0].decode(errors="replace")
    want = [r"Breakpoint 1, counter_step \(i=(i@entry=)?1\)",
            r"Breakpoint 1, counter_step \(i=(i@entry=)?2\)",
            r"counter_step( \+ \d+)? in section \.text", r"\$1 = 1\n", r"\$2 = 2\n"]
    missing = [w for w in want if not re.search(w, out)]
    if missing:
        return False, f"gdb's session lacks {missing[0]!r}", out + "\n--- keel-run:\n" + run_out
    if run.returncode != 0 or OUTPUT not in run_out:
        return False, f"the system did not pass after gdb let it go (keel-run {run.returncode})", \
            out + "\n--- keel-run:\n" + run_out
    return True, "stopped in counter_step twice, counter_total = 1, then PASS", ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--isa", action="append")
    ap.add_argument("--cc", action="append", choices=("gcc", "clang"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = ap.parse_args()
    chosen = [p for p in ports.load_all() if not args.isa or p.ISA in
              [ports.by_isa(i).ISA for i in args.isa]]
    isas = [p.ISA for p in chosen]
    ccs = args.cc or list(sdkinstall.COMPILERS)
    res = Results()
    tmp = tempfile.mkdtemp(prefix="keel-sdk-test-")
    sdk, src = os.path.join(tmp, "sdk"), os.path.join(tmp, "my-component")
    try:
        start = time.monotonic()
        # Installed in one place and used from another: the SDK is relocatable.
        sdkinstall.install(os.path.join(tmp, "installed"), isas=isas, ccs=ccs,
                           say=lambda m: None)
        os.rename(os.path.join(tmp, "installed"), sdk)
        named = sdkinstall.repo_paths(sdk)
        res.report(not named, "sdk/install", f"{len(isas)} ISAs x {len(ccs)} compilers into "
                   f"{tmp}, moved, in {time.monotonic() - start:.1f} s, " +
                   (f"{len(named)} files name the repository: {', '.join(named[:5])}" if named
                    else "no file names the repository"))
        os.makedirs(src)
        for f in EXAMPLE:
            shutil.copy(os.path.join(HERE, f), src)
        targets = [(isa, cc) for cc in ccs for isa in isas]
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            built = list(pool.map(lambda t: (t, build(sdk, src, *t)), targets))
            ok_targets = []
            for (isa, cc), (ok, detail, out) in built:
                res.report(ok, f"sdk/build {isa:<8} {cc:<6}", detail, out)
                if ok:
                    ok_targets.append((isa, cc))
            for (isa, cc), (ok, detail, out) in zip(ok_targets, pool.map(
                    lambda t: boot(sdk, src, *t), ok_targets)):
                res.report(ok, f"sdk/boot  {isa:<8} {cc:<6}", detail, out)
            for (isa, cc), (ok, detail, out) in zip(ok_targets, pool.map(
                    lambda t: boot(sdk, src, *t, "disk.cpio", DISK_OUTPUT), ok_targets)):
                res.report(ok, f"sdk/disk  {isa:<8} {cc:<6}", detail, out)
            if ok_targets:
                ok, detail, out = pack_refusals(sdk, src, *ok_targets[0])
                res.report(ok, "sdk/pack-refusals", detail, out)
            ok, detail, out = doc_makefile(sdk, tmp, targets)
            res.report(ok, "sdk/docs", detail, out)
            gdb_targets = [(isa, cc) for isa, cc in ok_targets if cc == ccs[0]]
            machines = {p.ISA: p.GDB_ARCH for p in chosen}
            for (isa, cc), (ok, detail, out) in zip(gdb_targets, pool.map(
                    lambda t: gdb(sdk, src, t[0], t[1], machines[t[0]]), gdb_targets)):
                res.report(ok, f"sdk/gdb   {isa:<8} {cc:<6}", detail, out)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{res.passed} passed, {res.failed} failed", flush=True)
    return 0 if res.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
