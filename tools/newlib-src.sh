#!/bin/sh
# Unpack Debian's newlib-source (newlib 3.3.0) into DIR, once per build tree,
# and put Keel's own files where newlib has none that fits:
#  - each NEWLIB_PATH=FILE argument: the ports' NEWLIB_FILES (port.py), e.g.
#    Keel's ppc64 ELFv2 setjmp.S for newlib's 32-bit-only PowerPC one, and
#    x86-64's setjmp.S whose longjmp(env, 0) returns 1 (C11 7.13.2.1).
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
touch "$stamp"
