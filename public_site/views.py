from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from core.codes import lookup_code_normalize
from core.http import file_response

from . import selectors, services, throttle
from .forms import LookupForm, VerifyForm
from .verification import verify_pdf

# Delivery ids this browser session unlocked with a lookup code; gone when the session ends.
SESSION_GRANTS = "public_lookup_grants"
MAX_GRANTS = 20
NOT_FOUND = _("Không tìm thấy văn bản với mã này. Hãy kiểm tra lại mã trong thư điện tử báo văn bản.")
BLOCKED = {
    "ip": _("Bạn đã nhập sai mã tra cứu quá nhiều lần. Vui lòng đợi ít phút rồi thử lại."),
    "code": _("Mã này đã bị nhập sai quá nhiều lần nên tạm thời bị khóa. Vui lòng thử lại sau."),
}


def _grants(request):
    return request.session.get(SESSION_GRANTS, [])


@require_http_methods(["GET", "POST"])
def lookup(request):
    """A code typed in the form, or carried by the link in the e-mail (?code=), opens the reply."""
    data = request.POST if request.method == "POST" else (request.GET if "code" in request.GET else None)
    form = LookupForm(data)
    if form.is_bound and form.is_valid():
        code = lookup_code_normalize(form.cleaned_data["code"])
        blocked = throttle.lookup_blocked(request, code)
        if blocked:
            return render(request, "public/lookup.html", {"form": form, "blocked": BLOCKED[blocked]}, status=429)
        delivery = selectors.delivery_find_by_code(code)
        if delivery is not None:
            others = [pk for pk in _grants(request) if pk != delivery.pk]
            request.session[SESSION_GRANTS] = [*others[-(MAX_GRANTS - 1):], delivery.pk]
            return redirect("public_reply", delivery.pk)
        throttle.lookup_missed(request, code)
        form.add_error("code", NOT_FOUND)
    return render(request, "public/lookup.html", {"form": form})


def reply(request, pk):
    delivery = selectors.reply_get_for_viewer(request.user, _grants(request), pk)
    return render(request, "public/reply.html", {
        "d": delivery, "o": delivery.outgoing, "files": delivery.outgoing.files.exclude(signed=""),
    })


def reply_file(request, pk, file_pk):
    delivery = selectors.reply_get_for_viewer(request.user, _grants(request), pk)
    file = selectors.reply_file_get(delivery, file_pk)
    services.download_record(delivery=delivery, file=file, ip=throttle.client_ip(request),
                             user_agent=request.headers.get("User-Agent", ""), user=request.user)
    return file_response(file.signed, name=file.name, download=True, sha256=file.signed_sha256)


@require_http_methods(["GET", "POST"])
def verify(request):
    form = VerifyForm(request.POST or None, request.FILES or None)
    verdict = None
    if request.method == "POST" and form.is_valid():
        try:
            verdict = verify_pdf(form.pdf_bytes(), verify_code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("file", exc)
    return render(request, "public/verify.html",
                  {"form": form, "verdict": verdict, "max_upload_mb": settings.MAX_UPLOAD_MB})


def outgoing_public(request, code):
    """The address printed in the stamp (and its QR code): who issued the document, for anyone to check."""
    outgoing = selectors.outgoing_get_public(code)
    return render(request, "public/outgoing_public.html", {
        "o": outgoing, "files": outgoing.files.exclude(signed=""),
        "form": VerifyForm(initial={"code": outgoing.verify_code}), "max_upload_mb": settings.MAX_UPLOAD_MB,
        "my_reply": selectors.reply_of_viewer_for(request.user, _grants(request), outgoing),
    })
