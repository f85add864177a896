"""The LMS's only entry point for other code: takes and returns ``lms.data`` types."""

from __future__ import annotations

from lms import demo
from lms.data import DemoSeed


def seed_demo(*, password: str) -> DemoSeed:
    """Create (or find) the demo people, department and published courses."""
    return demo.demo_seed(password=password)
