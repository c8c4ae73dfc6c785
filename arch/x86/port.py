# Port description for x86-64 on QEMU q35 (read by tools/configure.py and ./keel).
# See arch/riscv/port.py for the commented example; docs/ports/x86.md for the port.

ISA = "x86_64"                       # name in out/<cc>/<ISA>/ and on the banner
# Where the port stands among the others (./keel test's order; default 100).
ORDER = 0
# How C code recognises the ISA (compiler-predefined macros): the SDK picks
# sdk/include/keel/arch/<ISA>/syscall.h by it (keel/arch/isa.h, generated).
SDK_CONDITION = "defined(__x86_64__)"
# Debian packages the port needs beyond the common tools, each with a file
# it installs (./keel setup installs those missing).
PACKAGES = {"gcc-x86-64-linux-gnu": "/usr/bin/x86_64-linux-gnu-gcc",
            "qemu-system-x86": "/usr/bin/qemu-system-x86_64"}

# Toolchains: Debian's cross GCC (prefix) and Clang 14 (target triple).
# The kernel runs at its 1 MiB physical link address through an identity map,
# so the small code model (all symbols below 2 GiB) fits.  No red zone: traps
# taken in kernel mode push their frame on the interrupted stack.  No FPU/SIMD
# registers in the kernel, so traps never need to save them (user threads'
# are switched by fpu.c).
GCC_PREFIX = "x86_64-linux-gnu-"
CLANG_TARGET = "x86_64-unknown-none-elf"
CFLAGS = ("-m64 -march=x86-64 -mcmodel=small -mno-red-zone -mno-mmx -mno-sse "
          "-mno-sse2 -mno-80387 -fno-asynchronous-unwind-tables -fno-unwind-tables")
GCC_CFLAGS = "-mgeneral-regs-only"
CLANG_CFLAGS = ""
LDFLAGS = "-z max-page-size=4096 -z noexecstack"
# User code (SDK, samples) gets the compilers' default ABI, SSE2 included (the
# kernel switches each thread's x87/SSE state).  It is linked at USER_BASE =
# 512 GiB and up, out of reach of the small code model's absolute 32-bit
# addresses: position-independent code addresses everything rip-relative
# (the image stays below 2 GiB in size).
USER_CFLAGS = ("-m64 -march=x86-64 -mcmodel=small -fPIE -fno-asynchronous-unwind-tables "
               "-fno-unwind-tables")
# ... and linked without GOT relaxation: ld would turn a PIE load of an
# external symbol's address into a 32-bit absolute operand, which the
# user link address does not fit ("failed to convert GOTPCREL").
USER_LDFLAGS = "--no-relax"

# newlib's host triple (tools/newlib.sh builds the C library for user code
# with GCC and the USER_* flags).
NEWLIB_HOST = "x86_64-unknown-elf"
# newlib's libc/machine/x86_64/setjmp.S returns 0 from setjmp after
# longjmp(env, 0), not 1 (C11 7.13.2.1): Keel's copy, fixed, takes its place.
NEWLIB_FILES = {"newlib/libc/machine/x86_64/setjmp.S": "sdk/libc/arch/x86_64/setjmp.S"}

# Kernel device drivers the port uses (kernel/drivers/<name>.c): its console
# UART's kind (where the UART is comes from the device tree or the machine),
# the deadline kept on a countdown timer of limited range (countdown.h:
# the port's timer.c implements its three hooks), the local APIC and the
# IOAPIC (lapic.h, ioapic.h) and the ACPI tables that say where they and the
# HPET are (acpi.h; irq.c and timer.c read them).
DRIVERS = ["uart16550", "countdown", "acpi", "lapic", "ioapic"]

# Port sources under arch/x86/.
SOURCES = ["entry.S", "trap.S", "syscall.S", "selftest.S", "boot.c", "gdt.c", "trap.c", "mmu.c", "user.c", "irq.c", "timer.c", "power.c",
           "fpu.c"]


# keel.elf -> keel.img: QEMU's Multiboot loader refuses ELF64, so convert the
# (all below 4 GiB) image to ELF32; the 32-bit entry code switches to long mode.
IMAGE_OBJCOPY_FLAGS = "-O elf32-i386 --strip-debug"

# How ./keel boots it.  It adds -m, -smp, -kernel, -initrd, -append and the
# console (-display none -serial stdio -monitor none).  -no-reboot turns a
# triple fault into a QEMU exit (code 0, never a pass) instead of a reboot loop.
# Host test fixtures (tests/host): ELF files the ELF parser is checked on,
# name -> (compiler, flags): the host's own, and a static PIE.
HOST_TEST_ELFS = {"x86_64": ("cc", ""), "x86_64-pie": ("cc", "-static-pie -fpie")}
# The Multiboot loader reports an empty -initrd as a module of 0 bytes.
EMPTY_INITRD_REPORTED = True

QEMU = "qemu-system-x86_64"
# qemu64 plus 1 GiB pages (CPUID pdpe1gb), so MAP_ANON and the root task's
# huge part make real 1 GiB leaves; nothing else of the CPU changes.
QEMU_ARGS = ["-M", "q35", "-cpu", "qemu64,+pdpe1gb",
             "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-no-reboot"]
GDB_ARCH = "i386:x86-64"
MEM_MIN_MIB = 256


# ./keel bench's marker instructions (tools/insncount.py, the same as the
# plugin's arguments and KEEL_ARCH_MARK_*): nopl 0x4b454c00+k(%rax), 0f 1f 80
# + disp32, at any byte; and for --profile, the functions whose phase is not
# their file's.
BENCH_MARKER_ALIGN = 1
PROFILE_FUNCTIONS = {"x86_user_trap": "entry",        # user.c: the trap from user mode
                     "x86_sysret_to_user": "exit",    # syscall.S: sysretq
                     "x86_fast_sysret": "exit"}       # syscall.S: the fast path's sysretq


def bench_marker(k):
    return bytes([0x0F, 0x1F, 0x80]) + (0x4B454C00 + k).to_bytes(4, "little")


def exit_code(status):
    """QEMU's exit code when the kernel powers off with status (None: not carried)."""
    return (status << 1) | 1   # isa-debug-exit: QEMU exits with (value << 1) | 1

# Another configuration ./keel test boots the self-test, the system demo and
# ktest on: -cpu max, every feature QEMU 7.2's TCG offers (SVM, x2APIC, SMEP,
# ...).  PCID is not among them: mmu.c still reports "PCID off" (checked).
TEST_MACHINES = {
    "cpu-max": ["-M", "q35", "-cpu", "max", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                "-no-reboot"],
}
# The kernel stack bound (tools/stackcheck.py, run by every build; the stack
# itself is kernel/stack.S): the C functions that start on the empty stack
# (boot; every trap from ring 3) with the bytes below them; the C function a
# trap taken in ring 0 calls and what the CPU and trap.S push first: ss, rsp,
# rflags, cs, rip, error code, vector, 15 GPRs (22 words), plus up to 8 bytes
# of the CPU's 16-byte alignment; the stack use of assembly functions C code
# calls; no red zone (-mno-red-zone).
STACK_ENTRIES = {"x86_boot": 0, "x86_user_trap": 0, "x86_syscall_slow": 0, "fastpath_ipc": 0}
STACK_KERNEL_TRAP = ("x86_trap", 22 * 8 + 8)
STACK_ASM = {"arch_probe_read": 8, "arch_trap_roundtrip_check": 8 + 6 * 8,
             "x86_iret_to_user": 8, "x86_sysret_to_user": 8, "restore_frame": 0,
             "x86_fast_sysret": 8}
STACK_RED_ZONE = 0
