"""The approvals queue and enrollment screens in the admin, with the buttons of the transitions."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse

from lms.models import Course, Enrollment, EnrollmentTransition, User
from lms.services import roles_ensure
from lms.tests.factories import (
    CourseFactory,
    CourseInstructorFactory,
    DepartmentFactory,
    EnrollmentFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:lms_enrollmentapproval_changelist")


def state(enrollment) -> str:
    return Enrollment.objects.get(pk=enrollment.pk).state


@pytest.fixture
def staff_client(client):
    staff = StaffFactory()
    client.force_login(staff)
    client.staff = staff
    return client


def test_the_queue_lists_only_pending_enrollments(staff_client):
    waiting = EnrollmentFactory()
    EnrollmentFactory(state=Enrollment.State.APPROVED)

    page = staff_client.get(QUEUE)

    assert page.status_code == 200
    assert list(page.context["cl"].queryset) == [waiting]


@pytest.mark.parametrize("rows", [1, 30])
def test_the_queue_costs_the_same_queries_whatever_its_length(
    staff_client, django_assert_num_queries, rows
):
    department = DepartmentFactory()
    for _ in range(rows):
        EnrollmentFactory(user=UserFactory(department=department))

    # The same fixed set of queries for one row or thirty: no query per row.
    with django_assert_num_queries(11):
        page = staff_client.get(QUEUE)

    assert page.status_code == 200
    assert len(page.context["cl"].result_list) == rows


def test_the_queue_filters_by_course_department_age_and_source_and_searches(staff_client):
    engineering, sales = DepartmentFactory(name="Engineering"), DepartmentFactory(name="Sales")
    # Names fixed, not random: a generated "Adams" would match the search for "ada".
    wanted = EnrollmentFactory(
        user=UserFactory(department=engineering, username="ada", first_name="Ada", last_name="Li")
    )
    other = EnrollmentFactory(
        user=UserFactory(department=sales, username="bob", first_name="Bob", last_name="Ng")
    )

    def listed(**params):
        return set(staff_client.get(QUEUE, params).context["cl"].result_list)

    assert listed(course__id__exact=wanted.course_id) == {wanted}
    assert listed(user__department__id__exact=sales.pk) == {other}
    assert listed(age="day") == {wanted, other}
    assert listed(age="older") == set()
    assert listed(source="staff") == set()
    assert listed(q="ada") == {wanted}


def test_the_change_page_offers_the_transitions_the_staff_member_may_take(staff_client):
    enrollment = EnrollmentFactory()

    page = staff_client.get(reverse("admin:lms_enrollment_change", args=[enrollment.pk]))

    names = [t["name"] for t in page.context["transitions"]]
    assert names == ["approve", "reject", "cancel"]


def test_a_staff_member_without_the_approval_permission_sees_no_approve_button(client):
    clerk = StaffFactory(permissions=["view_enrollment", "change_enrollment"])
    client.force_login(clerk)
    enrollment = EnrollmentFactory()

    page = client.get(reverse("admin:lms_enrollment_change", args=[enrollment.pk]))
    refused = client.post(
        reverse("admin:lms_enrollment_transition", args=[enrollment.pk, "approve"])
    )

    assert page.context["transitions"] == []
    assert refused.status_code == 403
    assert client.get(QUEUE).status_code == 403
    assert state(enrollment) == "pending"


def test_the_approve_button_approves_and_returns_to_the_queue(staff_client):
    enrollment = EnrollmentFactory()

    response = staff_client.post(
        reverse("admin:lms_enrollmentapproval_transition", args=[enrollment.pk, "approve"])
    )

    assert response.status_code == 302
    assert response.url == QUEUE
    assert state(enrollment) == "approved"
    log = EnrollmentTransition.objects.get(enrollment=enrollment)
    assert log.actor == staff_client.staff


def test_reject_asks_for_a_reason_and_records_it(staff_client):
    enrollment = EnrollmentFactory()
    url = reverse("admin:lms_enrollment_transition", args=[enrollment.pk, "reject"])

    form_page = staff_client.get(url)
    empty = staff_client.post(url, {"reason": ""})
    staff_client.post(url, {"reason": "Not in the programme"})

    assert "reason" in form_page.context["form"].fields
    assert empty.status_code == 200 and empty.context["form"].errors["reason"]
    assert state(enrollment) == "rejected"
    assert EnrollmentTransition.objects.get(enrollment=enrollment).reason == "Not in the programme"


def test_bulk_approve_approves_what_it_can_and_reports_the_rest(staff_client):
    approvable = EnrollmentFactory.create_batch(2)
    archived = EnrollmentFactory(course=CourseFactory(status=Course.Status.ARCHIVED))

    response = staff_client.post(
        reverse("admin:lms_enrollment_changelist"),
        {
            "action": "approve_selected",
            ACTION_CHECKBOX_NAME: [e.pk for e in [*approvable, archived]],
        },
        follow=True,
    )

    assert [state(e) for e in approvable] == ["approved", "approved"]
    assert state(archived) == "pending"
    texts = [str(m) for m in response.context["messages"]]
    assert "Approved 2 enrollment(s)." in texts
    assert any(archived.public_id in text for text in texts)


def test_bulk_reject_asks_once_for_the_reason(staff_client):
    enrollments = EnrollmentFactory.create_batch(3)
    selection = {
        "action": "reject_selected",
        ACTION_CHECKBOX_NAME: [e.pk for e in enrollments],
    }

    asked = staff_client.post(QUEUE, selection)
    staff_client.post(QUEUE, selection | {"apply": "1", "reason": "Course moved to spring"})

    assert "reason" in asked.context["form"].fields
    assert [state(e) for e in enrollments] == ["rejected"] * 3
    assert set(EnrollmentTransition.objects.values_list("reason", flat=True)) == {
        "Course moved to spring"
    }


def test_the_completion_action_asks_for_a_grade(staff_client):
    enrollment = EnrollmentFactory(state=Enrollment.State.IN_PROGRESS)

    staff_client.post(
        reverse("admin:lms_enrollment_changelist"),
        {
            "action": "complete_selected",
            ACTION_CHECKBOX_NAME: [enrollment.pk],
            "apply": "1",
            "grade": "95",
        },
    )

    completed = Enrollment.objects.get(pk=enrollment.pk)
    assert (completed.state, completed.grade) == ("completed", 95)


def test_changing_the_instructor_in_the_admin_is_logged(staff_client):
    assignment = CourseInstructorFactory()
    enrollment = EnrollmentFactory(course=assignment.course)
    url = reverse("admin:lms_enrollment_change", args=[enrollment.pk])

    staff_client.post(
        url,
        {
            "instructor": assignment.instructor.pk,
            "transitions-TOTAL_FORMS": "0",
            "transitions-INITIAL_FORMS": "0",
            "instructor_changes-TOTAL_FORMS": "0",
            "instructor_changes-INITIAL_FORMS": "0",
        },
    )

    change = enrollment.instructor_changes.get()
    assert change.new_instructor == assignment.instructor
    assert change.actor == staff_client.staff
    assert Enrollment.objects.get(pk=enrollment.pk).instructor == assignment.instructor


@pytest.mark.parametrize("page", ["lms_enrollment_change", "lms_enrollmentapproval_change"])
@pytest.mark.parametrize("with_instructor_change", [False, True])
def test_saving_an_enrollment_with_its_history_shown_answers_with_a_redirect(
    admin_client, page, with_instructor_change
):
    # A superuser sees the read-only history inlines, whose formsets take part in the save.
    assignment = CourseInstructorFactory()
    enrollment = EnrollmentFactory(course=assignment.course)
    EnrollmentTransition.objects.create(
        enrollment=enrollment, source_state="", target_state="pending", reason="requested"
    )
    data = {
        "transitions-TOTAL_FORMS": "1",
        "transitions-INITIAL_FORMS": "1",
        "transitions-0-id": EnrollmentTransition.objects.get(enrollment=enrollment).pk,
        "transitions-0-enrollment": enrollment.pk,
        "instructor_changes-TOTAL_FORMS": "0",
        "instructor_changes-INITIAL_FORMS": "0",
        "_save": "Save",
    }
    if with_instructor_change:
        data["instructor"] = assignment.instructor.pk

    response = admin_client.post(reverse(f"admin:{page}", args=[enrollment.pk]), data)

    assert response.status_code == 302
    saved = Enrollment.objects.get(pk=enrollment.pk)
    assert saved.instructor == (assignment.instructor if with_instructor_change else None)
    assert EnrollmentTransition.objects.filter(enrollment=enrollment).count() == 1


def test_course_actions_publish_and_archive(admin_client):
    course = CourseFactory(status=Course.Status.DRAFT)
    changelist = reverse("admin:lms_course_changelist")

    admin_client.post(changelist, {"action": "publish", ACTION_CHECKBOX_NAME: [course.pk]})
    published = Course.objects.get(pk=course.pk)
    admin_client.post(changelist, {"action": "archive", ACTION_CHECKBOX_NAME: [course.pk]})

    assert published.status == "published" and published.published_at is not None
    assert Course.objects.get(pk=course.pk).status == "archived"


def test_course_authoring_pages_render(admin_client):
    from lms.tests.factories import LessonFactory

    lesson = LessonFactory()

    assert admin_client.get(reverse("admin:lms_course_add")).status_code == 200
    course_page = admin_client.get(
        reverse("admin:lms_course_change", args=[lesson.module.course.pk])
    )
    module_page = admin_client.get(reverse("admin:lms_module_change", args=[lesson.module.pk]))
    assert course_page.status_code == module_page.status_code == 200
    assert lesson.title in module_page.content.decode()


def test_people_added_or_renamed_in_the_admin_are_announced(admin_client, published):
    admin_client.post(
        reverse("admin:lms_user_add"),
        {
            "username": "ivan",
            "password1": "a long and unusual passphrase",
            "password2": "a long and unusual passphrase",
            "usable_password": "true",
        },
    )
    ivan = User.objects.get(username="ivan")
    page = admin_client.get(reverse("admin:lms_user_change", args=[ivan.pk]))
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data |= {"first_name": "Ivan", "last_name": "Instructor", "date_joined_0": "2026-01-01"}
    data |= {"date_joined_1": "10:00:00", "groups": [], "user_permissions": []}
    data.pop("last_login", None)
    data.pop("password", None)
    data.pop("photo", None)  # a browser sends no file when none is chosen
    admin_client.post(reverse("admin:lms_user_change", args=[ivan.pk]), data)

    assert [p.id for p in published.of("user.created")] == [ivan.public_id]
    assert [p.name for p in published.of("user.updated")] == ["Ivan Instructor"]


def test_editing_a_published_courses_title_in_the_admin_announces_it(admin_client, published):
    course = CourseFactory()
    data = {
        "title": "Renamed",
        "slug": course.slug,
        "description": course.description,
        "thumbnail": course.thumbnail,
        "content_creator": course.content_creator.pk,
        "requires_approval": "on",
        "grading_method": "assignment_average",
        "passing_grade": 70,
        "capacity": "",
        "modules-TOTAL_FORMS": "0",
        "modules-INITIAL_FORMS": "0",
        "assignments-TOTAL_FORMS": "0",
        "assignments-INITIAL_FORMS": "0",
    }

    response = admin_client.post(reverse("admin:lms_course_change", args=[course.pk]), data)

    assert response.status_code == 302
    [updated] = published.of("course.updated")
    assert (updated.id, updated.title) == (course.public_id, "Renamed")


ENROLL = reverse("admin:lms_enrollment_add")


def test_staff_enroll_a_learner_from_the_admin_through_the_service(admin_client, published):
    admin = User.objects.get(username="admin")
    assignment = CourseInstructorFactory()
    learner = UserFactory()

    response = admin_client.post(
        ENROLL,
        {
            "user": learner.pk,
            "course": assignment.course.pk,
            "instructor": assignment.instructor.pk,
        },
    )

    enrollment = Enrollment.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:lms_enrollment_change", args=[enrollment.pk])
    assert (enrollment.user, enrollment.course) == (learner, assignment.course)
    assert enrollment.instructor == assignment.instructor
    assert (enrollment.state, enrollment.source) == ("pending", Enrollment.Source.STAFF)
    [request] = EnrollmentTransition.objects.filter(enrollment=enrollment)
    assert (request.source_state, request.target_state, request.actor) == ("", "pending", admin)
    assert [p.enrollment_id for p in published.of("enrollment.requested")] == [enrollment.public_id]


@pytest.mark.parametrize(
    ("refusal", "field", "reason"),
    [
        ("draft course", "course", "not published"),
        ("instructor elsewhere", "instructor", "is not an instructor of this course"),
        ("already enrolled", "user", "already enrolled"),
        ("deactivated learner", "user", "deactivated"),
    ],
)
def test_an_enrollment_the_service_refuses_is_shown_on_its_field_and_creates_nothing(
    admin_client, published, refusal, field, reason
):
    course = CourseFactory(status=Course.Status.DRAFT if refusal == "draft course" else "published")
    learner = UserFactory(is_active=refusal != "deactivated learner")
    data = {"user": learner.pk, "course": course.pk}
    if refusal == "instructor elsewhere":
        data["instructor"] = CourseInstructorFactory().instructor.pk
    existing = (
        [EnrollmentFactory(user=learner, course=course)] if refusal == "already enrolled" else []
    )

    response = admin_client.post(ENROLL, data)

    assert response.status_code == 200
    assert reason in " ".join(response.context["form"].errors[field])
    assert list(Enrollment.objects.all()) == existing
    assert not EnrollmentTransition.objects.exists()
    assert published.of("enrollment.requested") == []


def test_the_staff_role_may_enroll_learners_but_not_from_the_approvals_queue(client):
    roles_ensure()
    member = UserFactory(is_staff=True)
    member.groups.add(Group.objects.get(name="staff"))
    zelda = UserFactory(username="zelda")
    client.force_login(member)

    page = client.get(ENROLL)
    found = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "lms", "model_name": "enrollment", "field_name": "user", "term": "zelda"},
    )

    assert page.status_code == 200
    assert "admin-autocomplete" in page.content.decode()
    assert [row["id"] for row in found.json()["results"]] == [str(zelda.pk)]
    assert client.get(reverse("admin:lms_enrollmentapproval_add")).status_code == 403


def user_change_form(user: User) -> dict:
    """What the admin's user page posts back when nothing but the ticked boxes is changed."""
    return {
        "username": user.username, "email": user.email, "first_name": user.first_name,
        "last_name": user.last_name, "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }  # fmt: skip


@pytest.mark.parametrize("may_grant", [False, True])
def test_changing_people_is_not_the_power_to_make_oneself_superuser(client, may_grant):
    codenames = ["view_user", "change_user"] + (["grant_access"] if may_grant else [])
    clerk = StaffFactory(permissions=codenames)
    client.force_login(clerk)

    response = client.post(
        reverse("admin:lms_user_change", args=[clerk.pk]),
        {**user_change_form(clerk), "first_name": "Clara", "is_staff": "on", "is_superuser": "on"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    clerk = User.objects.get(pk=clerk.pk)
    assert clerk.first_name == "Clara"  # the rest of the page still saves
    assert clerk.is_superuser is may_grant
