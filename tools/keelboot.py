"""keelboot - boot a Keel boot image on its QEMU machine and judge the verdict.

Shared by the repository's front end (./keel run, demo, test) and the
installed SDK's runner (bin/keel-run, which loads this file from
share/keel/): the QEMU command line of each machine, a boot under a
timeout, and the PASS rule.  A port is anything with the attributes
ISA, QEMU, QEMU_ARGS, MEM_MIN_MIB, GDB_ARCH and a method exit_code(status):
an arch/<dir>/port.py module in the repository, a Machine in the SDK.
Python 3 standard library only.
"""
import os
import re
import subprocess
import sys
import threading
import time

VERDICT = re.compile(r"KEEL VERDICT: (PASS|FAIL)")
SUMMARY = re.compile(r"(\d+) passed, (\d+) failed")
CONSOLE = ["-display", "none", "-serial", "stdio", "-monitor", "none"]
BOOT_TIMEOUT = 60          # seconds per boot; a timeout is a failure
GDB_PORT = 1234            # QEMU's -s


def say(msg):
    print(msg, flush=True)


class Machine:
    """A port's boot facts as the installed SDK keeps them (share/keel/
    targets.json, written by tools/sdkinstall.py from arch/*/port.py)."""

    def __init__(self, facts):
        self.ISA, self.QEMU, self.QEMU_ARGS = facts["isa"], facts["qemu"], facts["qemu_args"]
        self.MEM_MIN_MIB, self.GDB_ARCH = facts["mem_min_mib"], facts["gdb_arch"]
        self._exit = {int(k): v for k, v in facts["exit_codes"].items()}

    def exit_code(self, status):
        return self._exit.get(status)

    @staticmethod
    def facts(port):
        """What Machine needs of a port.py module, as JSON-able data."""
        return {"isa": port.ISA, "qemu": port.QEMU, "qemu_args": list(port.QEMU_ARGS),
                "mem_min_mib": port.MEM_MIN_MIB, "gdb_arch": port.GDB_ARCH,
                "exit_codes": {str(s): port.exit_code(s) for s in (0, 1, 2)}}


def qemu_command(port, image, mem=None, smp=1, initrd=None, append="",
                 icount=False, gdb=False, machine=None):
    mem = mem or max(port.MEM_MIN_MIB, 512)
    cmd = [port.QEMU] + (machine or port.QEMU_ARGS) + CONSOLE
    cmd += ["-m", f"{mem}M", "-smp", str(smp), "-kernel", image]
    if initrd:
        cmd += ["-initrd", initrd]
    if append:
        cmd += ["-append", append]
    if icount:
        cmd += ["-icount", "shift=0"]
    if gdb:
        # gdb: True for QEMU's :1234 (-s), or another TCP port; -S waits for it.
        port_no = GDB_PORT if gdb is True else int(gdb)
        cmd += ["-gdb", f"tcp::{port_no}", "-S"]
    return cmd


class Boot:
    """One QEMU run: what it printed, how it ended.  typed = (prompt, text):
    once the guest has printed prompt, text is typed on its serial input
    (QEMU's stdin), a byte at a time; otherwise stdin is empty."""

    def __init__(self, cmd, log, timeout=BOOT_TIMEOUT, typed=None):
        self.cmd, self.log, self.timeout, self.typed = cmd, log, timeout, typed
        self.output, self.exit_code, self.timed_out, self.seconds = "", None, False, 0.0

    def _interact(self):
        """Run QEMU, typing self.typed after its prompt; (output, exit code)."""
        prompt, text = self.typed[0].encode(), self.typed[1].encode()
        p = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        out = bytearray()

        def read():
            for chunk in iter(lambda: p.stdout.read1(4096), b""):
                seen = prompt in out
                out.extend(chunk)
                if not seen and prompt in out:
                    threading.Thread(target=type_text, daemon=True).start()

        def type_text():
            try:
                for i in range(len(text)):
                    p.stdin.write(text[i:i + 1])
                    p.stdin.flush()
                    time.sleep(0.002)
            except OSError:
                pass  # QEMU is gone: the output says why

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            code = p.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            reader.join(5)
            raise subprocess.TimeoutExpired(self.cmd, self.timeout, output=bytes(out))
        reader.join(5)
        return bytes(out), code

    def run(self):
        start = time.monotonic()
        try:
            if self.typed:
                out, code = self._interact()
            else:
                r = subprocess.run(self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, timeout=self.timeout)
                out, code = r.stdout, r.returncode
            self.output, self.exit_code = out.decode(errors="replace"), code
        except subprocess.TimeoutExpired as e:
            self.output = (e.stdout or e.output or b"").decode(errors="replace")
            self.timed_out = True
        self.seconds = time.monotonic() - start
        os.makedirs(os.path.dirname(self.log), exist_ok=True)
        with open(self.log, "w") as f:
            f.write("$ " + " ".join(self.cmd) + "\n" + self.output)
        return self

    def verdict(self):
        found = VERDICT.findall(self.output)
        return found[-1] if found else None

    def summary(self):
        found = SUMMARY.findall(self.output)
        return f"{found[-1][0]} passed, {found[-1][1]} failed" if found else ""


def judge_pass(port, boot):
    """(passed, reason) for a boot that should end the system with PASS: the
    last verdict line says PASS and QEMU's exit status is the port's for
    status 0 (x86's isa-debug-exit makes a pass exit 1: (0 << 1) | 1)."""
    if boot.timed_out:
        return False, f"timed out after {boot.timeout} s"
    verdict = boot.verdict()
    if verdict is None:
        return False, f"no verdict line (QEMU exit {boot.exit_code})"
    if verdict != "PASS":
        return False, f"verdict {verdict}"
    code = port.exit_code(0)
    if code is not None and boot.exit_code != code:
        return False, f"verdict PASS, but QEMU exit {boot.exit_code}, expected {code}"
    return True, "verdict PASS"


def boot_live(cmd, log, timeout):
    """Boot with the console on this terminal (stdin too) and keep a copy of
    what it prints to judge it; timeout None waits forever (gdb)."""
    boot = Boot(cmd, log, timeout)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    chunks = []

    def pump():
        fd = proc.stdout.fileno()
        while True:
            data = os.read(fd, 4096)
            if not data:
                break
            chunks.append(data)
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        boot.exit_code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        boot.timed_out = True
    except KeyboardInterrupt:
        proc.kill()
        proc.wait()
        raise
    reader.join(5)
    boot.seconds = time.monotonic() - start
    boot.output = b"".join(chunks).decode(errors="replace")
    os.makedirs(os.path.dirname(log) or ".", exist_ok=True)   # "x.log": the current folder
    with open(log, "w") as f:
        f.write("$ " + " ".join(cmd) + "\n" + boot.output)
    return boot


def run_boot(port, kernel, image, log, elf=None, mem=None, smp=1, append="", icount=False,
             gdb=False, timeout=BOOT_TIMEOUT, label=None):
    """Boot image (a cpio file, or None: the kernel alone) with kernel on
    port's QEMU machine, the console on this terminal; True only for a
    PASS (judge_pass).  gdb: QEMU waits for gdb on :1234 (or that port; elf
    is the kernel with symbols to name in the hint).  timeout None or 0:
    none."""
    cmd = qemu_command(port, kernel, mem=mem, smp=smp, initrd=image, append=append,
                       icount=icount, gdb=gdb)
    if gdb:
        say(f"waiting for gdb: gdb-multiarch -ex 'set architecture {port.GDB_ARCH}' "
            f"-ex 'target remote :{GDB_PORT if gdb is True else gdb}' {elf or kernel}")
    say("$ " + " ".join(cmd))
    boot = boot_live(cmd, log, timeout or None)
    ok, why = judge_pass(port, boot)
    say(f"run: {port.ISA} ({label or kernel}) {'passed' if ok else 'failed'}: {why}")
    return ok
