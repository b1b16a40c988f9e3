import logging

from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from kombu.exceptions import OperationalError as TaskQueueUnavailable

from accounts.access import staff_required
from accounts.models import Role
from core.http import file_response

from . import checks, lifecycle, questions, selectors, services, tasks
from .forms import MailboxForm
from .models import MailboxCheck
from .tables import InboundTable

logger = logging.getLogger(__name__)
CHECK_NOW_WAIT_SECONDS = 20
PAGE_SIZE = 25


@staff_required(Role.ADMIN)
def mailbox_settings(request):
    admin = request.membership
    mailbox = selectors.mailbox_of(admin.agency)
    if request.method == "POST" and request.POST.get("action") == "check":
        return _check_now(request, mailbox)
    form = MailboxForm(request.POST or None, instance=mailbox)
    if request.method == "POST" and form.is_valid():
        try:
            services.mailbox_save(admin=admin, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Đã lưu cấu hình hộp thư."))
            return redirect("mailbox_settings")
    return render(request, "intake/mailbox_settings.html", {"form": form, "mailbox": mailbox})


def _check_now(request, mailbox):
    if mailbox is None:
        messages.error(request, _("Hãy lưu cấu hình hộp thư trước khi kiểm tra."))
        return redirect("mailbox_settings")
    try:
        # This web process is no worker: waiting for the result here cannot deadlock a pool, so Celery's
        # process-wide guard (which concurrent eager tasks can leave raised) is not consulted.
        result = tasks.mailbox_poll.delay(mailbox.pk).get(timeout=CHECK_NOW_WAIT_SECONDS,
                                                           disable_sync_subtasks=False)
    except TaskQueueUnavailable:  # the broker refused the request: no fault of the mailbox, nothing was read
        logger.warning("Checking mailbox %s: the task queue is unavailable", mailbox.pk, exc_info=True)
        messages.warning(request, _("Dịch vụ chạy nền của cổng đang tạm ngừng nên chưa đọc được hộp thư lúc này "
                                    "(không phải lỗi của hộp thư); hộp thư sẽ được đọc khi dịch vụ hoạt động trở lại."))
        return redirect("mailbox_settings")
    except CeleryTimeoutError:
        messages.info(request, _("Đã gửi yêu cầu kiểm tra; hộp thư đang được đọc, hãy tải lại trang sau ít phút."))
        return redirect("mailbox_settings")
    except Exception:  # the poll has recorded the fault on the mailbox, which the page shows
        logger.exception("Checking mailbox %s failed", mailbox.pk)
        messages.error(request, _("Đọc hộp thư gặp lỗi; chi tiết ở mục Tình trạng đọc hộp thư."))
        return redirect("mailbox_settings")
    status = result["status"]
    if status == "ok":
        messages.success(request, _("Đã đọc hộp thư: %(imported)s thư mới.") % {"imported": result["imported"]})
    elif status == "error":
        messages.error(request, _("Không đọc được hộp thư: %(error)s") % {"error": result["error"]})
    elif status == "disabled":
        messages.warning(request, _("Hộp thư đang tắt đọc tự động; hãy bật lại rồi kiểm tra."))
    else:
        messages.info(request, _("Hộp thư đang được đọc ở một lượt khác; kết quả sẽ hiện khi lượt đó xong."))
    return redirect("mailbox_settings")


@staff_required(*selectors.PAGE_ROLES["inbound_list"])
def inbound_list(request):
    filterset = selectors.inbound_filterset(membership=request.membership, filters=request.GET)
    checks.mailbox_check_record(membership=request.membership, action=MailboxCheck.Action.OPENED)
    table = InboundTable(filterset.qs, request=request)
    table.paginate(page=request.GET.get("page", 1), per_page=PAGE_SIZE)
    return render(request, "intake/inbound_list.html", {
        "table": table, "filter": filterset, "mailbox": selectors.mailbox_of(request.membership.agency),
    })


@staff_required(Role.CLERK)
def inbound_detail(request, pk):
    message = selectors.inbound_get_for_user(request.membership, pk)
    return render(request, "intake/inbound_detail.html", {
        "message": message, "attachments": message.attachments.all(),
        "transitions": lifecycle.available(request.membership, message),
        "facts": selectors.inbound_facts(message), "question": questions.inbound_question_of(message),
    })


@require_POST
@staff_required(Role.CLERK)
def inbound_mark(request, pk):
    message = selectors.inbound_get_for_user(request.membership, pk)
    status = request.POST.get("status")
    try:
        services.inbound_triage(membership=request.membership, message=message, status=status)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã cập nhật trạng thái thư."))
    return redirect("inbound_detail", pk=message.pk)


@staff_required(Role.CLERK)
def inbound_attachment_download(request, pk, attachment_pk):
    attachment = selectors.inbound_attachment_get_for_user(request.membership, pk, attachment_pk)
    return file_response(attachment.file, name=attachment.filename, download=True, sha256=attachment.sha256)
