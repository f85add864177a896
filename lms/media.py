"""Files the LMS keeps for its pages: course images, people's photos, lesson videos and
resources. Names are random (nothing to guess, nothing a file name could inject); images are
checked by their first bytes, not by what the uploader called them."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.core.exceptions import ValidationError

# The image formats a browser shows everywhere, told by their signatures.
IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"RIFF": "image/webp",
}
MAX_IMAGE_BYTES = 2 * 1024 * 1024
VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".m4v": "video/mp4", ".ogv": "video/ogg"}


def image_content_type(head: bytes) -> str | None:
    """The image type these first bytes start, or None when they start none we accept."""
    for signature, content_type in IMAGE_SIGNATURES.items():
        if head.startswith(signature):
            if content_type == "image/webp" and head[8:12] != b"WEBP":
                return None
            return content_type
    return None


def validate_image(upload) -> None:
    if upload.size > MAX_IMAGE_BYTES:
        raise ValidationError("An image may be at most 2 MB.")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if image_content_type(head) is None:
        raise ValidationError("Upload a PNG, JPEG or WebP image.")


def validate_video(upload) -> None:
    if PurePath(upload.name).suffix.lower() not in VIDEO_TYPES:
        raise ValidationError("Upload an MP4, WebM or Ogg video.")


def video_content_type(name: str) -> str:
    return VIDEO_TYPES.get(PurePath(name).suffix.lower(), "application/octet-stream")


def _random_name(folder: str, filename: str) -> str:
    return f"{folder}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:10]}"


def course_image_path(course, filename: str) -> str:
    return _random_name(f"course-images/{course.public_id}", filename)


def user_photo_path(user, filename: str) -> str:
    return _random_name(f"photos/{user.public_id}", filename)


def lesson_video_path(lesson, filename: str) -> str:
    return _random_name("lesson-videos", filename)


def lesson_resource_path(resource, filename: str) -> str:
    return _random_name("lesson-resources", filename)
