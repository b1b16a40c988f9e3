import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Meeting


class MeetingTable(tables.Table):
    starts_at = tables.DateTimeColumn(verbose_name=_("Thời gian"), format="d/m/Y H:i")
    title = tables.Column(verbose_name=_("Cuộc họp"), linkify=("meeting_detail", [tables.A("pk")]))
    place = tables.Column(verbose_name=_("Địa điểm"), empty_values=())
    chair_name = tables.Column(verbose_name=_("Chủ trì"))
    notation = tables.Column(verbose_name=_("Giấy mời"), accessor="invitation__notation", empty_values=(),
                             order_by=("invitation__year", "invitation__number"))
    answered = tables.Column(verbose_name=_("Đã trả lời"), empty_values=(), order_by=("answered",))
    coming = tables.Column(verbose_name=_("Tham dự"))
    status = tables.Column(verbose_name=_("Trạng thái"))

    class Meta:
        model = Meeting
        fields = ["starts_at", "title", "place", "chair_name", "notation", "answered", "coming", "status"]
        attrs = {"class": "table table-hover align-middle mb-0"}

    def render_place(self, record):
        return record.place or (_("Trực tuyến") if record.online_link else "—")

    def render_notation(self, record):
        return record.invitation.notation or _("Dự thảo")

    def render_answered(self, record):
        return f"{record.answered}/{record.invited}"
