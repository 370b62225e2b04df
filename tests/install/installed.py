"""Helpers for the install tests: the build under test, an install of it
into a temporary root, and what its man pages say.

$FLIPDNS_BUILD is the build directory (ctest sets it), $FLIPDNS_SOURCE
the source tree.  Nothing is ever installed outside a temporary root:
installs use DESTDIR (or dpkg --root).
"""

import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.environ.get("FLIPDNS_SOURCE",
                                        os.path.join(HERE, "../..")))
BUILD = os.path.abspath(os.environ.get("FLIPDNS_BUILD",
                                       os.path.join(SOURCE, "build")))
PAGES = ["man8/flipdnsd.8", "man8/flipctl.8", "man5/flipdns.yaml.5"]


def cache(build, name):
    """A variable of build's CMakeCache.txt."""
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split("=", 1)[1].strip()
    raise KeyError(name)


def run(*cmd, check=True, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True,
                       text=True, timeout=600, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s: exit %d\nstdout: %s\nstderr: %s" % (
            " ".join(map(str, cmd)), r.returncode, r.stdout, r.stderr))
    return r


def render(page):
    """A man page as text, without overstrike."""
    out = run("mandoc", "-Tascii", "-Owidth=200", page).stdout
    return re.sub(".\b", "", out)


def section(text, name):
    """The body of section NAME of a rendered page."""
    m = re.search(r"^%s\n(.*?)(?=^\S)" % re.escape(name), text,
                  re.M | re.S)
    assert m, "no %s section" % name
    return m.group(1)


def files_named(root, mandir):
    """Absolute paths in the FILES sections of the pages under root."""
    paths = set()
    for page in PAGES:
        body = section(render(root + mandir + "/" + page), "FILES")
        paths.update(re.findall(r"(/[\w./+-]+\w)", body))
    return paths


def verify_unit(root, unit, prefixes):
    """systemd-analyze verify on a copy of the unit at root+unit with its
    paths under prefixes moved into root, and man pages found in root (it
    checks Documentation= too).  systemd need not run: verify is offline.
    Returns (exit status, messages)."""
    with open(root + unit) as f:
        text = f.read()
    for p in prefixes:
        text = text.replace(" " + p, " " + root + p).replace(
            "=" + p, "=" + root + p).replace("=+" + p, "=+" + root + p)
    copy = os.path.join(os.path.dirname(root.rstrip("/")),
                        "verify-" + os.path.basename(unit))
    with open(copy, "w") as f:
        f.write(text)
    env = dict(os.environ, MANPATH=root + "/usr/share/man:" + root +
               "/usr/local/share/man")
    r = run("systemd-analyze", "verify", copy, check=False, env=env)
    return r.returncode, r.stdout + r.stderr
