from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from .common import DocumentType, Secrecy, Urgency


def _upload_to(instance, filename):
    return f"incoming/{instance.incoming_id}/{filename}"


class Incoming(models.Model):
    """An incoming document (văn bản đến) of an agency, from the portal, the agency mailbox or paper.

    The status follows the edXML vocabulary that the sender sees (documents.edxml).
    """

    class Source(models.TextChoices):
        PORTAL = "portal", _("Trong cổng")
        EMAIL = "email", _("Thư điện tử")
        PAPER = "paper", _("Bản giấy")
        # An edXML envelope from another installation of the portal, or one a clerk imported (exchange app).
        PEER = "peer", _("Liên thông")

    class Status(models.TextChoices):
        ARRIVED = "01", _("Đã đến")
        REFUSED = "02", _("Từ chối")
        ACCEPTED = "03", _("Đã tiếp nhận")
        ASSIGNED = "04", _("Đã phân công")
        IN_PROGRESS = "05", _("Đang xử lý")
        DONE = "06", _("Hoàn thành")
        # The sender recalled it and the clerk agreed: out of handling, its files kept but no longer served.
        RECALLED = "13", _("Đã thu hồi")

    agency = models.ForeignKey("agencies.Agency", verbose_name=_("cơ quan nhận"), on_delete=models.PROTECT,
                               related_name="incoming")
    target_unit = models.ForeignKey("agencies.Unit", verbose_name=_("đơn vị nhận"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(_("nguồn"), max_length=10, choices=Source.choices)
    delivery = models.OneToOneField("documents.Delivery", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="incoming")
    sender_agency = models.ForeignKey("agencies.Agency", verbose_name=_("cơ quan ban hành"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="sent_incoming")
    sender_name = models.CharField(_("tác giả"), max_length=255)
    notation = models.CharField(_("số, ký hiệu"), max_length=60, blank=True)
    doc_date = models.DateField(_("ngày văn bản"), null=True, blank=True)
    doc_type = models.CharField(_("loại văn bản"), max_length=5, choices=DocumentType.choices,
                                default=DocumentType.CONG_VAN)
    summary = models.TextField(_("trích yếu"))
    secrecy = models.CharField(_("độ mật"), max_length=10, choices=Secrecy.choices, default=Secrecy.NONE, blank=True)
    urgency = models.CharField(_("độ khẩn"), max_length=12, choices=Urgency.choices, default=Urgency.NONE, blank=True)
    signer_name = models.CharField(_("người ký"), max_length=255, blank=True)
    signer_position = models.CharField(_("chức vụ người ký"), max_length=255, blank=True)
    status = models.CharField(_("trạng thái"), max_length=2, choices=Status.choices, default=Status.ARRIVED)
    status_reason = models.TextField(_("lý do"), blank=True)
    arrived_at = models.DateTimeField(_("thời điểm đến"), auto_now_add=True)

    # edXML DocumentId (OrganId,YYYY/MM/DD,number/notation) of a document that came as an envelope.
    edxml_document_id = models.CharField(_("mã văn bản edXML"), max_length=255, blank=True)
    withdrawn_at = models.DateTimeField(_("thời điểm thu hồi"), null=True, blank=True)

    inbound = models.OneToOneField("intake.InboundMessage", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="incoming")

    register = models.ForeignKey("documents.Register", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="incoming")
    year = models.PositiveIntegerField(_("năm"), null=True, blank=True)
    arrival_number = models.PositiveIntegerField(_("số đến"), null=True, blank=True)
    registered_at = models.DateTimeField(_("ngày đến"), null=True, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    note = models.TextField(_("ghi chú"), blank=True)

    # Set when a leader routes it (phân công) and when the lead completes it.
    instructions = models.TextField(_("ý kiến chỉ đạo"), blank=True)
    due_date = models.DateField(_("hạn xử lý"), null=True, blank=True)
    routed_at = models.DateTimeField(_("ngày chuyển"), null=True, blank=True)
    routed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    completed_at = models.DateTimeField(_("ngày hoàn thành"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    result = models.TextField(_("kết quả xử lý"), blank=True)

    class Meta:
        verbose_name = _("văn bản đến")
        verbose_name_plural = _("văn bản đến")
        ordering = ["-arrived_at"]
        constraints = [
            models.UniqueConstraint(fields=["register", "year", "arrival_number"], name="arrival_number_unique",
                                    condition=Q(arrival_number__isnull=False)),
            # The receiver is idempotent on DocumentId: an envelope that comes again makes no second document.
            models.UniqueConstraint(fields=["agency", "edxml_document_id"], condition=~Q(edxml_document_id=""),
                                    name="incoming_edxml_document_once"),
        ]
        # The six-monthly report (reports.figures): handling times of a period by an index-only scan, and the
        # few documents still open past their due date.
        indexes = [
            models.Index(fields=["arrived_at"], name="incoming_arrived_report_idx",
                         include=["agency_id", "source", "status", "doc_type", "registered_at", "completed_at",
                                  "due_date"]),
            models.Index(fields=["arrived_at"], name="incoming_open_report_idx",
                         include=["agency_id", "due_date", "doc_type"], condition=Q(status__in=["04", "05"])),
            # The incoming list and the register (core.paging), the desk's waiting and overdue documents,
            # and the duplicates shown on a document's page (services.incoming.duplicates_of).
            models.Index(fields=["agency", "-arrived_at"], name="incoming_list_arrived_idx", include=["status"]),
            # The report's handling-time percentiles of one agency's half-year, by an index-only scan.
            models.Index(fields=["agency", "arrived_at"], name="incoming_agency_handling_idx",
                         include=["registered_at", "completed_at"]),
            # A status, alone or with a source (the list's filter bar), read newest first; the source from the index.
            models.Index(fields=["agency", "status", "arrived_at"], name="incoming_status_source_idx",
                         include=["source"]),
            models.Index(fields=["agency", "source", "-arrived_at"], name="incoming_list_source_idx"),
            # The register's page: its count and its page's ids by an index-only scan.
            models.Index(fields=["agency", "year", "arrival_number"], name="incoming_register_page_idx",
                         include=["id"], condition=Q(arrival_number__isnull=False)),
            # … and a person's worklist: the agency's open documents in due-date order (selectors.worklist).
            models.Index(fields=["agency", "due_date", "arrived_at"], name="incoming_open_worklist_id_idx",
                         include=["id"], condition=Q(status__in=["04", "05"])),
            models.Index(Upper("notation"), "agency", name="incoming_notation_upper_idx",
                         condition=Q(arrival_number__isnull=False)),
        ]

    def __str__(self):
        return f"{self.notation or '—'} – {self.sender_name}"

    @property
    def is_secret(self):
        return bool(self.secrecy)


class SignatureStatus(models.TextChoices):
    VALID = "valid", _("Hợp lệ, tin cậy")
    UNTRUSTED = "untrusted", _("Chữ ký không thuộc tổ chức chứng thực tin cậy")
    INVALID = "invalid", _("Đã bị sửa đổi sau khi ký")
    UNSIGNED = "unsigned", _("Không có chữ ký số")
    ERROR = "error", _("Không kiểm tra được")


class IncomingFile(models.Model):
    class Kind(models.TextChoices):
        MAIN = "main", _("Tệp văn bản chính")
        ATTACHMENT = "attachment", _("Phụ lục, tài liệu kèm theo")

    incoming = models.ForeignKey(Incoming, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=255)
    file = models.FileField(upload_to=_upload_to)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    # What core.files found in the bytes when the file arrived: the type it is served as, and the active
    # content (script, launch actions, embedded files...) kept as evidence but flagged, in Vietnamese.
    content_type = models.CharField(_("kiểu nội dung"), max_length=100, blank=True)
    active_content = models.JSONField(_("nội dung chủ động"), default=list, blank=True)
    # The digital signature check made when the file arrived (pki.validation).
    signature_status = models.CharField(_("chữ ký số"), max_length=12, choices=SignatureStatus.choices, blank=True)
    signature_summary = models.TextField(_("kết quả kiểm tra chữ ký"), blank=True)
    signer = models.CharField(_("người/cơ quan ký"), max_length=255, blank=True)
    signed_at = models.DateTimeField(_("thời điểm ký"), null=True, blank=True)

    class Meta:
        ordering = ["kind", "pk"]

    def __str__(self):
        return self.name


class Assignment(models.Model):
    """Who a routed document goes to: the lead (chủ trì), co-operating (phối hợp) or for-information (để biết),
    a unit of the agency or one person."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Chủ trì")
        COOPERATE = "cooperate", _("Phối hợp")
        INFORM = "inform", _("Để biết")

    incoming = models.ForeignKey(Incoming, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("vai trò"), max_length=10, choices=Role.choices)
    unit = models.ForeignKey("agencies.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("accounts.Membership", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="assignments")
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False, member__isnull=True) | Q(unit__isnull=True, member__isnull=False),
                name="assignment_unit_xor_member",
            ),
        ]
        indexes = [models.Index(fields=["incoming"], name="assignment_current_lead_idx", include=["unit", "member"],
                                condition=Q(role="lead", is_current=True)),
                   # A specialist's lists (selectors._routed_to): is this document routed to me or my unit, for each
                   # row read in date order, answered from the index alone.
                   models.Index(fields=["incoming"], name="assignment_current_reach_idx",
                                include=["unit", "member", "role"], condition=Q(is_current=True)),
                   # What a specialist may see (selectors._routed_ids): the documents routed now to me, and to my
                   # unit, each read from its index alone.
                   models.Index(fields=["member"], name="assignment_current_member_idx", include=["incoming"],
                                condition=Q(is_current=True)),
                   models.Index(fields=["unit"], name="assignment_current_unit_idx", include=["incoming"],
                                condition=Q(is_current=True)),
                   # The desk's "for information" box: what is sent to me, or to my unit, to know.
                   models.Index(fields=["member"], name="assignment_inform_member_idx", include=["incoming"],
                                condition=Q(is_current=True, role="inform")),
                   models.Index(fields=["unit"], name="assignment_inform_unit_idx", include=["incoming"],
                                condition=Q(is_current=True, role="inform"))]

    def __str__(self):
        return f"{self.get_role_display()}: {self.target}"

    @property
    def target(self):
        return self.unit.name if self.unit_id else self.member.user.full_name


class IncomingEvent(models.Model):
    """What happened to an incoming document; its status changes are what the sender sees (edXML)."""

    class Action(models.TextChoices):
        """Every kind of event, with its one label: incoming_workflow's transitions are these actions."""

        ARRIVE = "arrive", _("Văn bản đến")
        REGISTER = "register", _("Vào sổ văn bản đến")
        REFUSE = "refuse", _("Từ chối nhận")
        ROUTE = "route", _("Phân công xử lý")
        PROGRESS = "progress", _("Cập nhật tiến độ")
        INPUT = "input", _("Góp ý phối hợp")
        COMPLETE = "complete", _("Hoàn thành")
        REPLY = "reply", _("Soạn văn bản trả lời")
        # A recall, update or replacement the sender announced (documents.services.revisions), the clerk's
        # answer, and an agreed recall (→ 13).
        REVISION = "revision", _("Nhận đề nghị thu hồi, cập nhật, thay thế")
        REVISION_ANSWER = "revision_answer", _("Trả lời đề nghị thu hồi, cập nhật, thay thế")
        RECALL = "recall", _("Thu hồi văn bản")

    incoming = models.ForeignKey(Incoming, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("thao tác"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    status = models.CharField(_("trạng thái"), max_length=2, choices=Incoming.Status.choices, blank=True)
    text = models.TextField(_("nội dung"), blank=True)
    at = models.DateTimeField(_("thời điểm"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.action} – {self.at:%Y-%m-%d %H:%M}"
