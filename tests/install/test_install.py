"""`cmake --install` of the build under test, into a temporary root.

Rules (README "Installing"; flipdnsd(8), flipctl(8), flipdns.yaml(5)):
  - it installs flipdnsd in sbin, flipctl in bin, the three man pages, the
    systemd unit, the sysusers.d file, the bash completion and the example
    configuration, each where the man pages' FILES sections say, and
    nothing they do not name;
  - an existing configuration is never overwritten by a new install;
  - the man pages pass `mandoc -Tlint` with nothing to say;
  - the unit passes `systemd-analyze verify` with nothing to say (its
    paths moved into the temporary root);
  - the man pages, `flipctl help` and the completion come from the same
    tables: every command, option, exit status and configuration key of
    the programs is in them.
"""

import os
import re

import pytest

from installed import (BUILD, SOURCE, PAGES, cache, files_named, render,
                       run, section, verify_unit)

PREFIX = cache(BUILD, "CMAKE_INSTALL_PREFIX")
FLIPCTL = os.path.join(BUILD, "flipctl")
FLIPDNSD = os.path.join(BUILD, "flipdnsd")


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("destdir"))
    run("cmake", "--install", BUILD, env=dict(os.environ, DESTDIR=root))
    return root


def installed_files(root):
    found = set()
    for d, _, files in os.walk(root):
        for f in files:
            found.add(os.path.join(d, f)[len(root):])
    return found


def test_files_where_the_man_pages_say(root):
    named = files_named(root, PREFIX + "/share/man")
    found = installed_files(root)
    assert PREFIX + "/sbin/flipdnsd" in found
    assert PREFIX + "/bin/flipctl" in found
    # every file installed is in a FILES section, every FILES path that
    # the install makes (not the store or socket, made at run time) is
    # installed
    for path in found:
        man = re.sub(r"\.(\d)$", r".\1", path)
        assert man in named, "%s installed but in no FILES section" % path
    runtime = ("/var/lib/flipdns/", "/run/flipdns/")
    for path in named:
        if not path.startswith(runtime):
            assert path in found, "%s named in FILES, not installed" % path


def test_existing_config_is_kept(tmp_path):
    root = str(tmp_path)
    env = dict(os.environ, DESTDIR=root)
    run("cmake", "--install", BUILD, env=env)
    path = [p for p in installed_files(root) if p.endswith("flipdns.yaml")]
    assert len(path) == 1, path
    with open(root + path[0], "w") as f:
        f.write("# the operator's own\n")
    r = run("cmake", "--install", BUILD, env=env)
    assert "Keeping: " in r.stdout
    with open(root + path[0]) as f:
        assert f.read() == "# the operator's own\n"


def test_man_pages_lint_clean(root):
    for page in PAGES:
        r = run("mandoc", "-Tlint", root + PREFIX + "/share/man/" + page,
                check=False)
        assert (r.returncode, r.stdout + r.stderr) == (0, ""), page


def test_unit_verifies(root):
    units = [p for p in installed_files(root)
             if p.endswith("/flipdns.service")]
    assert len(units) == 1, units
    rc, msgs = verify_unit(root, units[0], [PREFIX + "/"])
    assert (rc, msgs) == (0, ""), msgs


def test_unit_matches_the_example_config(root):
    units = [p for p in installed_files(root)
             if p.endswith("/flipdns.service")]
    with open(root + units[0]) as f:
        unit = f.read()
    with open(os.path.join(SOURCE, "conf/flipdns.example.yaml")) as f:
        example = f.read()
    assert "\nType=notify\n" in unit
    assert "\nUser=flipdns\n" in unit and "\nuser: flipdns\n" in example
    # the store and socket live in the unit's own writable directories
    assert "\nStateDirectory=flipdns\n" in unit
    assert "storage: {path: /var/lib/flipdns}" in example
    assert "\nRuntimeDirectory=flipdns\n" in unit
    assert "socket: /run/flipdns/control.sock" in example
    assert "\nProtectSystem=strict\n" in unit
    assert "\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\n" in unit
    conf = re.search(r"ExecStart=\S+/flipdnsd -c (\S+)\n", unit).group(1)
    assert conf.endswith("/flipdns/flipdns.yaml") and os.path.exists(
        root + conf)
    assert "ExecReload=+%s/bin/flipctl -c %s reload\n" % (PREFIX, conf) \
        in unit


def test_example_config_checks(tmp_path):
    # `user: flipdns` names a user only the package creates: check the
    # rest with one that exists everywhere.
    with open(os.path.join(SOURCE, "conf/flipdns.example.yaml")) as f:
        text = f.read()
    conf = tmp_path / "flipdns.yaml"
    conf.write_text(text.replace("\nuser: flipdns\n", "\nuser: nobody\n"))
    r = run(FLIPDNSD, "-c", conf, "--check-config")
    assert r.stdout == "%s: ok\n" % conf
    # and flipctl -c finds the installed socket in it
    r = run(FLIPCTL, "-c", conf, "--timeout", "1", "status", check=False)
    assert r.returncode == 3
    assert "/run/flipdns/control.sock" in r.stderr, r.stderr


def test_config_keys_all_documented(root):
    text = render(root + PREFIX + "/share/man/man5/flipdns.yaml.5")
    keys = section(text, "KEYS")
    rows = run(FLIPDNSD, "--print-config-keys").stdout.splitlines()
    assert len(rows) >= 30
    for row in rows:
        key, typ, default = row.split("\t")
        m = re.search(r"^\s+%s\n\s+(.*?);" % re.escape(key), keys, re.M)
        assert m, "%s not in flipdns.yaml(5)" % key
        assert m.group(1) == typ, (key, m.group(1), typ)
        want = "required." if default == "required" else \
            "default: %s." % default
        assert want in keys[m.end():m.end() + 120], (key, want)


def test_flipctl_help_and_man_agree(root):
    help_text = run(FLIPCTL, "help").stdout
    man = render(root + PREFIX + "/share/man/man8/flipctl.8")
    commands = section(man, "COMMANDS")
    options = section(man, "OPTIONS")
    listed = re.findall(r"^  (\S.*)\n        (.*)$",
                        help_text.split("\ncommands:\n")[1].split(
                            "\n\ncommand options:")[0], re.M)
    assert len(listed) >= 18
    for synopsis, text in listed:
        assert re.search(r"^\s+%s$" % re.escape(synopsis), commands, re.M), \
            synopsis
        assert text in " ".join(commands.split()), text
    for opt in re.findall(r"^  (-\S.*)$", help_text, re.M):
        assert opt in options or opt in section(man, "COMMAND OPTIONS"), opt
    for status in re.findall(r" (\d) ", help_text.splitlines()[-1]):
        assert re.search(r"^\s+%s$" % status, section(man, "EXIT STATUS"),
                         re.M), status
    assert "backup FILE" in commands


def complete(script, words):
    """What the bash completion offers for the command line words (the
    last one being completed)."""
    line = ("source %s; COMP_WORDS=(%s); COMP_CWORD=%d; _flipctl; "
            "printf '%%s\\n' \"${COMPREPLY[@]}\"" % (
                script, " ".join("'%s'" % w for w in words), len(words) - 1))
    return sorted(filter(None, run("bash", "-c", line).stdout.split("\n")))


def test_completion_from_the_table(root, tmp_path):
    script = root + PREFIX + "/share/bash-completion/completions/flipctl"
    assert complete(script, ["flipctl", "gr"]) == ["group"]
    assert complete(script, ["flipctl", "group", "s"]) == [
        "set", "show", "switch"]
    assert complete(script, ["flipctl", "-s", "x.sock", "group", "switch",
                             "abc", "--"]) == sorted(
        ["--to", "--socket", "--config", "--json", "--timeout", "--help",
         "--version"])
    assert complete(script, ["flipctl", "group", "switch", "abc", "--to",
                             ""]) == ["backup", "primary"]
    (tmp_path / "zone-backup.mdb").write_text("")
    assert complete(script, ["flipctl", "backup", str(tmp_path / "zone")]) \
        == [str(tmp_path / "zone-backup.mdb")]
    # every command of the table is reachable word by word
    help_text = run(FLIPCTL, "help").stdout
    for synopsis in re.findall(r"^  ([a-z].*)$", help_text, re.M):
        words = synopsis.split()
        line = ["flipctl"]
        for w in words:
            if not re.match(r"^[a-z]+$", w):
                break
            assert w in complete(script, line + [w[:1]]), (synopsis, w)
            line.append(w)
