"""Who shares a sale's instructor pool: one answer for every way a sale reaches payouts.

A sale reaches payouts from commerce in process (``order.paid``) or from an outside
commerce system over HTTP (``POST /api/v1/webhooks/revenue-recorded``). Either way payouts gets
the instructors the seller named and the course's instructors as the LMS has them now, and the
LMS's own word on the enrollment's instructor follows as its own fact
(``lms.enrollment.instructor_assigned``), in whatever order: payouts keeps the pool without a
payee until one of them names somebody, and passes it on when the LMS's word arrives.
"""

from __future__ import annotations

from dataclasses import replace

from lms import api as lms_api
from payouts import data as payouts_data


def revenue_with_instructors(revenue: payouts_data.RevenueRecorded) -> payouts_data.RevenueRecorded:
    """The sale as payouts records it: with the course's instructors known to the LMS."""
    return replace(
        revenue, course_instructor_ids=lms_api.course_instructor_ids(course_id=revenue.course_id)
    )


def revenues_with_instructors(
    revenues: list[payouts_data.RevenueRecorded],
) -> list[payouts_data.RevenueRecorded]:
    """``revenue_with_instructors`` for the items of one order, asking the LMS once."""
    instructors = lms_api.course_instructor_ids_of(course_ids=[r.course_id for r in revenues])
    return [replace(r, course_instructor_ids=instructors[r.course_id]) for r in revenues]
