# Port description for AArch64 (read by tools/configure.py and ./keel).
# Only what differs between ports lives here; see arch/riscv/port.py.

ISA = "aarch64"                      # name in out/<cc>/<ISA>/ and on the banner

# Toolchains: Debian's cross GCC (prefix) and Clang 14 (target triple).
GCC_PREFIX = "aarch64-linux-gnu-"
CLANG_TARGET = "aarch64-unknown-none-elf"
# -mgeneral-regs-only: no FP/SIMD in the kernel (traps never save FP state;
#   the user threads' is switched by fpu.S).
# -mstrict-align: the MMU is off, so all data accesses are Device memory,
#   where an unaligned access faults; never let the compiler merge loads.
# No unwind tables: nothing would use them, and they must not land in the Image.
CFLAGS = ("-march=armv8-a -mgeneral-regs-only -mcmodel=small -mstrict-align "
          "-fno-asynchronous-unwind-tables -fno-unwind-tables")
GCC_CFLAGS = ""
CLANG_CFLAGS = ""
# User code (SDK, samples): the default ABI, FP/NEON included (the kernel
# switches each thread's V registers, arch/arm/fpu.S); user memory is
# Normal memory, so unaligned accesses are fine there.
USER_CFLAGS = "-march=armv8-a -mcmodel=small -fno-asynchronous-unwind-tables -fno-unwind-tables"
LDFLAGS = "--build-id=none -z max-page-size=4096"

# Port sources under arch/arm/.
SOURCES = ["entry.S", "trap.S", "selftest.S", "boot.c", "console.c", "trap.c",
           "gic.c", "gicv2.c", "gicv3.c", "timer.c", "power.c", "mmu.c", "user.c", "fpu.S"]


# keel.elf -> keel.img: QEMU boots the ELF bare-metal without a device tree,
# so hand it a Linux arm64 Image instead: the flat binary from the header on.
IMAGE_OBJCOPY_FLAGS = "-O binary"

# How ./keel boots it.  It adds -m, -smp, -kernel, -initrd, -append and the
# console (-display none -serial stdio -monitor none).
QEMU = "qemu-system-aarch64"
QEMU_ARGS = ["-M", "virt", "-cpu", "cortex-a72", "-semihosting"]
GDB_ARCH = "aarch64"
MEM_MIN_MIB = 256


def exit_code(status):
    """QEMU's exit code when the kernel powers off with status (None: not carried)."""
    return status      # semihosting SYS_EXIT, ADP_Stopped_ApplicationExit + status

# Other configurations ./keel test boots the self-test, the system demo and
# ktest on: entered at EL2 (the kernel drops to EL1) with the default GICv2;
# a GICv3 (chosen from the device tree) on a Cortex-A53 (ARMv8.0, 40-bit
# PA); and a GICv3 entered at EL2 (ICC_SRE_EL2 must let EL1 in).
TEST_MACHINES = {
    "el2": ["-M", "virt,virtualization=on", "-cpu", "max", "-semihosting"],
    "gicv3-a53": ["-M", "virt,gic-version=3", "-cpu", "cortex-a53", "-semihosting"],
    "el2-gicv3": ["-M", "virt,gic-version=3,virtualization=on", "-cpu", "max", "-semihosting"],
}

# The kernel stack bound (tools/stackcheck.py; see arch/x86/port.py): boot and
# every trap from EL0 start on the empty stack; a trap taken at EL1 puts
# struct arch_regs (REGS_SIZE, 288 bytes) on the current stack and calls
# arm_trap; the stack use of the assembly functions C calls; AAPCS64 has no
# red zone.
STACK_ENTRIES = {"arm_boot": 0, "arm_user_trap": 0, "fastpath_ipc": 0}
STACK_KERNEL_TRAP = ("arm_trap", 288)
STACK_ASM = {"arch_probe_read": 0, "arch_trap_roundtrip_check": 96 + 31 * 8 + 8,
             "arch_return_to_user": 0, "arch_fpu_switch": 0}
STACK_RED_ZONE = 0
