from django.http import JsonResponse
from django.shortcuts import redirect, render

from .health import run_checks


def home(request):
    """Send each person where their work is: staff to the desk, citizens to their replies."""
    if request.user.is_authenticated:
        return redirect("dashboard" if request.membership else "citizen_home")
    return render(request, "portal/home.html")


def healthz(request):
    """Status only for probes and strangers; staff asking ?full=1 get each check and a live worker ping."""
    full = request.GET.get("full") == "1" and request.user.is_authenticated and request.user.is_staff
    checks = run_checks(live=full)
    healthy = all(check["ok"] for check in checks.values())
    body = {"status": "ok" if healthy else "down", **(checks if full else {})}
    response = JsonResponse(body, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response
