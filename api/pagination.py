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


class DirectoryPages(Pages):
    """The public directory's pages, read by its own selectors (agencies.selectors.directory_tree, directory_search)
    as the pages read them, and answered as every list is (count, next, previous, results); a search counts its
    matches up to agencies.selectors.SEARCH_COUNT_LIMIT, as the page does."""

    largest = 100

    def get_page_size(self, request):
        return min(super().get_page_size(request), self.largest)

    def page_read(self, request, read):
        """What `read(number, page_size)` returns (a DirectoryPage), the page number checked as on every list."""
        self.request = request
        result = read(self.get_page_number(request, None), self.get_page_size(request))
        self.page = result.page
        return result
