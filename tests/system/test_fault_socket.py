"""The control socket is never left where others could replace it.

Rules (README "Security model"; control.c socket_dir_safe): flipdnsd
refuses to start when the control socket's directory is writable by
others and not sticky, naming the directory; a sticky world-writable
directory (like /tmp) is fine, and the socket itself is mode 0660.
"""

import os
import stat

import pytest

import flipdns


def make(tmpmode):
    d = flipdns.Daemon()
    sockdir = os.path.join(d.dir, "run")
    os.mkdir(sockdir)
    os.chmod(sockdir, tmpmode)
    d.socket = os.path.join(sockdir, "flipdns.sock")
    return d


def test_world_writable_socket_dir_is_refused():
    d = make(0o777)
    try:
        with pytest.raises(flipdns.DaemonError) as e:
            d.start()
        assert d.proc.returncode != 0
        assert "writable by others" in e.value.startup_log
        assert os.path.join(d.dir, "run") in e.value.startup_log
        assert not os.path.exists(d.socket)
    finally:
        d.cleanup()


def test_sticky_dir_is_accepted_and_socket_is_0660():
    d = make(0o1777)
    try:
        d.start()
        mode = stat.S_IMODE(os.lstat(d.socket).st_mode)
        assert mode == 0o660, oct(mode)
        assert d.ctl("status").returncode == 0
        assert d.stop() == 0
    finally:
        d.cleanup()
