import pytest

from cadence.kernel.public_ids import is_public_id, new_public_id


def test_public_ids_are_prefixed_unique_and_sortable():
    ids = [new_public_id("ord") for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert all(is_public_id(value, "ord") for value in ids)
    assert not is_public_id(ids[0], "usr")


def test_public_ids_sort_by_creation_time():
    first = new_public_id("enr")
    import time

    time.sleep(0.002)
    assert new_public_id("enr") > first


def test_a_bad_prefix_is_refused():
    with pytest.raises(ValueError):
        new_public_id("Bad Prefix")


@pytest.mark.django_db
def test_users_get_a_usr_public_id(django_user_model):
    user = django_user_model.objects.create_user(username="someone", password="x")
    assert is_public_id(user.public_id, "usr")
