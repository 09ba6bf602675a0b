#!/usr/bin/env python3
"""An independent Sovereign GRC evidence server, written from seed 000 alone.

Not derived from grc's client or its mock: it answers only what the document promises
(upload-url -> exactly {upload_url, object_key, expires_in, max_size}; link-to-control ->
exactly the six documented fields) and chooses, where the document is silent, what a
careful but minimal vendor might (FastAPI-style {"detail": ...} error bodies, its own
presigned-URL signature on a second origin, 201/200 on link).

Starts two servers on 127.0.0.1 (API and storage, free ports), prints one JSON line on
stdout: {"base_url", "storage_url", "org_id", "keys": {...}}, and exits when stdin closes
or after --ttl seconds, so it never outlives the test that started it.

Variants (flags):
  --verify ok-only       200 {"verified": true|false} (default)
  --verify empty         200 with an empty body on a match; 409 {"verified": false} on mismatch
  --verify conflict      200 {"verified": true}; 409 {"detail": ..., "verified": false}
  --verify unprocessable 200 {"verified": true}; 422 {"verified": false}
  --verify hash-only     200 {"object_key": ..., "sha256": "<STORED HASH, UPPER CASE>"}, no verdict
  --verify-lies          every verify answers 200 {"verified": false}
  --truncate SUBSTR      storage drops the last byte of objects whose key contains SUBSTR
  --put-status 200|204   storage's answer to a good PUT (default 200)
  --max-size N           max_size announced by upload-url and enforced by storage (10 MiB)
  --no-storage           object storage "not configured": upload-url and verify answer 503

Test-only endpoints (not part of the product): GET /__peer/state, POST /__peer/reset.
"""

import argparse
import hashlib
import hmac
import json
import os
import secrets
import sys
import threading
import time
import uuid
from urllib.parse import quote, unquote

from flask import Flask, Response, request
from werkzeug.serving import make_server

MAX_SIZE = 10 * 1024 * 1024
EXPIRES_IN = 900

parser = argparse.ArgumentParser()
parser.add_argument(
    "--verify",
    default="ok-only",
    choices=["ok-only", "empty", "conflict", "unprocessable", "hash-only"],
)
parser.add_argument("--verify-lies", action="store_true")
parser.add_argument("--truncate", default=None)
parser.add_argument("--put-status", type=int, default=200, choices=[200, 204])
parser.add_argument("--max-size", type=int, default=MAX_SIZE)
parser.add_argument("--no-storage", action="store_true")
parser.add_argument("--ttl", type=float, default=600.0)
args = parser.parse_args()

ORG_ID = str(uuid.uuid4())
SIGNING_SECRET = secrets.token_bytes(32)


def new_key() -> str:
    return "sk-" + secrets.token_hex(20)


# key -> (user, scopes). The outsider's user belongs to no organization.
KEYS = {
    "write": (new_key(), "ci-bot", {"write:evidence"}),
    "wildcard": (new_key(), "admin-bot", {"write:*", "read:*"}),
    "read": (new_key(), "dashboard", {"read:evidence"}),
    "outsider": (new_key(), "stranger", {"write:*", "read:*"}),
}
BY_KEY = {k: (user, scopes) for (k, user, scopes) in KEYS.values()}
MEMBERS = {ORG_ID: {"ci-bot", "admin-bot", "dashboard"}}

lock = threading.Lock()
state = {}


def reset():
    with lock:
        state.clear()
        state.update(
            objects={},  # object_key -> {"data": bytes, "content_type": str}
            tickets={},  # object_key -> {"content_type", "filename", "control_id"}
            links={},  # (evidence_id, control_id) -> lineage dict
            link_calls=[],  # every accepted link-to-control call, in order
            verify_calls=[],
            puts=0,
            storage_rejections=[],
            storage_saw_authorization=0,
            unmatched=[],
        )


reset()


def body(obj, status=200):
    # Own serialisation: key order as written, a charset on the media type.
    return Response(
        json.dumps(obj),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def detail(text, status):
    return body({"detail": text}, status)


# ---------------------------------------------------------------- API

api = Flask("sovereign-peer-api")


def authorize(org_id, needed_any):
    """Returns None when allowed, else the error response."""
    header = request.headers.get("Authorization", "")
    if not header:
        return detail("Not authenticated", 401)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.startswith("sk-"):
        return detail("Invalid authentication credentials", 401)
    who = BY_KEY.get(token.strip())
    if who is None:
        return detail("Invalid API key", 401)
    user, scopes = who
    if user not in MEMBERS.get(org_id, set()):
        return detail("not a member of this organization", 403)
    for scope in needed_any:
        family = scope.split(":", 1)[0]
        if scope in scopes or f"{family}:*" in scopes:
            return None
    return detail("missing required scope", 403)


def json_body():
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


def sign(path, expires, content_type):
    msg = f"PUT\n{path}\n{expires}\n{content_type}".encode()
    return hmac.new(SIGNING_SECRET, msg, hashlib.sha256).hexdigest()


@api.post("/api/v1/orgs/<org_id>/evidence/upload-url")
def upload_url(org_id):
    denied = authorize(org_id, ["write:evidence"])
    if denied:
        return denied
    if args.no_storage:
        return detail("object storage is not configured", 503)
    data = json_body()
    if data is None or not isinstance(data.get("filename"), str) or not data["filename"]:
        return body(
            {"detail": [{"loc": ["body", "filename"], "msg": "field required"}]}, 422
        )
    content_type = data.get("content_type") or "application/octet-stream"
    if not isinstance(content_type, str):
        return body(
            {"detail": [{"loc": ["body", "content_type"], "msg": "str type expected"}]},
            422,
        )
    filename = os.path.basename(data["filename"].replace("\\", "/")) or "upload"
    object_key = f"orgs/{org_id}/evidence/{uuid.uuid4().hex}/{filename}"
    path = "/evidence-bucket/" + quote(object_key, safe="/")
    expires = int(time.time()) + EXPIRES_IN
    sig = sign(path, expires, content_type)
    with lock:
        state["tickets"][object_key] = {
            "content_type": content_type,
            "filename": data["filename"],
            "control_id": data.get("control_id"),
        }
    return body(
        {
            "upload_url": f"{STORAGE_URL}{path}?X-Peer-Expires={expires}&X-Peer-Signature={sig}",
            "object_key": object_key,
            "expires_in": EXPIRES_IN,
            "max_size": args.max_size,
        }
    )


@api.post("/api/v1/orgs/<org_id>/evidence/verify")
def verify(org_id):
    denied = authorize(org_id, ["write:evidence", "read:evidence"])
    if denied:
        return denied
    if args.no_storage:
        return detail("object storage is not configured", 503)
    object_key = request.args.get("object_key")
    expected = request.args.get("expected_hash")
    if not object_key or not expected:
        missing = "object_key" if not object_key else "expected_hash"
        return body({"detail": [{"loc": ["query", missing], "msg": "field required"}]}, 422)
    with lock:
        obj = state["objects"].get(object_key)
        state["verify_calls"].append({"object_key": object_key, "expected_hash": expected})
    if obj is None or not object_key.startswith(f"orgs/{org_id}/"):
        return detail("object not found", 404)
    actual = hashlib.sha256(obj["data"]).hexdigest()
    ok = hmac.compare_digest(actual, expected.strip().lower()) and not args.verify_lies
    if args.verify_lies:
        return body({"verified": False})
    mode = args.verify
    if mode == "ok-only":
        return body({"verified": ok})
    if mode == "hash-only":
        return body({"object_key": object_key, "sha256": actual.upper()})
    if ok:
        if mode == "empty":
            return Response(status=200)
        return body({"verified": True})
    if mode == "unprocessable":
        return body({"verified": False}, 422)
    if mode == "conflict":
        return body({"detail": "hash mismatch", "verified": False}, 409)
    return body({"verified": False}, 409)  # empty


@api.post("/api/v1/orgs/<org_id>/evidence/<evidence_id>/link-to-control")
def link(org_id, evidence_id):
    denied = authorize(org_id, ["write:evidence"])
    if denied:
        return denied
    data = json_body()
    if data is None or not isinstance(data.get("control_id"), str) or not data["control_id"]:
        return body(
            {"detail": [{"loc": ["body", "control_id"], "msg": "field required"}]}, 422
        )
    object_key = data.get("object_key")
    with lock:
        if object_key is not None and object_key not in state["objects"]:
            return detail("object not found", 404)
        key = (evidence_id, data["control_id"])
        existing = state["links"].get(key)
        state["link_calls"].append(
            {
                "evidence_id": evidence_id,
                "control_id": data["control_id"],
                "framework_id": data.get("framework_id"),
                "assessment_id": data.get("assessment_id"),
                "object_key": object_key,
                "stored_sha256": hashlib.sha256(state["objects"][object_key]["data"]).hexdigest()
                if object_key
                else None,
                "created": existing is None,
            }
        )
        if existing is None:
            existing = {
                "lineage_id": str(uuid.uuid4()),
                "framework_id": data.get("framework_id"),
                "assessment_id": data.get("assessment_id"),
            }
            state["links"][key] = existing
            created = True
        else:
            created = False
    # The six documented fields, in an order of our own.
    return body(
        {
            "created": created,
            "control_id": data["control_id"],
            "evidence_id": evidence_id,
            "assessment_id": existing["assessment_id"],
            "framework_id": existing["framework_id"],
            "lineage_id": existing["lineage_id"],
        },
        201 if created else 200,
    )


@api.get("/__peer/state")
def peer_state():
    with lock:
        return body(
            {
                "links": [
                    {"evidence_id": e, "control_id": c, **v}
                    for (e, c), v in state["links"].items()
                ],
                "link_calls": state["link_calls"],
                "verify_calls": len(state["verify_calls"]),
                "objects": {
                    k: {
                        "size": len(o["data"]),
                        "sha256": hashlib.sha256(o["data"]).hexdigest(),
                        "content_type": o["content_type"],
                    }
                    for k, o in state["objects"].items()
                },
                "puts": state["puts"],
                "storage_rejections": state["storage_rejections"],
                "storage_saw_authorization": state["storage_saw_authorization"],
                "unmatched": state["unmatched"],
            }
        )


@api.post("/__peer/reset")
def peer_reset():
    reset()
    return body({"reset": True})


def record_unmatched(e):
    with lock:
        state["unmatched"].append(f"{request.method} {request.full_path.rstrip('?')}")
    return detail("Not Found", 404)


api.register_error_handler(404, record_unmatched)
api.register_error_handler(405, record_unmatched)

# ---------------------------------------------------------------- storage

storage = Flask("sovereign-peer-storage")


def s3_error(code, message, status):
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    with lock:
        state["storage_rejections"].append(f"{status} {code}: {message}")
    return Response(xml, status=status, content_type="application/xml")


@storage.put("/evidence-bucket/<path:key>")
def storage_put(key):
    object_key = unquote(key)
    path = "/evidence-bucket/" + quote(object_key, safe="/")
    if request.headers.get("Authorization"):
        with lock:
            state["storage_saw_authorization"] += 1
        return s3_error(
            "InvalidArgument", "Only one auth mechanism allowed", 400
        )
    expires = request.args.get("X-Peer-Expires", "")
    sig = request.args.get("X-Peer-Signature", "")
    with lock:
        ticket = state["tickets"].get(object_key)
    if ticket is None or not expires.isdigit():
        return s3_error("AccessDenied", "Request has invalid parameters", 403)
    if int(expires) < time.time():
        return s3_error("AccessDenied", "Request has expired", 403)
    content_type = request.headers.get("Content-Type", "")
    if not hmac.compare_digest(sign(path, int(expires), content_type), sig):
        return s3_error(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided",
            403,
        )
    data = request.get_data()
    if len(data) > args.max_size:
        return s3_error("EntityTooLarge", "Your proposed upload exceeds the maximum", 400)
    if args.truncate and args.truncate in object_key and len(data) > 0:
        data = data[:-1]
    with lock:
        state["objects"][object_key] = {"data": data, "content_type": content_type}
        state["puts"] += 1
    etag = '"' + hashlib.md5(data).hexdigest() + '"'
    if args.put_status == 204:
        return Response(status=204, headers={"ETag": etag})
    return Response(b"", status=200, headers={"ETag": etag})


@storage.errorhandler(404)
@storage.errorhandler(405)
def storage_unmatched(e):
    with lock:
        state["unmatched"].append(f"storage {request.method} {request.path}")
    return s3_error("NoSuchKey", "no such route", 404)


# ---------------------------------------------------------------- run

api_server = make_server("127.0.0.1", 0, api, threaded=True)
storage_server = make_server("127.0.0.1", 0, storage, threaded=True)
BASE_URL = f"http://127.0.0.1:{api_server.server_port}"
STORAGE_URL = f"http://127.0.0.1:{storage_server.server_port}"

for srv in (api_server, storage_server):
    threading.Thread(target=srv.serve_forever, daemon=True).start()


def stop_on_stdin_eof():
    try:
        while sys.stdin.read(4096):
            pass
    except Exception:
        pass
    os._exit(0)


threading.Thread(target=stop_on_stdin_eof, daemon=True).start()
print(
    json.dumps(
        {
            "base_url": BASE_URL,
            "storage_url": STORAGE_URL,
            "org_id": ORG_ID,
            "keys": {name: k for name, (k, _, _) in KEYS.items()},
        }
    ),
    flush=True,
)
time.sleep(args.ttl)
os._exit(0)
