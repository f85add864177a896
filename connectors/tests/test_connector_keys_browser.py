import time

import pytest
import requests
from playwright.sync_api import expect

from connectors.signatures import signature_header

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_issue_a_key_in_the_admin_that_an_outside_system_then_pings_with(
    page, live_server, django_user_model
):
    django_user_model.objects.create_superuser("root", "root@example.com", "admin-pass")

    page.goto("/admin/login/?next=/admin/connectors/connectorkey/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("admin-pass")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Add connector key").click()
    page.get_by_label("Name").fill("commerce-platform")
    page.get_by_role("button", name="Issue the key").click()
    expect(page.get_by_text("neither is shown again")).to_be_visible()
    key = page.locator("#issued-key").inner_text()
    secret = page.locator("#issued-secret").inner_text()

    # The outside system, over real HTTP, with what staff handed it.
    t = int(time.time())
    response = requests.get(
        f"{live_server.url}/api/v1/connectors/ping/",
        headers={
            "Authorization": f"Api-Key {key}",
            "X-Cadence-Signature": signature_header(
                secrets=[secret],
                timestamp=t,
                body=b"",
                method="GET",
                path="/api/v1/connectors/ping/",
            ),
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.json()["keyName"] == "commerce-platform"

    page.get_by_role("link", name="Back to the connector keys").click()
    expect(page.locator("#result_list")).to_contain_text("commerce-platform")
    expect(page.locator("#result_list")).not_to_contain_text(key)
