#!/bin/sh
# Unpack Debian's newlib-source (newlib 3.3.0) into DIR, once per build tree,
# and put Keel's own files where newlib has none that fits:
#  - libc/machine/powerpc/setjmp.S is 32-bit PowerPC only; Keel's ppc64
#    ELFv2 setjmp/longjmp (sdk/libc/arch/ppc64le/setjmp.S) replaces it.
#  - libc/machine/x86_64/setjmp.S's longjmp(env, 0) makes setjmp return 0,
#    not 1 as C11 7.13.2.1 says (samples/libc checks it); one line is fixed.
#   tools/newlib-src.sh TARBALL DIR STAMP SETJMP_PPC64
set -eu
tarball=$1 dir=$2 stamp=$3 setjmp_ppc64=$4
rm -rf "$dir" "$dir.tmp"
mkdir -p "$dir.tmp"
tar -xf "$tarball" -C "$dir.tmp"
mv "$dir.tmp"/* "$dir"
rmdir "$dir.tmp"
cp "$setjmp_ppc64" "$dir/newlib/libc/machine/powerpc/setjmp.S"
x86=$dir/newlib/libc/machine/x86_64/setjmp.S
sed -i 's|^  movq    rsi, rax        /\* Return value \*/$|  movq    $1, rax\n  testq   rsi, rsi\n  cmovneq rsi, rax        /* Return value: val, 1 for 0 */|' "$x86"
grep -q 'cmovneq rsi, rax' "$x86" || { echo "newlib-src.sh: x86_64 setjmp.S not as expected" >&2; exit 1; }
touch "$stamp"
