#!/bin/sh
# Build newlib (libc.a, libm.a and headers) for one ISA from the sources in
# Debian's newlib-source package, into out/newlib/<isa>/{include,lib}.
#
#   tools/newlib.sh SRC OUT HOST CC AR RANLIB CFLAGS
#
# SRC is the unpacked source tree (tools/newlib-src.sh), OUT the install
# folder, HOST newlib's host triple, CC/AR/RANLIB the target's GCC tools,
# CFLAGS the ISA's user ABI flags.  The compiler sees only its own headers
# (-nostdinc): never the build machine's C library.  Newlib is configured
# without its own system calls: sdk/libc/ supplies them (Keel's system layer).
# One build serves both compilers: the ABI is the ISA's, whoever compiles.
# newlib's configure.host defines MISSING_SYSCALL_NAMES for most bare
# targets (it then calls write, sbrk, ... instead of _write, _sbrk, ...);
# -U after it makes every ISA call the same underscore names.  The source
# and build folders are renamed "newlib" in __FILE__ (assert) and the debug
# information: the installed SDK names no path of the build machine.
set -eu
src=$1 out=$2 host=$3 cc=$4 ar=$5 ranlib=$6 cflags=$7
build="$out.build"
rm -rf "$build" "$out"
mkdir -p "$build"
gccinc=$($cc -print-file-name=include)
cd "$build"
"$src/newlib/configure" --host="$host" --build="$(uname -m)-pc-linux-gnu" \
    --prefix=/ --disable-multilib --disable-newlib-supplied-syscalls \
    --enable-newlib-io-long-long --enable-newlib-io-c99-formats \
    --disable-newlib-multithread --enable-newlib-nano-malloc \
    --enable-lite-exit --enable-newlib-global-atexit \
    CC="$cc -nostdinc -isystem $gccinc" AR="$ar" RANLIB="$ranlib" \
    CFLAGS="-O2 -g -ffunction-sections -fdata-sections -UMISSING_SYSCALL_NAMES \
            -ffile-prefix-map=$src=newlib -ffile-prefix-map=$build=newlib $cflags" > configure.log 2>&1 ||
    { tail -30 configure.log; exit 1; }
make -j2 > make.log 2>&1 || { tail -40 make.log; exit 1; }
make install DESTDIR="$build/inst" > install.log 2>&1 || { tail -20 install.log; exit 1; }
mkdir -p "$out"
mv "$build/inst/$host/include" "$build/inst/$host/lib" "$out/"
cd / && rm -rf "$build"
