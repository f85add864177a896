from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from cadence.kernel.errors import ApplicationError
from cadence.kernel.money import Money
from commerce import api
from commerce.models import Cart, CatalogCourse, CommerceUser, Order, RevenueLedgerEntry
from commerce.selectors import cart_view, catalog_items
from commerce.services import cart_item_add, cart_item_remove, cart_merge
from commerce.tests.factories import buy, learner_id, priced_item

pytestmark = pytest.mark.django_db


def test_a_course_sync_is_idempotent_and_an_older_sync_never_wins():
    now = timezone.now()
    api.catalog_course_upsert(
        course_id="crs_a", title="New", content_creator_id="usr_c", synced_at=now
    )
    again = api.catalog_course_upsert(
        course_id="crs_a",
        title="Old",
        content_creator_id="usr_c",
        synced_at=now - timedelta(hours=1),
    )

    assert again.title == "New" and again.is_for_sale is False
    assert CatalogCourse.objects.get().title == "New"


def test_a_course_the_lms_unpublishes_goes_off_sale():
    item = priced_item(title="Leaving soon")
    course_id = item.course.lms_course_id
    assert api.catalog_course_upsert(
        course_id=course_id, title="Leaving soon", content_creator_id="usr_c"
    ).is_for_sale

    summary = api.catalog_course_upsert(
        course_id=course_id, title="Leaving soon", content_creator_id="usr_c", is_published=False
    )

    assert summary.is_for_sale is False
    assert list(catalog_items()) == []


def test_a_user_sync_updates_the_cache():
    api.commerce_user_upsert(user_id="usr_1", email="a@example.com", name="A")
    api.commerce_user_upsert(user_id="usr_1", email="b@example.com", name="B")
    assert CommerceUser.objects.get().email == "b@example.com"


def test_a_sync_without_a_course_id_is_refused():
    with pytest.raises(ApplicationError) as refused:
        api.catalog_course_upsert(course_id=" ", title="T", content_creator_id="usr_c")
    assert refused.value.field == "lms_course_id"


def test_the_catalog_filters_by_search_price_and_creator():
    python = priced_item("50.00", title="Python basics", content_creator_id="usr_ann")
    priced_item("250.00", title="Advanced Django", content_creator_id="usr_bob")
    priced_item("10.00", title="Hidden", is_listed=False)

    assert [i.pk for i in catalog_items(search="python")] == [python.pk]
    assert [i.pk for i in catalog_items(max_price_minor=10000)] == [python.pk]
    assert {i.course.title for i in catalog_items(min_price_minor=10000)} == {"Advanced Django"}
    assert [i.pk for i in catalog_items(creator_id="usr_ann")] == [python.pk]


def test_an_anonymous_cart_merges_into_the_learners_cart_on_login():
    learner = learner_id()
    owned, wanted, already = priced_item(), priced_item(), priced_item()
    buy(learner, owned)
    cart_item_add(customer_id=learner, session_key=None, catalog_item_id=already.public_id)
    for item in (owned, wanted, already):
        cart_item_add(customer_id=None, session_key="s1", catalog_item_id=item.public_id)

    cart_merge(session_key="s1", customer_id=learner)
    cart_merge(session_key="s1", customer_id=learner)  # a second login changes nothing

    titles = {
        line.catalog_item_id for line in cart_view(customer_id=learner, session_key=None).lines
    }
    assert titles == {wanted.public_id, already.public_id}
    assert not Cart.objects.filter(session_key="s1").exists()


def test_a_course_is_in_a_cart_once_and_can_be_removed():
    item = priced_item("12.50")
    for _ in range(2):
        cart_item_add(customer_id=None, session_key="s", catalog_item_id=item.public_id)
    view = cart_view(customer_id=None, session_key="s")
    assert len(view.lines) == 1 and view.subtotal == Money(1250, "USD")

    cart_item_remove(customer_id=None, session_key="s", catalog_item_id=item.public_id)
    assert cart_view(customer_id=None, session_key="s").lines == []
    with pytest.raises(ApplicationError) as refused:
        cart_item_remove(customer_id=None, session_key="s", catalog_item_id=item.public_id)
    assert refused.value.field == "catalogItemId"


def test_an_unknown_course_cannot_be_added():
    with pytest.raises(ApplicationError) as refused:
        cart_item_add(customer_id=None, session_key="s", catalog_item_id="itm_nope")
    assert refused.value.status_code == 404


def test_ledger_entries_are_never_edited_nor_deleted():
    buy(learner_id(), priced_item())
    entry = RevenueLedgerEntry.objects.get()
    with pytest.raises(ValueError, match="never edited"):
        entry.save()
    with pytest.raises(ValueError, match="never deleted"):
        entry.delete()


def test_the_demo_prices_the_courses_and_buys_each_course_once():
    api.catalog_course_upsert(course_id="crs_1", title="One", content_creator_id="usr_c")
    api.catalog_course_upsert(course_id="crs_2", title="Two", content_creator_id="usr_c")
    api.seed_demo_catalog(course_ids=["crs_1", "crs_2"])
    api.seed_demo_catalog(course_ids=["crs_1", "crs_2"])

    plain = api.seed_demo_purchase(customer_id="usr_l", course_id="crs_1")
    again = api.seed_demo_purchase(customer_id="usr_l", course_id="crs_1")
    discounted = api.seed_demo_purchase(
        customer_id="usr_l", course_id="crs_2", coupon_code="WELCOME10", billing_region="CA"
    )

    assert plain.created and not again.created and again.order_id == plain.order_id
    assert discounted.created and discounted.order_id != plain.order_id
    assert Order.objects.filter(state=Order.State.PAID).count() == 2
    entries = RevenueLedgerEntry.objects.order_by("pk")
    assert entries[0].net_minor == 19293
    # $149 less 10% is $134.10, plus 7.25% California tax $9.72.
    assert (entries[1].discount_minor, entries[1].tax_minor, entries[1].gross_minor) == (
        1490,
        972,
        14382,
    )


def test_the_demo_refuses_a_course_the_catalog_does_not_know():
    with pytest.raises(ApplicationError) as refused:
        api.seed_demo_purchase(customer_id="usr_l", course_id="crs_unknown")
    assert refused.value.field == "courseId" and not Order.objects.exists()


def test_the_database_refuses_to_edit_a_ledger_entry():
    buy(learner_id(), priced_item())
    with pytest.raises(DatabaseError, match="never edited"), transaction.atomic():
        RevenueLedgerEntry.objects.update(net_minor=0)
    assert RevenueLedgerEntry.objects.get().net_minor == 19293


@pytest.mark.postgres
def test_postgres_refuses_to_delete_a_ledger_entry():
    buy(learner_id(), priced_item())
    with pytest.raises(DatabaseError, match="never edited or deleted"), transaction.atomic():
        RevenueLedgerEntry.objects.all()._raw_delete(RevenueLedgerEntry.objects.db)
    assert RevenueLedgerEntry.objects.count() == 1
