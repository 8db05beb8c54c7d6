"""The demo business: a med spa with four providers, five services, three rooms and a laser
(demo and tests)."""

from __future__ import annotations

from datetime import time

from booking_core.services import business, resources
from booking_core.services.unit_of_work import UnitOfWork

DEMO_SERVICES = [
    # name, description, minutes, buffer, price in cents
    ("Consultation", "A free 30-minute visit to plan your treatment.", 30, 0, 0),
    ("Botox", "Wrinkle relaxer for forehead, frown lines and crow's feet.", 30, 15, 35000),
    ("Dermal Filler", "Hyaluronic acid filler for lips, cheeks or smile lines.", 60, 15, 65000),
    ("HydraFacial", "Cleanse, exfoliate, extract and hydrate in one treatment.", 60, 15, 19900),
    (
        "Laser Hair Removal",
        "One session on a medium area (underarms, bikini or face).",
        45,
        15,
        15000,
    ),
]

WEEKDAYS_9_TO_5_WITH_LUNCH = [
    (day, start, end)
    for day in range(5)
    for start, end in ((time(9), time(12)), (time(13), time(17)))
]

DEMO_PROVIDERS = [
    # name, title, services (by name), weekly hours
    (
        "Dr. Maya Patel",
        "Medical Director, NP",
        ["Consultation", "Botox", "Dermal Filler"],
        WEEKDAYS_9_TO_5_WITH_LUNCH,
    ),
    (
        "Jessica Rivera",
        "Aesthetic Nurse Injector, RN",
        ["Consultation", "Botox", "Dermal Filler"],
        [(day, time(10), time(18)) for day in (1, 2, 3, 4, 5)],
    ),
    (
        "Ashley Chen",
        "Licensed Esthetician",
        ["Consultation", "HydraFacial", "Laser Hair Removal"],
        [*WEEKDAYS_9_TO_5_WITH_LUNCH, (5, time(9), time(14))],
    ),
    (
        "Brianna Lopez",
        "Certified Laser Technician",
        ["Consultation", "Laser Hair Removal"],
        [(day, time(11), time(19)) for day in range(5)],
    ),
]


DEMO_RESOURCES = [
    # name, kind
    ("Treatment Room 1", "room"),
    ("Treatment Room 2", "room"),
    ("Laser Room", "room"),
    ("GentleMax Pro Laser", "device"),
]

DEMO_REQUIREMENTS = {
    # service: groups of alternatives (one resource of each group)
    "HydraFacial": [["Treatment Room 1", "Treatment Room 2"]],
    "Laser Hair Removal": [["Laser Room"], ["GentleMax Pro Laser"]],
}

#: A popular visit of two services, bookable back to back with one injector.
DEMO_POPULAR_VISIT = ("Botox", "Dermal Filler")


def is_empty(uow: UnitOfWork) -> bool:
    with uow.begin() as tx:
        return not tx.catalog.list_providers(active_only=False) and not tx.catalog.list_services(
            active_only=False
        )


def load_demo_business(uow: UnitOfWork) -> None:
    """Create the demo services, providers, offerings and hours."""
    service_ids = {}
    for name, description, minutes, buffer, price in DEMO_SERVICES:
        service = business.create_service(
            uow,
            name=name,
            description=description,
            duration_minutes=minutes,
            buffer_minutes=buffer,
            price_cents=price,
        )
        service_ids[name] = service.id
    for name, title, offered, hours in DEMO_PROVIDERS:
        provider = business.create_provider(uow, name, title)
        business.set_provider_services(uow, provider.id, [(service_ids[s], None) for s in offered])
        business.set_working_hours(uow, provider.id, list(hours))
    resource_ids = {
        name: resources.create_resource(uow, name, kind).id for name, kind in DEMO_RESOURCES
    }
    for service_name, groups in DEMO_REQUIREMENTS.items():
        resources.set_service_resource_groups(
            uow, service_ids[service_name], [[resource_ids[r] for r in group] for group in groups]
        )
