from django.core.paginator import Paginator as DjangoPaginator
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Page-number pagination. A view with `count_for_page(queryset)` supplies the total itself (the people list
    sums it from the per-organisation figures instead of a COUNT over a million rows)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    _known_count = None

    def paginate_queryset(self, queryset, request, view=None):
        counter = getattr(view, "count_for_page", None)
        self._known_count = counter(queryset) if counter is not None else None
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, object_list, per_page):
        paginator = DjangoPaginator(object_list, per_page)
        if self._known_count is not None:
            paginator.count = self._known_count
        return paginator
