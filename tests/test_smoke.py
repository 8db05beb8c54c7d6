from datetime import date

from booking_core import find_available_slots


def test_demo_business_has_slots(uow):
    assert find_available_slots(uow, service_id=2, start_date=date(2026, 12, 1))
