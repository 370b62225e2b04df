"""The daemon's log (README "Logs"): a line per committed change with its
serial, actor, operation, subject and before -> after; nothing for a
refused one; every line carries its level; log.level filters; lines are
time-stamped on stderr, and carry sd-daemon "<N>" priorities instead when
stderr is the journal's stream ($JOURNAL_STREAM)."""

import os
import re

import pytest

import flipdns

ADDR = "192.0.2.1"
STAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z flipdnsd\[\d+\]: "
                     r"(debug|info|warning|error|critical): ")


def change_lines(d):
    return [line.split(": ", 2)[2] for line in d.read_log().splitlines()
            if ": change: " in line]


def test_every_committed_change_is_logged_once(daemon):
    d = daemon
    d.ctl("app", "add", "web1", "--addr", ADDR)
    d.ctl("app", "add", "web2", "--cname", "lb.example.com")
    label = d.create_group("--primary", "web1", "--backup", "web2")
    d.ctl("group", "switch", label)
    d.expect_error("group", "delete", "--yes", label)      # refused: not logged
    d.ctl("group", "set", label, "--ttl", "60")
    d.ctl("app", "set", "web1", "--addr", "192.0.2.9")
    lines = change_lines(d)
    assert len(lines) == 6, lines
    assert re.match(r"change: serial \d+ by root: app\.add web1: created$",
                    lines[0]), lines[0]
    assert lines[3].endswith(
        "group.switch %s: active primary -> backup, active_app web1 -> web2"
        % label), lines[3]
    assert lines[4].endswith("group.set %s: ttl 30 -> 60" % label), lines[4]
    assert lines[5].endswith('app.set web1: addrs ["192.0.2.1"] -> '
                             '["192.0.2.9"]'), lines[5]
    serials = [int(re.search(r"serial (\d+)", line).group(1))
               for line in lines]
    assert serials == list(range(serials[0], serials[0] + 6))
    assert serials[-1] == d.serial()


def test_lines_carry_time_and_level(daemon):
    daemon.ctl("app", "add", "web1", "--addr", ADDR)
    lines = [line for line in daemon.read_log().splitlines()
             if not line.startswith("--- ")]
    assert lines
    for line in lines:
        assert STAMPED.match(line), line


@pytest.mark.daemon(log_level="warning")
def test_log_level_filters(daemon):
    daemon.ctl("app", "add", "web1", "--addr", ADDR)
    assert ": info: " not in daemon.read_log()
    assert change_lines(daemon) == []


def test_journald_gets_priorities_not_stamps():
    d = flipdns.Daemon()
    try:
        # the daemon's stderr is the log file: name it as the journal would
        with open(d.log, "a") as f:
            st = os.fstat(f.fileno())
        os.environ["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
        try:
            d.start()
        finally:
            del os.environ["JOURNAL_STREAM"]
        d.ctl("app", "add", "web1", "--addr", ADDR)
        assert d.stop() == 0
        lines = [line for line in d.read_log().splitlines()
                 if not line.startswith("--- ")]
        assert lines
        for line in lines:
            assert re.match(r"^<[0-7]>", line), line
            assert not STAMPED.match(line[3:]), line
        assert any(line.startswith("<6>change: serial") for line in lines)
    finally:
        d.cleanup()
