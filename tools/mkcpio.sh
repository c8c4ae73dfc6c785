#!/bin/sh
# mkcpio.sh OUT FILE...: pack each FILE, named by its base name without
# ".elf", into the cpio newc archive OUT (the boot image given to -initrd).
set -e
out=$1
shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for f in "$@"; do
    cp "$f" "$dir/$(basename "$f" .elf)"
done
(cd "$dir" && ls | cpio -o -H newc --quiet) > "$out"
