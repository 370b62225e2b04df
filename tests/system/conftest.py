"""pytest fixtures for the flipdns system tests.

`daemon` gives each test a fresh flipdnsd (see flipdns.Daemon) and
always cleans up: the process is killed and its directory removed even
when the test or the start-up fails.  Settings come from a marker:

    @pytest.mark.daemon(allow_uids=[0, 65534])
    def test_x(daemon): ...

When a test fails, the daemon's log is printed with the report.
"""

import os

import pytest

import flipdns


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "daemon(**settings): flipdns.Daemon settings for the "
        "daemon fixture (allow_uids, allow_gids, ttl, workers, origin)")


def pytest_sessionstart(session):
    for path in (flipdns.FLIPDNSD, flipdns.FLIPCTL):
        if not os.access(path, os.X_OK):
            raise pytest.UsageError(
                "%s is missing: build first, or set FLIPDNSD and FLIPCTL"
                % path)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item so fixtures can see failures.
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture
def daemon(request):
    marker = request.node.get_closest_marker("daemon")
    d = flipdns.Daemon(**(marker.kwargs if marker else {}))
    try:
        d.start()
        yield d
        # A clean shutdown is part of every test: SIGTERM must exit 0
        # (a sanitizer report on the way out turns into a failure here).
        if d.running:
            rc = d.stop()
            assert rc == 0, "flipdnsd exited %r on SIGTERM:\n%s" % (
                rc, d.read_log())
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            print("--- flipdnsd log (%s):\n%s" % (d.dir, d.read_log()))
        d.cleanup()
