#!/usr/bin/env python3
"""mkdisk.py OUT DIR: pack the files of DIR into the disk image OUT, the
trivial format the sample guest reads through its virtual block device
(samples/guest/virtio.h): 512-byte sectors; sector 0 a directory, "KEELDISK",
the number of files (32 bits), the number of spare sectors (32 bits), then
one 32-byte entry per file (its name, NUL-padded to 24 bytes, its first
sector and its size, both 32 bits, little-endian); each file's bytes from
its first sector on, the last one zero-padded; then SPARE zeroed sectors,
the disk's last, free for a guest to write (the block server keeps what
is written in memory: the boot image is read-only).  Standard library
only."""
import os
import struct
import sys

SECTOR = 512
NAME = 24
MAX_FILES = (SECTOR - 16) // 32
SPARE = 8


def image(folder):
    names = sorted(n for n in os.listdir(folder) if os.path.isfile(os.path.join(folder, n)))
    if len(names) > MAX_FILES:
        raise SystemExit(f"mkdisk: {folder}: more than {MAX_FILES} files")
    head = bytearray(b"KEELDISK" + struct.pack("<II", len(names), SPARE))
    data = bytearray()
    for n in names:
        if len(n.encode()) >= NAME:
            raise SystemExit(f"mkdisk: {n}: name longer than {NAME - 1} bytes")
        with open(os.path.join(folder, n), "rb") as f:
            body = f.read()
        first = 1 + len(data) // SECTOR
        head += n.encode().ljust(NAME, b"\0") + struct.pack("<II", first, len(body))
        data += body + b"\0" * (-len(body) % SECTOR)
    return bytes(head.ljust(SECTOR, b"\0") + data + b"\0" * (SPARE * SECTOR))


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: mkdisk.py OUT DIR")
    out, folder = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with open(out, "wb") as f:
        f.write(image(folder))


if __name__ == "__main__":
    main()
