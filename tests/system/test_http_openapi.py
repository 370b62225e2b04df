"""The OpenAPI document at /api/openapi.json: valid against the OpenAPI
3.0 JSON schema that Debian's openapi-specification package ships
(checked with python3-jsonschema; Debian has no
python3-openapi-spec-validator), served without a token, and in step
with the routes: every path and method it names is answered (not 404 or
405), and every route the API has is in it."""

import json
import os

import jsonschema
import pytest

import httpapi

SCHEMA = "/usr/share/openapi-specification/schemas/v3.0/schema.json"
HERE = os.path.dirname(os.path.abspath(__file__))

# What the API serves (src/daemon/http.c routes[]), {x} for a segment.
ROUTES = {
    ("get", "/api/v1/status"), ("get", "/api/v1/groups"),
    ("post", "/api/v1/groups"), ("get", "/api/v1/groups/{address}"),
    ("patch", "/api/v1/groups/{address}"),
    ("delete", "/api/v1/groups/{address}"),
    ("post", "/api/v1/groups/{address}/switch"),
    ("get", "/api/v1/apps"), ("post", "/api/v1/apps"),
    ("get", "/api/v1/apps/{name}"), ("put", "/api/v1/apps/{name}"),
    ("delete", "/api/v1/apps/{name}"), ("get", "/api/v1/apps/{name}/status"),
    ("get", "/api/v1/history"),
    ("post", "/api/v1/apps/{name}/failover"),
    ("put", "/api/v1/apps/{name}/check"),
    ("get", "/api/v1/apps/{name}/health"),
    ("get", "/api/v1/stats"), ("get", "/api/v1/secondaries"),
}


def operations(doc):
    return {(m, p) for p, item in doc["paths"].items() for m in item
            if m in ("get", "put", "post", "delete", "patch")}


@pytest.fixture(scope="module")
def served():
    d = httpapi.start()
    try:
        st, doc, hdrs = httpapi.Api(d.http_base).get("/api/openapi.json")
        assert st == 200
        assert hdrs["Content-Type"] == "application/json"
        d.doc = doc
        yield d
        assert d.stop() == 0
    finally:
        d.cleanup()


def validate(doc):
    with open(SCHEMA) as f:
        schema = json.load(f)
    jsonschema.Draft4Validator(schema).validate(doc)


def test_valid_openapi_3(served):
    assert served.doc["openapi"].startswith("3.0.")
    validate(served.doc)


def test_validator_catches_a_broken_document(served):
    """The check is not vacuous: documents broken in the ways an edit
    could break ours are refused."""
    broken = json.loads(json.dumps(served.doc))
    del broken["info"]
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)
    broken = json.loads(json.dumps(served.doc))
    op = broken["paths"]["/api/v1/groups"]["get"]
    del op["responses"]
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)
    broken = json.loads(json.dumps(served.doc))
    broken["paths"]["/api/v1/groups/{address}"]["parameters"][0]["in"] = \
        "body"
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)


def test_dashboard_files_served_without_a_token(served):
    a = httpapi.Api(served.http_base)
    for path, kind in (("/", "text/html"), ("/app.js", "text/javascript"),
                       ("/app.css", "text/css")):
        st, _, hdrs = a.call("HEAD", path)
        assert st == 200 and hdrs["Content-Type"].startswith(kind), path
        assert "default-src 'self'" in hdrs["Content-Security-Policy"]
    assert a.get("/nothing.html")[0] == 404


def test_same_as_the_checked_in_file(served):
    with open(os.path.join(HERE, "..", "..", "web", "openapi.json")) as f:
        assert json.load(f) == served.doc


def test_documents_every_route_and_only_those(served):
    assert operations(served.doc) == ROUTES


def test_every_documented_operation_is_answered(served):
    d = served
    a = httpapi.Api(d.http_base, httpapi.token(d, "doc", "write"))
    for method, path in sorted(operations(d.doc)):
        concrete = path.replace("{address}", "nosuch").replace(
            "{name}", "nosuch")
        body = {} if method in ("post", "put", "patch") else None
        st, got, _ = a.call(method.upper(), concrete, body)
        assert st not in (405, 401, 500), (method, path, st, got)
        if st == 404:
            # the resource, not the route, is missing
            assert got["error"]["code"] == "not_found", (method, path, got)
            assert "no such resource" not in got["error"]["message"]
