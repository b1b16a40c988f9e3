"""Pages of a recall, update or replacement: the clerk's request and the signer's decision on the outgoing page,
the recipient clerk's answer on the incoming page (documents.services.revisions)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import mfa_required, staff_required
from accounts.models import Role

from .. import selectors
from ..models import IncomingRevision, Outgoing, RevisionKind
from ..services import revisions as services

REPLACEMENT_CHOICES = 50


class RevisionForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Loại"), choices=RevisionKind.choices)
    reason = forms.CharField(label=gettext_lazy("Lý do (nơi nhận sẽ thấy)"), widget=forms.Textarea(attrs={"rows": 2}))
    replacement = forms.ModelChoiceField(
        label=gettext_lazy("Văn bản cập nhật, thay thế (đã phát hành)"), queryset=None, required=False,
        help_text=gettext_lazy("Chỉ khi cập nhật hoặc thay thế; thu hồi thì để trống."))

    def __init__(self, *args, outgoing, **kwargs):
        super().__init__(*args, **kwargs)
        # The newest few only: an agency issues tens of thousands a year, and the replacement is issued just before
        # the request (a select of every issued document made this page megabytes long).
        newest = services.replacement_choices(outgoing).values("pk")[:REPLACEMENT_CHOICES]
        self.fields["replacement"].queryset = Outgoing.objects.filter(pk__in=newest).order_by("-issued_at")
        self.fields["replacement"].label_from_instance = lambda o: f"{o.notation} – {o.summary[:80]}"


class AnswerForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Lý do (bắt buộc khi từ chối)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


def _errors(exc):
    return exc.messages if hasattr(exc, "messages") else [str(exc)]


def _may_request(membership, outgoing, revisions=None):
    """The issuing clerk, while nothing blocks a request (one pending, the document withdrawn…)."""
    return services.is_issuing_clerk(membership, outgoing) and not services.request_blockers(outgoing, revisions)


def outgoing_revisions_context(membership, outgoing):
    """The card on the outgoing page: every revision with each recipient's notice, and what this person may do."""
    revisions = list(outgoing.revisions.select_related("replacement", "requested_by", "decided_by")
                     .prefetch_related("notices__delivery"))
    return {
        "revisions": revisions,
        # The request's form (its select of recent documents is most of the card) is asked for when opened.
        "may_request_revision": _may_request(membership, outgoing, revisions),
        "may_decide": services.is_signer(membership, outgoing),
        "withdrawn": services.withdrawn_by(outgoing, revisions),
        # The documents this one updates or replaces (their signer agreed).
        "replaced": list(outgoing.replaces.filter(state="sent").select_related("outgoing")),
    }


@require_http_methods(["GET", "POST"])
@staff_required(Role.CLERK)
def revision_request(request, pk):
    """GET: the request's form, alone for htmx (the outgoing page's card opens it), else on a page of its own."""
    outgoing = selectors.outgoing_get_for_user(request.membership, pk)
    if request.method == "GET":
        if not _may_request(request.membership, outgoing):
            raise PermissionDenied(_("Không thể đề nghị thu hồi, cập nhật hoặc thay thế văn bản này."))
        template = ("documents/_revision_request_form.html" if request.headers.get("HX-Request")
                    else "documents/revision_request.html")
        return render(request, template, {"o": outgoing, "revision_form": RevisionForm(outgoing=outgoing)})
    form = RevisionForm(request.POST, outgoing=outgoing)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("outgoing_detail", pk)
    try:
        services.revision_request(membership=request.membership, outgoing=outgoing, **form.cleaned_data)
    except ValidationError as exc:
        for error in _errors(exc):
            messages.error(request, error)
    else:
        messages.success(request, _("Đã gửi đề nghị tới người ký văn bản."))
    return redirect("outgoing_detail", pk)


@require_POST
@staff_required(Role.LEADER)
@mfa_required
def revision_decide(request, pk, revision_pk):
    """The signer's decision, in a session that passed two-factor recently (as for approving)."""
    outgoing = selectors.outgoing_get_for_user(request.membership, pk)
    revision = get_object_or_404(outgoing.revisions, pk=revision_pk)
    agree = request.POST.get("decision") == "agree"
    try:
        services.revision_decide(membership=request.membership, revision=revision, agree=agree,
                                 comment=request.POST.get("comment", ""))
    except ValidationError as exc:
        for error in _errors(exc):
            messages.error(request, error)
    else:
        messages.success(request, _("Đã đồng ý; các nơi nhận đang được thông báo.") if agree
                         else _("Đã không đồng ý; văn thư sẽ thấy ý kiến của bạn."))
    return redirect("outgoing_detail", pk)


def incoming_revisions_context(membership, incoming):
    revisions = list(incoming.revisions.select_related("replacement", "answered_by"))
    return {"incoming_revisions": revisions,
            "answer_form": AnswerForm() if any(services.can_answer(membership, r) for r in revisions) else None}


@require_POST
@staff_required(Role.CLERK)
def incoming_revision_answer(request, pk, revision_pk):
    incoming = selectors.incoming_get_for_user(request.membership, pk)
    revision = get_object_or_404(IncomingRevision, pk=revision_pk, incoming=incoming)
    form = AnswerForm(request.POST)
    form.is_valid()
    agree = request.POST.get("decision") == "agree"
    try:
        services.incoming_revision_answer(membership=request.membership, revision=revision, agree=agree,
                                          reason=form.cleaned_data.get("reason", ""))
    except ValidationError as exc:
        for error in _errors(exc):
            messages.error(request, error)
    else:
        messages.success(request, _("Đã trả lời; cơ quan gửi sẽ thấy câu trả lời."))
    return redirect("incoming_detail", pk)


def recalled_file(request, incoming):
    """A file of a recalled copy: kept for the record, no longer served (410)."""
    return render(request, "documents/incoming_recalled.html", {"i": incoming}, status=410)
