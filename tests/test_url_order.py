"""Every URL pattern is reached by its own paths: none is shadowed by a pattern tried before it
(the order of the apps' ``include()`` in ``cadence/urls.py`` puts the busiest paths first), and
every named one reverses to a path that resolves back to it."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

SAMPLE = {
    "int": "7",
    "path": "an-id",
    "slug": "a-slug",
    "str": "an-id",
    "uuid": "0" * 8 + "-0000-0000-0000-" + "0" * 12,
}
CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace, entry


def _sample(route: str) -> tuple[str, dict[str, str]]:
    kwargs = {}

    def fill(match):
        kwargs[match["name"]] = SAMPLE[match["converter"] or "str"]
        return kwargs[match["name"]]

    return "/" + CONVERTER.sub(fill, route), kwargs


ROUTES = [
    (route, namespace, entry)
    for route, namespace, entry in _patterns(get_resolver())
    # A regular expression (the admin's) has no single sample path.
    if "^" not in route and "(?P" not in route
]


def test_the_patterns_are_found():
    routes = {route for route, _, _ in ROUTES}
    assert "api/v1/webhooks/revenue-recorded" in routes
    assert "api/v1/lms/courses/" in routes
    assert len(ROUTES) > 100


@pytest.mark.parametrize(("route", "namespace", "entry"), ROUTES, ids=[r for r, _, _ in ROUTES])
def test_each_pattern_resolves_its_own_paths(route, namespace, entry):
    path, kwargs = _sample(route)
    match = resolve(path)
    assert match.route == route
    assert match.func is entry.callback
    if entry.name:
        assert reverse(f"{namespace}{entry.name}", kwargs=kwargs or None) == path
