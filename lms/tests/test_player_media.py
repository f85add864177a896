"""The course player's video, resources, previews and resume, and who may have each."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from lms.demo_images import gradient_png
from lms.models import Course, Enrollment, Lesson, LessonResource
from lms.ranges import byte_range
from lms.services.courses import course_synced
from lms.tests.factories import (
    CourseFactory,
    CourseInstructorFactory,
    EnrollmentFactory,
    LessonFactory,
    ModuleFactory,
    UserFactory,
)
from lms.video import embed_url

pytestmark = pytest.mark.django_db

VIDEO = bytes(range(256)) * 40  # 10,240 bytes


def _video_lesson(*, preview: bool = False, course: Course | None = None) -> Lesson:
    module = ModuleFactory(course=course or CourseFactory(slug="player"))
    lesson = LessonFactory(module=module, kind=Lesson.Kind.VIDEO, is_preview=preview)
    lesson.video_file.save("talk.mp4", ContentFile(VIDEO), save=True)
    return lesson


def _resource(lesson: Lesson) -> LessonResource:
    resource = LessonResource(lesson=lesson, title="Slides")
    resource.file.save("slides.pdf", ContentFile(b"%PDF-1.4 slides"), save=True)
    return resource


def _learner_of(course: Course, state=Enrollment.State.IN_PROGRESS):
    return EnrollmentFactory(course=course, state=state).user


# --- embeds --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pasted", "player"),
    [
        ("https://www.youtube.com/watch?v=aqz-KE-bpKQ", "youtube-nocookie.com/embed/aqz-KE-bpKQ"),
        ("https://youtu.be/aqz-KE-bpKQ?t=3", "youtube-nocookie.com/embed/aqz-KE-bpKQ"),
        ("https://www.youtube.com/shorts/aqz-KE-bpKQ", "youtube-nocookie.com/embed/aqz-KE-bpKQ"),
        ("https://vimeo.com/76979871", "player.vimeo.com/video/76979871?dnt=1"),
        ("https://player.vimeo.com/video/76979871", "player.vimeo.com/video/76979871?dnt=1"),
    ],
)
def test_youtube_and_vimeo_links_play_in_their_privacy_enhanced_players(pasted, player):
    assert embed_url(pasted) in {f"https://www.{player}", f"https://{player}"}


@pytest.mark.parametrize(
    "pasted",
    [
        "https://evil.example/watch?v=aqz-KE-bpKQ",
        "https://www.youtube.com/watch?v=short",
        'https://www.youtube.com/watch?v=aqz-KE-bpKQ"><script>',
        "javascript:alert(1)//youtu.be/aqz-KE-bpKQ",
        "https://vimeo.com/channels/staff",
        "https://youtube.com.evil.example/embed/aqz-KE-bpKQ",
    ],
)
def test_any_other_link_is_not_embedded(pasted):
    assert embed_url(pasted) is None


def test_a_lesson_refuses_a_video_link_it_cannot_play():
    lesson = LessonFactory.build(
        module=ModuleFactory(), kind=Lesson.Kind.VIDEO, video_url="https://evil.example/v"
    )
    with pytest.raises(ValidationError, match="YouTube or Vimeo"):
        lesson.clean()
    lesson.video_url = "https://youtu.be/aqz-KE-bpKQ"
    lesson.clean()


def test_the_lesson_page_frames_exactly_youtube_nocookie_and_vimeo(client):
    course = CourseFactory(slug="embeds")
    lesson = LessonFactory(
        module=ModuleFactory(course=course),
        kind=Lesson.Kind.VIDEO,
        video_url="https://www.youtube.com/watch?v=aqz-KE-bpKQ",
    )
    client.force_login(_learner_of(course))
    response = client.get(reverse("lms:lesson", args=[course.slug, lesson.pk]))
    policy = response["Content-Security-Policy"]
    frames = next(part for part in policy.split(";") if part.strip().startswith("frame-src"))
    assert frames.split()[1:] == ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]
    assert 'src="https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ"' in response.content.decode()
    # Elsewhere no frame at all.
    assert "frame-src 'none'" in client.get(reverse("lms:my_learning"))["Content-Security-Policy"]


# --- ranges --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", None),
        ("bytes=0-99", (0, 99)),
        ("bytes=100-", (100, 999)),
        ("bytes=-100", (900, 999)),
        ("bytes=900-5000", (900, 999)),
        ("bytes=1000-", "unsatisfiable"),
        ("bytes=50-10", "unsatisfiable"),
        ("bytes=0-1,5-9", None),
        ("items=0-1", None),
    ],
)
def test_range_headers_are_read_as_rfc_9110_says(header, expected):
    assert byte_range(header, 1000) == expected


def test_a_learner_streams_the_video_whole_or_in_ranges(client):
    lesson = _video_lesson()
    client.force_login(_learner_of(lesson.module.course))
    url = reverse("lms:lesson_video", args=[lesson.pk])

    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == VIDEO and whole["Content-Type"] == "video/mp4"

    part = client.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(VIDEO)}"
    assert part["Content-Length"] == "100"
    assert b"".join(part.streaming_content) == VIDEO[100:200]

    tail = client.get(url, HTTP_RANGE="bytes=-10")
    assert b"".join(tail.streaming_content) == VIDEO[-10:]

    beyond = client.get(url, HTTP_RANGE=f"bytes={len(VIDEO)}-")
    assert beyond.status_code == 416
    assert beyond["Content-Range"] == f"bytes */{len(VIDEO)}"


@pytest.mark.parametrize("who", ["stranger", "pending", "anonymous"])
def test_nobody_else_gets_the_video_or_resources_of_a_lesson_they_did_not_buy(client, who):
    lesson = _video_lesson()
    resource = _resource(lesson)
    if who == "stranger":
        client.force_login(_learner_of(CourseFactory()))  # learns another course
    elif who == "pending":
        client.force_login(_learner_of(lesson.module.course, state=Enrollment.State.PENDING))
    assert client.get(reverse("lms:lesson_video", args=[lesson.pk])).status_code == 404
    assert client.get(reverse("lms:resource", args=[resource.public_id])).status_code == 404
    page = client.get(reverse("lms:lesson", args=[lesson.module.course.slug, lesson.pk]))
    assert page.status_code in {302, 404}


def test_the_learner_and_the_courses_instructor_download_a_resource(client):
    lesson = _video_lesson()
    resource = _resource(lesson)
    url = reverse("lms:resource", args=[resource.public_id])
    client.force_login(_learner_of(lesson.module.course))
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 slides"
    assert 'filename="slides.pdf"' in response["Content-Disposition"]
    client.force_login(CourseInstructorFactory(course=lesson.module.course).instructor)
    assert client.get(url).status_code == 200


def test_a_preview_lesson_opens_for_anonymous_visitors_with_its_video_and_resources(client):
    lesson = _video_lesson(preview=True)
    resource = _resource(lesson)
    course = lesson.module.course

    page = client.get(reverse("lms:preview", args=[course.slug, lesson.pk]))
    assert page.status_code == 200
    assert "Free preview" in page.content.decode()
    assert client.get(reverse("lms:lesson_video", args=[lesson.pk])).status_code == 200
    assert client.get(reverse("lms:resource", args=[resource.public_id])).status_code == 200

    other = LessonFactory(module=lesson.module)
    assert client.get(reverse("lms:preview", args=[course.slug, other.pk])).status_code == 404


def test_a_draft_courses_preview_stays_closed(client):
    lesson = _video_lesson(preview=True, course=CourseFactory(status=Course.Status.DRAFT))
    url = reverse("lms:preview", args=[lesson.module.course.slug, lesson.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("lms:lesson_video", args=[lesson.pk])).status_code == 404


# --- resume and outline ---------------------------------------------------------------------------


def test_the_course_page_resumes_where_the_learner_left_off(client):
    course = CourseFactory(slug="resume")
    module = ModuleFactory(course=course)
    _first, second, _third = LessonFactory.create_batch(3, module=module)
    enrollment = EnrollmentFactory(course=course, state=Enrollment.State.IN_PROGRESS)
    client.force_login(enrollment.user)

    client.get(reverse("lms:lesson", args=[course.slug, second.pk]))
    enrollment.refresh_from_db()
    assert enrollment.last_lesson == second
    page = client.get(reverse("lms:course", args=[course.slug])).content.decode()
    assert f"Resume: {second.title}" in page
    assert reverse("lms:lesson", args=[course.slug, second.pk]) in page


def test_an_instructor_opening_a_lesson_moves_nobodys_place():
    from lms.services import lesson_opened

    enrollment = EnrollmentFactory(state=Enrollment.State.IN_PROGRESS)
    lesson = LessonFactory(module=ModuleFactory(course=enrollment.course))
    lesson_opened(enrollment=enrollment, lesson=lesson, actor=UserFactory())
    enrollment.refresh_from_db()
    assert enrollment.last_lesson is None


def test_the_player_outline_ticks_finished_lessons(client):
    from lms.models import LessonCompletion

    course = CourseFactory(slug="ticks")
    module = ModuleFactory(course=course)
    done, todo = LessonFactory.create_batch(2, module=module, duration_minutes=7)
    enrollment = EnrollmentFactory(course=course, state=Enrollment.State.IN_PROGRESS)
    LessonCompletion.objects.create(enrollment=enrollment, lesson=done)
    client.force_login(enrollment.user)
    page = client.get(reverse("lms:lesson", args=[course.slug, todo.pk])).content.decode()
    assert page.count("outline-lesson is-done") == 1
    assert 'aria-current="page">' + todo.title in page
    assert "7 min" in page


# --- images and the sales page's data ------------------------------------------------------------


def test_course_images_and_teachers_photos_are_public_once_the_course_is(client):
    png = gradient_png(4, 4, (0, 0, 0), (255, 255, 255))
    course = CourseFactory(status=Course.Status.DRAFT)
    course.image.save("cover.png", ContentFile(png), save=True)
    creator = course.content_creator
    creator.photo.save("me.png", ContentFile(png), save=True)
    image_url = reverse("lms:course_image", args=[course.public_id])
    photo_url = reverse("lms:person_photo", args=[creator.public_id])
    assert client.get(image_url).status_code == 404
    assert client.get(photo_url).status_code == 404

    Course.objects.filter(pk=course.pk).update(status=Course.Status.PUBLISHED)
    image = client.get(image_url)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert client.get(photo_url).status_code == 200


def test_course_sync_carries_the_outline_outcomes_and_people():
    course = CourseFactory(outcomes="Store money as integers\n\nSplit revenue fairly\n")
    course.content_creator.bio = "Built payment systems."
    course.content_creator.save()
    teacher = CourseInstructorFactory(course=course).instructor
    module = ModuleFactory(course=course, title="Basics")
    welcome = LessonFactory(module=module, title="Welcome", duration_minutes=5, is_preview=True)
    LessonFactory(module=module, title="Deeper", duration_minutes=12)

    synced = course_synced(course)

    assert synced.slug == course.slug
    assert synced.outcomes == ("Store money as integers", "Split revenue fairly")
    (outline,) = synced.outline
    assert outline.title == "Basics"
    assert [(x.title, x.duration_minutes) for x in outline.lessons] == [
        ("Welcome", 5),
        ("Deeper", 12),
    ]
    assert outline.lessons[0].preview_url == reverse("lms:preview", args=[course.slug, welcome.pk])
    assert outline.lessons[1].preview_url == ""
    assert [(p.id, p.role) for p in synced.people] == [
        (course.content_creator.public_id, "creator"),
        (teacher.public_id, "instructor"),
    ]
    assert synced.people[0].bio == "Built payment systems."
