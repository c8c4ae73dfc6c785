# Port description for POWER9, little-endian, ELFv2 (read by tools/configure.py
# and ./keel).  See arch/riscv/port.py for the commented example and
# docs/ports/ppc.md for the machine.

ISA = "ppc64le"

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
# linked, here at USER_BASE (0x80_0000_0000) and above.
USER_CFLAGS = "-mcmodel=medium"
USER_GCC_CFLAGS = "-mcpu=power9 -mabi=elfv2"
USER_CLANG_CFLAGS = "-mcpu=pwr9"

# Port sources under arch/ppc/.
# No UART interrupt reaches user level yet (XIVE is not driven): ktest
# skips its UART receive case, and ./keel test does not ask for it.
UART_RX_IRQ = False
SOURCES = ["entry.S", "opal.S", "trap.S", "selftest.S", "boot.c", "console.c",
           "trap.c", "irq.c", "timer.c", "power.c", "radix.c", "user.c", "fpu.S"]


# keel.elf -> keel.img: skiboot runs the ELF in place, so keep it an ELF.
IMAGE_OBJCOPY_FLAGS = "--strip-debug"

# How ./keel boots it.  It adds -m, -smp, -kernel, -initrd, -append and the
# console (-display none -serial stdio -monitor none).  The BMC devices are
# what OPAL_CEC_POWER_DOWN talks to; -nodefaults spares skiboot ~6 s of PCI.
QEMU = "qemu-system-ppc64"
QEMU_ARGS = ["-M", "powernv9", "-nodefaults", "-device", "ipmi-bmc-sim,id=bmc0",
             "-device", "isa-ipmi-bt,bmc=bmc0,irq=10"]
GDB_ARCH = "powerpc:common64"
MEM_MIN_MIB = 1024                # powernv refuses less than 1 GiB
# QEMU 7.2's powernv aborts under -icount ("Bad icount read" in skiboot), so
# ./keel test boots it on the host clock (load-tolerant timer check).
ICOUNT = False


def exit_code(status):
    """QEMU's exit code when the kernel powers off with status (None: not carried)."""
    return None        # powernv has no exit-status device; QEMU exits 0

# Another configuration ./keel test boots the self-test, the system demo and
# ktest on: POWER10 (PVR 0x0080; Debian's skiboot knows it, XIVE2 is
# skiboot's business since the kernel drives no device interrupts).
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
             "arch_fpu_switch": 0}
STACK_RED_ZONE = 288
# The guard below the stack is a canary the kernel checks (docs/ports/ppc.md),
# which notices frames up to KSTACK_CANARY_SPAN (kernel/include/kstack.h).
STACK_MAX_FRAME = 1024
