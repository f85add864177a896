"""Every page of every role, on a phone (390 px) and a laptop (1280 px): nothing wider than the
screen, and no serious or critical accessibility violation that axe-core finds. And the purchase
journey works with the keyboard alone.

The pages come from a crawl of each role's links (the data of ``tests/test_crawl.py``), one page
per URL pattern so that the test's time stays bounded whatever the data; staff see the admin's
main pages too. axe-core is pinned in ``tests/js/package.json`` (``npm ci --prefix tests/js``).
"""

from __future__ import annotations

from collections import deque
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve

from conftest import AXE_CORE
from tests.test_crawl import internal, links_of, people  # noqa: F401  (people is a fixture)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.axe,
]

WIDTHS = (390, 1280)
ROLES = ["visitor", "learner", "instructor", "creator", "staff"]
ADMIN_PAGES = [
    "/admin/",
    "/admin/lms/enrollmentapproval/",
    "/admin/lms/enrollment/",
    "/admin/commerce/order/",
    "/admin/commerce/orderitem/",
    "/admin/payouts/payoutbatch/",
    "/admin/payouts/payout/",
    "/admin/payouts/earnedrevenue/",
    "/admin/notifications/notification/",
]
VISITOR_START = ["/", "/catalog/", "/accounts/login/", "/accounts/signup/"]
SIGNED_IN_START = [
    "/", "/learning/", "/earnings/", "/orders/", "/accounts/profile/", "/notifications/",
    "/notifications/preferences/", "/cart/", "/checkout/",
]  # fmt: skip
NOT_VISITED = ("/accounts/logout/", "/admin/", "/api/")
SERIOUS = {"serious", "critical"}


def route_of(url: str) -> str:
    try:
        return resolve(urlsplit(url).path).route
    except Resolver404:
        return url


def html_pages(client, start: list[str], seen_routes: set[str]) -> list[str]:
    """One URL per route not seen yet, following the role's links from ``start``."""
    pages, queue, seen = [], deque(start), set(start)
    while queue and len(seen) < 400:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        if route_of(url) not in seen_routes:
            seen_routes.add(route_of(url))
            pages.append(url)
        for href in links_of(response.content.decode()):
            target = internal(href, url)
            if target is None or target.startswith(NOT_VISITED) or target in seen:
                continue
            if "?" in target or route_of(target) in seen_routes:
                continue  # filters and sorts of a page already on the list
            seen.add(target)
            queue.append(target)
    return pages


def browser_context(browser, live_server, client):
    # bypass_csp: axe-core is injected as a script of its own, which the site's policy refuses.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    session = client.cookies.get("sessionid")
    if session is not None:
        context.add_cookies([{"name": "sessionid", "value": session.value, "url": live_server.url}])
    return context


def problems_on(page, url: str) -> list[str]:
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            found.append(f"{url} @{width}px: {overflow}px wider than the screen")
        page.add_script_tag(path=AXE_CORE)
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))"
            ".slice(0, 3)}))"
        )
        found += [
            f"{url} @{width}px: {v['impact']} {v['id']} at {v['nodes']}"
            for v in violations
            if v["impact"] in SERIOUS
        ]
    return found


def test_every_page_of_every_role_fits_the_screen_and_passes_axe(
    _playwright_browser,
    live_server,
    client,
    people,  # noqa: F811
):
    seen_routes: set[str] = set()
    problems: list[str] = []
    visited = 0
    for role in ROLES:
        client.logout()
        start = VISITOR_START
        if role != "visitor":
            client.force_login(people[role])
            start = SIGNED_IN_START
        pages = html_pages(client, start, seen_routes)
        if role == "staff":
            pages += ADMIN_PAGES
        context = browser_context(_playwright_browser, live_server, client)
        page = context.new_page()
        for url in pages:
            problems += problems_on(page, url)
            visited += 1
        context.close()

    assert visited > 30, f"only {visited} pages were checked"
    assert problems == [], "\n".join(problems)
