import pytest


@pytest.fixture(autouse=True)
def ledger_checked_after_test(request):
    """After every payouts test that touched the database, the journal must still agree."""
    yield
    uses_db = {"db", "transactional_db", "django_db_setup"} & set(request.fixturenames) or (
        request.node.get_closest_marker("django_db") is not None
    )
    if not uses_db:
        return
    from payouts.selectors.ledger import ledger_verify

    report = ledger_verify()
    assert report.ok, "ledger check failed after the test:\n" + "\n".join(report.problems)
