"""The notifications context on its own: notify once, emails, the list, the count, preferences."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from notifications import api
from notifications.data import NotificationRequest, Recipient
from notifications.models import Notification, NotificationPreference
from notifications.selectors import unread_count
from notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db
_people = iter(range(1, 10**6))


def UserFactory():  # the user model is the LMS's: notifications know it only by name
    n = next(_people)
    return get_user_model().objects.create_user(
        username=f"person{n}", email=f"person{n}@example.com", password="a long enough password"
    )


def request_for(user_id="usr_ada", kind="assignment_graded", subject_id="int_1", **facts):
    return NotificationRequest(
        recipient=Recipient(user_id=user_id, email="ada@example.com", name="Ada"),
        kind=kind,
        subject_id=subject_id,
        facts={"course_title": "Testing", **facts},
        link="/learning/",
    )


def test_notify_makes_one_notification_and_one_email_after_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        assert api.notify(request_for())
        assert api.notify(request_for())  # delivered twice

    notification = Notification.objects.get()
    assert notification.title == "Your assignment in Testing was graded"
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == notification.title
    assert "Hello Ada," in message.body and "http://127.0.0.1:8000/learning/" in message.body
    assert "/notifications/preferences/" in message.body
    [(html, _)] = message.alternatives
    assert 'href="http://127.0.0.1:8000/learning/"' in html
    assert Notification.objects.get().emailed_at is not None


def test_no_email_leaves_before_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        api.notify(request_for())

    assert mail.outbox == []
    assert callbacks  # the email waits for the commit


def test_an_email_task_run_twice_sends_once(django_capture_on_commit_callbacks):
    from notifications.tasks import notification_email_send

    with django_capture_on_commit_callbacks(execute=True):
        api.notify(request_for())

    assert notification_email_send(Notification.objects.get().pk) is False
    assert len(mail.outbox) == 1


def test_an_unknown_kind_is_refused_and_changes_nothing():
    from notifications.services import NotificationsError

    with pytest.raises(NotificationsError) as refused:
        api.notify(request_for(kind="gossip"))
    assert refused.value.field == "kind"
    assert not Notification.objects.exists()


def test_optional_kinds_can_be_turned_off_and_essential_ones_cannot():
    NotificationPreference.objects.create(user_id="usr_ada", kind="assignment_graded",
                                          enabled=False)  # fmt: skip
    NotificationPreference.objects.create(user_id="usr_ada", kind="refund_completed",
                                          enabled=False)  # fmt: skip

    assert api.notify(request_for()) is False
    assert api.notify(request_for(kind="refund_completed", subject_id="ref_1", amount="$5.00"))
    assert list(Notification.objects.values_list("kind", flat=True)) == ["refund_completed"]


def test_the_header_shows_the_unread_count_without_a_query_of_its_own(
    client, django_assert_num_queries
):
    user = UserFactory()
    NotificationFactory.create_batch(3, recipient_id=user.public_id)
    NotificationFactory(recipient_id=user.public_id, read_at="2026-01-01T00:00:00Z")
    client.force_login(user)  # warms the count

    # session, user: the count comes from the cache
    with django_assert_num_queries(2):
        page = client.get(reverse("home"))

    assert '<span class="badge count">3<span class="visually-hidden"> unread</span>' in (
        page.content.decode()
    )


def test_a_cold_cache_costs_one_count_query():
    NotificationFactory.create_batch(2, recipient_id="usr_ada")
    cache.delete("notifications:unread:usr_ada")

    assert unread_count(user_id="usr_ada") == 2
    NotificationFactory(recipient_id="usr_ada")
    assert unread_count(user_id="usr_ada") == 2  # cached until a service refreshes it


def test_the_list_shows_only_ones_own_notifications_and_marks_them_read(client):
    user = UserFactory()
    mine = NotificationFactory(recipient_id=user.public_id, title="Yours")
    NotificationFactory(recipient_id="usr_someone_else", title="Not yours")
    client.force_login(user)

    page = client.get(reverse("notifications:list")).content.decode()
    assert "Yours" in page and "Not yours" not in page

    answer = client.post(reverse("notifications:mark-read"), {"notification": mine.pk},
                         follow=True)  # fmt: skip
    assert "Marked as read." in answer.content.decode()
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    assert unread_count(user_id=user.public_id) == 0
    assert 'class="badge count"' not in answer.content.decode()


def test_marking_all_read_leaves_other_peoples_unread(client):
    user = UserFactory()
    NotificationFactory.create_batch(2, recipient_id=user.public_id)
    theirs = NotificationFactory(recipient_id="usr_other")
    client.force_login(user)

    client.post(reverse("notifications:mark-read"))

    assert not Notification.objects.filter(recipient_id=user.public_id, read_at=None).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_preferences_page_saves_the_optional_kinds(client):
    user = UserFactory()
    client.force_login(user)

    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'value="reply_posted" checked' in page
    assert "Order paid" in page  # listed as always sent

    answer = client.post(reverse("notifications:preferences"),
                         {"kinds": ["assignment_graded", "order_paid"]}, follow=True)  # fmt: skip

    assert "preferences are saved" in answer.content.decode()
    off = set(NotificationPreference.objects.filter(user_id=user.public_id, enabled=False)
              .values_list("kind", flat=True))  # fmt: skip
    assert off == {"enrollment_pending", "reply_posted", "certificate_issued"}


def test_the_pages_ask_to_log_in(client):
    for name in ("notifications:list", "notifications:preferences"):
        answer = client.get(reverse(name))
        assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
