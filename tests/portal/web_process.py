"""A web process of its own, for tests/portal/test_broker_down.py: settings come from its environment
(REDIS_URL pointing wherever the test says), requests go through Django's whole stack (test client),
one per line of stdin ({"method", "path", "data"}), each answered with one line of JSON on stdout."""

import json
import sys
import time

import django

django.setup()

from django.test import Client  # noqa: E402

client = Client(raise_request_exception=False)  # a failing page is a 500, as a browser would see it
for line in sys.stdin:
    request = json.loads(line)
    start = time.monotonic()
    call = client.post if request["method"] == "POST" else client.get
    response = call(request["path"], request.get("data") or {}, secure=True)
    print(json.dumps({"status": response.status_code, "location": response.get("Location", ""),
                      "seconds": time.monotonic() - start}), flush=True)
