"""Pages of the mailbox check rule (agency admin) and of questions from citizens and businesses."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import staff_required
from accounts.models import Role

from . import checks, questions, selectors
from .forms_checks import AnswerForm, CalendarDayForm, CheckRuleForm
from .models import CalendarDay, Question


@staff_required(Role.ADMIN)
def check_rule_settings(request):
    admin = request.membership
    action = request.POST.get("action") if request.method == "POST" else None
    form = CheckRuleForm(request.POST if action == "rule" else None, instance=checks.rule_of(admin.agency))
    day_form = CalendarDayForm(request.POST if action == "day" else None)
    try:
        if action == "rule" and form.is_valid():
            checks.check_rule_save(admin=admin, **form.cleaned_data)
            messages.success(request, _("Đã lưu quy định kiểm tra hộp thư."))
            return redirect("mailbox_check_rule")
        if action == "day" and day_form.is_valid():
            checks.calendar_day_set(admin=admin, **day_form.cleaned_data)
            messages.success(request, _("Đã lưu ngày nghỉ, ngày làm bù."))
            return redirect("mailbox_check_rule")
        if action == "delete_day":
            checks.calendar_day_delete(admin=admin, pk=request.POST.get("pk"))
            return redirect("mailbox_check_rule")
    except ValidationError as exc:
        (form if action == "rule" else day_form).add_error(None, exc)
    return render(request, "intake/check_rule.html", {
        "form": form, "day_form": day_form,
        "days": CalendarDay.objects.filter(agency=admin.agency).order_by("-date")[:60],
    })


@staff_required(*questions.QUESTION_ROLES)
def question_list(request):
    status = request.GET.get("status", "open")
    return render(request, "intake/question_list.html", {
        "questions": questions.questions_for(request.membership, status)[:200], "status": status,
    })


@staff_required(*questions.QUESTION_ROLES)
def question_detail(request, pk):
    question = questions.question_get_for_user(request.membership, pk)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            questions.question_answer(membership=request.membership, question=question, text=form.cleaned_data["text"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Đã gửi thư trả lời."))
            return redirect("question_detail", pk=question.pk)
    return render(request, "intake/question_detail.html", {"question": question, "form": form,
                                                           "answered": question.status == Question.Status.ANSWERED})


@require_POST
@staff_required(Role.CLERK)
def inbound_mark_question(request, pk):
    message = selectors.inbound_get_for_user(request.membership, pk)
    try:
        question = questions.question_mark(membership=request.membership, message=message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("inbound_detail", pk=message.pk)
    return redirect("question_detail", pk=question.pk)
