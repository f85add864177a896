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
    """

    max_limit = 1000
    max_offset = 1_000_000_000

    def get_offset(self, request) -> int:
        return min(super().get_offset(request), self.max_offset)
