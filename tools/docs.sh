#!/bin/sh
# Build the API documentation with Doxygen into out/docs; any warning fails.
set -e
mkdir -p out/docs
doxygen docs/Doxyfile > out/docs/doxygen.log 2> out/docs/warnings.log || {
    cat out/docs/warnings.log; exit 1; }
if [ -s out/docs/warnings.log ]; then
    cat out/docs/warnings.log
    exit 1
fi
echo "docs: out/docs/html/index.html"
