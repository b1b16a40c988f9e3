"""A portal process of its own for the deployment tests: settings from its environment (DATABASE_URL and
DATABASE_REPLICA_URL pointing at private clusters), requests through Django's whole stack (test client), one command
per line of stdin, each answered with one line of JSON on stdout:

- {"op": "staff", "agency": name, "people": {name: [roles]}}: an agency with these people, each signed in to a
  client of their own;
- {"op": "paper", "who": name, "summary": text}: the clerk registers a paper document with a scan, as the form does;
- {"op": "get", "who": name, "path": path}: a page;
- {"op": "set", "name": setting, "value": value}: a setting of this process.
"""

import json
import sys
import uuid

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402

from tests import factories  # noqa: E402
from tests.pki.conftest import make_pdf  # noqa: E402

clients = {}


def staff(agency, people):
    n = uuid.uuid4().int  # agencies of earlier processes on the same database
    agency = factories.make_agency(agency, code=f"000.{n % 100:02d}.{n // 100 % 100:02d}.H{n // 10**4 % 100:02d}",
                                   domain=f"a{n % 10**8}.gov.vn")
    for name, roles in people.items():
        user = factories.make_user(f"{name}@a{n % 10**8}.gov.vn")
        member = factories.make_member(agency, *roles, user=user, position="Văn thư")
        clients[name] = Client(raise_request_exception=False)
        clients[name].force_login(member.user)
    return {}


def paper(who, summary):
    scan = SimpleUploadedFile("scan.pdf", make_pdf(1, text=summary), content_type="application/pdf")
    response = clients[who].post("/incoming/paper/new/", {
        "scans": [scan], "sender_name": "Sở Tài chính", "summary": summary, "notation": summary[-8:],
        "doc_type": "CV"}, secure=True, follow=True)
    return {"status": response.status_code, "path": response.request["PATH_INFO"],
            "body": response.content.decode()}


def get(who, path):
    response = clients[who].get(path, secure=True)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return {"status": response.status_code, "body": body.decode(errors="replace")}


def set_setting(name, value):
    setattr(settings, name, value)
    return {}


OPS = {"staff": staff, "paper": paper, "get": get, "set": set_setting}
for line in sys.stdin:
    command = json.loads(line)
    print(json.dumps(OPS[command.pop("op")](**command)), flush=True)
