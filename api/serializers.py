"""What the API reads and writes. Writing serializers only parse: the documents' services decide."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.models import Agency
from documents.models import (
    Delivery,
    DocumentType,
    EdxmlStatus,
    Incoming,
    IncomingFile,
    Outgoing,
    OutgoingFile,
    Recipient,
    Urgency,
)
from documents.models.outgoing import SignerAuthority


class ErrorOut(serializers.Serializer):
    detail = serializers.CharField()


class UnitOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    abbreviation = serializers.CharField()


class OutgoingFileOut(serializers.ModelSerializer):
    class Meta:
        model = OutgoingFile
        fields = ["id", "kind", "name", "size", "signed_sha256"]


class RecipientOut(serializers.ModelSerializer):
    label = serializers.CharField()
    agency_code = serializers.CharField(source="agency.code", allow_null=True)

    class Meta:
        model = Recipient
        fields = ["role", "kind", "label", "agency_code", "email"]


class OutgoingOut(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    drafting_unit = UnitOut()
    signer_name = serializers.CharField(source="signer.user.full_name")
    created_by_name = serializers.CharField(source="created_by.full_name")
    in_reply_to = serializers.IntegerField(source="in_reply_to_id", allow_null=True)

    class Meta:
        model = Outgoing
        fields = ["id", "status", "status_label", "doc_type", "summary", "urgency", "notation", "number", "year",
                  "issued_at", "created_at", "updated_at", "drafting_unit", "signer_name", "signer_authority",
                  "signer_position", "created_by_name", "also_on_paper", "in_reply_to"]


class OutgoingDetailOut(OutgoingOut):
    files = OutgoingFileOut(many=True)
    recipients = RecipientOut(many=True)

    class Meta(OutgoingOut.Meta):
        fields = [*OutgoingOut.Meta.fields, "files", "recipients"]


class OutgoingCreateIn(serializers.Serializer):
    """A draft as the drafting page makes it (documents.services.outgoing.outgoing_create_addressed). Secret
    documents are not drafted through the API: they never leave the portal electronically."""

    doc_type = serializers.ChoiceField(choices=DocumentType.choices, default=DocumentType.CONG_VAN)
    summary = serializers.CharField(max_length=5000)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NONE, allow_blank=True)
    drafting_unit = serializers.IntegerField(min_value=1, help_text=_("Mã số (id) đơn vị soạn thảo của cơ quan."))
    signer = serializers.IntegerField(min_value=1, help_text=_("Mã số (id) vị trí công tác của lãnh đạo ký."))
    signer_authority = serializers.ChoiceField(choices=SignerAuthority.choices, default="", allow_blank=True)
    signer_position = serializers.CharField(max_length=120, default="", allow_blank=True)
    archive_copies = serializers.IntegerField(min_value=0, max_value=100, default=2)
    also_on_paper = serializers.BooleanField(default=False)
    main_file = serializers.FileField(help_text=_("Tệp văn bản chính (PDF)."))
    attachments = serializers.ListField(child=serializers.FileField(), default=list)
    recipient_agencies = serializers.ListField(
        child=serializers.CharField(max_length=13), default=list,
        help_text=_("Mã định danh các cơ quan nhận (danh bạ)."))
    noi_nhan_text = serializers.CharField(max_length=10000, default="", allow_blank=True,
                                          help_text=_("Khối “Nơi nhận” dán nguyên văn."))
    in_reply_to = serializers.IntegerField(min_value=1, required=False,
                                           help_text=_("Mã số (id) văn bản đến được trả lời."))


class DeliveryOut(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    agency_code = serializers.CharField(source="agency.code", allow_null=True)
    edxml_status = serializers.SerializerMethodField()
    edxml_status_label = serializers.SerializerMethodField()
    edxml_status_reason = serializers.SerializerMethodField()
    response_summary = serializers.CharField()

    class Meta:
        model = Delivery
        fields = ["id", "channel", "name", "agency_code", "email", "status", "status_label", "attempts",
                  "last_attempt_at", "next_attempt_at", "sent_at", "response_summary", "edxml_status",
                  "edxml_status_label", "edxml_status_reason", "remote_status_at"]

    @staticmethod
    def _edxml(delivery):
        """(code, reason) the recipient last said: its copy's status in this portal, or what its installation
        sent back; ("", "") when there is none (e-mail, paper, not arrived yet)."""
        if delivery.channel == Delivery.Channel.PEER:
            return delivery.remote_status, delivery.remote_status_reason
        incoming = getattr(delivery, "incoming", None) if delivery.channel == Delivery.Channel.PORTAL else None
        return (incoming.status, incoming.status_reason) if incoming else ("", "")

    @extend_schema_field(serializers.ChoiceField(choices=[("", "—"), *EdxmlStatus.choices]))
    def get_edxml_status(self, delivery):
        return self._edxml(delivery)[0]

    @extend_schema_field(OpenApiTypes.STR)
    def get_edxml_status_label(self, delivery):
        code = self._edxml(delivery)[0]
        return str(EdxmlStatus(code).label) if code else ""

    @extend_schema_field(OpenApiTypes.STR)
    def get_edxml_status_reason(self, delivery):
        return self._edxml(delivery)[1]


class IncomingFileOut(serializers.ModelSerializer):
    class Meta:
        model = IncomingFile
        fields = ["id", "kind", "name", "size", "sha256", "content_type", "signature_status", "signer", "signed_at"]


class IncomingOut(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    sender_agency_code = serializers.CharField(source="sender_agency.code", allow_null=True)

    class Meta:
        model = Incoming
        fields = ["id", "status", "status_label", "status_reason", "source", "sender_agency_code", "sender_name",
                  "notation", "doc_date", "doc_type", "summary", "urgency", "signer_name", "signer_position",
                  "arrived_at", "year", "arrival_number", "registered_at", "due_date", "completed_at",
                  "withdrawn_at", "edxml_document_id"]


class IncomingDetailOut(IncomingOut):
    files = IncomingFileOut(many=True)

    class Meta(IncomingOut.Meta):
        fields = [*IncomingOut.Meta.fields, "files"]


class IncomingMetadataIn(serializers.Serializer):
    """What the clerk confirms when registering (documents.forms.IncomingMetadataForm's fields). Secret
    documents are registered in the portal itself, not through the API."""

    sender_agency = serializers.CharField(max_length=13, required=False, allow_blank=True,
                                          help_text=_("Mã định danh cơ quan ban hành, nếu có trong danh bạ."))
    sender_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    notation = serializers.CharField(max_length=60, required=False, allow_blank=True)
    doc_date = serializers.DateField(required=False, allow_null=True)
    doc_type = serializers.ChoiceField(choices=DocumentType.choices, required=False)
    summary = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, allow_blank=True)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    confirm_duplicate = serializers.BooleanField(default=False, help_text=_(
        "Vẫn vào sổ dù đã có văn bản cùng số, ký hiệu của cùng cơ quan (sau khi đã kiểm tra)."))

    def validate_sender_agency(self, code):
        if not code:
            return None
        agency = Agency.objects.filter(code=code, is_active=True).first()
        if agency is None:
            raise serializers.ValidationError(_("Không có cơ quan với mã định danh này trong danh bạ."))
        return agency

    def metadata(self):
        return dict(self.validated_data)


class IncomingPaperIn(IncomingMetadataIn):
    scans = serializers.ListField(child=serializers.FileField(), min_length=1, help_text=_(
        "Bản quét (PDF, JPEG, PNG hoặc TIFF; tệp đầu là văn bản chính)."))

    def metadata(self):
        data = super().metadata()
        data.pop("scans")
        return data


class AgencyUnitOut(serializers.Serializer):
    name = serializers.CharField()
    abbreviation = serializers.CharField()
    official_email = serializers.EmailField(allow_blank=True)


class OfficialOut(serializers.Serializer):
    full_name = serializers.CharField(source="user.full_name")
    position = serializers.CharField()
    official_email = serializers.EmailField()


class AgencyOut(serializers.Serializer):
    code = serializers.CharField(source="agency.code")
    name = serializers.CharField(source="agency.name")
    short_name = serializers.CharField(source="agency.short_name")
    parent_code = serializers.CharField(source="agency.parent.code", allow_null=True)
    path = serializers.ListField(child=serializers.CharField(), help_text=_("Tên các cơ quan cấp trên, từ trên xuống."))
    official_email = serializers.EmailField(source="agency.official_email")
    address = serializers.CharField(source="agency.address")
    phone = serializers.CharField(source="agency.phone")
    website = serializers.CharField(source="agency.website")
    uses_portal = serializers.BooleanField(source="agency.uses_portal")
    installation = serializers.CharField(source="agency.installation.name", allow_null=True, help_text=_(
        "Hệ thống liên thông phục vụ cơ quan; null nếu cơ quan dùng cổng này hoặc nhận qua thư điện tử."))
    units = AgencyUnitOut(many=True)
    officials = OfficialOut(many=True)
    child_count = serializers.IntegerField(help_text=_(
        "Số cơ quan trực thuộc đang hoạt động; xem chúng bằng parent=<mã của cơ quan này>."))
