# Port description for AArch64 (read by tools/configure.py and ./keel).
# Only what differs between ports lives here; see arch/riscv/port.py.

ISA = "aarch64"                      # name in out/<cc>/<ISA>/ and on the banner
# Where the port stands among the others (./keel test's order; default 100).
ORDER = 1
# How C code recognises the ISA (compiler-predefined macros): the SDK picks
# sdk/include/keel/arch/<ISA>/syscall.h by it (keel/arch/isa.h, generated).
SDK_CONDITION = "defined(__aarch64__)"
# Debian packages the port needs beyond the common tools, each with a file
# it installs (./keel setup installs those missing).
PACKAGES = {"gcc-aarch64-linux-gnu": "/usr/bin/aarch64-linux-gnu-gcc",
            "qemu-system-arm": "/usr/bin/qemu-system-aarch64"}

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

# newlib's host triple (tools/newlib.sh builds the C library for user code
# with GCC and the USER_* flags).
NEWLIB_HOST = "aarch64-unknown-elf"

# Kernel device drivers the port uses (kernel/drivers/<name>.c): its console
# UART's kind, and the interrupt controller (the GIC: gic.c picks GICv2 or
# GICv3 by the device tree); where they are comes from the device tree.
DRIVERS = ["pl011", "gic", "gicv2", "gicv3"]

# Port sources under arch/arm/.
SOURCES = ["entry.S", "trap.S", "selftest.S", "boot.c", "trap.c",
           "timer.c", "power.c", "mmu.c", "user.c", "fpu.S"]


# keel.elf -> keel.img: QEMU boots the ELF bare-metal without a device tree,
# so hand it a Linux arm64 Image instead: the flat binary from the header on.
IMAGE_OBJCOPY_FLAGS = "-O binary"

# How ./keel boots it.  It adds -m, -smp, -kernel, -initrd, -append and the
# console (-display none -serial stdio -monitor none).
# Host test fixtures (tests/host): device trees QEMU hands over, dumped
# for the FDT tests, name -> (QEMU arguments, machine).
HOST_TEST_DTBS = {
    "qemu-aarch64-virt": ("-cpu cortex-a72 -m 256M -smp 2", "virt"),
    "qemu-aarch64-virt-gicv3": ("-cpu cortex-a53 -m 256M -smp 2", "virt,gic-version=3"),
}

QEMU = "qemu-system-aarch64"
QEMU_ARGS = ["-M", "virt", "-cpu", "cortex-a72", "-semihosting"]
GDB_ARCH = "aarch64"
MEM_MIN_MIB = 256


# ./keel bench's marker instructions (tools/insncount.py, the same as the
# plugin's arguments and KEEL_ARCH_MARK_*): orr xN, xN, xN with N = 8 + k; and
# for --profile, the functions whose phase is not their file's.
BENCH_MARKER_ALIGN = 4
PROFILE_FUNCTIONS = {"arch_return_to_user": "exit",   # trap.S
                     "fast_return": "exit",           # trap.S: the fast path's
                     "arm_copy_mr": "IPC",            # trap.S: its UTCB word copy
                     "user_trap_common": "entry"}     # trap.S (Clang's symbols lack its file)


def bench_marker(k):
    return (0xAA000000 | (8 + k) << 16 | (8 + k) << 5 | (8 + k)).to_bytes(4, "little")


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
STACK_ENTRIES = {"arm_boot": 0, "arm_user_trap": 0, "arm_syscall_slow": 0, "fastpath_ipc": 0}
STACK_KERNEL_TRAP = ("arm_trap", 288)
STACK_ASM = {"arch_probe_read": 0, "arch_trap_roundtrip_check": 96 + 31 * 8 + 8,
             "arch_return_to_user": 0, "arch_fpu_switch": 0, "arm_copy_mr": 0}
STACK_RED_ZONE = 0
