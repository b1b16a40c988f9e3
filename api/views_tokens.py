"""The agency admin's page of API tokens: issue one (its key shown once), see each one's use, revoke it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import mfa_required_to_post, staff_required
from accounts.models import Role
from core.forms import run_service

from . import selectors, services
from .forms import TokenForm


@staff_required(Role.ADMIN)
@mfa_required_to_post
def api_tokens(request):
    """Issuing a key that opens the agency's documents asks for a two-factor session, as changing roles does."""
    admin = request.membership
    form = TokenForm(request.POST or None, agency=admin.agency)
    issued = None
    if request.method == "POST" and form.is_valid():
        issued = run_service(form, lambda: services.token_issue(admin=admin, **form.cleaned_data))
        if issued:
            messages.success(request, _("Đã cấp mã truy cập cho “%(name)s”.") % {"name": issued[0].name})
            form = TokenForm(agency=admin.agency)
    tokens = [(token, selectors.token_uses(token, limit=5)) for token in selectors.tokens_of(admin.agency)]
    return render(request, "api/tokens.html", {
        "form": form, "tokens": tokens,
        # Shown once, on this response only: the database keeps only the key's SHA-256.
        "issued": issued[0] if issued else None, "issued_key": issued[1] if issued else "",
        "docs_url": request.build_absolute_uri(reverse("api_docs")),
    })


@require_POST
@staff_required(Role.ADMIN)
@mfa_required_to_post
def api_token_revoke(request, pk):
    token = selectors.token_get_for_admin(request.membership, pk)
    services.token_revoke(admin=request.membership, token=token)
    messages.success(request, _("Đã thu hồi mã truy cập của “%(name)s”; mã này không dùng được nữa.")
                     % {"name": token.name})
    return redirect("api_tokens")
