"""The API's pages: the count is the rows', whether the page told it or a COUNT query did."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from cadence.pagination import BoundedLimitOffsetPagination

pytestmark = pytest.mark.django_db


def page(query: dict) -> tuple[dict, list[str]]:
    paginator = BoundedLimitOffsetPagination()
    request = Request(APIRequestFactory().get("/api/v1/things/", query))
    rows = paginator.paginate_queryset(
        Group.objects.filter(name__startswith="page-").order_by("name"), request
    )
    body = paginator.get_paginated_response([group.name for group in rows]).data
    return body, body["results"]


@pytest.mark.parametrize(
    ("query", "names", "queries"),
    [
        (
            {},
            ["page-0", "page-1", "page-2", "page-3", "page-4"],
            1,
        ),  # all on the first page: no COUNT
        ({"limit": 2}, ["page-0", "page-1"], 2),  # a full page: counted
        ({"limit": 2, "offset": 4}, ["page-4"], 1),  # the last page, not full: no COUNT
        (
            {"limit": 5},
            ["page-0", "page-1", "page-2", "page-3", "page-4"],
            2,
        ),  # full, and the last: counted
        ({"limit": 2, "offset": 5}, [], 2),  # past the end: counted
        ({"limit": 2, "offset": 50}, [], 2),
    ],
)
def test_the_count_is_every_row_whatever_the_page(query, names, queries, django_assert_num_queries):
    Group.objects.bulk_create(Group(name=f"page-{n}") for n in range(5))

    with django_assert_num_queries(queries):
        body, results = page(query)

    assert results == names
    assert body["count"] == 5


def test_an_empty_list_is_one_query_and_a_count_of_zero(django_assert_num_queries):
    with django_assert_num_queries(1):
        body, results = page({})

    assert (body["count"], body["next"], body["previous"], results) == (0, None, None, [])


def test_the_links_are_those_of_the_counted_rows():
    Group.objects.bulk_create(Group(name=f"page-{n}") for n in range(5))

    last, _ = page({"limit": 2, "offset": 4})
    middle, _ = page({"limit": 2, "offset": 2})

    assert last["next"] is None and "offset=2" in last["previous"]
    assert "offset=4" in middle["next"]
