from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """?page=N (N ≥ 1), settings.API_PAGE_SIZE a page; the caller cannot ask for more. A page number that is
    not one is refused (400) rather than read as the first page; a page past the last is 404."""

    page_size_query_param = None

    def get_page_number(self, request, paginator):
        values = request.query_params.getlist(self.page_query_param)
        if values and (len(values) > 1 or not values[0].isdigit() or not values[0].isascii()):
            raise ValidationError({self.page_query_param: [_("Số trang phải là một số nguyên dương.")]})
        return super().get_page_number(request, paginator)
