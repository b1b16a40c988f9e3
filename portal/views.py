from django.http import JsonResponse
from django.shortcuts import redirect, render

from .health import run_checks


def home(request):
    """Send each person where their work is: staff to the desk, citizens to their replies."""
    if request.user.is_authenticated:
        return redirect("dashboard" if request.membership else "citizen_home")
    return render(request, "portal/home.html")


def healthz(request):
    checks = run_checks()
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "down", **checks}, status=200 if healthy else 503)
