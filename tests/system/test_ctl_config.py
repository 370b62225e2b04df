"""flipctl -c FILE: the control socket's path from flipdnsd's config.

Rules (flipctl(8), OPTIONS; README "flipctl"):
  - -c FILE reads control.socket from FILE (nothing else in it: a file
    this flipctl could not load whole still gives the socket);
  - the socket is -s, else -c's, else $FLIPDNS_SOCKET, else the compiled
    default: -s wins over -c, and -c over the environment;
  - -c may come before or after the command words, like -s;
  - a FILE that cannot be read, is not YAML, or has a bad control.socket
    is a usage error (exit 2) naming FILE (and LINE:COL): nothing is sent.
"""

import os
import subprocess

import flipdns
from flipdns import EXIT_OK, EXIT_USAGE, EXIT_UNREACH


def flipctl(*args, env_socket=None):
    env = {k: v for k, v in os.environ.items() if k != "FLIPDNS_SOCKET"}
    if env_socket is not None:
        env["FLIPDNS_SOCKET"] = env_socket
    return subprocess.run([flipdns.FLIPCTL] + [str(a) for a in args],
                          capture_output=True, text=True, env=env,
                          timeout=flipdns.CTL_TIMEOUT)


def test_socket_from_config(daemon):
    r = flipctl("-c", daemon.conf, "--json", "status")
    assert r.returncode == EXIT_OK, r.stderr
    assert '"zone"' in r.stdout
    # after the command words too, and as --config=FILE
    assert flipctl("status", "-c", daemon.conf).returncode == EXIT_OK
    assert flipctl("--config=" + daemon.conf, "status").returncode == EXIT_OK


def test_precedence(daemon, tmp_path):
    nowhere = str(tmp_path / "nowhere.sock")
    # -s beats -c
    r = flipctl("-s", nowhere, "-c", daemon.conf, "status")
    assert r.returncode == EXIT_UNREACH and nowhere in r.stderr, r.stderr
    # -c beats $FLIPDNS_SOCKET
    r = flipctl("-c", daemon.conf, "status", env_socket=nowhere)
    assert r.returncode == EXIT_OK, r.stderr
    # $FLIPDNS_SOCKET beats the default
    r = flipctl("status", env_socket=daemon.socket)
    assert r.returncode == EXIT_OK, r.stderr


def test_only_the_socket_is_read(daemon, tmp_path):
    # Keys flipdnsd would refuse (an unknown user, no zone) do not
    # matter to flipctl: it needs one value.
    conf = tmp_path / "other.yaml"
    conf.write_text("user: no-such-user-anywhere\nbogus: 1\n"
                    "control: {socket: %s}\n" % daemon.socket)
    assert flipctl("-c", conf, "status").returncode == EXIT_OK


def test_bad_config_is_usage_error(daemon, tmp_path):
    missing = tmp_path / "missing.yaml"
    r = flipctl("-c", missing, "status")
    assert r.returncode == EXIT_USAGE
    assert r.stderr == "flipctl: %s: No such file or directory\n" % missing
    bad = tmp_path / "bad.yaml"
    bad.write_text("control:\n  socket: [a, b]\n")
    r = flipctl("-c", bad, "status")
    assert r.returncode == EXIT_USAGE
    assert r.stderr.startswith("flipctl: %s:2:11: control.socket: " % bad), \
        r.stderr
    r = flipctl("-c", "", "status")
    assert r.returncode == EXIT_USAGE
