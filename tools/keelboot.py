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
# A boot that has used BOOT_TIMEOUT seconds of processor time (QEMU's, all
# its threads) fails, and so does one that has run BOOT_WALL_FACTOR times as
# long by the wall clock (a machine that idles forever uses little).  A
# host loaded many times over stretches the wall time of a boot, not the
# processor time it needs: a loop that never ends still fails in a minute
# of it.  Where /proc cannot tell (not Linux) the limit is wall time.
BOOT_TIMEOUT = 60
BOOT_WALL_FACTOR = 10
POLL_SECONDS = 0.5
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


def cpu_seconds(pid):
    """Processor time (user and system, all threads) process pid has used so
    far, from /proc; None where that cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class Boot:
    """One QEMU run: what it printed, how it ended.  typed = (prompt, text):
    once the guest has printed prompt, text is typed on its serial input
    (QEMU's stdin), a byte at a time; otherwise stdin is empty.  timeout:
    seconds of QEMU's processor time, and BOOT_WALL_FACTOR times that of
    wall time (above)."""

    def __init__(self, cmd, log, timeout=BOOT_TIMEOUT, typed=None):
        self.cmd, self.log, self.timeout, self.typed = cmd, log, timeout, typed
        self.output, self.exit_code, self.timed_out, self.seconds = "", None, False, 0.0
        self.cpu = None     # QEMU's processor seconds when it was stopped, if known

    def timeout_text(self):
        """Why a timed-out boot was stopped, for its failure line."""
        if self.cpu is not None and self.cpu >= self.timeout:
            return f"timed out after {self.timeout} s of processor time ({self.seconds:.0f} s)"
        return f"timed out after {self.timeout} s"

    def _wait(self, p):
        """p's exit status; TimeoutExpired once it has used up its time."""
        start = time.monotonic()
        while True:
            try:
                return p.wait(timeout=POLL_SECONDS)
            except subprocess.TimeoutExpired:
                pass
            wall = time.monotonic() - start
            cpu = cpu_seconds(p.pid)
            used = wall if cpu is None else cpu
            if used >= self.timeout or wall >= self.timeout * BOOT_WALL_FACTOR:
                self.cpu = cpu
                raise subprocess.TimeoutExpired(self.cmd, self.timeout)

    def _run(self):
        """Run QEMU, typing self.typed after its prompt; (output, exit code)."""
        prompt, text = (self.typed[0].encode(), self.typed[1].encode()) if self.typed else (
            None, b"")
        p = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.PIPE if self.typed else subprocess.DEVNULL)
        out = bytearray()

        def read():
            for chunk in iter(lambda: p.stdout.read1(4096), b""):
                seen = prompt is None or prompt in out
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
            code = self._wait(p)
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
            out, code = self._run()
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
        return False, boot.timeout_text()
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
