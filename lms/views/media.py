"""Files behind the pages: course images, people's photos, lesson videos (with range requests,
so players can seek) and lesson resources. Each checks who may have it before a byte goes out."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.views import View

from lms import selectors
from lms.media import image_content_type, video_content_type
from lms.ranges import ranged_file_response


def _image_response(field_file):
    with field_file.open("rb") as handle:
        content_type = image_content_type(handle.read(16))
    if content_type is None:
        raise Http404("No such image.")
    response = FileResponse(field_file.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


class CourseImageView(View):
    """A course's cover image, for anyone once the course is published."""

    def get(self, request, course_id):
        course = selectors.course_with_image(course_id)
        if course is None:
            raise Http404("No such course image.")
        return _image_response(course.image)


class PersonPhotoView(View):
    """The photo of someone who makes or teaches a published course, as its sales page shows."""

    def get(self, request, user_id):
        person = selectors.person_with_public_photo(user_id)
        if person is None:
            raise Http404("No such photo.")
        return _image_response(person.photo)


class LessonVideoView(View):
    """A lesson's uploaded video, for whoever may open the lesson, served in ranges."""

    def get(self, request, lesson_id):
        lesson = selectors.lessons_open_to(request.user).filter(pk=lesson_id).first()
        if lesson is None or not lesson.video_file:
            raise Http404("No such video.")
        return ranged_file_response(
            request, lesson.video_file, content_type=video_content_type(lesson.video_file.name)
        )


class LessonResourceView(View):
    """A lesson's downloadable file, for whoever may open the lesson."""

    def get(self, request, resource_id):
        resource = selectors.resource_open_to(user=request.user, public_id=resource_id)
        if resource is None:
            raise Http404("No such resource.")
        response = FileResponse(
            resource.file.open("rb"), as_attachment=True, filename=resource.file_name
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
