"""The project's DRF pagination.

Its own module, importing nothing of DRF's views: DRF imports the pagination class named in
settings while it defines its generic views, and ``cadence.api`` imports those views.
"""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """DRF's limit/offset with ceilings, so no number a caller sends reaches the database as one
    it cannot hold (SQLite and PostgreSQL stop at 2**63 - 1 and answered 500 past it).

    ``limit`` above ``max_limit`` reads as ``max_limit`` (DRF's own rule), and an ``offset`` above
    ``max_offset`` reads as ``max_offset``: a page past the end, so empty.

    The page is read first, and the rows are counted only when it cannot tell their number: a
    page that holds rows but is not full is the last, so the count is its offset plus its rows
    (and an empty first page means none). Most lists fit on one page, so most requests save the
    ``COUNT`` query, which costs about as much as reading the page itself.
    """

    max_limit = 1000
    max_offset = 1_000_000_000

    def get_offset(self, request) -> int:
        return min(super().get_offset(request), self.max_offset)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.offset = self.get_offset(request)
        page = list(queryset[self.offset : self.offset + self.limit])
        if 0 < len(page) < self.limit or (not page and self.offset == 0):
            self.count = self.offset + len(page)
        else:  # a full page, or one past the end: only counting tells how many there are
            self.count = self.get_count(queryset)
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        return page
