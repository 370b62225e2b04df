"""Helpers for the HTTP API tests: a daemon with http.listen, and a
small client on urllib (no third-party HTTP library)."""

import json
import socket
import urllib.error
import urllib.request

import flipdns


def free_tcp_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, base, token=None):
        self.base = base
        self.token = token

    def call(self, method, path, body=None, token=None, raw=None,
             headers=None):
        """(status, parsed JSON body or None, headers)."""
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data,
                                     method=method)
        tok = token if token is not None else self.token
        if tok:
            req.add_header("Authorization", "Bearer " + tok)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                text = r.read()
                parsed = json.loads(text) if text.strip() else None
                return r.status, parsed, r.headers
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            return e.code, parsed, e.headers

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body if body is not None else {},
                         **kw)

    def put(self, path, body, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


def start(**settings):
    port = free_tcp_port()
    d = flipdns.Daemon(http_listen="127.0.0.1:%d" % port, **settings)
    d.http_base = "http://127.0.0.1:%d" % port
    d.start()
    return d


def token(d, name, role):
    """flipctl token create NAME --role ROLE: the secret it prints."""
    out = d.ctl("token", "create", name, "--role", role).stdout.strip()
    assert out.startswith("fdt_") and len(out) == 68, out
    return out
