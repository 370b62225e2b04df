"""flipctl's manners, as users of knotc, nsd-control and gdnsdctl expect.

README "flipctl":
  - `flipctl help CMD` and `flipctl CMD --help` print the same text: the
    usage line, what it does, and every option it takes with its
    description (from the command table: one source for help, man page
    and completion);
  - a word that opens commands (`flipctl app`) lists them and exits 0;
  - `--version` on both programs, `flipdnsd --help` exits 0;
  - a mistyped command, subcommand or option is named with the closest
    word of the table ("did you mean 'group switch'?"), exit 2;
  - the bash completion completes the words after `help` too, and every
    option of every command.
"""

import re
import subprocess

import pytest

from flipdns import EXIT_OK, EXIT_USAGE, FLIPCTL, FLIPDNSD


def run(*args, prog=FLIPCTL):
    return subprocess.run([prog] + list(args), capture_output=True,
                          text=True, timeout=60)


def table():
    """(words, synopsis, help) of every command, from `flipctl help`."""
    text = run("help").stdout
    part = text.split("\ncommands:\n")[1].split("\n\ncommand options:")[0]
    return re.findall(r"^  (\S.*)\n        (.*)$", part, re.M)


def options():
    """option name -> its description, from `flipctl help`."""
    text = run("help").stdout.split("\ncommand options:\n")[1]
    return dict(re.findall(r"^  (--\S+)(?: \S+)?\n        (.*)$", text,
                           re.M))


def command_words(synopsis):
    words = []
    for w in synopsis.split():
        if not re.match(r"^[a-z]+$", w):
            break
        words.append(w)
    return words


def test_help_for_every_command_describes_every_option():
    opts = options()
    rows = table()
    assert len(rows) >= 20
    for synopsis, text in rows:
        words = command_words(synopsis)
        r = run("help", *words)
        assert r.returncode == EXIT_OK, (words, r.stderr)
        assert r.stdout.startswith("usage: flipctl %s\n" % synopsis), \
            r.stdout
        assert text in r.stdout
        for name in re.findall(r"(--[a-z-]+)", synopsis):
            assert name in opts, name
            assert "  %s" % name in r.stdout, (words, name)
            assert opts[name] in r.stdout, (words, name)
        # CMD --help: the same text
        alt = run(*words, "--help")
        assert alt.returncode == EXIT_OK, (words, alt.stderr)
        assert alt.stdout == r.stdout, words


def test_help_describes_the_arguments():
    out = run("help", "group", "switch").stdout
    assert re.search(r"^arguments:\n  ADDRESS\n        a group's address",
                     out, re.M), out
    assert "  --to primary|backup\n        make this side active" in out


@pytest.mark.parametrize("word", ["app", "group"])
def test_a_word_alone_lists_its_commands(word):
    for args in ((word,), (word, "--help"), ("help", word)):
        r = run(*args)
        assert r.returncode == EXIT_OK, (args, r.stderr)
        listed = re.findall(r"^  (%s \S+)" % word, r.stdout, re.M)
        want = [" ".join(command_words(s)[:2]) for s, _ in table()
                if s.startswith(word + " ")]
        assert listed == want, (args, r.stdout)
    assert "app failover NAME" in run("app").stdout


def test_version():
    r = run("--version")
    assert r.returncode == EXIT_OK and re.match(r"^flipctl \d+\.\d+", r.stdout)
    r = run("--version", prog=FLIPDNSD)
    assert r.returncode == EXIT_OK and re.match(r"^flipdnsd \d+\.\d+",
                                                r.stdout)
    assert run("status", "--version").stdout == run("--version").stdout


def test_flipdnsd_help_exits_0():
    for flag in ("--help", "-h"):
        r = run(flag, prog=FLIPDNSD)
        assert r.returncode == EXIT_OK, r.stderr
        assert r.stdout.startswith("usage: flipdnsd"), r.stdout
        assert "--check-config" in r.stdout and "--restore" in r.stdout
    r = run("--bogus", prog=FLIPDNSD)
    assert r.returncode == EXIT_USAGE and r.stdout == ""


TYPOS = [
    (("gruop", "list"), "'group'"),
    (("grop",), "'group'"),
    (("group", "swtich", "x"), "'group switch'"),
    (("group", "delte", "x"), "'group delete'"),
    (("app", "shwo", "x"), "'app show'"),
    (("app", "sta", "x"), "'app status'"),   # what it begins
    (("exprot",), "'export'"),
    (("histroy",), "'history'"),
    (("stauts",), "'status' or 'stats'"),    # both one edit away
    (("group", "switch", "x", "--tto", "backup"), "'--to'"),
    (("group", "create", "--tll", "5"), "'--ttl'"),
    (("--jsno", "status"), "'--json'"),
    (("help", "group", "swich"), "'group switch'"),
]


@pytest.mark.parametrize("args,hint", TYPOS, ids=[" ".join(t[0])
                                                   for t in TYPOS])
def test_did_you_mean(args, hint):
    r = run(*args)
    assert r.returncode == EXIT_USAGE, r
    assert r.stdout == ""
    first = r.stderr.splitlines()[0]
    assert first.startswith("flipctl: ") and first.endswith(
        "did you mean %s?" % hint), r.stderr


def test_nothing_close_suggests_nothing():
    r = run("frobnicate")
    assert r.returncode == EXIT_USAGE
    assert "did you mean" not in r.stderr
    assert "flipctl help" in r.stderr


def complete(words):
    """What the generated completion offers for words (the last being
    completed)."""
    script = run("--print-completion").stdout
    line = ("%s\nCOMP_WORDS=(%s); COMP_CWORD=%d; _flipctl; "
            "printf '%%s\\n' \"${COMPREPLY[@]}\"" % (
                script, " ".join("'%s'" % w for w in words), len(words) - 1))
    r = subprocess.run(["bash", "-c", line], capture_output=True, text=True)
    return sorted(filter(None, r.stdout.split("\n")))


def test_completion_after_help():
    assert complete(["flipctl", "help", "gr"]) == ["group"]
    assert complete(["flipctl", "help", "group", "sw"]) == ["switch"]
    assert complete(["flipctl", "help", "group", "switch", ""]) == []


def test_completion_offers_every_option_of_every_command():
    for synopsis, _ in table():
        words = command_words(synopsis)
        want = set(re.findall(r"(--[a-z-]+)", synopsis))
        got = set(complete(["flipctl"] + words + ["--"]))
        assert want <= got, (synopsis, want - got)
