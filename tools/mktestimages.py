#!/usr/bin/env python3
"""Bad boot images for the harness (./keel test), made from good programs.

    mktestimages.py OUTDIR ROOT BADROOT ECHO_CLIENT STRAY

ROOT is the root task's ELF file, BADROOT a root task that faults,
ECHO_CLIENT the client of root's echo service, STRAY any other program.
Writes into OUTDIR (names are the harness's, see IMAGES and ELF_KINDS):

    empty.img            0 bytes
    garbage.img          not a cpio archive
    no-root.cpio         a cpio without "root"
    badroot.cpio         "root" faults at once
    roothang.cpio        "root" waits for a message no one can send
    desc-<kind>.cpio     root and a system description it must refuse (DESC_KINDS)
    elf-<kind>.cpio      "root" is ROOT spoilt in one way (ELF_KINDS)

Deterministic: the same inputs give the same bytes (cpio mtime 0, no
randomness), so ninja rebuilds only when a program changes.
"""
import os
import struct
import sys

USER_BASE = 0x80_0000_0000      # the kernel's user space starts here (docs/design.md)
PT_LOAD = 1


def cpio(members):
    """A cpio newc archive (magic 070701) of (name, data) regular files."""
    out = bytearray()

    def member(ino, name, data, mode):
        name_b = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0]
        out.extend(b"070701" + b"".join(b"%08x" % f for f in fields) + name_b)
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))

    for ino, (name, data) in enumerate(members, 1):
        member(ino, name, data, 0o100755)
    member(0, "TRAILER!!!", b"", 0)
    out.extend(b"\0" * (-len(out) % 512))
    return bytes(out)


def phdrs(elf):
    """Offsets of the program headers of an ELF64 LE file."""
    phoff, = struct.unpack_from("<Q", elf, 32)
    phentsize, phnum = struct.unpack_from("<HH", elf, 54)
    return [phoff + i * phentsize for i in range(phnum)]


def loads(elf):
    return [p for p in phdrs(elf) if struct.unpack_from("<I", elf, p)[0] == PT_LOAD]


def put(elf, off, fmt, value):
    struct.pack_into(fmt, elf, off, value)


def below_user_space(elf):
    """Every segment and the entry moved down by USER_BASE: a kernel address."""
    put(elf, 24, "<Q", struct.unpack_from("<Q", elf, 24)[0] - USER_BASE)
    for p in loads(elf):
        for field in (16, 24):              # p_vaddr, p_paddr
            put(elf, p + field, "<Q", struct.unpack_from("<Q", elf, p + field)[0] - USER_BASE)


def huge_filesz(elf):
    """The first segment claims 1 TiB of file (and memory)."""
    p = loads(elf)[0]
    put(elf, p + 32, "<Q", 1 << 40)
    put(elf, p + 40, "<Q", 1 << 40)


# Spoilt root programs: kind -> how.  The message the kernel must print for
# each is in ./keel (BAD_ROOT_ELFS).
ELF_KINDS = {
    "magic": lambda e: put(e, 1, "<B", ord("e")),
    "machine": lambda e: put(e, 18, "<H", 0),
    "phoff": lambda e: put(e, 32, "<Q", 0xFFFF_FFFF_FFFF_0000),
    "phnum": lambda e: put(e, 56, "<H", 0xFFF0),
    "filesz": huge_filesz,
    "vaddr": below_user_space,
    "entry": lambda e: put(e, 24, "<Q", 0),
    "empty": None,                          # a root of 0 bytes
}


def spoilt(root, kind):
    if ELF_KINDS[kind] is None:
        return b""
    elf = bytearray(root)
    ELF_KINDS[kind](elf)
    return bytes(elf)


# System descriptions the root task must refuse: kind -> (description or
# None for none, extra boot modules by role).  What root must say of each is
# in ./keel (BAD_DESCS).
DESC_KINDS = {
    "missing": (None, [("hello", "stray")]),
    "malformed": ("# root refuses each line below, naming it\n"
                  "hello     quota=lots\n"
                  "hello     daemon\n"
                  "ghost     colour=blue prio=500\n"
                  "a-name-that-is-far-too-long-for-root-to-take\n",
                  [("hello", "stray")]),
    "services": ("echo-client  uses=echo file=nodisk file=again cap=thread:ghost "
                 "cap=thread:echo-client register cap=irq-control@54\n",
                 [("echo-client", "echo_client"), ("stray", "stray")]),
    "cycle": ("a  serves=x uses=y\nb  serves=y uses=x\n", [("a", "stray"), ("b", "stray")]),
}

FIXED = ["empty.img", "garbage.img", "no-root.cpio", "badroot.cpio", "roothang.cpio"]


def images(root, badroot, echo_client, stray):
    """Output file name -> contents (the names of outputs())."""
    out = {
        "empty.img": b"",
        "garbage.img": b"this is not a cpio archive\n" * 40,
        "no-root.cpio": cpio([("hello", stray)]),
        "badroot.cpio": cpio([("root", badroot)]),
        "roothang.cpio": cpio([("root", badroot), ("hang", b"")]),
    }
    roles = {"echo_client": echo_client, "stray": stray}
    for kind, (desc, members) in DESC_KINDS.items():
        files = [("root", root)] + [(name, roles[role]) for name, role in members]
        if desc is not None:
            files.append(("system.desc", desc.encode()))
        out[f"desc-{kind}.cpio"] = cpio(files)
    for kind in ELF_KINDS:
        out[f"elf-{kind}.cpio"] = cpio([("root", spoilt(root, kind))])
    return out


def outputs():
    """The files main() writes, for tools/configure.py."""
    return (FIXED + [f"desc-{kind}.cpio" for kind in DESC_KINDS] +
            [f"elf-{kind}.cpio" for kind in ELF_KINDS])


def main(argv):
    if len(argv) != 6:
        sys.exit(__doc__)
    outdir = argv[1]
    progs = []
    for path in argv[2:]:
        with open(path, "rb") as f:
            progs.append(f.read())
    os.makedirs(outdir, exist_ok=True)
    made = images(*progs)
    assert list(made) == outputs()
    for name, data in made.items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
