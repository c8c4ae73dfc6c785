# Port description for POWER9, little-endian, ELFv2 (read by tools/configure.py
# and ./keel).  See arch/riscv/port.py for the commented example and
# docs/ports/ppc.md for the machine.

ISA = "ppc64le"
# Where the port stands among the others (./keel test's order; default 100).
ORDER = 2
# How C code recognises the ISA (compiler-predefined macros): the SDK picks
# sdk/include/keel/arch/<ISA>/syscall.h by it (keel/arch/isa.h, generated).
SDK_CONDITION = "defined(__powerpc64__)"
# Debian packages the port needs beyond the common tools, each with a file
# it installs (./keel setup installs those missing).
PACKAGES = {"gcc-powerpc64le-linux-gnu": "/usr/bin/powerpc64le-linux-gnu-gcc",
            "qemu-system-ppc": "/usr/bin/qemu-system-ppc64",
            "qemu-system-data": "/usr/share/qemu/skiboot.lid"}

# Toolchains: Debian's cross GCC (prefix) and Clang 14 (target triple).
# No floating point or vector code (the kernel never saves FP/VSX state);
# -mcmodel=medium: code and data are reached through the TOC (r2), which
# entry.S and trap.S set up, and the image is linked at the address skiboot
# runs it from, so no relocation is needed.
GCC_PREFIX = "powerpc64le-linux-gnu-"
CLANG_TARGET = "powerpc64le-unknown-none"
CFLAGS = "-mcmodel=medium -mno-altivec -mno-vsx -msoft-float"
GCC_CFLAGS = "-mcpu=power9 -mabi=elfv2 -Wa,-mregnames"
CLANG_CFLAGS = "-mcpu=pwr9"
LDFLAGS = "-z max-page-size=4096"
# User programs (SDK): ELFv2 with the default FP, VMX and VSX (the kernel
# switches each thread's 64 VSX registers, FPSCR, VSCR and VRSAVE,
# arch/ppc/fpu.S); -mcmodel=medium reaches data through the TOC (r2,
# computed from r12 at the global entry), so the code runs wherever it is
# linked, here at USER_BASE (0x80_0000_0000) and above.  long double is
# double: Linux's IBM double-double is one newlib (the C library) lacks.
USER_CFLAGS = "-mcmodel=medium -mlong-double-64"
USER_GCC_CFLAGS = "-mcpu=power9 -mabi=elfv2"
USER_CLANG_CFLAGS = "-mcpu=pwr9"

# newlib's host triple (tools/newlib.sh builds the C library for user code
# with GCC and the USER_* flags).  Not powerpc64le-*-elf: newlib's
# configure.host gives that 32-bit EABI flags (-mrelocatable-lib -mno-eabi).
NEWLIB_HOST = "powerpc64le-unknown-none"
# newlib's libc/machine/powerpc/setjmp.S is 32-bit only: Keel's ELFv2 one
# takes its place in the unpacked sources (tools/newlib-src.sh).
NEWLIB_FILES = {"newlib/libc/machine/powerpc/setjmp.S": "sdk/libc/arch/ppc64le/setjmp.S"}

# Kernel device drivers the port uses (kernel/drivers/<name>.c): its console
# UART's kind (where the UART is comes from the device tree or the machine),
# and the deadline kept on a countdown timer of limited range (countdown.h:
# the port's timer.c implements its three hooks).
DRIVERS = ["uart16550", "countdown"]

# Port sources under arch/ppc/.
SOURCES = ["entry.S", "opal.S", "trap.S", "selftest.S", "boot.c", "trap.c", "irq.c", "xive.c", "timer.c", "power.c", "radix.c", "user.c", "fpu.S"]


# keel.elf -> keel.img: skiboot runs the ELF in place, so keep it an ELF.
IMAGE_OBJCOPY_FLAGS = "--strip-debug"

# How ./keel boots it.  It adds -m, -smp, -kernel, -initrd, -append and the
# console (-display none -serial stdio -monitor none).  The BMC devices are
# what OPAL_CEC_POWER_DOWN talks to; -nodefaults spares skiboot ~6 s of PCI.
# Host test fixtures (tests/host): the device tree QEMU builds (before
# skiboot adds to it), for the FDT tests, name -> (QEMU arguments, machine).
HOST_TEST_DTBS = {"qemu-ppc64-powernv9": ("-m 1G", "powernv9")}

QEMU = "qemu-system-ppc64"
QEMU_ARGS = ["-M", "powernv9", "-nodefaults", "-device", "ipmi-bmc-sim,id=bmc0",
             "-device", "isa-ipmi-bt,bmc=bmc0,irq=10"]
GDB_ARCH = "powerpc:common64"
MEM_MIN_MIB = 1024                # powernv refuses less than 1 GiB
# QEMU 7.2's powernv aborts under -icount ("Bad icount read" in skiboot), so
# ./keel test boots it on the host clock (load-tolerant timer check).
ICOUNT = False


# ./keel bench's marker instructions (tools/insncount.py, the same as the
# plugin's arguments and KEEL_ARCH_MARK_*): ori N, N, 0 with N = 8 + k; for
# --profile, the functions whose phase is not their file's, and code that runs
# elsewhere than it is linked: the vectors, copied to real address 0.
BENCH_MARKER_ALIGN = 4
PROFILE_FUNCTIONS = {"arch_return_to_user": "exit",   # trap.S
                     "fast_return": "exit",           # trap.S: the fast path's
                     "ppc_copy_mr": "IPC",            # trap.S: its UTCB word copy
                     "sc_common": "entry"}            # trap.S (Clang's symbols lack its file)
PROFILE_RELOCATED = [("__vectors_start", "__vectors_end", 0, "trap.S")]


def bench_marker(k):
    return (0x60000000 | (8 + k) << 21 | (8 + k) << 16).to_bytes(4, "little")


def exit_code(status):
    """QEMU's exit code when the kernel powers off with status (None: not carried)."""
    return None        # powernv has no exit-status device; QEMU exits 0

# Another configuration ./keel test boots the self-test, the system demo and
# ktest on: POWER10 (PVR 0x0080; Debian's skiboot knows it, and offers the
# same OPAL XIVE calls over XIVE2, so xive.c serves both).
TEST_MACHINES = {
    "powernv10": ["-M", "powernv10"] + QEMU_ARGS[2:],
}
# The kernel stack bound (tools/stackcheck.py; see arch/x86/port.py): boot and
# every trap from problem state start on it with one 32-byte minimal frame
# (STACK_MIN_FRAME); a trap taken in the kernel skips the interrupted code's
# 288-byte protected zone, puts struct arch_regs (REGS_SIZE, 336) below it
# 16-aligned (up to 15 more) and a minimal frame, then calls ppc_trap; the
# stack use of the assembly functions C calls (opal.S, selftest.S); and the
# ELFv2 protected zone of 288 bytes below r1 that the deepest function may
# use.
STACK_ENTRIES = {"ppc_boot": 32, "ppc_trap": 32, "fastpath_ipc": 32}
STACK_KERNEL_TRAP = ("ppc_trap", 288 + 336 + 15 + 32)
STACK_ASM = {"opal_call": 64, "arch_probe_read": 0,
             "arch_trap_roundtrip_check": 32 + 19 * 8 + 8, "arch_return_to_user": 0,
             "arch_fpu_switch": 0, "ppc_copy_mr": 0}
STACK_RED_ZONE = 288
# The guard below the stack is a canary the kernel checks (docs/ports/ppc.md),
# which notices frames up to KSTACK_CANARY_SPAN (kernel/include/kstack.h).
STACK_MAX_FRAME = 1024
