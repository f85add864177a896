"""A course's sales page: what the LMS synced about it, the price, and its machine-readable data."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from commerce import api
from commerce.data import SalesLesson, SalesModule, SalesPerson
from commerce.models import CatalogItem
from commerce.tests.factories import priced_item

pytestmark = pytest.mark.django_db


def _synced(item: CatalogItem, *, modules: int = 2) -> CatalogItem:
    course = item.course
    api.catalog_course_upsert(
        course_id=course.lms_course_id,
        title="Django for Payments",
        content_creator_id=course.content_creator_id,
        description="Model money without losing a cent.",
        thumbnail="/courses/crs_x/image",
        slug="django-for-payments",
        outcomes=("Store money as integers", "Split revenue <fairly>"),
        outline=tuple(
            SalesModule(
                title=f"Module {n}",
                lessons=(
                    SalesLesson(
                        title=f"Welcome {n}",
                        kind="Text",
                        duration_minutes=5,
                        preview_url=f"/learning/courses/django-for-payments/preview/{n}/",
                    ),
                    SalesLesson(title=f"Exercise {n}", kind="Assignment", duration_minutes=55),
                ),
            )
            for n in range(1, modules + 1)
        ),
        people=(
            SalesPerson(id="usr_i", name="Ivan Instructor", role="instructor", bio="Teaches."),
            SalesPerson(
                id=course.content_creator_id,
                name="Chloe Creator",
                role="creator",
                bio="Built payment systems.",
                photo_url="/people/usr_c/photo",
            ),
        ),
    )
    return CatalogItem.objects.get(pk=item.pk)


def _page(client, item) -> str:
    response = client.get(reverse("commerce:course", args=[item.course.lms_course_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_sales_page_shows_outcomes_curriculum_previews_and_people(client):
    item = _synced(priced_item("199.00"))
    page = _page(client, item)

    assert "What you will learn" in page and "Split revenue &lt;fairly&gt;" in page
    assert "2 modules · 4 lessons · 2 h in all · 2 free previews" in page
    assert 'href="/learning/courses/django-for-payments/preview/1/"' in page
    assert "Exercise 2" in page and "55 min" in page
    # The creator comes first, with photo and bio; an instructor without a photo gets initials.
    assert page.index("Chloe Creator") < page.index("Ivan Instructor")
    assert 'src="/people/usr_c/photo" alt="Photo of Chloe Creator"' in page
    assert "Built payment systems." in page and ">II</span>" in page
    assert 'alt="Cover of the course Django for Payments"' in page


def test_a_sale_price_shows_with_the_list_price_struck_through(client):
    item = _synced(priced_item("199.00", sale="149.00"))
    page = _page(client, item)
    assert re.search(r'data-testid="price">\$149\.00<', page)
    assert re.search(r'<s class="muted" data-testid="list-price">.*\$199\.00</s>', page)

    plain = _synced(priced_item("99.00"))
    assert "<s " not in _page(client, plain)


def test_the_refund_policy_and_the_staff_review_notice(client):
    item = _synced(priced_item("199.00", refund_window_days=14, auto_approve=False))
    page = _page(client, item)
    assert "within 14 days of purchase" in page
    assert "You will be told by email" in page

    automatic = _synced(priced_item("199.00"))
    assert "You will be told by email" not in _page(client, automatic)


def test_the_page_carries_course_json_ld_and_social_tags(client):
    item = _synced(priced_item("199.00", sale="149.00"))
    page = _page(client, item)

    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert "<" not in block  # nothing in the data can close the element
    data = json.loads(block)
    assert data["@type"] == "Course" and data["name"] == "Django for Payments"
    assert data["offers"] == {
        "@type": "Offer",
        "category": "Paid",
        "price": "149.00",
        "priceCurrency": "USD",
        "availability": "https://schema.org/InStock",
        "url": f"http://testserver/catalog/{item.course.lms_course_id}/",
    }
    assert data["creator"] == {"@type": "Person", "name": "Chloe Creator"}
    assert data["image"] == "http://testserver/courses/crs_x/image"
    assert data["teaches"] == ["Store money as integers", "Split revenue <fairly>"]
    assert '<meta property="og:title" content="Django for Payments">' in page
    assert '<meta property="og:image" content="http://testserver/courses/crs_x/image">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page


def test_the_json_ld_block_is_data_the_content_security_policy_does_not_run(client):
    item = _synced(priced_item("199.00"))
    response = client.get(reverse("commerce:course", args=[item.course.lms_course_id]))
    policy = response["Content-Security-Policy"]
    # No inline script is allowed: the JSON-LD block is never executed, only read.
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]


@pytest.mark.parametrize("modules", [1, 30])
def test_the_sales_page_costs_the_same_queries_whatever_the_curriculum(
    client, django_assert_num_queries, modules
):
    item = _synced(priced_item("199.00"), modules=modules)
    url = reverse("commerce:course", args=[item.course.lms_course_id])
    # the item with its course, its price
    with django_assert_num_queries(2):
        page = client.get(url).content.decode()
    assert page.count('class="sales-lesson"') == modules * 2
