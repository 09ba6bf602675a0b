#!/usr/bin/env python3
"""An independent StrataGRC server, written from seed 001 alone.

The document names no paths and shows no response bodies. This peer chooses what a small
PHP-style vendor might: one script per module (`/api/risks.php?action=list`), the auth
status at `/api/auth/status.php`, list answers as a bare JSON array (`--shape bare`,
default) or as `{"data": [...]}` (`--shape data`), the status as
`{"authenticated": true, "user": {...}, "organization": {...}}`, and errors as
`{"error": "<message>", "code": "<one of the document's codes>"}` with the document's HTTP
status. The session rides on a cookie (`--cookie NAME`, default `session`).

Prints one JSON line on stdout: {"base_url", "session", "cookie", "paths": {...}} and exits
when stdin closes or after --ttl seconds. Test-only: GET /__peer/state (requests seen).
"""

import argparse
import json
import os
import secrets
import sys
import threading
import time

from flask import Flask, Response, request
from werkzeug.serving import make_server

parser = argparse.ArgumentParser()
parser.add_argument("--shape", default="bare", choices=["bare", "data"])
parser.add_argument("--cookie", default="session")
parser.add_argument("--ttl", type=float, default=600.0)
args = parser.parse_args()

SESSION = secrets.token_hex(24)
PATHS = {
    "authStatus": "/api/auth/status.php",
    "risks": "/api/risks.php",
    "controls": "/api/controls.php",
}

RISKS = [
    {"id": 11, "title": "Vendor data breach", "category": "Third Party", "status": "Open",
     "likelihood": 3, "impact": 5, "owner": "Dana Peer"},
    {"id": 12, "title": "Key person dependency", "category": "Operational", "status": "Open",
     "likelihood": 2, "impact": 3, "owner": "Lee"},
    {"id": 13, "title": "Unpatched edge devices", "category": "Technology", "status": "Mitigated",
     "likelihood": 4, "impact": 4, "owner": "Sam"},
]
CONTROLS = [
    {"id": 101, "code": "AC-2", "name": "Account management", "framework_id": 1,
     "status": "Active", "effectiveness": "Effective"},
    {"id": 102, "code": "CC6.1", "name": "Logical access", "framework_id": 2,
     "status": "Active", "effectiveness": "Partially Effective"},
    {"id": 103, "code": "CC7.2", "name": "Monitoring", "framework_id": 2,
     "status": "Draft", "effectiveness": "Not Tested"},
]

app = Flask("strata-peer")
seen = []
lock = threading.Lock()


def send(obj, status=200):
    return Response(json.dumps(obj), status=status, content_type="application/json")


def error(code, message, status):
    return send({"error": message, "code": code}, status)


def collection(rows):
    return send(rows if args.shape == "bare" else {"data": rows})


@app.before_request
def log_and_authenticate():
    with lock:
        seen.append(f"{request.method} {request.full_path.rstrip('?')}")
    if request.path.startswith("/__peer/"):
        return None
    if request.cookies.get(args.cookie) != SESSION:
        return error("AUTH_REQUIRED", "User not authenticated", 401)
    return None


@app.get(PATHS["authStatus"])
def auth_status():
    return send(
        {
            "authenticated": True,
            "user": {"id": 7, "username": "dana", "name": "Dana Peer",
                     "email": "dana@peer.example", "role": "admin"},
            "organization": {"id": 3, "name": "Peer Corp"},
        }
    )


def filtered(rows, filters):
    out = rows
    for name, cast in filters:
        value = request.args.get(name)
        if value is None or value == "":
            continue
        try:
            want = cast(value)
        except ValueError:
            return None, error("VALIDATION_ERROR", f"{name} must be an integer", 400)
        out = [r for r in out if r.get(name) == want]
    return out, None


def list_only():
    if request.args.get("action") != "list":
        return error("VALIDATION_ERROR", "action must be list", 400)
    return None


@app.get(PATHS["risks"])
def risks():
    bad = list_only()
    if bad:
        return bad
    rows, bad = filtered(RISKS, [("category", str), ("status", str)])
    return bad or collection(rows)


@app.get(PATHS["controls"])
def controls():
    bad = list_only()
    if bad:
        return bad
    status = request.args.get("status")
    if status and status not in ("Active", "Draft", "Archived"):
        return error("VALIDATION_ERROR", "status must be Active, Draft or Archived", 400)
    rows, bad = filtered(CONTROLS, [("framework_id", int), ("status", str)])
    return bad or collection(rows)


@app.get("/__peer/state")
def state():
    with lock:
        return send({"requests": list(seen)})


@app.errorhandler(404)
@app.errorhandler(405)
def not_found(e):
    return error("NOT_FOUND", "Resource not found", 404)


server = make_server("127.0.0.1", 0, app, threaded=True)
threading.Thread(target=server.serve_forever, daemon=True).start()


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
            "base_url": f"http://127.0.0.1:{server.server_port}",
            "session": SESSION,
            "cookie": args.cookie,
            "paths": PATHS,
        }
    ),
    flush=True,
)
time.sleep(args.ttl)
os._exit(0)
