#!/bin/sh
# Unpack Debian's newlib-source (newlib 3.3.0) into DIR, once per build tree,
# and put Keel's own files where newlib has none that fits:
#  - each NEWLIB_PATH=FILE argument: the ports' NEWLIB_FILES (port.py), e.g.
#    Keel's ppc64 ELFv2 setjmp.S for newlib's 32-bit-only PowerPC one.
#  - libc/machine/x86_64/setjmp.S's longjmp(env, 0) makes setjmp return 0,
#    not 1 as C11 7.13.2.1 says (samples/libc checks it); one line is fixed.
#   tools/newlib-src.sh TARBALL DIR STAMP [NEWLIB_PATH=FILE ...]
set -eu
tarball=$1 dir=$2 stamp=$3
shift 3
rm -rf "$dir" "$dir.tmp"
mkdir -p "$dir.tmp"
tar -xf "$tarball" -C "$dir.tmp"
mv "$dir.tmp"/* "$dir"
rmdir "$dir.tmp"
for f in "$@"; do
    dst=${f%%=*} src=${f#*=}
    [ -e "$dir/$dst" ] || { echo "newlib-src.sh: newlib has no $dst to replace" >&2; exit 1; }
    cp "$src" "$dir/$dst"
done
x86=$dir/newlib/libc/machine/x86_64/setjmp.S
sed -i 's|^  movq    rsi, rax        /\* Return value \*/$|  movq    $1, rax\n  testq   rsi, rsi\n  cmovneq rsi, rax        /* Return value: val, 1 for 0 */|' "$x86"
grep -q 'cmovneq rsi, rax' "$x86" || { echo "newlib-src.sh: x86_64 setjmp.S not as expected" >&2; exit 1; }
touch "$stamp"
