import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_logs_in_through_the_real_login_page_and_sees_the_home_page(
    page, django_user_model
):
    django_user_model.objects.create_user(
        username="lena", password="correct horse battery", first_name="Lena"
    )

    page.goto("/")
    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome to Cadence, Lena"
    assert page.get_by_text("Log out").is_visible()


def test_a_wrong_password_is_refused_on_the_login_page(page, django_user_model):
    django_user_model.objects.create_user(username="lena", password="correct horse battery")

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()

    assert page.get_by_role("alert").is_visible()
    assert "/accounts/login/" in page.url
