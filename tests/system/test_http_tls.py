"""HTTPS for the HTTP API (http.tls.cert / http.tls.key, libevent's
OpenSSL bufferevents): the API and the dashboard answer over TLS with the
configured certificate, plain HTTP on the same port gets nothing, a
non-loopback address is accepted with TLS and refused without, and a
missing half or an unreadable key stops the daemon with a message."""

import os
import socket
import ssl
import subprocess
import urllib.request

import pytest

import flipdns
import httpapi


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    crt, key = str(d / "cert.pem"), str(d / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", crt], check=True,
                   capture_output=True)
    os.chmod(str(d), 0o755)
    return crt, key


def test_https(cert):
    crt, key = cert
    d = httpapi.start(http_tls_cert=crt, http_tls_key=key)
    try:
        assert "https://" in d.read_log()
        tok = httpapi.token(d, "w", "write")
        base = d.http_base.replace("http://", "https://")
        ctx = ssl.create_default_context(cafile=crt)
        req = urllib.request.Request(base + "/api/v1/status", headers={
            "Authorization": "Bearer " + tok})
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            assert r.status == 200
        with urllib.request.urlopen(base + "/", context=ctx,
                                    timeout=30) as r:
            assert b"flipdns" in r.read()
        # plain HTTP on the TLS port: no answer in clear
        port = int(d.http_base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                got = s.recv(4096)
            except (socket.timeout, ConnectionError):
                got = b""
            assert not got.startswith(b"HTTP/1.1 200"), got
        assert d.stop() == 0, d.read_log()
    finally:
        d.cleanup()


def test_non_loopback_with_tls_accepted(cert):
    crt, key = cert
    port = httpapi.free_tcp_port()
    d = flipdns.Daemon(http_listen="0.0.0.0:%d" % port, http_tls_cert=crt,
                       http_tls_key=key)
    try:
        d.start()
        assert d.stop() == 0
    finally:
        d.cleanup()


@pytest.mark.parametrize("which", ["cert only", "bad key"])
def test_bad_tls_settings_refused(cert, tmp_path, which):
    crt, key = cert
    if which == "cert only":
        kw = dict(http_tls_cert=crt)
        want = "give both cert and key"
    else:
        bad = tmp_path / "bad.pem"
        bad.write_text("not a key\n")
        kw = dict(http_tls_cert=crt, http_tls_key=str(bad))
        want = "cannot load key"
    d = flipdns.Daemon(http_listen="127.0.0.1:%d" % httpapi.free_tcp_port(),
                       **kw)
    try:
        with pytest.raises(flipdns.DaemonError) as e:
            d.start()
        assert want in e.value.startup_log, e.value.startup_log
    finally:
        d.cleanup()
