#!/bin/sh
# Build the documentation with Doxygen into out/docs: the guide and SDK
# reference (docs/Doxyfile) and, apart, the kernel internals
# (docs/Doxyfile.kernel).  Any warning fails.
set -e
mkdir -p out/docs
for conf in docs/Doxyfile docs/Doxyfile.kernel; do
    log=out/docs/$(basename "$conf").warnings
    doxygen "$conf" > out/docs/doxygen.log 2> "$log" || { cat "$log"; exit 1; }
    if [ -s "$log" ]; then
        cat "$log"
        exit 1
    fi
done
echo "docs: out/docs/html/index.html (guide and SDK reference), out/docs/kernel/html/index.html (kernel internals)"
