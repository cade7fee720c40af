"""The authentication backend's reading of the signed-in user on each request."""
import pytest
from django.contrib.auth import get_user

from accounts.backends import ThrottledModelBackend

pytestmark = pytest.mark.django_db


def test_the_user_of_a_request_comes_with_their_agency(rf, client, district_officer, tree, django_assert_num_queries):
    client.force_login(district_officer)
    request = rf.get("/")
    request.session = client.session
    with django_assert_num_queries(2):  # the session, then the user joined to the agency
        user = get_user(request)
        assert user.agency.path == tree.district_a.path


def test_an_inactive_user_is_not_read_back(district_officer):
    district_officer.is_active = False
    district_officer.save(update_fields=["is_active"])
    assert ThrottledModelBackend().get_user(district_officer.pk) is None
    assert ThrottledModelBackend().get_user(10**9) is None
