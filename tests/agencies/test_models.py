"""Units and recipient groups."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agencies.models import Unit
from agencies.selectors import groups_visible_to
from tests import factories


def test_unit_abbreviation_is_unique_within_an_agency(agency, unit):
    with pytest.raises(ValidationError) as error:
        Unit(agency=agency, name="Vụ Văn thư", abbreviation="VP").full_clean()
    assert error.value.messages
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(agency=agency, name="Vụ Văn thư", abbreviation="VP")


def test_two_agencies_may_use_the_same_unit_abbreviation(unit, other_agency):
    other = Unit(agency=other_agency, name="Văn phòng UBND tỉnh", abbreviation="VP")
    other.full_clean()
    other.save()
    assert Unit.objects.filter(abbreviation="VP").count() == 2


def test_recipient_group_holds_its_member_agencies(agency, other_agency):
    third = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn")
    group = factories.make_group("UBND các tỉnh, thành phố trực thuộc TW", other_agency, third)
    assert set(group.members.all()) == {other_agency, third}
    assert list(third.recipient_groups.all()) == [group]
    group.members.remove(third)
    assert list(group.members.all()) == [other_agency]


def test_agency_sees_shared_groups_and_its_own_but_not_those_of_others(agency, other_agency):
    shared = factories.make_group("Các Bộ, cơ quan ngang Bộ", agency)
    own = factories.make_group("Đơn vị trực thuộc", other_agency, owner=agency)
    factories.make_group("Nhóm riêng của tỉnh", agency, owner=other_agency)
    assert set(groups_visible_to(agency)) == {shared, own}


def test_group_names_are_unique_per_owner(agency, other_agency):
    factories.make_group("Nhóm họp giao ban", owner=agency)
    factories.make_group("Nhóm họp giao ban", owner=other_agency)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_group("Nhóm họp giao ban", owner=agency)
