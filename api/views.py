"""The REST API's endpoints: thin, as the pages' views are. What a token sees and may do is what the documents'
selectors and services allow the staff post it acts as; the API only keeps secret documents out (they never
leave the portal electronically, as they are never e-mailed)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies import selectors as agency_selectors
from core.http import file_response
from core.text import fold
from documents import selectors
from documents.filters import IncomingFilter, OutgoingFilter
from documents.models import Recipient
from documents.services import incoming as incoming_services
from documents.services import outgoing as outgoing_services

from . import serializers as api
from .pagination import DirectoryPages
from .services import client_ip, token_use_record

NOT_SECRET = {"secrecy": ""}


def _service_errors(exc):
    """A service's ValidationError as the API's 400 body: {field: [messages]} or {"detail": [messages]}."""
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
    body = {"detail": exc.messages}
    if getattr(exc, "code", None) == "duplicate":
        body["code"] = "duplicate"
    return body


class TokenView:
    """Every endpoint: the staff post the token acts as, and each answer noted in the token's use log."""

    @property
    def membership(self):
        return self.request.auth.member

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        token = getattr(request, "auth", None)
        if token is not None and hasattr(token, "key_sha256"):
            token_use_record(token, method=request.method, path=request.path, status=response.status_code,
                             ip=client_ip(request))
        return response


INTEGER_PARAMETERS = {"year"}


def _query_checked(params, names, blank_allowed=("q",)):
    """The query as the schema declares it: each parameter once, a year a whole number, and only the search may
    be blank (the pages' filter bars send blanks for "all"; an integration says what it means)."""
    errors = {}
    for name in names:
        values = params.getlist(name)
        if len(values) > 1:
            errors[name] = [_("Chỉ được ghi một lần.")]
        elif values and name not in blank_allowed and not values[0].strip():
            errors[name] = [_("Không được để trống.")]
        elif values and name in INTEGER_PARAMETERS and not (values[0].isascii() and values[0].isdigit()):
            errors[name] = [_("Phải là một số nguyên.")]
    if errors:
        raise ValidationError(errors)


def _filtered(filterset):
    _query_checked(filterset.data, filterset.base_filters)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs.filter(**NOT_SECRET)


def _filter_parameters(filterset_class):
    params = [OpenApiParameter("q", str, description=gettext_lazy("Tìm theo số, ký hiệu, trích yếu"))]
    for name, field in filterset_class.base_filters.items():
        if name == "q":
            continue
        choices = [value for value, _label in getattr(field, "extra", {}).get("choices", [])]
        params.append(OpenApiParameter(name, int if name in INTEGER_PARAMETERS else str, enum=choices or None))
    return params


@extend_schema(tags=["Văn bản đi"], parameters=_filter_parameters(OutgoingFilter))
class OutgoingList(TokenView, generics.ListAPIView):
    """Văn bản đi mà cán bộ được thay mặt được xem (không gồm văn bản mật); tạo dự thảo (phạm vi ghi)."""

    serializer_class = api.OutgoingOut

    def get_queryset(self):
        filterset = selectors.outgoing_filterset(membership=self.membership, filters=self.request.query_params)
        return _filtered(filterset).select_related("drafting_unit", "signer__user", "created_by")

    @extend_schema(request={"multipart/form-data": api.OutgoingCreateIn}, responses={201: api.OutgoingDetailOut})
    def post(self, request):
        form = api.OutgoingCreateIn(data=request.data)
        form.is_valid(raise_exception=True)
        outgoing = _outgoing_create(self.membership, dict(form.validated_data))
        return Response(api.OutgoingDetailOut(outgoing).data, status=status.HTTP_201_CREATED)


def _outgoing_create(membership, data):
    """The drafting page's service, with the ids and codes of the request resolved against what this person
    may pick (documents.selectors.recipient_choices, signers_for, incoming_visible_to)."""
    choices = selectors.recipient_choices(membership.agency)
    errors = {}
    data["drafting_unit"] = choices["units"].filter(pk=data["drafting_unit"]).first()
    if data["drafting_unit"] is None:
        errors["drafting_unit"] = [_("Không có đơn vị này trong cơ quan.")]
    data["signer"] = selectors.signers_for(membership.agency).filter(pk=data["signer"]).first()
    if data["signer"] is None:
        errors["signer"] = [_("Người ký phải là lãnh đạo đang công tác của cơ quan.")]
    codes = list(dict.fromkeys(data.pop("recipient_agencies")))
    agencies = list(choices["agencies"].filter(code__in=codes))
    if len(agencies) != len(codes):
        errors["recipient_agencies"] = [_("Có mã cơ quan nhận không có trong danh bạ.")]
    reply_to = data.pop("in_reply_to", None)
    if reply_to is not None:
        data["in_reply_to"] = selectors.incoming_visible_to(membership).filter(pk=reply_to, **NOT_SECRET).first()
        if data["in_reply_to"] is None:
            errors["in_reply_to"] = [_("Không có văn bản đến này, hoặc không được xem.")]
    if errors:
        raise ValidationError(errors)
    recipients = [{"kind": Recipient.Kind.AGENCY, "agency": agency} for agency in agencies]
    try:
        return outgoing_services.outgoing_create_addressed(
            membership=membership, recipients=recipients, noi_nhan_text=data.pop("noi_nhan_text"), **data)
    except DjangoValidationError as exc:
        raise ValidationError(_service_errors(exc)) from None


@extend_schema(tags=["Văn bản đi"])
class OutgoingDetail(TokenView, generics.RetrieveAPIView):
    serializer_class = api.OutgoingDetailOut

    def get_queryset(self):
        return (selectors.outgoing_visible_to(self.membership).filter(**NOT_SECRET)
                .select_related("drafting_unit", "signer__user", "created_by")
                .prefetch_related("files", "recipients__agency", "recipients__unit", "recipients__group"))


@extend_schema(tags=["Văn bản đi"])
class OutgoingDeliveries(TokenView, generics.ListAPIView):
    """Từng lượt gửi của văn bản đi: kênh, trạng thái gửi và trạng thái edXML nơi nhận báo lại."""

    serializer_class = api.DeliveryOut
    pagination_class = None

    def get_queryset(self):
        outgoing = generics.get_object_or_404(
            selectors.outgoing_visible_to(self.membership).filter(**NOT_SECRET), pk=self.kwargs["pk"])
        return outgoing.deliveries.select_related("agency", "incoming").order_by("channel", "name", "pk")


class FileView(TokenView, APIView):
    """A file answers in its own type; refusals still answer in JSON, whatever the client accepts."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


FILE_ANSWER = {(200, "*/*"): OpenApiTypes.BINARY}


@extend_schema(tags=["Văn bản đi"], responses=FILE_ANSWER)
class OutgoingFileContent(FileView):
    """Tệp của văn bản đi: bản đã phát hành nếu có, nếu không bản người ký đã ký, nếu không bản dự thảo."""

    def get(self, request, pk, file_id):
        outgoing = generics.get_object_or_404(
            selectors.outgoing_visible_to(self.membership).filter(**NOT_SECRET), pk=pk)
        file = generics.get_object_or_404(outgoing.files.all(), pk=file_id)
        stored, sha256 = next((field, digest) for field, digest in (
            (file.signed, file.signed_sha256), (file.approved, file.approved_sha256), (file.draft, "")) if field)
        return file_response(stored, name=file.name, download=True, sha256=sha256)


@extend_schema(tags=["Văn bản đến"], responses={**FILE_ANSWER, 410: api.ErrorOut})
class IncomingFileContent(FileView):
    """Tệp của văn bản đến; văn bản đã bị thu hồi thì tệp không còn được cung cấp (410)."""

    def get(self, request, pk, file_id):
        incoming = generics.get_object_or_404(
            selectors.incoming_visible_to(self.membership).filter(**NOT_SECRET), pk=pk)
        file = generics.get_object_or_404(incoming.files.all(), pk=file_id)
        if incoming.withdrawn_at is not None:
            return Response({"detail": _("Văn bản đã bị thu hồi; tệp được lưu lại nhưng không còn được cung cấp.")},
                            status=status.HTTP_410_GONE)
        return file_response(file.file, name=file.name, content_type=file.content_type, download=True,
                             sha256=file.sha256)


@extend_schema(tags=["Văn bản đến"], parameters=_filter_parameters(IncomingFilter))
class IncomingList(TokenView, generics.ListAPIView):
    """Văn bản đến mà cán bộ được thay mặt được xem (không gồm văn bản mật)."""

    serializer_class = api.IncomingOut

    def get_queryset(self):
        filterset = selectors.incoming_filterset(membership=self.membership, filters=self.request.query_params)
        return _filtered(filterset)


@extend_schema(tags=["Văn bản đến"])
class IncomingDetail(TokenView, generics.RetrieveAPIView):
    serializer_class = api.IncomingDetailOut

    def get_queryset(self):
        return (selectors.incoming_visible_to(self.membership).filter(**NOT_SECRET)
                .select_related("sender_agency").prefetch_related("files"))


def _incoming_written(action, answer=status.HTTP_200_OK):
    try:
        with transaction.atomic():
            incoming = action()
    except DjangoValidationError as exc:
        raise ValidationError(_service_errors(exc)) from None
    return Response(api.IncomingDetailOut(incoming).data, status=answer)


@extend_schema(tags=["Văn bản đến"])
class IncomingPaper(TokenView, APIView):
    """Vào sổ văn bản giấy: bản quét và thông tin văn bản (văn thư, phạm vi ghi)."""

    @extend_schema(request={"multipart/form-data": api.IncomingPaperIn}, responses={201: api.IncomingDetailOut})
    def post(self, request):
        form = api.IncomingPaperIn(data=request.data)
        form.is_valid(raise_exception=True)
        scans = form.validated_data["scans"]
        return _incoming_written(lambda: incoming_services.incoming_from_paper(
            membership=self.membership, scans=scans, **form.metadata()), status.HTTP_201_CREATED)


@extend_schema(tags=["Văn bản đến"])
class IncomingRegister(TokenView, APIView):
    """Vào sổ một văn bản đã đến (trong cổng, liên thông): cấp số đến (văn thư, phạm vi ghi)."""

    @extend_schema(request=api.IncomingMetadataIn, responses={200: api.IncomingDetailOut})
    def post(self, request, pk):
        incoming = generics.get_object_or_404(
            selectors.incoming_visible_to(self.membership).filter(**NOT_SECRET), pk=pk)
        form = api.IncomingMetadataIn(data=request.data)
        form.is_valid(raise_exception=True)
        return _incoming_written(lambda: incoming_services.incoming_register(
            membership=self.membership, incoming=incoming, **form.metadata()))


@csrf_exempt  # as every API view: no session, so no CSRF to check
def not_found(request):
    return JsonResponse({"detail": _("Không có địa chỉ này trong API.")}, status=404)


@extend_schema(tags=["Danh bạ"], parameters=[
    OpenApiParameter("q", str, description=gettext_lazy(
        "Tìm trên toàn danh bạ (không phân biệt dấu); dưới 3 chữ cái: các cơ quan có một từ trong tên hoặc tên viết "
        "tắt bắt đầu như vậy")),
    OpenApiParameter("parent", str, description=gettext_lazy(
        "Mã định danh của một cơ quan: các cơ quan trực thuộc nó; không ghi: cấp cao nhất của danh bạ"))])
class Directory(TokenView, generics.ListAPIView):
    """Danh bạ công khai các cơ quan, từng trang như trang danh bạ: một cấp của cây (cấp cao nhất, hoặc các cơ quan
    trực thuộc `parent`), hoặc kết quả tìm `q` (đếm tối đa 1.000 kết quả); mỗi cơ quan có mã định danh, địa chỉ
    chính thức, đơn vị, cán bộ công khai và số cơ quan trực thuộc."""

    serializer_class = api.AgencyOut
    pagination_class = DirectoryPages

    def list(self, request, *args, **kwargs):
        params = request.query_params
        _query_checked(params, ["q", "parent"])
        query = params.get("q", "")
        if len(query) > 200:
            raise ValidationError({"q": [_("Tối đa 200 ký tự.")]})
        if fold(query):
            if "parent" in params:
                raise ValidationError({"parent": [_("Không dùng cùng với q: tìm kiếm là trên toàn danh bạ.")]})
            result = self.paginator.page_read(
                request, lambda number, size: agency_selectors.directory_search(query, number, per_page=size))
        else:
            parent = agency_selectors.directory_parent(code=params["parent"]) if "parent" in params else None
            result = self.paginator.page_read(request, lambda number, size: agency_selectors.directory_tree(
                parent, number, nested=False, per_page=size))
        prefetch_related_objects([node.agency for node in result.entries], "parent")  # parent_code
        return self.paginator.get_paginated_response(self.get_serializer(result.entries, many=True).data)
