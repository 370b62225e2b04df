"""Loopback servers the health tests start and stop: what flipdnsd probes.

- HTTPServer: Python's http.server in a thread, on 127.0.0.x:port; each
  GET is answered by a behaviour the test sets (status, body, a seeded
  random failure ratio, or hanging) and recorded, so a test can count
  probes and replay what the prober saw.  With a certificate it serves
  HTTPS (ssl from the standard library).
- TCPListener: accepts and closes, or accepts and never answers.
- WebhookReceiver: records each POST (body and headers) and answers 200,
  or 503 while "down"; it can also be stopped and started on the same
  port (connection refused in between).
- make_ca / make_cert: a test CA and certificates made with the openssl
  command line (openssl ca, so an expired certificate is one date away).

Everything binds to loopback and is torn down by the test's fixtures.
"""

import http.server
import json
import os
import random
import socket
import ssl
import subprocess
import threading
import time


def free_tcp_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        srv = self.server.owner
        status, body, hang = srv.answer(self)
        if hang:
            # keep the connection, answer nothing: the prober must time out
            srv.stop_event.wait(60)
            return
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)


class _Threaded(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # a prober that gave up (timeout, check removed) closes first
        pass


class HTTPServer:
    """GETs answered by status/body, or failing at random (fail_ratio,
    seeded), or hanging.  .requests: [(time, path, host, ok)]."""

    def __init__(self, host="127.0.0.1", port=None, status=200,
                 body="hello, healthy", certfile=None, keyfile=None,
                 fail_ratio=0.0, seed=1):
        self.host = host
        self.port = port or free_tcp_port(host)
        self.status = status
        self.body = body
        self.hang = False
        self.fail_ratio = fail_ratio
        self.rng = random.Random(seed)
        self.certfile, self.keyfile = certfile, keyfile
        self.requests = []
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.httpd = None

    def answer(self, req):
        with self.lock:
            ok = not (self.fail_ratio and self.rng.random() < self.fail_ratio)
            self.requests.append((time.monotonic(), req.path,
                                  req.headers.get("Host"), ok))
            if self.hang:
                return 0, "", True
            if not ok:
                return 503, "failing on purpose", False
            return self.status, self.body, False

    def count(self):
        with self.lock:
            return len(self.requests)

    def start(self):
        self.stop_event.clear()
        self.httpd = _Threaded((self.host, self.port), _Handler)
        self.httpd.owner = self
        if self.certfile:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.certfile, self.keyfile)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket,
                                                server_side=True)
        threading.Thread(target=self.httpd.serve_forever, daemon=True,
                         kwargs={"poll_interval": 0.05}).start()
        return self

    def stop(self):
        """Close the listener: new connections are refused."""
        self.stop_event.set()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


class TCPListener:
    """Accepts connections; closes them at once, or (silent) holds them
    open and never sends a byte."""

    def __init__(self, host="127.0.0.1", port=None, silent=False):
        self.host = host
        self.port = port or free_tcp_port(host)
        self.silent = silent
        self.sock = None
        self.held = []
        self.accepted = 0
        self.stop_event = threading.Event()

    def start(self):
        self.stop_event.clear()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((self.host, self.port))
        self.sock.listen(128)
        self.sock.settimeout(0.1)
        threading.Thread(target=self._run, daemon=True).start()
        return self

    def _run(self):
        sock = self.sock
        while not self.stop_event.is_set():
            try:
                c, _ = sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepted += 1
            if self.silent:
                self.held.append(c)
            else:
                c.close()

    def stop(self):
        self.stop_event.set()
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        for c in self.held:
            c.close()
        self.held = []


class _HookHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        rx = self.server.owner
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with rx.lock:
            down = rx.down
            if not down:
                rx.posts.append((body, dict(self.headers)))
            else:
                rx.refused += 1
        self.send_response(503 if down else 200)
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()


class WebhookReceiver:
    """Records POSTs: .posts is [(body bytes, headers)] in arrival order."""

    def __init__(self, host="127.0.0.1", port=None):
        self.host = host
        self.port = port or free_tcp_port(host)
        self.posts = []
        self.down = False
        self.refused = 0
        self.lock = threading.Lock()
        self.httpd = None

    @property
    def url(self):
        return "http://%s:%d/hook" % (self.host, self.port)

    def start(self):
        self.httpd = _Threaded((self.host, self.port), _HookHandler)
        self.httpd.owner = self
        threading.Thread(target=self.httpd.serve_forever, daemon=True,
                         kwargs={"poll_interval": 0.05}).start()
        return self

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def events(self):
        with self.lock:
            return [json.loads(b) for b, _ in self.posts]


def wait_for(what, pred, guard=60, step=0.02):
    """Wait until pred() is true (an event, not a deadline: guard only
    catches a hang).  Returns pred()'s value."""
    end = time.monotonic() + guard
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("%s: not within %ds" % (what, guard))
        time.sleep(step)


# -- certificates ---------------------------------------------------------

CA_CONF = """\
[ca]
default_ca = test
[test]
dir = {dir}
database = {dir}/index.txt
serial = {dir}/serial
new_certs_dir = {dir}
default_md = sha256
policy = anything
copy_extensions = copy
unique_subject = no
[anything]
commonName = supplied
[req]
distinguished_name = dn
prompt = no
[dn]
CN = {cn}
[server]
basicConstraints = CA:FALSE
subjectAltName = {san}
"""


def _openssl(*args, cwd=None):
    subprocess.run(["openssl"] + list(args), check=True, cwd=cwd,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_ca(dir, name="flipdns test CA"):
    """A self-signed CA in dir: returns (cert path, key path)."""
    os.makedirs(dir, exist_ok=True)
    key, cert = os.path.join(dir, "ca.key"), os.path.join(dir, "ca.pem")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
             key, "-out", cert, "-days", "30", "-subj", "/CN=" + name)
    open(os.path.join(dir, "index.txt"), "w").close()
    with open(os.path.join(dir, "serial"), "w") as f:
        f.write("1000\n")
    return cert, key


def make_cert(ca_dir, name, dns_names, startdate=None, enddate=None):
    """A server certificate for dns_names signed by the CA in ca_dir
    (openssl ca, so its dates can be set: startdate/enddate as
    YYYYMMDDHHMMSSZ make an expired one).  Returns (cert, key)."""
    conf = os.path.join(ca_dir, name + ".cnf")
    with open(conf, "w") as f:
        f.write(CA_CONF.format(dir=ca_dir, cn=dns_names[0], san=", ".join(
            "DNS:" + n for n in dns_names)))
    key = os.path.join(ca_dir, name + ".key")
    csr = os.path.join(ca_dir, name + ".csr")
    cert = os.path.join(ca_dir, name + ".pem")
    _openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
             "-out", csr, "-config", conf)
    args = ["ca", "-batch", "-config", conf, "-extensions", "server",
            "-cert", os.path.join(ca_dir, "ca.pem"),
            "-keyfile", os.path.join(ca_dir, "ca.key"),
            "-in", csr, "-out", cert, "-notext"]
    if startdate:
        args += ["-startdate", startdate, "-enddate", enddate]
    else:
        args += ["-days", "30"]
    _openssl(*args)
    return cert, key
