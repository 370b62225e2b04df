"""The Debian package: `cpack -G DEB` from a tree configured for
installing, then installed into a temporary root with dpkg.

Rules (README "Installing"; flipdnsd(8) FILES and SYSTEMD):
  - the package depends on exactly the libraries flipdnsd and flipctl
    link (libevent, lmdb, libyaml, jansson, libsystemd, libc) and on what
    its postinst makes the user with, not on ldns (only the tests use it);
  - it installs into a root of its own (dpkg --root, the maintainer
    scripts outside a chroot, as DPKG_ROOT says), every file where the
    man pages say, the configuration a conffile;
  - its postinst creates the flipdns system user (systemd-sysusers), and
    running it again (reinstall, upgrade) creates nothing more;
  - the programs in it default to the installed paths (/etc/flipdns/
    flipdns.yaml, /run/flipdns/control.sock);
  - its unit verifies and its man pages lint clean.

Needs root for dpkg; the package build takes a few seconds at -j2.
"""

import glob
import os
import re

import pytest

from installed import (PAGES, SOURCE, files_named, run, verify_unit)

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="dpkg --root needs root")


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    build = str(tmp_path_factory.mktemp("build-deb"))
    run("cmake", "-S", SOURCE, "-B", build, "-DCMAKE_INSTALL_PREFIX=/usr",
        "-DFLIPDNS_SYSTEM_DEFAULTS=ON", "-DBUILD_TESTING=OFF",
        "-DCMAKE_BUILD_TYPE=RelWithDebInfo")
    run("cmake", "--build", build, "-j2")
    run("cpack", "-G", "DEB", cwd=build)
    debs = glob.glob(os.path.join(build, "flipdns_*.deb"))
    assert len(debs) == 1, debs
    return debs[0]


def dpkg_install(root, deb):
    return run("dpkg", "--root=" + root, "--force-script-chrootless",
               "--force-depends", "--log=/dev/null", "-i", deb)


@pytest.fixture(scope="module")
def root(deb, tmp_path_factory):
    root = str(tmp_path_factory.mktemp("root"))
    for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "etc"):
        os.makedirs(os.path.join(root, d))
    open(os.path.join(root, "var/lib/dpkg/status"), "w").close()
    dpkg_install(root, deb)
    return root


def test_depends_on_what_is_linked(deb):
    depends = run("dpkg-deb", "-f", deb, "Depends").stdout.strip()
    names = sorted(re.sub(r"\s*\(.*?\)", "", d).strip()
                   for d in depends.split(","))
    assert names == sorted([
        "systemd | adduser", "libc6", "libcurl4",  # libcurl: health probes
        "libevent-2.1-7",
        "libevent-openssl-2.1-7",   # HTTPS for the HTTP API
        "libevent-pthreads-2.1-7", "libjansson4", "liblmdb0",
        "libssl3",                  # token hashes, TLS, TSIG, webhooks
        "libsystemd0", "libyaml-0-2"]), depends


def test_files_where_the_man_pages_say(root, deb):
    named = files_named(root, "/usr/share/man")
    shipped = set()
    for line in run("dpkg-deb", "-c", deb).stdout.splitlines():
        path = line.split()[-1].lstrip(".")
        if not line.startswith("d"):
            shipped.add(path)
    assert shipped, "empty package"
    for path in shipped:
        assert os.path.isfile(root + path), path
        assert path in named, "%s shipped but in no FILES section" % path
    for path in named:
        if not path.startswith(("/var/lib/flipdns/", "/run/flipdns/")):
            assert path in shipped, "%s named in FILES, not shipped" % path
    for path in ("/usr/sbin/flipdnsd", "/usr/bin/flipctl",
                 "/etc/flipdns/flipdns.yaml", "/usr/share/man/man8/flipdnsd.8",
                 "/usr/share/bash-completion/completions/flipctl"):
        assert path in shipped, path
    with open(root + "/var/lib/dpkg/info/flipdns.conffiles") as f:
        assert f.read().split() == ["/etc/flipdns/flipdns.yaml"]


def passwd_lines(root):
    with open(root + "/etc/passwd") as f:
        return [line for line in f if line.startswith("flipdns:")]


def test_user_created_once(root, deb):
    lines = passwd_lines(root)
    assert len(lines) == 1, lines
    name, _, uid, gid, _, home, shell = lines[0].strip().split(":")
    assert int(uid) < 1000, "not a system user: %s" % lines[0]
    assert (home, shell) == ("/var/lib/flipdns", "/usr/sbin/nologin")
    with open(root + "/etc/group") as f:
        assert [g for g in f if g.startswith("flipdns:%s:" % "x")], \
            "no flipdns group"
    # again: a reinstall, and the postinst run by hand as an upgrade
    dpkg_install(root, deb)
    run("sh", root + "/var/lib/dpkg/info/flipdns.postinst", "configure",
        "0.1.0", env=dict(os.environ, DPKG_ROOT=root))
    assert passwd_lines(root) == lines


def test_installed_defaults(root):
    help_text = run(root + "/usr/bin/flipctl", "help").stdout
    assert "else /run/flipdns/control.sock)" in help_text
    r = run(root + "/usr/sbin/flipdnsd", "--check-config", check=False)
    assert "/etc/flipdns/flipdns.yaml" in r.stdout + r.stderr


def test_unit_verifies(root):
    rc, msgs = verify_unit(root, "/lib/systemd/system/flipdns.service",
                           ["/usr/sbin/", "/usr/bin/", "/etc/flipdns/"])
    assert (rc, msgs) == (0, ""), msgs


def test_man_pages_lint_clean(root):
    for page in PAGES:
        r = run("mandoc", "-Tlint", root + "/usr/share/man/" + page,
                check=False)
        assert (r.returncode, r.stdout + r.stderr) == (0, ""), page
