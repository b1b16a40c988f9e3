"""The published schema states every answer an endpoint can give, refusals included, so that a client (and
schemathesis) can rely on it: 401 without a valid token, 403 when the token or its staff post may not do it,
404 for what the post may not see, 400 for a refused request, 429 past the token's rate."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

from .serializers import ErrorOut

REFUSED = OpenApiResponse(OpenApiTypes.OBJECT, description=_("Yêu cầu bị từ chối: lỗi theo từng trường, hoặc "
                                                           "“detail” (danh sách lý do)."))


class ApiSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        if direction != "response" or not self.path.startswith("/api/v1/"):
            return bodies
        errors = {
            "401": OpenApiResponse(ErrorOut, description=_("Thiếu mã truy cập, mã sai hoặc đã bị thu hồi.")),
            "403": OpenApiResponse(ErrorOut, description=_("Mã chỉ được đọc, hoặc cán bộ được thay mặt không có "
                                                           "quyền này.")),
            "404": OpenApiResponse(ErrorOut, description=_("Không có, hoặc không được xem.")),
            "429": OpenApiResponse(ErrorOut, description=_("Vượt quá số yêu cầu cho phép của mã truy cập.")),
            "400": REFUSED,
        }
        if self.method == "POST":
            errors["415"] = OpenApiResponse(ErrorOut, description=_("Kiểu nội dung không được hỗ trợ."))
        for code, response in errors.items():
            bodies.setdefault(code, self._get_response_for_code(response, code))
        return bodies
