"""Systems described as data: the folders that hold a system.desc.

A system is a folder under samples/ or tests/ holding a file system.desc
(docs/system.md): one line per program the root task starts.  The build
(tools/configure.py) packs each into a boot image out/<cc>/<isa>/<image>
with the root task, the description and every program it names; ./keel test
boots each one.  A program's sources are named on its line by src=
(relative to the folder), and libc links it with the C library, both read
by the build only; a program named without
src= is built elsewhere: in another system's folder, or an SDK server
(sdk/servers/<name>/*.c).  Adding a component means adding a folder.

Standard library only; imported by tools/configure.py and ./keel.
"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEARCHED = ("samples", "tests")
SERVERS = "sdk/servers"
DESC = "system.desc"
# Boot images known by these names since before systems were data (./keel
# demo, ./keel run test, the docs); every other system's image is
# <folder>.cpio.
IMAGE_ALIASES = {"demo": "boot.cpio", "ktest": "test.cpio", "ipcbench": "bench.cpio"}


class System:
    """One system.desc: its folder, boot image name, and programs in order,
    each (name, [sources relative to ROOT] or None, line number)."""

    def __init__(self, folder, programs, files=()):
        self.folder = folder
        # Boot-image files its lines name (file=NAME): [(name, source)], the
        # source NAME in the folder; a folder there is packed as a disk
        # image (tools/mkdisk.py).
        self.files = list(files)
        self.name = os.path.basename(folder)
        self.image = IMAGE_ALIASES.get(self.name, self.name + ".cpio")
        self.desc = os.path.join(folder, DESC)
        self.programs = programs

    def program_names(self):
        return [p[0] for p in self.programs]


def parse(folder, text):
    """The programs of a description: [(name, sources or None, line)].  Only
    what the build needs; the root task checks the rest on the target."""
    programs = []
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        srcs = None
        for w in words[1:]:
            if w.startswith("src="):
                srcs = [os.path.normpath(os.path.join(folder, s))
                        for s in w[len("src="):].split(",") if s]
        programs.append((words[0], srcs, number))
    return programs


def desc_files(folder, text):
    """The boot-image files a description's lines name (file=NAME, which the
    root task maps into the program): [(NAME, folder/NAME)]."""
    out = []
    for line in text.splitlines():
        for w in line.split("#", 1)[0].split()[1:]:
            if w.startswith("file=") and len(w) > len("file="):
                name = w[len("file="):]
                out.append((name, os.path.normpath(os.path.join(folder, name))))
    return out


def find(root=ROOT):
    """Every system under samples/ and tests/, sorted by folder."""
    found = []
    for top in SEARCHED:
        for d, subdirs, files in os.walk(os.path.join(root, top)):
            subdirs.sort()
            if DESC in files:
                folder = os.path.relpath(d, root)
                with open(os.path.join(d, DESC)) as f:
                    text = f.read()
                found.append(System(folder, parse(folder, text), desc_files(folder, text)))
    return sorted(found, key=lambda s: s.folder)


def libc_programs(root=ROOT):
    """Names of the programs some line links with the C library (its build
    option libc)."""
    names = set()
    for s in find(root):
        with open(os.path.join(root, s.desc)) as f:
            for line in f.read().splitlines():
                words = line.split("#", 1)[0].split()
                if words and "libc" in words[1:]:
                    names.add(words[0])
    return names


def servers(root=ROOT):
    """The SDK's servers: program name -> sources (sdk/servers/<name>/*.c)."""
    out = {}
    base = os.path.join(root, SERVERS)
    for name in sorted(os.listdir(base)):
        d = os.path.join(base, name)
        if os.path.isdir(d):
            srcs = sorted(f for f in os.listdir(d) if f.endswith(".c"))
            if srcs:
                out[name] = [f"{SERVERS}/{name}/{f}" for f in srcs]
    return out


def programs(root=ROOT):
    """Every program some system or the SDK defines: name -> sources.
    Raises ValueError when a name has two definitions or none."""
    defined = servers(root)
    where = {n: SERVERS for n in defined}
    systems = find(root)
    for s in systems:
        for name, srcs, line in s.programs:
            if srcs is None:
                continue
            if name in defined and defined[name] != srcs:
                raise ValueError(f"{s.desc}:{line}: program {name} is already built from "
                                 f"{where[name]}")
            defined[name] = srcs
            where[name] = f"{s.desc}:{line}"
    for s in systems:
        for name, _, line in s.programs:
            if name not in defined:
                raise ValueError(f"{s.desc}:{line}: no sources for program {name}: "
                                 "give it src= in one system")
    return defined
