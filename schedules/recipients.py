"""Where an agency sends its published schedules (ScheduleRecipient), kept by its schedule keepers and admins,
and the office's view of what each version's sendings became."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency, Unit

from .models import ScheduleRecipient, ScheduleSending, ScheduleVersion


def may_manage_recipients(membership):
    return bool(membership) and (membership.is_schedule_keeper or membership.is_agency_admin)


def may_see_sendings(membership):
    return may_manage_recipients(membership) or (bool(membership) and membership.is_leader)


def _check(membership):
    if not may_manage_recipients(membership):
        raise PermissionDenied(_("Chỉ cán bộ soạn lịch công tác hoặc quản trị cơ quan mới được sửa nơi nhận lịch."))


def recipients_of(membership):
    _check(membership)
    return (ScheduleRecipient.objects.filter(agency=membership.agency_id)
            .select_related("unit", "target_agency").order_by("kind", "pk"))


@transaction.atomic
def recipient_add(*, membership, kind, unit=None, target_agency=None, email="", name=""):
    """A unit of the agency, another agency, or an address, once each."""
    _check(membership)
    agency = membership.agency
    fields = {"unit": None, "target_agency": None, "email": ""}
    if kind == ScheduleRecipient.Kind.UNIT:
        if unit is None or unit.agency_id != agency.pk:
            raise ValidationError({"unit": _("Hãy chọn một đơn vị của cơ quan.")})
        fields["unit"] = unit
    elif kind == ScheduleRecipient.Kind.AGENCY:
        if target_agency is None or target_agency.pk == agency.pk:
            raise ValidationError({"target_agency": _("Hãy chọn một cơ quan khác.")})
        fields["target_agency"] = target_agency
    elif kind == ScheduleRecipient.Kind.EMAIL:
        if not email:
            raise ValidationError({"email": _("Hãy nhập địa chỉ thư điện tử.")})
        fields["email"] = email.strip().lower()
    else:
        raise ValidationError({"kind": _("Loại nơi nhận không hợp lệ.")})
    if ScheduleRecipient.objects.filter(agency=agency, kind=kind, **fields).exists():
        raise ValidationError(_("Nơi nhận này đã có trong danh sách."))
    return ScheduleRecipient.objects.create(agency=agency, kind=kind, name=(name or "").strip(), **fields)


@transaction.atomic
def recipient_remove(*, membership, pk):
    _check(membership)
    deleted, _rows = ScheduleRecipient.objects.filter(agency=membership.agency_id, pk=pk).delete()
    if not deleted:
        raise Http404


def versions_with_sendings(membership, limit=20):
    """The agency's latest published versions with how many of their sendings went, wait and failed."""
    if not may_see_sendings(membership):
        raise PermissionDenied
    return (ScheduleVersion.objects.filter(schedule__agency=membership.agency_id)
            .select_related("schedule__unit").order_by("-published_at")
            .annotate(sent=Count("sendings", filter=Q(sendings__status=ScheduleSending.Status.SENT)),
                      pending=Count("sendings", filter=Q(sendings__status=ScheduleSending.Status.PENDING)),
                      failed=Count("sendings", filter=Q(sendings__status=ScheduleSending.Status.FAILED)))[:limit])


def version_for_sendings(membership, schedule_pk, number):
    """A version of the person's agency, for the page of its sendings; 404 for another agency's."""
    if not may_see_sendings(membership):
        raise PermissionDenied
    version = (ScheduleVersion.objects.select_related("schedule__agency", "schedule__unit")
               .filter(schedule_id=schedule_pk, number=number, schedule__agency=membership.agency_id).first())
    if version is None:
        raise Http404
    return version


def sending_for_resend(membership, pk):
    sending = (ScheduleSending.objects.select_related("version__schedule")
               .filter(pk=pk, version__schedule__agency=membership.agency_id).first())
    if sending is None:
        raise Http404
    return sending


class RecipientForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Loại nơi nhận"), choices=ScheduleRecipient.Kind.choices)
    unit = forms.ModelChoiceField(label=gettext_lazy("Đơn vị"), queryset=Unit.objects.none(), required=False)
    target_agency = forms.ModelChoiceField(label=gettext_lazy("Cơ quan"), queryset=Agency.objects.none(),
                                           required=False)
    email = forms.EmailField(label=gettext_lazy("Thư điện tử"), required=False)
    name = forms.CharField(label=gettext_lazy("Tên hiển thị (không bắt buộc)"), max_length=255, required=False)

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(agency=agency, is_active=True).order_by("name")
        self.fields["target_agency"].queryset = (Agency.objects.filter(is_active=True).exclude(pk=agency.pk)
                                                 .order_by("name"))
