from django.shortcuts import render
from django.utils import timezone

from accounts.access import staff_required
from intake import checks as mailbox_checks

from .. import selectors


@staff_required()
def dashboard(request):
    """The desk: what is mine to do, overdue, due this week; for clerks what waits to be registered."""
    work = selectors.dashboard(request.membership)
    return render(request, "documents/dashboard.html", {"work": work, "now": timezone.now(),
                                                        "today": timezone.localdate(),
                                                        "mailbox": mailbox_checks.desk_for(request.membership)})
