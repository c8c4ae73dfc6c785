#!/usr/bin/env python3
"""Host test of tools/systems.py, the build's reader of system descriptions:
a folder with a system.desc is a system; src= names a program's sources
(relative to the folder), read once; a program named nowhere with sources,
or built from two different places, is refused; the repository's own
systems are all found, with the boot images ./keel and the docs name.
Run from the repository root (./keel test copies it to out/host/)."""
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests", "host"))
from check import check, finish  # noqa: E402
import systems  # noqa: E402


def write(root, path, text):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)


def test_parse():
    progs = systems.parse("samples/x", "# comment\n\n a  daemon src=a.c,b.c # tail\n"
                                       "b uses=a\n\tc\tsrc=../c.c\n")
    check("parse: names, sources and line numbers",
          progs == [("a", ["samples/x/a.c", "samples/x/b.c"], 3), ("b", None, 4),
                    ("c", ["samples/c.c"], 5)])
    check("parse: comments and blank lines only", systems.parse("f", "# x\n   \n") == [])
    check("desc_files: the boot-image files lines name (file=), from the folder",
          systems.desc_files("samples/x", "a file=disk # file=no\nb daemon file=../d.img\n"
                                          "c file=\n") ==
          [("disk", "samples/x/disk"), ("../d.img", "samples/d.img")])


def test_tree():
    with tempfile.TemporaryDirectory() as root:
        write(root, "sdk/servers/root/root.c", "")
        write(root, "sdk/servers/names/names.c", "")
        write(root, "samples/one/system.desc", "one src=one.c\nnames\n")
        write(root, "samples/two/system.desc", "one\ntwo src=two.c,more.c\n")
        write(root, "tests/deep/demo/system.desc", "two\n")
        found = systems.find(root)
        check("find: every folder with a system.desc, sorted",
              [s.folder for s in found] == ["samples/one", "samples/two", "tests/deep/demo"])
        check("find: image names (and the demo's alias)",
              [s.image for s in found] == ["one.cpio", "two.cpio", "boot.cpio"])
        progs = systems.programs(root)
        check("programs: SDK servers and src= lines",
              progs == {"root": ["sdk/servers/root/root.c"],
                        "names": ["sdk/servers/names/names.c"],
                        "one": ["samples/one/one.c"],
                        "two": ["samples/two/two.c", "samples/two/more.c"]})
        write(root, "samples/three/system.desc", "ghost\n")
        try:
            systems.programs(root)
            check("a program with no sources anywhere is refused", False)
        except ValueError as e:
            check("a program with no sources anywhere is refused, naming the line",
                  "samples/three/system.desc:1" in str(e) and "ghost" in str(e))
        write(root, "samples/three/system.desc", "one src=other.c\n")
        try:
            systems.programs(root)
            check("a program built from two places is refused", False)
        except ValueError as e:
            check("a program built from two places is refused, naming the line",
                  "samples/three/system.desc:1" in str(e))


def test_repository():
    found = {s.name: s for s in systems.find()}
    check("the repository's systems are found",
          {"demo", "ktest", "ipcbench", "hello", "pingpong", "names", "kvstore",
           "contain"} <= set(found))
    check("the images ./keel knows by name",
          found["demo"].image == "boot.cpio" and found["ktest"].image == "test.cpio" and
          found["ipcbench"].image == "bench.cpio")
    check("the guest's disk image is made of its folder disk/",
          found["guest"].files == [("disk", "samples/guest/disk")])
    progs = systems.programs()
    check("every program has sources that exist",
          all(os.path.isfile(os.path.join(ROOT, src)) for srcs in progs.values()
              for src in srcs))


test_parse()
test_tree()
test_repository()
finish("test_systems")
