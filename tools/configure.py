#!/usr/bin/env python3
"""Generate build.ninja from the per-port descriptions in arch/<dir>/port.py.

The rules are written once here; each port.py states only what differs for its
ISA (compiler triplets, flags, sources, image format).  Run with --check to
fail when the committed build.ninja is stale (CI does).

    python3 tools/configure.py            # rewrite build.ninja
    python3 tools/configure.py --check    # exit 1 if build.ninja is stale
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import ports  # noqa: E402
import mktestimages  # noqa: E402
import systems  # noqa: E402


def _load_keel_cc():
    """The SDK's compiler driver (tools/sdk/keel-cc), for link_base()."""
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader(
        "keel_cc", os.path.join(ROOT, "tools", "sdk", "keel-cc"))
    mod = importlib.util.module_from_spec(importlib.util.spec_from_loader("keel_cc", loader))
    loader.exec_module(mod)
    return mod


# Each user program links at an address of its own, derived from its name
# as keel-cc does for components built against the installed SDK, so gdb
# tells them apart (docs/debugging.md).
link_base = _load_keel_cc().link_base

COMPILERS = ("gcc", "clang")

# Generic kernel sources (kernel/); every port links all of them.
KERNEL_SOURCES = [
    "kernel/main.c",
    "kernel/print.c",
    "kernel/memmap.c",
    "kernel/bootinfo.c",
    "kernel/cmdline.c",
    "kernel/exception.c",
    "kernel/extable.c",
    "kernel/ticker.c",
    "kernel/selftest.c",
    "kernel/elf.c",
    "kernel/cap.c",
    "kernel/runqueue.c",
    "kernel/compiler_rt.c",
    "kernel/pagealloc.c",
    "kernel/stack.S",
    "kernel/stack.c",
]

# Freestanding code the kernel and the SDK runtime share, written once
# (lib/, headers in lib/include/keelbase/): each target builds it twice, as
# out/<cc>/<isa>/lib/libkeelbase.a with the kernel's flags (no FP/SIMD, no
# PIC, stack-checked) for the kernel and out/<cc>/<isa>/user/libkeelbase.a
# with the user flags for the runtime.  It sees only compiler headers.
LIB_SOURCES = ["lib/format.c", "lib/string.c", "lib/cpio.c", "lib/fdt.c"]
LIB_INCLUDE = "-Ilib/include"

# User-level components: the SDK's servers (sdk/servers/<name>/*.c, "root"
# among them: the kernel starts it, it starts the rest) and the programs the
# systems name (tools/systems.py: every folder under samples/ and tests/
# holding a system.desc, each packed into a boot image with root and its
# description).  Adding a component means adding a folder, not editing this
# file.  The runtime (libkeel.a) also sees lib/include; components see only
# sdk/include.
SDK_LIB_SOURCES = ["sdk/lib/crt0.c", "sdk/lib/thread.c", "sdk/lib/console.c",
                   "sdk/lib/boot.c", "sdk/lib/time.c"]
# The harness's own programs, in no system: a root task that faults.
HARNESS_PROGRAMS = {"badroot": ["tests/target/badroot.c"]}
SYSTEMS = systems.find()
# The C library: newlib, built for each ISA from Debian's newlib-source by
# tools/newlib.sh into out/newlib/<isa>/ (with GCC and the port's user
# flags: one build serves both compilers), and Keel's system layer under
# it (sdk/libc/, libkeelc.a).  Programs whose line says libc are linked
# with it and start at sdk/libc/crt0.c; they see newlib's headers, never the
# build machine's.
NEWLIB_TARBALL = "/usr/src/newlib/newlib-3.3.0.tar.xz"
LIBC_SOURCES = ["sdk/libc/syscalls.c"]
LIBC_CRT0 = "sdk/libc/crt0.c"
_ALL_PROGRAMS = dict(systems.programs(), **HARNESS_PROGRAMS)
_LIBC_NAMES = systems.libc_programs()
USER_PROGRAMS = {n: s for n, s in _ALL_PROGRAMS.items() if n not in _LIBC_NAMES}
LIBC_PROGRAMS = {n: s for n, s in _ALL_PROGRAMS.items() if n in _LIBC_NAMES}
# Boot images: file -> (programs in it, the description packed with them).
BOOT_IMAGES = {s.image: (["root"] + s.program_names(), s.desc) for s in SYSTEMS}
# Files the descriptions name (file=NAME): image -> [(file in out/, source)].
# A folder is packed as a disk image (tools/mkdisk.py), the same for every
# target; a file goes in as it is.
BOOT_FILES = {s.image: [(f"out/files/{s.name}/{name}" if os.path.isdir(src) else src, src)
                        for name, src in s.files] for s in SYSTEMS}
# Bad boot images for the harness, from these programs (tools/mktestimages.py,
# in this order): into out/<cc>/<isa>/bad/.
TEST_IMAGE_PROGRAMS = ["root", "badroot", "echo-client", "hello"]
USER_CFLAGS = ("-std=c11 -O2 -g -ffreestanding -fno-builtin -fno-common "
               "-fno-stack-protector -fno-omit-frame-pointer "
               "-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes "
               "-Wmissing-prototypes -Wno-unused-parameter -Isdk/include")
# C-library code is hosted C: no -ffreestanding or -fno-builtin, POSIX and
# BSD names visible (M_PI, strtok_r) in C11.
LIBC_CFLAGS = ("-std=c11 -D_DEFAULT_SOURCE -O2 -g -fno-common -fno-stack-protector "
               "-fno-omit-frame-pointer -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes "
               "-Wmissing-prototypes -Wno-unused-parameter -Isdk/include")

# The kernel core: user mode, kernel objects, IPC, scheduling.
CORE_SOURCES = [
    "kernel/vm.c",
    "kernel/kmem.c",
    "kernel/sched.c",
    "kernel/syscall.c",
    "kernel/usercopy.c",
    "kernel/loader.c",
    "kernel/ipc.c",
    "kernel/fastpath.c",
    "kernel/invoke.c",
    "kernel/factory.c",
    "kernel/task.c",
    "kernel/thread.c",
    "kernel/gate.c",
    "kernel/notification.c",
    "kernel/mapping.c",
    "kernel/mdb.c",
    "kernel/irq.c",
    "kernel/device.c",
    "kernel/quota.c",
    "kernel/tags.c",
    "kernel/timeout.c",
    "kernel/drivers/console.c",
]

# What tools/stackcheck.py may not derive from the binary: the targets of
# indirect calls and the recursion it tolerates (see the file).
STACK_CONFIG = "kernel/stackcheck.conf"

# Host unit tests: test name -> generic sources under test.
HOST_TESTS = {
    "test_print": ["lib/format.c", "kernel/print.c"],
    "test_fdt": ["lib/fdt.c"],
    "test_acpi": ["kernel/drivers/acpi.c"],
    "test_memmap": ["kernel/memmap.c", "lib/fdt.c", "kernel/bootinfo.c",
                    "kernel/cmdline.c", "kernel/print.c", "lib/format.c"],
    "test_cmdline": ["kernel/cmdline.c"],
    # Generic page tables; joins KERNEL_SOURCES when the ports implement the
    # arch_pte_* hooks (kernel core).
    "test_vm": ["kernel/vm.c"],
    "test_cpio": ["lib/cpio.c"],
    "test_elf": ["kernel/elf.c"],
    "test_cap": ["kernel/cap.c"],
    # Revocation: bounded steps against a model (cap_revoke).
    "test_revoke": ["kernel/cap.c"],
    # The QEMU plugin of ./keel bench, with the QEMU API stood in for (the
    # test includes tools/qemu-plugin/insncount.c).
    "test_insncount_plugin": [],
    "test_mdb": ["kernel/mdb.c"],
    "test_runqueue": ["kernel/runqueue.c", "kernel/compiler_rt.c"],
    "test_pagealloc": ["kernel/pagealloc.c", "kernel/memmap.c"],
    # The kernel core's IPC path and scheduler, with the arch hooks and
    # kobj_invoke stood in for by tests/host/kcore.h.
    "test_ipc": ["kernel/ipc.c", "kernel/sched.c", "kernel/timeout.c", "kernel/cap.c",
                 "kernel/runqueue.c", "kernel/compiler_rt.c", "kernel/tags.c"],
    # The IPC fast path against the general path, random system calls.
    "test_fastpath": ["kernel/fastpath.c", "kernel/ipc.c", "kernel/sched.c", "kernel/timeout.c",
                      "kernel/cap.c", "kernel/runqueue.c", "kernel/compiler_rt.c",
                      "kernel/tags.c"],
    "test_sched": ["kernel/ipc.c", "kernel/sched.c", "kernel/timeout.c", "kernel/cap.c",
                   "kernel/runqueue.c", "kernel/compiler_rt.c", "kernel/tags.c"],
    # The interrupt controller and IRQ capabilities, against a recording
    # stand-in for the port's controller.
    "test_irq": ["kernel/irq.c", "kernel/cap.c"],
    # Quota accounting against a model: the object code (the dispatcher and
    # each object's file) over the real frame table, page allocator and page
    # tables, with the IPC and scheduler calls it makes stubbed.
    "test_quota": ["kernel/invoke.c", "kernel/factory.c", "kernel/task.c", "kernel/thread.c",
                   "kernel/gate.c", "kernel/notification.c", "kernel/mapping.c", "kernel/mdb.c",
                   "kernel/quota.c", "kernel/kmem.c", "kernel/pagealloc.c",
                   "kernel/vm.c", "kernel/cap.c", "kernel/tags.c"],
}
# Host tests written in Python (standard library): name -> the tools they test.
HOST_PY_TESTS = {"test_stackcheck": ["tools/stackcheck.py", "tools/ports.py"],
                 "test_keel": ["keel", "tools/ports.py", "tools/keelboot.py", "tools/sdk/keel-cc"],
                 "test_insncount": ["tools/insncount.py", "tools/ports.py"],
                 "test_systems": ["tools/systems.py"]}
# Extra link flags of some host tests: kcore.h counts the scheduler's
# ready-queue operations by wrapping them.
RQ_WRAP = "-Wl," + ",".join(f"--wrap={f}" for f in
                            ("rq_enqueue", "rq_enqueue_head", "rq_remove", "rq_pop"))
HOST_TEST_LDFLAGS = {"test_ipc": RQ_WRAP, "test_sched": RQ_WRAP, "test_fastpath": RQ_WRAP}
# The instruction-counting QEMU plugin of ./keel bench (tools/qemu-plugin).
PLUGIN_SRC = "tools/qemu-plugin/insncount.c"
PLUGIN = "out/tools/insncount.so"

HOST_DTS = ["tests/host/dts/basic.dts", "tests/host/dts/multi.dts"]
# Archives GNU cpio packs from a directory tree for the cpio tests:
# output -> (tree, cpio format).
HOST_CPIO_TREE = "tests/host/cpio/tree"
HOST_CPIO = {
    "out/host/cpio/newc.cpio": "newc",   # magic 070701
    "out/host/cpio/crc.cpio": "crc",     # magic 070702, with data checksums
}
# Real executables for the ELF tests: tests/host/elf/prog.c built by each
# port's compiler (port.py HOST_TEST_ELFS: name -> (compiler, extra flags);
# by default the port's cross GCC); each also gets a readelf dump the test
# checks the parser against.
HOST_ELF_SRC = "tests/host/elf/prog.c"


def host_elfs(all_ports):
    return {name: v for p in all_ports for name, v in p.HOST_TEST_ELFS.items()}


def host_qemu_dtbs(all_ports):
    """Device trees QEMU's machines hand over, dumped for the FDT tests
    (port.py HOST_TEST_DTBS: name -> (QEMU arguments, machine))."""
    return {name: (f"{p.QEMU} {args}", machine)
            for p in all_ports for name, (args, machine) in p.HOST_TEST_DTBS.items()}

# -fno-jump-tables: every indirect branch in the kernel is then a call (or a
# tail call) through a function pointer, which tools/stackcheck.py can hold
# against its table of known targets; a switch's jump table would look the same.
COMMON_CFLAGS = ("-std=c11 -O2 -g -ffreestanding -fno-builtin -fno-common "
                 "-fno-stack-protector -fno-pic -fno-omit-frame-pointer -fno-jump-tables "
                 "-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes "
                 "-Wmissing-prototypes -Wno-unused-parameter")

HEADER = """\
# Generated by tools/configure.py from arch/*/port.py -- do not edit.
# Regenerate with: python3 tools/configure.py
ninja_required_version = 1.10

# ---- rules (written once; per-target variables set cc, flags, ...) ----
rule cc
  command = $cc $cflags -MD -MF $out.d -c $in -o $out
  depfile = $out.d
  deps = gcc
  description = CC $out

rule as
  command = $cc $cflags -D__ASSEMBLY__ -MD -MF $out.d -c $in -o $out
  depfile = $out.d
  deps = gcc
  description = AS $out

rule link
  command = $ld $ldflags -T $ldscript -o $out $in
  description = LD $out

rule ar
  command = rm -f $out && $ar rcs $out $in
  description = AR $out

rule mkcpio
  command = tools/mkcpio.sh $out $in
  description = CPIO $out

rule mkdisk
  command = python3 tools/mkdisk.py $out $dir
  description = MKDISK $out

rule testimages
  command = python3 tools/mktestimages.py $outdir $in
  description = TESTIMAGES $outdir

pool newlib
  depth = 1

rule newlibsrc
  command = tools/newlib-src.sh $in $dir $out $files
  description = NEWLIB $dir

rule newlib
  command = tools/newlib.sh $$PWD/$src $$PWD/$dir $host $gcc $ar $ranlib "$cflags"
  description = NEWLIB $dir
  pool = newlib

rule libccc
  command = $cc $cflags -nostdinc -isystem $$($cc -print-file-name=include) $
    -isystem $libcinc -MD -MF $out.d -c $in -o $out
  depfile = $out.d
  deps = gcc
  description = CC $out

rule linklibc
  command = $ld $ldflags -T $ldscript -o $out $in --start-group $libs $
    $$($libgcc -print-libgcc-file-name) --end-group
  description = LD $out

rule objcopy
  command = $objcopy $objcopyflags $in $out
  description = OBJCOPY $out

# A host test is one command over several sources, and -MD writes the
# depfile of the last one only (a change to a header only the test's own
# source includes went unseen): -M lists every source's headers first.
rule hostcc
  command = cc $hostflags -M -MT $out $in > $out.d && $
    cc $hostflags -o $out $in $hostldflags
  depfile = $out.d
  deps = gcc
  description = HOSTCC $out

rule hostso
  command = cc $pluginflags -MD -MF $out.d -o $out $in
  depfile = $out.d
  deps = gcc
  description = HOSTSO $out

rule dtc
  command = dtc -q -I dts -O dtb -o $out $in
  description = DTC $out

rule cpio
  command = (cd $tree && find . -mindepth 1 | LC_ALL=C sort | sed 's|^\./||' | $
    cpio -o -H $format --quiet -R 0:0 --reproducible) > $out
  description = CPIO $out

rule elfcc
  command = $cc -static -nostdlib -ffreestanding -O1 -e entry $flags -o $out $in
  description = ELFCC $out

rule readelf
  command = readelf -hlW $in > $out
  description = READELF $out

rule qemudtb
  command = $qemu -M $machine,dumpdtb=$out -nodefaults -display none >/dev/null 2>&1
  description = DUMPDTB $out

rule pytest
  command = cp $in $out && chmod +x $out
  description = PYTEST $out

rule stackcheck
  command = python3 tools/stackcheck.py --port $port --cc $cctype --elf $in $
    --objdump $objdump --su $su --out $out
  description = STACKCHECK $out

rule doxygen
  command = tools/docs.sh $out
  description = DOXYGEN
  pool = console

rule configure
  command = python3 tools/configure.py
  description = CONFIGURE
  generator = 1

build build.ninja: configure tools/configure.py tools/ports.py tools/mktestimages.py $
  tools/systems.py tools/sdk/keel-cc | $portfiles

build out/newlib/src.stamp: newlibsrc NEWLIB_TARBALL_ | tools/newlib-src.sh NEWLIB_FILE_DEPS_
  dir = out/newlib/src
  files = NEWLIB_FILE_ARGS_

# The QEMU TCG plugin ./keel bench counts instructions with (tools/qemu-plugin):
# a shared object for the host's QEMU, built with the host compiler.
pluginflags = -std=c11 -g -O2 -Wall -Wextra -Werror -Wno-unused-parameter $
  -fPIC -shared -fvisibility=hidden -Ilib/include

hostflags = -std=c11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter $
  -fsanitize=address,undefined -fno-sanitize-recover=all $
  -Ikernel/include -Ilib/include -Isdk/include -Itests/host -DKEEL_HOST_TEST $
  -D_DEFAULT_SOURCE
"""


def obj_path(out, src):
    return f"{out}/{src}.o"   # keep the suffix: trap.S and trap.c may coexist


def target_block(cc, port):
    out = f"out/{cc}/{port.ISA}"
    t = port.toolchain(cc)
    cflags = " ".join([COMMON_CFLAGS, t["cflags"],
                       f"-Ikernel/include -Iarch/{port.DIR}/include -Isdk/include",
                       LIB_INCLUDE,
                       f"-DKEEL_CC=\\\"{cc}\\\""])
    # Each flag string once, as this target's variables ($gcc_x86_64_kcflags,
    # ...), which the edges below name: build.ninja stays small and readable.
    klib_flags = " ".join([COMMON_CFLAGS, t["cflags"], LIB_INCLUDE, "-fstack-usage"])
    v = f"{cc}_{port.ISA}"
    lines = [f"# ---- {cc} / {port.ISA} ----"]
    for key, value in (("cc", t["cc"]), ("ld", t["ld"]), ("ldflags", t["ldflags"]),
                       ("uldflags", t["user_ldflags"]), ("kcflags", cflags),
                       ("klibcflags", klib_flags),
                       ("ucflags", " ".join([USER_CFLAGS, t["user_cflags"]])),
                       ("libccflags", " ".join([LIBC_CFLAGS, t["user_cflags"]]))):
        lines.append(f"{v}_{key} = {value}")
    t = dict(t, cc=f"${v}_cc", ld=f"${v}_ld", ldflags=f"${v}_ldflags",
             user_ldflags=f"${v}_uldflags", ucflags=f"${v}_ucflags",
             libccflags=f"${v}_libccflags")
    objs, sus = [], []
    srcs = (KERNEL_SOURCES + CORE_SOURCES +
            [f"kernel/drivers/{d}.c" for d in port.DRIVERS] +
            [f"arch/{port.DIR}/{s}" for s in port.SOURCES])
    for src in srcs:
        o = obj_path(out, src)
        if src.endswith(".S"):
            lines.append(f"build {o}: as {src}")
            lines.append(f"  cflags = ${v}_kcflags")
        else:
            # Each C file also reports its functions' frame sizes (x.c.su),
            # which tools/stackcheck.py adds up along the call graph.
            su = o[:-len(".o")] + ".su"
            lines.append(f"build {o} | {su}: cc {src}")
            lines.append(f"  cflags = ${v}_kcflags -fstack-usage")
            sus.append(su)
        lines.append(f"  cc = {t['cc']}")
        objs.append(o)
    # The shared library, with the kernel's flags but none of its headers
    # ($..._klibcflags).
    klib_objs = []
    for src in LIB_SOURCES:
        o = obj_path(out, src)
        su = o[:-len(".o")] + ".su"
        lines.append(f"build {o} | {su}: cc {src}")
        lines.append(f"  cflags = ${v}_klibcflags")
        lines.append(f"  cc = {t['cc']}")
        klib_objs.append(o)
        sus.append(su)
    klib = f"{out}/lib/libkeelbase.a"
    lines.append(f"build {klib}: ar {' '.join(klib_objs)}")
    lines.append(f"  ar = {archiver(cc, port)}")
    ldscript = f"arch/{port.DIR}/kernel.ld"
    elf = f"{out}/keel.elf"
    lines.append(f"build {elf}: link {' '.join(objs)} {klib} | {ldscript}")
    lines.append(f"  ld = {t['ld']}")
    lines.append(f"  ldflags = {t['ldflags']}")
    lines.append(f"  ldscript = {ldscript}")
    # The kernel's worst-case stack use, checked against its stack: the
    # build fails if a path could overflow it (tools/stackcheck.py).
    stack = f"{out}/stack.txt"
    lines.append(f"build {stack}: stackcheck {elf} | tools/stackcheck.py tools/ports.py "
                 f"{STACK_CONFIG} arch/{port.DIR}/port.py {' '.join(sus)}")
    lines.append(f"  port = {port.DIR}")
    lines.append(f"  cctype = {cc}")
    lines.append(f"  objdump = {port.GCC_PREFIX}objdump")
    lines.append(f"  su = {' '.join(sus)}")
    img = f"{out}/keel.img"
    lines.append(f"build {img}: objcopy {elf}")
    lines.append(f"  objcopy = {t['objcopy']}")
    lines.append(f"  objcopyflags = {port.IMAGE_OBJCOPY_FLAGS}")
    cpio = user_block(lines, cc, port, out, t)
    lines.append(f"build {cc}-{port.ISA}: phony {img} {stack} {cpio}")
    lines.append("")
    return lines, img


def archiver(cc, port):
    return f"{port.GCC_PREFIX}ar" if cc == "gcc" else "llvm-ar-14"


def user_block(lines, cc, port, out, t):
    """The SDK runtime, the user programs and the boot image of one target."""
    # User code gets the ISA's default ABI, floating point and SIMD included
    # (the port's USER_* flags), not the kernel's FP-free CFLAGS.
    cflags = t["ucflags"]
    ar = archiver(cc, port)

    compiled = set()    # a source two programs link (the VMM in a VM image) builds once

    def compile_all(srcs, extra=""):
        objs = []
        for src in srcs:
            o = f"{out}/user/{src}.o"
            objs.append(o)
            if o in compiled:
                continue
            compiled.add(o)
            lines.append(f"build {o}: cc {src}")
            lines.append(f"  cc = {t['cc']}")
            lines.append(f"  cflags = {cflags}{extra}")
        return objs

    lib = f"{out}/user/libkeel.a"
    lines.append(f"build {lib}: ar {' '.join(compile_all(SDK_LIB_SOURCES, ' ' + LIB_INCLUDE))}")
    lines.append(f"  ar = {ar}")
    base = f"{out}/user/libkeelbase.a"
    lines.append(f"build {base}: ar {' '.join(compile_all(LIB_SOURCES, ' ' + LIB_INCLUDE))}")
    lines.append(f"  ar = {ar}")
    elfs = {}
    for name, srcs in USER_PROGRAMS.items():
        elf = f"{out}/user/{name}.elf"
        lines.append(f"build {elf}: link {' '.join(compile_all(srcs))} {lib} {base} "
                     "| sdk/lib/user.ld")
        lines.append(f"  ld = {t['ld']}")
        lines.append(f"  ldflags = {t['user_ldflags']} "
                     f"--defsym=KEEL_LINK_BASE=0x{link_base(name):x}")
        lines.append(f"  ldscript = sdk/lib/user.ld")
        elfs[name] = elf
    elfs.update(libc_block(lines, cc, port, out, t, [lib, base]))
    images = []
    for image, (names, desc) in BOOT_IMAGES.items():
        images.append(f"{out}/{image}")
        files = " ".join(f for f, _ in BOOT_FILES[image])
        lines.append(f"build {images[-1]}: mkcpio {' '.join(elfs[n] for n in names)} {desc}"
                     f"{' ' + files if files else ''} | tools/mkcpio.sh")
    bad = [f"{out}/bad/{name}" for name in mktestimages.outputs()]
    lines.append(f"build {' '.join(bad)}: testimages "
                 f"{' '.join(elfs[n] for n in TEST_IMAGE_PROGRAMS)} | tools/mktestimages.py")
    lines.append(f"  outdir = {out}/bad")
    return " ".join(images + bad)


def newlib_dir(port):
    return f"out/newlib/{port.ISA}"


def newlib_block(port):
    """newlib for one ISA, built with GCC and the port's user flags."""
    d = newlib_dir(port)
    gcc = ports.toolchain(port, "gcc")
    return [f"build {d}/lib/libc.a {d}/lib/libm.a: newlib out/newlib/src.stamp | tools/newlib.sh",
            f"  src = out/newlib/src",
            f"  dir = {d}",
            f"  host = {port.NEWLIB_HOST}",
            f"  gcc = {gcc['cc']}",
            f"  ar = {port.GCC_PREFIX}ar",
            f"  ranlib = {port.GCC_PREFIX}ranlib",
            f"  cflags = {gcc['user_cflags']}",
            ""]


def libc_block(lines, cc, port, out, t, runtime):
    """The system layer and the programs linked with the C library."""
    d = newlib_dir(port)
    libc = f"{d}/lib/libc.a"
    cflags = t["libccflags"]

    def compile_all(srcs):
        objs = []
        for src in srcs:
            o = f"{out}/user/{src}.o"
            lines.append(f"build {o}: libccc {src} || {libc}")
            lines.append(f"  cc = {t['cc']}")
            lines.append(f"  cflags = {cflags}")
            lines.append(f"  libcinc = {d}/include")
            objs.append(o)
        return objs

    syslib = f"{out}/user/libkeelc.a"
    lines.append(f"build {syslib}: ar {' '.join(compile_all(LIBC_SOURCES))}")
    lines.append(f"  ar = {archiver(cc, port)}")
    crt0 = compile_all([LIBC_CRT0])[0]
    # The runtime's libraries come before newlib's: the shared lib/ code's
    # memcpy and friends are then the ones linked, never a second copy.
    libs = " ".join([syslib] + runtime + [libc, f"{d}/lib/libm.a"])
    elfs = {}
    for name, srcs in LIBC_PROGRAMS.items():
        elf = f"{out}/user/{name}.elf"
        lines.append(f"build {elf}: linklibc {crt0} {' '.join(compile_all(srcs))} "
                     f"| {libs} sdk/lib/user.ld")
        lines.append(f"  ld = {t['ld']}")
        lines.append(f"  ldflags = {t['user_ldflags']} "
                     f"--defsym=KEEL_LINK_BASE=0x{link_base(name):x}")
        lines.append(f"  ldscript = sdk/lib/user.ld")
        lines.append(f"  libs = {libs}")
        lines.append(f"  libgcc = {port.GCC_PREFIX}gcc")
        elfs[name] = elf
    return elfs


def host_block(all_ports):
    lines = ["# ---- host unit tests (ASan + UBSan) ----"]
    outs = []
    for dts in HOST_DTS:
        dtb = "out/host/" + os.path.basename(dts).replace(".dts", ".dtb")
        lines.append(f"build {dtb}: dtc {dts}")
        outs.append(dtb)
    tree_files = sorted(os.path.relpath(os.path.join(d, f), ROOT)
                        for d, _, fs in os.walk(os.path.join(ROOT, HOST_CPIO_TREE))
                        for f in fs)
    for out, fmt in HOST_CPIO.items():
        lines.append(f"build {out}: cpio | {' '.join(tree_files)}")
        lines.append(f"  tree = {HOST_CPIO_TREE}")
        lines.append(f"  format = {fmt}")
        outs.append(out)
    for name, (cc, flags) in host_elfs(all_ports).items():
        elf = f"out/host/elf/{name}.elf"
        lines.append(f"build {elf}: elfcc {HOST_ELF_SRC}")
        lines.append(f"  cc = {cc}")
        lines.append(f"  flags = {flags}")
        lines.append(f"build {elf}.txt: readelf {elf}")
        outs += [elf, f"{elf}.txt"]
    for name, (qemu, machine) in host_qemu_dtbs(all_ports).items():
        dtb = f"out/host/{name}.dtb"
        lines.append(f"build {dtb}: qemudtb")
        lines.append(f"  qemu = {qemu}")
        lines.append(f"  machine = {machine}")
        outs.append(dtb)
    for name, srcs in HOST_TESTS.items():
        exe = f"out/host/{name}"
        lines.append(f"build {exe}: hostcc tests/host/{name}.c {' '.join(srcs)}")
        if name in HOST_TEST_LDFLAGS:
            lines.append(f"  hostldflags = {HOST_TEST_LDFLAGS[name]}")
        outs.append(exe)
    for name, deps in HOST_PY_TESTS.items():
        exe = f"out/host/{name}"
        lines.append(f"build {exe}: pytest tests/host/{name}.py | tests/host/check.py "
                     f"{' '.join(deps)}")
        outs.append(exe)
    lines.append(f"build host: phony {' '.join(outs)}")
    lines.append("")
    return lines


def generate():
    all_ports = ports.load_all()
    portfiles = " ".join(f"arch/{p.DIR}/port.py" for p in all_ports)
    descs = " ".join(s.desc for s in SYSTEMS)
    # Keel's files in place of newlib's, every port's (NEWLIB_FILES).
    files = sorted(f for p in all_ports for f in p.NEWLIB_FILES.items())
    lines = [HEADER.replace("$portfiles", portfiles + " " + descs)
             .replace("NEWLIB_TARBALL_", NEWLIB_TARBALL)
             .replace("NEWLIB_FILE_DEPS_", " ".join(src for _, src in files))
             .replace("NEWLIB_FILE_ARGS_", " ".join(f"{dst}={src}" for dst, src in files))]
    for port in all_ports:
        lines += newlib_block(port)
    defaults = []
    for cc in COMPILERS:
        for port in all_ports:
            block, img = target_block(cc, port)
            lines += block
            defaults.append(f"{cc}-{port.ISA}")
    lines += host_block(all_ports)
    for out, src in sorted({f for files in BOOT_FILES.values() for f in files if f[0] != f[1]}):
        inputs = sorted(os.path.relpath(os.path.join(d, f), ROOT)
                        for d, _, fs in os.walk(os.path.join(ROOT, src)) for f in fs)
        lines.append(f"build {out}: mkdisk | tools/mkdisk.py {' '.join(inputs)}")
        lines.append(f"  dir = {src}")
    lines.append(f"build {PLUGIN}: hostso {PLUGIN_SRC}")
    lines.append(f"build plugin: phony {PLUGIN}")
    lines.append("")
    lines.append("build out/docs/doxygen.run: doxygen | docs/Doxyfile docs/Doxyfile.kernel")
    lines.append("build docs: phony out/docs/doxygen.run")
    lines.append("")
    lines.append(f"default host plugin {' '.join(defaults)}")
    return "\n".join(lines) + "\n"


# The SDK header that picks the ISA's system-call header by the compiler's
# predefined macros (each port.py's SDK_CONDITION), generated like build.ninja.
SDK_ISA_HEADER = "sdk/include/keel/arch/isa.h"


def sdk_isa_header(all_ports):
    lines = ["/**", " * @file keel/arch/isa.h",
             " * @brief Picks the ISA's system-call header for keel/syscall.h by the",
             " *        compiler's predefined macros.", " *",
             " * Generated by tools/configure.py from the ports' port.py files",
             " * (SDK_CONDITION): do not edit.", " */", "#pragma once", ""]
    for i, p in enumerate(all_ports):
        lines.append(f"#{'el' if i else ''}if {p.SDK_CONDITION}")
        lines.append(f"#include <keel/arch/{p.ISA}/syscall.h>")
    names = ", ".join(p.ISA for p in all_ports)
    lines += ["#else", f'#error "Keel supports {names}"', "#endif"]
    return "\n".join(lines) + "\n"


def main():
    all_ports = ports.load_all()
    outputs = {"build.ninja": generate(), SDK_ISA_HEADER: sdk_isa_header(all_ports)}
    for name, text in outputs.items():
        path = os.path.join(ROOT, name)
        if "--check" in sys.argv:
            with open(path) as f:
                if f.read() != text:
                    print(f"{name} is stale: run python3 tools/configure.py")
                    return 1
            continue
        # An unchanged keel/arch/isa.h keeps its time: rewritten, it made
        # ninja rebuild every compile (all include it) after each ./keel
        # command, which runs this first.  build.ninja is always written:
        # ninja's regeneration wants it newer than its inputs.
        if name == SDK_ISA_HEADER and os.path.exists(path):
            with open(path) as f:
                if f.read() == text:
                    continue
        with open(path, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
