#!/usr/bin/env python3
"""Install the Keel SDK: a relocatable tree for every target, with no path
into the repository in it (./keel sdk --prefix DIR calls install()).

    DIR/bin/keel-cc           compiler driver: keel-cc --target ISA [--cc gcc|clang] ...
    DIR/bin/keel-pack         packs components into a boot image (cpio newc)
    DIR/bin/keel-run          boots a boot image on the ISA's QEMU machine
    DIR/share/keel/           targets.json (flags, tools, machines), keelboot.py,
                              mkdisk.py (keel-pack --file NAME=FOLDER)
    DIR/share/doc/keel/       the SDK guides (sdk.md, debugging.md, system.md)
    DIR/<isa>/include/        the SDK headers (keel/..., only the ISA's arch/)
    DIR/<isa>/lib/user.ld     the components' link script
    DIR/<isa>/lib/<cc>/       libkeel.a (runtime, crt0) and libkeelbase.a (lib/);
                              libkeelc.a (the C library's system layer) and
                              crt0-libc.o (its start-up, which ends in exit())
    DIR/<isa>/lib/pkgconfig/  keel.pc (GCC), keel-clang.pc (Clang)
    DIR/<isa>/cmake/          toolchain-gcc.cmake, toolchain-clang.cmake
    DIR/<isa>/boot/<cc>/      keel.img (what QEMU boots), keel.elf (symbols, for
                              gdb), root.elf (the root task keel-pack adds), the
                              SDK's servers names.elf, console.elf and block.elf
                              (added by keel-pack when a system description
                              names them)
    DIR/<isa>/newlib/         the C library: newlib's include/, lib/libc.a,
                              lib/libm.a (out/newlib/<isa>/, tools/newlib.sh)
                              and the cross GCC's libgcc.a (soft long double)

The installed libraries and kernels keep their symbols but not their debug
line information, whose compile directories name the repository.
Python 3 standard library only.
"""
import json
import os
import shutil
import stat
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import ports  # noqa: E402
from keelboot import Machine  # noqa: E402

COMPILERS = ("gcc", "clang")
# Flags keel-cc adds to every compile, beside the port's USER_CFLAGS (and
# the headers: -nostdinc, then the compiler's own stddef.h, stdint.h, ...,
# newlib's and the SDK's, never the host's).
SDK_CFLAGS = ["-fno-common", "-fno-stack-protector"]
# Link flags (before the objects) of every component: static, no host start
# files or libraries, pages of different rights apart, no build-id note.
SDK_LDFLAGS = ["-nostdlib", "-static", "-Wl,-z,max-page-size=4096", "-Wl,-z,norelro",
               "-Wl,--build-id=none", "-Wl,-z,noexecstack"]
BINS = ("keel-cc", "keel-pack", "keel-run")
# What a component links, in this order: the runtime's libraries (the shared
# lib/ code's memcpy and friends come before newlib's), then the C library.
RUNTIME_LIBS = ("libkeelc.a", "libkeel.a", "libkeelbase.a")
NEWLIB_LIBS = ("libc.a", "libm.a", "libgcc.a")
DOCS = ("docs/sdk.md", "docs/debugging.md", "docs/system.md", "docs/libc.md")
# The SDK's servers (sdk/servers/) installed beside the root task.
SDK_SERVERS = ("names", "console", "block")
NEWLIB = os.path.join(ROOT, "out", "newlib")   # out/newlib/<isa>/{include,lib}


def out_dir(cc, port):
    return os.path.join(ROOT, "out", cc, port.ISA)


def needed_targets(isas=None, ccs=COMPILERS):
    """The ninja targets install() copies from."""
    return [f"{cc}-{p.ISA}" for cc in ccs for p in ports.load_all()
            if isas is None or p.ISA in isas]


def compiler(port, cc):
    """(compiler command, user flags, archiver, objcopy) of a target."""
    t = port.toolchain(cc)
    ar = f"{port.GCC_PREFIX}ar" if cc == "gcc" else "llvm-ar-14"
    return t["cc"].split(), t["user_cflags"].split(), ar, t["objcopy"]


def link_flags(port, cc):
    """What a link adds to SDK_LDFLAGS: GCC makes no PIE; Clang links with
    LLD, told the Linux triple of the port's cross GCC, whose toolchain
    passes LLD the right emulation (for a bare "-none" triple some ports'
    Clang would link through the host's gcc)."""
    port_flags = [f"-Wl,{f}" for f in port.USER_LDFLAGS.split()]
    if cc == "gcc":
        return ["-no-pie"] + port_flags
    return ["-fuse-ld=lld", f"--target={port.GCC_PREFIX.rstrip('-')}"] + port_flags


def compiler_include(cmd):
    """The compiler's own header folder (stddef.h, stdint.h, stdarg.h, ...):
    a component sees it and the SDK's headers, never the host's."""
    if "clang" in os.path.basename(cmd[0]):
        r = subprocess.run(cmd + ["-print-resource-dir"], stdout=subprocess.PIPE, text=True,
                           check=True)
        return os.path.join(r.stdout.strip(), "include")
    r = subprocess.run(cmd + ["-print-file-name=include"], stdout=subprocess.PIPE, text=True,
                       check=True)
    return r.stdout.strip()


def copy(src, dst, mode=0o644):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst)
    os.chmod(dst, mode)


def strip_copy(objcopy, src, dst):
    """src without its debug sections (they name the build directory)."""
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    subprocess.run([objcopy, "--strip-debug", src, dst], check=True)
    os.chmod(dst, 0o644)


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def pkgconfig(isa, cc, cmd, cflags, ccinclude, ldflags):
    """keel.pc (GCC) or keel-clang.pc: the flags keel-cc adds, for builds that
    call the cross compiler themselves; ${prefix} is this file's SDK tree,
    found by pkg-config from the file's own place (pcfiledir)."""
    return f"""# Keel SDK for {isa}, {cc}: pkg-config --cflags --libs {'keel' if cc == 'gcc' else 'keel-clang'}
# Compile and link with the compiler in the variable cc (pkg-config --variable=cc).
prefix=${{pcfiledir}}/../..
includedir=${{prefix}}/include
libdir=${{prefix}}/lib
cc={' '.join(cmd)}
ldscript=${{libdir}}/user.ld

Name: keel{'' if cc == 'gcc' else '-clang'}
Description: Keel microkernel SDK, {isa} components built with {cc}
Version: 0.1
Cflags: {' '.join(cflags + SDK_CFLAGS)} -nostdinc -isystem {ccinclude} -isystem ${{prefix}}/newlib/include -I${{includedir}}
Libs: {' '.join(ldflags)} -Wl,-T,${{ldscript}} ${{libdir}}/{cc}/crt0-libc.o -Wl,--start-group {' '.join('${libdir}/' + cc + '/' + x for x in RUNTIME_LIBS)} {' '.join('${prefix}/newlib/lib/' + x for x in NEWLIB_LIBS)} -Wl,--end-group
"""


def cmake_toolchain(isa, cc, ar, objcopy):
    return f"""# CMake toolchain file: Keel components for {isa}, built with {cc}.
#   cmake -DCMAKE_TOOLCHAIN_FILE=<sdk>/{isa}/cmake/toolchain-{cc}.cmake ...
# The compiler is the SDK's driver keel-cc, which adds the target's flags,
# headers, start-up code, libraries, link script and link address.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR {isa})
get_filename_component(KEEL_SDK "${{CMAKE_CURRENT_LIST_DIR}}/../.." ABSOLUTE)
set(KEEL_TARGET {isa})
set(KEEL_CC {cc})
set(CMAKE_C_COMPILER "${{KEEL_SDK}}/bin/keel-cc")
set(CMAKE_ASM_COMPILER "${{KEEL_SDK}}/bin/keel-cc")
set(CMAKE_C_FLAGS_INIT "--target={isa} --cc={cc}")
set(CMAKE_ASM_FLAGS_INIT "--target={isa} --cc={cc}")
set(CMAKE_AR {ar} CACHE FILEPATH "archiver")
set(CMAKE_OBJCOPY {objcopy} CACHE FILEPATH "objcopy")
set(CMAKE_EXECUTABLE_SUFFIX_C .elf)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH "${{KEEL_SDK}}/{isa}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
"""


def copy_headers(port, dst):
    """sdk/include with only this ISA's keel/arch/ folder."""
    src = os.path.join(ROOT, "sdk", "include")
    for d, dirs, files in os.walk(src):
        rel = os.path.relpath(d, src)
        if rel == os.path.join("keel", "arch"):
            dirs[:] = [x for x in dirs if x == port.ISA]
        for f in files:
            copy(os.path.join(d, f), os.path.join(dst, rel, f))


def install(prefix, isas=None, ccs=COMPILERS, say=print):
    """Install the SDK for every port (or those in isas) and compiler in ccs
    into prefix (a fresh or earlier SDK tree); the build must be done."""
    prefix = os.path.abspath(prefix)
    if os.path.commonpath([prefix, ROOT]) == ROOT and not prefix.startswith(
            os.path.join(ROOT, "out") + os.sep):
        raise SystemExit(f"keel sdk: {prefix} is inside the repository; "
                         "install elsewhere (or under out/)")
    targets = {}
    for port in ports.load_all():
        if isas is not None and port.ISA not in isas:
            continue
        base = os.path.join(prefix, port.ISA)
        copy_headers(port, os.path.join(base, "include"))
        copy(os.path.join(ROOT, "sdk", "lib", "user.ld"), os.path.join(base, "lib", "user.ld"))
        facts = {"machine": Machine.facts(port), "compilers": {}}
        for cc in ccs:
            cmd, cflags, ar, objcopy = compiler(port, cc)
            out = out_dir(cc, port)
            for lib in ("libkeel.a", "libkeelbase.a", "libkeelc.a"):
                strip_copy(objcopy, os.path.join(out, "user", lib),
                           os.path.join(base, "lib", cc, lib))
            strip_copy(objcopy, os.path.join(out, "user", "sdk", "libc", "crt0.c.o"),
                       os.path.join(base, "lib", cc, "crt0-libc.o"))
            boot = os.path.join(base, "boot", cc)
            copy(os.path.join(out, "keel.img"), os.path.join(boot, "keel.img"))
            strip_copy(objcopy, os.path.join(out, "keel.elf"), os.path.join(boot, "keel.elf"))
            for prog in ("root",) + SDK_SERVERS:
                strip_copy(objcopy, os.path.join(out, "user", f"{prog}.elf"),
                           os.path.join(boot, f"{prog}.elf"))
            ccinclude = compiler_include(cmd)
            pc = "keel.pc" if cc == "gcc" else "keel-clang.pc"
            write(os.path.join(base, "lib", "pkgconfig", pc),
                  pkgconfig(port.ISA, cc, cmd, cflags, ccinclude,
                            SDK_LDFLAGS + link_flags(port, cc)))
            write(os.path.join(base, "cmake", f"toolchain-{cc}.cmake"),
                  cmake_toolchain(port.ISA, cc, ar, objcopy))
            facts["compilers"][cc] = {"cc": cmd, "cflags": cflags + SDK_CFLAGS,
                                      "ccinclude": ccinclude,
                                      "ldflags": SDK_LDFLAGS + link_flags(port, cc), "ar": ar, "objcopy": objcopy,
                                      "objdump": f"{port.GCC_PREFIX}objdump"}
        # The C library: newlib's headers and libraries (without the debug
        # sections, which name the build folder), and libgcc from the cross
        # GCC (newlib was built with it: soft long double, for one).
        newlib = os.path.join(NEWLIB, port.ISA)
        shutil.copytree(os.path.join(newlib, "include"), os.path.join(base, "newlib", "include"),
                        dirs_exist_ok=True)
        gnu_objcopy = f"{port.GCC_PREFIX}objcopy"
        for lib in ("libc.a", "libm.a"):
            strip_copy(gnu_objcopy, os.path.join(newlib, "lib", lib),
                       os.path.join(base, "newlib", "lib", lib))
        libgcc = subprocess.run([f"{port.GCC_PREFIX}gcc", "-print-libgcc-file-name"],
                                stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
        copy(libgcc, os.path.join(base, "newlib", "lib", "libgcc.a"))
        targets[port.ISA] = facts
    share = os.path.join(prefix, "share", "keel")
    old = os.path.join(share, "targets.json")
    if os.path.exists(old):     # keep the targets of an earlier, wider install
        with open(old) as f:
            targets = dict(json.load(f), **targets)
    write(old, json.dumps(targets, indent=1, sort_keys=True) + "\n")
    copy(os.path.join(ROOT, "tools", "keelboot.py"), os.path.join(share, "keelboot.py"))
    copy(os.path.join(ROOT, "tools", "mkdisk.py"), os.path.join(share, "mkdisk.py"))
    for b in BINS:
        copy(os.path.join(ROOT, "tools", "sdk", b), os.path.join(prefix, "bin", b),
             0o755 | stat.S_IRUSR)
    for doc in DOCS:
        copy(os.path.join(ROOT, doc), os.path.join(prefix, "share", "doc", "keel",
                                                   os.path.basename(doc)))
    say(f"sdk: installed {', '.join(sorted(targets))} ({', '.join(ccs)}) into {prefix}")
    return prefix


def repo_paths(prefix):
    """Installed files that name the repository (there must be none)."""
    needle = ROOT.encode()
    found = []
    for d, _, files in os.walk(prefix):
        for f in files:
            path = os.path.join(d, f)
            with open(path, "rb") as fh:
                if needle in fh.read():
                    found.append(os.path.relpath(path, prefix))
    return found
