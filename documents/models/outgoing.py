from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import NFCCharField

from .common import DocumentType, Secrecy, Urgency


def _upload_to(instance, filename):
    return f"outgoing/{instance.outgoing_id or 'new'}/{filename}"


class SignerAuthority(models.TextChoices):
    """Who signs for whom (Decree 30 Annex I, item 7): the prefix above the position in the signer's block."""

    KT = "KT", _("KT. (ký thay người đứng đầu)")
    TM = "TM", _("TM. (thay mặt tập thể lãnh đạo)")
    Q = "Q", _("Q. (quyền)")
    TL = "TL", _("TL. (thừa lệnh)")
    TUQ = "TUQ", _("TUQ. (thừa ủy quyền)")


class Outgoing(models.Model):
    """An outgoing document (văn bản đi), from draft to issued. Transitions live in documents.workflow."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        SUBMITTED = "submitted", _("Chờ duyệt")
        RETURNED = "returned", _("Trả lại")
        APPROVED = "approved", _("Đã duyệt, chờ phát hành")
        ISSUED = "issued", _("Đã phát hành")

    agency = models.ForeignKey("agencies.Agency", verbose_name=_("cơ quan ban hành"), on_delete=models.PROTECT,
                               related_name="outgoing")
    drafting_unit = models.ForeignKey("agencies.Unit", verbose_name=_("đơn vị soạn thảo"), on_delete=models.PROTECT,
                                      related_name="drafted")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người soạn"), on_delete=models.PROTECT,
                                   related_name="drafted_outgoing")
    signer = models.ForeignKey("accounts.Membership", verbose_name=_("người ký"), on_delete=models.PROTECT,
                               related_name="outgoing_to_sign")
    doc_type = models.CharField(_("loại văn bản"), max_length=5, choices=DocumentType.choices,
                                default=DocumentType.CONG_VAN)
    summary = models.TextField(_("trích yếu"))
    secrecy = models.CharField(_("độ mật"), max_length=10, choices=Secrecy.choices, default=Secrecy.NONE, blank=True)
    urgency = models.CharField(_("độ khẩn"), max_length=12, choices=Urgency.choices, default=Urgency.NONE, blank=True)
    archive_copies = models.PositiveSmallIntegerField(_("số bản lưu"), default=2)
    # Directive 34: electronic copies need no paper one; the six-monthly report counts those that still had it.
    also_on_paper = models.BooleanField(_("Gửi kèm bản giấy"), default=False)
    # The “Nơi nhận” block as the clerk pasted it: the archive line's units and copies, and “Như trên”.
    archive_text = NFCCharField(_("dòng “Lưu” như đã ghi"), max_length=255, blank=True)
    nhu_tren = models.BooleanField(_("khối nơi nhận có “Như trên”"), default=False)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    in_reply_to = models.ForeignKey("documents.Incoming", verbose_name=_("trả lời văn bản đến"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="replies")
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Set when issued.
    register = models.ForeignKey("documents.Register", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="outgoing")
    year = models.PositiveIntegerField(_("năm"), null=True, blank=True)
    number = models.PositiveIntegerField(_("số"), null=True, blank=True)
    notation = models.CharField(_("số, ký hiệu"), max_length=60, blank=True)
    issued_at = models.DateTimeField(_("ngày phát hành"), null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("văn thư phát hành"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="issued_outgoing")
    signed_sha256 = models.CharField(_("SHA-256 của bản ký số"), max_length=64, blank=True)
    # Short code of the public verification address printed in the stamp (never for secret documents).
    verify_code = models.CharField(max_length=16, blank=True)
    # The signer's block (Decree 30 Annex I): authority prefix and position as printed, and where on the page the
    # signer's image, the number and the date go: {"signer": {"page": 0, "x": .., "y": ..}, "number": .., "date": ..}
    # in PDF points from the page's lower left (docs/signatures.md). Empty: pki.layout's defaults.
    signer_authority = models.CharField(_("thẩm quyền ký"), max_length=4, choices=SignerAuthority.choices,
                                        blank=True)
    signer_position = NFCCharField(_("chức vụ người ký"), max_length=120, blank=True)
    signature_places = models.JSONField(_("vị trí chữ ký, số và ngày"), default=dict, blank=True)
    # The competent person's own signature, made when approving (Decree 30 Art. 5).
    signer_certificate = models.ForeignKey("pki.PersonalCertificate", verbose_name=_("chứng thư số của người ký"),
                                           null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    signer_signed_at = models.DateTimeField(_("thời điểm người ký ký số"), null=True, blank=True)

    class Meta:
        verbose_name = _("văn bản đi")
        verbose_name_plural = _("văn bản đi")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["register", "year", "number"], name="outgoing_number_unique_in_register",
                                    condition=Q(number__isnull=False)),
            models.UniqueConstraint(fields=["verify_code"], condition=~Q(verify_code=""), name="verify_code_unique"),
            models.CheckConstraint(
                condition=Q(status="issued", number__isnull=False, issued_at__isnull=False)
                | (~Q(status="issued") & Q(number__isnull=True)),
                name="outgoing_number_iff_issued",
            ),
        ]
        # The six-monthly report and its benchmark (reports.figures): an index-only scan of a period.
        indexes = [models.Index(fields=["issued_at"], name="outgoing_issued_report_idx",
                                include=["agency_id", "status", "drafting_unit_id", "doc_type", "also_on_paper"]),
                   # The outgoing list (core.paging): each sort reads the agency's rows in order, 25 at a
                   # time, and counts at most 10,001 of them; the desk's "approved, to issue" by status.
                   models.Index(fields=["agency", "-updated_at"], name="outgoing_list_updated_idx",
                                include=["status", "secrecy", "created_by"]),
                   models.Index(fields=["agency", "year", "number"], name="outgoing_list_number_idx"),
                   models.Index(fields=["agency", "year", "-updated_at"], name="outgoing_list_year_idx"),
                   models.Index(fields=["agency", "doc_type", "-updated_at"], name="outgoing_list_type_idx"),
                   models.Index(fields=["agency", "status", "-updated_at"], name="outgoing_list_status_idx"),
                   # The traffic log's outgoing half and the report: one agency's issued documents by issue time.
                   models.Index(fields=["agency", "issued_at"], name="outgoing_agency_issued_idx",
                                condition=Q(status="issued")),
                   # The register's page (documents.registers): its count and its page's ids by an index-only scan.
                   models.Index(fields=["register", "year", "number"], name="outgoing_register_page_idx",
                                include=["id", "agency"], condition=Q(status="issued"))]

    def __str__(self):
        return self.notation or f"{self.get_doc_type_display()} – {self.summary[:60]}"

    @property
    def is_secret(self):
        return bool(self.secrecy)


class OutgoingFile(models.Model):
    """The main PDF or an attachment; `signed` holds the issued, signed copy."""

    class Kind(models.TextChoices):
        MAIN = "main", _("Tệp văn bản chính")
        ATTACHMENT = "attachment", _("Phụ lục, tài liệu kèm theo")

    outgoing = models.ForeignKey(Outgoing, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("tên tệp"), max_length=255)
    draft = models.FileField(upload_to=_upload_to)
    signed = models.FileField(upload_to=_upload_to, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    signed_sha256 = models.CharField(max_length=64, blank=True)
    # The main file signed by the competent person at approval; `signed` adds the number, date and the seal.
    approved = models.FileField(upload_to=_upload_to, blank=True)
    approved_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["kind", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["outgoing"], condition=Q(kind="main"), name="one_main_file"),
        ]
        # /verify/ finds the issued file by the SHA-256 of the uploaded bytes.
        indexes = [models.Index(fields=["signed_sha256"], name="outgoingfile_signed_sha_idx")]

    def __str__(self):
        return self.name


class Recipient(models.Model):
    """One line of “Kính gửi” or “Nơi nhận”: an agency, a unit of one's own agency, a group,
    an external address or a citizen/business."""

    class Role(models.TextChoices):
        KINH_GUI = "kinh_gui", _("Kính gửi")
        NOI_NHAN = "noi_nhan", _("Nơi nhận")

    class Kind(models.TextChoices):
        AGENCY = "agency", _("Cơ quan")
        UNIT = "unit", _("Đơn vị trong cơ quan")
        GROUP = "group", _("Nhóm cơ quan")
        EMAIL = "email", _("Địa chỉ thư điện tử")
        CITIZEN = "citizen", _("Công dân, doanh nghiệp")
        PAPER = "paper", _("Chỉ gửi bản giấy")

    outgoing = models.ForeignKey(Outgoing, on_delete=models.CASCADE, related_name="recipients")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.NOI_NHAN)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(default=0)
    agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("agencies.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey("agencies.RecipientGroup", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    name = NFCCharField(_("tên"), max_length=255, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    dossier = models.CharField(_("số hồ sơ"), max_length=100, blank=True)
    # The line as the clerk wrote it in a pasted block (“UBND tỉnh Gia Lai (để b/c)”): printed as written.
    printed_as = NFCCharField(_("dòng in trong khối nơi nhận"), max_length=500, blank=True)

    class Meta:
        ordering = ["role", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                name="recipient_target_matches_kind",
                condition=(Q(kind="agency", agency__isnull=False) | Q(kind="unit", unit__isnull=False)
                           | Q(kind="group", group__isnull=False) | (Q(kind__in=["email", "citizen"]) & ~Q(email=""))
                           | (Q(kind="paper") & ~Q(name=""))),
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        if self.kind == self.Kind.AGENCY:
            return self.agency.name
        if self.kind == self.Kind.UNIT:
            return self.unit.name
        if self.kind == self.Kind.GROUP:
            return self.group.name
        return self.name or self.email


class UnresolvedRecipientLine(models.Model):
    """A line of a pasted “Nơi nhận” block that matched no recipient. It stays with the draft until it is
    mapped to a recipient or dismissed with a reason; while one is open the draft cannot be submitted,
    approved or issued (documents.workflow). Its moves are declared in documents.workflow.LINE_MOVES."""

    class State(models.TextChoices):
        OPEN = "open", _("Chưa xử lý")
        MAPPED = "mapped", _("Đã ghép nơi nhận")
        DISMISSED = "dismissed", _("Đã bỏ qua, có lý do")

    outgoing = models.ForeignKey(Outgoing, on_delete=models.CASCADE, related_name="unresolved_lines")
    text = NFCCharField(_("dòng đã dán"), max_length=500)
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    state = models.CharField(_("tình trạng"), max_length=10, choices=State.choices, default=State.OPEN)
    recipient = models.ForeignKey(Recipient, verbose_name=_("nơi nhận đã ghép"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="source_lines")
    dismiss_reason = models.TextField(_("lý do bỏ qua"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    settled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người xử lý"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    settled_at = models.DateTimeField(_("thời điểm xử lý"), null=True, blank=True)

    class Meta:
        verbose_name = _("dòng nơi nhận chưa khớp")
        verbose_name_plural = _("dòng nơi nhận chưa khớp")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["outgoing", "text"], name="unresolved_line_once_per_draft"),
            models.CheckConstraint(
                name="unresolved_line_settled_consistently",
                condition=(Q(state="open", settled_at__isnull=True)
                           | Q(state="mapped", settled_at__isnull=False)
                           | (Q(state="dismissed", settled_at__isnull=False) & ~Q(dismiss_reason=""))),
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def is_open(self):
        return self.state == self.State.OPEN


class NoiNhanAlias(models.Model):
    """A “Nơi nhận” line an agency's clerk mapped by hand, remembered for the next paste."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="noi_nhan_aliases")
    text = models.CharField(max_length=255, help_text="folded line text")
    kind = models.CharField(max_length=10, choices=Recipient.Kind.choices)
    target_agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="+")
    target_unit = models.ForeignKey("agencies.Unit", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="+")
    target_group = models.ForeignKey("agencies.RecipientGroup", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "text"], name="alias_unique_per_agency")]

    def __str__(self):
        return self.text


class OutgoingEvent(models.Model):
    """The history of a document: who did what, when, with which comment."""

    class Action(models.TextChoices):
        """Every kind of event, with its one label: workflow's transitions are submit to issue, and the moves
        of a pasted “Nơi nhận” line (workflow.LINE_MOVES) the last three."""

        CREATE = "create", _("Tạo dự thảo")
        EDIT = "edit", _("Sửa dự thảo")
        SUBMIT = "submit", _("Trình duyệt")
        WITHDRAW = "withdraw", _("Rút lại để sửa")
        APPROVE = "approve", _("Duyệt ký")
        RETURN = "return", _("Trả lại")
        ISSUE = "issue", _("Cấp số, ký số và phát hành")
        LINE_MAP = "line_map", _("Ghép dòng “Nơi nhận” với nơi nhận")
        LINE_DISMISS = "line_dismiss", _("Bỏ qua dòng “Nơi nhận”, có lý do")
        LINE_REOPEN = "line_reopen", _("Mở lại dòng “Nơi nhận” (đã bỏ nơi nhận được ghép)")
        # An issued document's recall, update or replacement (documents.services.revisions).
        REVISION_REQUEST = "revision_request", _("Đề nghị thu hồi, cập nhật, thay thế")
        REVISION_AGREE = "revision_agree", _("Người ký đồng ý thu hồi, cập nhật, thay thế")
        REVISION_DECLINE = "revision_decline", _("Người ký không đồng ý thu hồi, cập nhật, thay thế")

    outgoing = models.ForeignKey(Outgoing, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("thao tác"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    comment = models.TextField(_("ý kiến"), blank=True)
    # A line move's pasted line and the recipient it was mapped to, as they were then (either may go later).
    line = NFCCharField(_("dòng “Nơi nhận” đã dán"), max_length=500, blank=True)
    recipient_kind = models.CharField(_("loại nơi nhận"), max_length=10, choices=Recipient.Kind.choices, blank=True)
    recipient_label = NFCCharField(_("nơi nhận"), max_length=500, blank=True)
    at = models.DateTimeField(_("thời điểm"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.action} – {self.at:%Y-%m-%d %H:%M}"
