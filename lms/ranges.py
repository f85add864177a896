"""Serving a stored file with HTTP range requests (RFC 9110 §14), which video players need to
seek: Django's FileResponse always sends the whole file. One range per request, as browsers ask."""

from __future__ import annotations

import re

from django.http import HttpResponse, StreamingHttpResponse

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def byte_range(header: str, size: int) -> tuple[int, int] | str | None:
    """The inclusive ``(first, last)`` bytes a Range header asks of a file of ``size`` bytes;
    None when there is no usable header (send the whole file), "unsatisfiable" for a range
    outside the file."""
    match = _RANGE.match(header.strip()) if header else None
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return "unsatisfiable"
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return "unsatisfiable"
    return start, end


def _chunks(handle, start: int, length: int):
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            data = handle.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        handle.close()


def ranged_file_response(request, field_file, *, content_type: str, filename: str = ""):
    """A 200 with the whole file, a 206 with the range asked for, or a 416 naming the size."""
    size = field_file.size
    wanted = byte_range(request.headers.get("Range", ""), size)
    if wanted == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        start, end = wanted if wanted else (0, size - 1)
        length = max(end - start + 1, 0)
        response = StreamingHttpResponse(
            _chunks(field_file.open("rb"), start, length),
            status=206 if wanted else 200,
            content_type=content_type,
        )
        response["Content-Length"] = str(length)
        if wanted:
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if filename:
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
