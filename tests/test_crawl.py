"""Every link a person can reach works: for each role, follow every internal link from the home
page and the role's menus, and no page answers 404 or a server error.

The data is built through the contexts' own services and connectors, so that each role has
something to see: the learner an order, a completed enrollment with its certificate and one in
progress; the instructor learners, a graded submission and a live session; the creator and the
instructor earnings, a payout, tax info and a 1099-NEC; staff the admin over all of it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.utils import timezone

from lms.models import Enrollment, Lesson
from lms.services import (
    attendance_record,
    enrollment_approve,
    enrollment_instructor_assign,
    lesson_complete,
    roles_ensure,
    submission_grade,
    submission_submit,
    thread_reply,
    thread_start,
)
from lms.tests.factories import LessonFactory, ModuleFactory, StaffFactory
from payouts.models import Payout
from payouts.services.batches import payout_batch_run, payout_send
from payouts.tests.helpers import payee_ready
from tests.lifecycle import course_for_sale, enrollment_of, learner, purchase

# The connectors deliver after commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

# Enough for every page the data below yields, with room to spare; a crawl that reaches it is
# lost in a loop of generated links and fails.
MAX_PAGES = 1500
# Links that end the session or only work as a POST form, never followed.
NOT_FOLLOWED = ("/accounts/logout/", "/admin/logout/")
IGNORED_PARAMETERS = {"_changelist_filters"}
ROLES = ["visitor", "learner", "instructor", "creator", "staff"]
# A course price whose creator and instructor shares each reach the 1099-NEC threshold of any
# year (30 % of the net of $7,000 is over $2,000).
PRICE = "7000.00"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def page_key(url: str) -> tuple[str, tuple[str, ...]]:
    """A page is its path and the names of its query parameters: ``?state=paid`` and
    ``?state=failed`` are the same page of filters, so the admin's filter and sort links do not
    multiply without end."""
    parts = urlsplit(url)
    return parts.path, tuple(sorted({name for name, _ in parse_qsl(parts.query)}))


def stacked(url: str) -> bool:
    """A query combining several parameters: the admin's filters stacked on filters, sorts and
    dates, whose combinations have no end. Each parameter is still followed on its own."""
    return len(page_key(url)[1]) > 1


@dataclass
class Crawl:
    visited: dict[str, int] = field(default_factory=dict)
    broken: list[tuple[str, int, str]] = field(default_factory=list)  # (url, status, found on)

    @property
    def pages(self) -> int:
        return len(self.visited)


def internal(href: str, base: str) -> str | None:
    """The same-host path (with query) that ``href`` on ``base`` points to, or None."""
    if href.startswith(("mailto:", "tel:", "javascript:", "data:")):
        return None
    absolute = urljoin(f"http://testserver{base}", href)
    parts = urlsplit(absolute)
    if parts.scheme not in {"http", "https"} or parts.netloc != "testserver":
        return None
    # The admin carries the list's filters into every object link so that "back" returns to
    # them; the page is the same without.
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k not in IGNORED_PARAMETERS])
    return parts.path + (f"?{query}" if query else "")


def crawl(client, start: list[str]) -> Crawl:
    """Follow every internal link breadth first, each page once, up to ``MAX_PAGES``."""
    result = Crawl()
    seen = {page_key(url) for url in start}
    queue = deque((url, "(start)") for url in start)
    while queue:
        assert result.pages < MAX_PAGES, f"the crawl reached {MAX_PAGES} pages"
        url, found_on = queue.popleft()
        response = client.get(url)
        result.visited[url] = response.status_code
        if response.status_code == 404 or response.status_code >= 500:
            result.broken.append((url, response.status_code, found_on))
            continue
        if response.status_code in {301, 302, 303, 307, 308}:
            targets = [response["Location"]]
        elif "text/html" in response.get("Content-Type", ""):
            targets = links_of(response.content.decode())
        else:
            targets = []
        for href in targets:
            target = internal(href, url)
            if target is None or target.startswith(NOT_FOLLOWED) or stacked(target):
                continue
            if page_key(target) in seen:
                continue
            seen.add(page_key(target))
            queue.append((target, url))
    return result


def row_counts() -> dict[str, int]:
    """Rows per table of the project's own apps: a crawl, all GETs, must change none."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in {"lms", "commerce", "payouts", "connectors"}
    }


@pytest.fixture
def people(settings):
    """Each role with something to see, made through the services and connectors."""
    settings.STRIPE_API_BASE = ""  # the payout rails' local stand-ins
    roles_ensure()
    # Staff as the demo makes them: the staff role, with every permission of the admin.
    staff = StaffFactory(username="staff", first_name="Sam", last_name="Staff", is_superuser=True)
    staff.groups.add(Group.objects.get(name="staff"))
    course, item = course_for_sale(PRICE, title="Django for Payments")
    instructor = course.assignments.get().instructor
    instructor.groups.add(Group.objects.get(name="instructor"))
    creator = course.content_creator
    creator.groups.add(Group.objects.get(name="creator"))
    basics = ModuleFactory(course=course, title="Basics")
    welcome = LessonFactory(module=basics, title="Welcome", position=1)
    exercise = LessonFactory(
        module=basics, title="Exercise", kind=Lesson.Kind.ASSIGNMENT, position=2
    )
    office_hours = LessonFactory(
        module=basics,
        title="Office hours",
        kind=Lesson.Kind.LIVE_SESSION,
        starts_at=timezone.now() - timedelta(days=1),
        duration_minutes=60,
        required=False,
        position=3,
    )
    _second_course, second_item = course_for_sale("149.00", title="Teaching Online")

    # The learner bought both: the first is completed with a certificate, the second is open.
    student = learner("lena")
    graduated = purchase(student, item)
    enrollment_instructor_assign(
        enrollment=enrollment_of(graduated), instructor=instructor, actor=staff
    )
    enrollment_approve(enrollment=enrollment_of(graduated), actor=staff)
    lesson_complete(enrollment=enrollment_of(graduated), lesson=welcome, actor=student)
    thread = thread_start(
        course=course, actor=student, title="Why integers?", body="Floats look simpler.",
        lesson=welcome,
    )  # fmt: skip
    thread_reply(thread=thread, actor=instructor, body="Rounding: integers never drift.")
    attendance_record(
        lesson=office_hours, enrollment=enrollment_of(graduated), minutes=40, actor=instructor
    )
    submission = submission_submit(
        enrollment=enrollment_of(graduated), lesson=exercise, actor=student, text="Cents."
    )
    submission_grade(submission=submission, actor=instructor, score=90, feedback="Right.")
    assert enrollment_of(graduated).state == Enrollment.State.COMPLETED
    in_progress = purchase(student, second_item)
    enrollment_approve(enrollment=enrollment_of(in_progress), actor=staff)

    # A classmate's work waits on the instructor's desk: an exercise to grade, a question.
    classmate = learner("max")
    waiting = purchase(classmate, item)
    enrollment_instructor_assign(
        enrollment=enrollment_of(waiting), instructor=instructor, actor=staff
    )
    enrollment_approve(enrollment=enrollment_of(waiting), actor=staff)
    submission_submit(
        enrollment=enrollment_of(waiting), lesson=exercise, actor=classmate, text="Floats."
    )
    thread_start(course=course, actor=classmate, title="Which rounding?", body="For splits?")

    # After the hold the creator and the instructor are paid; the creator's share of the
    # big sale reaches the 1099-NEC threshold.
    for payee in (creator, instructor):
        payee_ready(payee.public_id)
    batch = payout_batch_run(now=timezone.now() + timedelta(days=31), enqueue=False)
    for payout_id in Payout.objects.filter(batch=batch).values_list("id", flat=True):
        payout_send(payout_id=payout_id)
    assert Payout.objects.filter(status=Payout.Status.COMPLETED).count() == 2

    return {"learner": student, "instructor": instructor, "creator": creator, "staff": staff}


@pytest.mark.parametrize("role", ROLES)
def test_every_link_a_role_can_reach_answers_without_404_or_server_error(client, people, role):
    start = ["/"]
    if role != "visitor":
        client.force_login(people[role])
        # The menus: the site's navigation (on every page) and, for staff, the admin.
        start += ["/learning/", "/earnings/", "/orders/", "/accounts/profile/"]
        if role == "staff":
            start.append("/admin/")
    before = row_counts()

    result = crawl(client, start)

    assert result.broken == [], "\n".join(
        f"{status} {url} (linked from {found_on})" for url, status, found_on in result.broken
    )
    assert row_counts() == before, "following links changed what is stored"
    # The crawl reached the role's own pages, not only the public ones.
    expected = {
        "visitor": ["/catalog/crs_", "/accounts/login/", "/accounts/signup/"],
        "learner": [
            "/learning/courses/", "/orders/ord_", "/learning/certificates/", "/certificates/",
            "/learning/threads/", "/accounts/password/",
        ],
        "instructor": [
            "/teaching/submissions/", "/teaching/live-sessions/", "/learning/threads/",
            "/earnings/payouts/", "/earnings/1099/",
        ],
        "creator": ["/earnings/statement/", "/earnings/payouts/", "/earnings/1099/"],
        "staff": ["/admin/lms/enrollment/", "/admin/payouts/", "/admin/commerce/"],
    }[role]  # fmt: skip
    for prefix in expected:
        assert any(url.startswith(prefix) for url in result.visited), prefix
    if role == "learner":
        # A learner earns nothing: /earnings/ says what it is for and leads nowhere deeper.
        assert not [
            url for url in result.visited if url.startswith("/earnings/") and url != "/earnings/"
        ]
    if role != "staff":
        # Nobody but staff is sent into the admin (it would only ask them to log in again).
        assert not [url for url in result.visited if url.startswith("/admin/")]
