from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """?page=N, settings.API_PAGE_SIZE a page; the caller cannot ask for more."""

    page_size_query_param = None
