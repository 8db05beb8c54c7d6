"""Through HTTP (the app of create_app): the admin notifications list, feed tokens, and the .ics
feed, parsed with icalendar, with the right times on both 2027 DST days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import icalendar
import pytest
from booking_core import Requester, UnitOfWork, cancel_appointment, reschedule_appointment
from booking_core.notify import run_dispatcher
from fastapi.testclient import TestClient
from http_api.app import create_app
from notify_fakes import BASE_URL, book, with_settings

CHICAGO = ZoneInfo("America/Chicago")
ADMIN = {"Authorization": "Bearer admin-secret"}


@pytest.fixture
def client(nuow: UnitOfWork) -> TestClient:
    uow = with_settings(nuow, admin_token="admin-secret")
    # No lifespan (no `with`): no background dispatcher racing the test.
    return TestClient(create_app(uow.settings, clock=uow.clock, engine=uow.engine))


def issue(client: TestClient, provider_id: int = 1) -> str:
    response = client.post(f"/api/admin/providers/{provider_id}/feed-token", headers=ADMIN)
    assert response.status_code == 201, response.text
    body = response.json()
    url = urlsplit(body["feed_url"])
    assert body["feed_url"].startswith(f"{BASE_URL}/calendar/{provider_id}.ics?token=")
    assert body["webcal_url"].startswith("webcal://")
    token = parse_qs(url.query)["token"][0]
    assert token == body["token"]
    return token


def feed(client: TestClient, provider_id: int, token: str) -> icalendar.Calendar:
    response = client.get(f"/calendar/{provider_id}.ics", params={"token": token})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def events(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def uid(appointment_id: str) -> str:
    return f"{appointment_id}@hello-gorgeous-booking"


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"] and isinstance(error["details"], dict)


# --- feed tokens ------------------------------------------------------------------------------
def test_feed_token_issue_reissue_and_revoke(client: TestClient):
    first = issue(client)
    assert feed(client, 1, first)
    second = issue(client)
    assert_error(client.get("/calendar/1.ics", params={"token": first}), 404, "not_found")
    assert feed(client, 1, second)
    # Another provider's token does not open this feed.
    other = issue(client, 2)
    assert_error(client.get("/calendar/1.ics", params={"token": other}), 404, "not_found")

    response = client.delete("/api/admin/providers/1/feed-token", headers=ADMIN)
    assert response.json() == {"provider_id": 1, "revoked": True}
    assert_error(client.get("/calendar/1.ics", params={"token": second}), 404, "not_found")
    response = client.delete("/api/admin/providers/1/feed-token", headers=ADMIN)
    assert response.json() == {"provider_id": 1, "revoked": False}


def test_feed_token_endpoints_need_the_admin_token_and_a_provider(client: TestClient):
    assert_error(client.post("/api/admin/providers/1/feed-token"), 401, "unauthorized")
    wrong = {"Authorization": "Bearer nope"}
    assert_error(
        client.post("/api/admin/providers/1/feed-token", headers=wrong), 401, "unauthorized"
    )
    assert_error(client.post("/api/admin/providers/99/feed-token", headers=ADMIN), 404, "not_found")
    assert_error(
        client.delete("/api/admin/providers/99/feed-token", headers=ADMIN), 404, "not_found"
    )
    assert_error(client.get("/calendar/1.ics"), 404, "not_found")
    assert_error(client.get("/calendar/99.ics", params={"token": "x"}), 404, "not_found")


def test_feed_content(client: TestClient, nuow: UnitOfWork):
    # 41 and 25 days ago: only the second is within the past 30 days.
    nuow.clock.now = datetime(2026, 10, 15, 9, tzinfo=CHICAGO)  # type: ignore[attr-defined]
    too_old = book(nuow, "2026-10-20T10:00", phone="312-555-0111").appointment
    recent = book(nuow, "2026-11-05T10:00", phone="312-555-0112").appointment
    nuow.clock.now = datetime(2026, 11, 30, 12, tzinfo=CHICAGO)  # type: ignore[attr-defined]
    kept = book(nuow, "2026-12-02T10:00", notes="Sensitive skin, uses tretinoin").appointment
    moved = book(nuow, "2026-12-03T10:00", name="Amy Lee Wong", phone="312-555-0113")
    reschedule_appointment(
        nuow,
        appointment_id=moved.appointment.id,
        new_start="2026-12-04T11:00",
        requester=Requester.web(moved.manage_token),
    )
    gone = book(nuow, "2026-12-07T10:00", phone="312-555-0114").appointment
    cancel_appointment(nuow, appointment_id=gone.id, requester=Requester.admin())
    elsewhere = book(nuow, "2026-12-02T10:00", provider_id=2, phone="312-555-0115").appointment

    token = issue(client)
    calendar = feed(client, 1, token)
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["x-wr-timezone"]) == "America/Chicago"
    (timezone,) = calendar.walk("VTIMEZONE")
    assert str(timezone["tzid"]) == "America/Chicago"
    found = events(calendar)
    assert set(found) == {uid(recent.id), uid(kept.id), uid(moved.appointment.id), uid(gone.id)}
    assert uid(too_old.id) not in found and uid(elsewhere.id) not in found

    event = found[uid(kept.id)]
    assert event.decoded("dtstart") == datetime(2026, 12, 2, 10, tzinfo=CHICAGO)
    assert event.decoded("dtend") == datetime(2026, 12, 2, 10, 30, tzinfo=CHICAGO)
    assert event["dtstart"].params["TZID"] == "America/Chicago"
    assert (str(event["status"]), int(event["sequence"])) == ("CONFIRMED", 0)
    assert str(event["summary"]) == "Botox: Jane"

    event = found[uid(moved.appointment.id)]
    assert event.decoded("dtstart") == datetime(2026, 12, 4, 11, tzinfo=CHICAGO)
    assert int(event["sequence"]) == 1
    event = found[uid(gone.id)]
    assert str(event["status"]) == "CANCELLED"
    assert int(event["sequence"]) == 1

    text = client.get("/calendar/1.ics", params={"token": token}).text
    for private in ("Doe", "Wong", "Lee", "+1312", "555-01", "tretinoin", "Sensitive"):
        assert private not in text
    assert "Amy" in text

    # Moving it again bumps the SEQUENCE; the UID stays, so calendar apps move the event.
    reschedule_appointment(
        nuow,
        appointment_id=moved.appointment.id,
        new_start="2026-12-04T13:00",
        requester=Requester.admin(),
    )
    event = events(feed(client, 1, token))[uid(moved.appointment.id)]
    assert int(event["sequence"]) == 2
    assert event.decoded("dtstart") == datetime(2026, 12, 4, 13, tzinfo=CHICAGO)


def test_feed_times_on_both_2027_dst_days(client: TestClient, nuow: UnitOfWork):
    admin = Requester.admin()
    nuow.clock.now = datetime(2027, 3, 1, 9, tzinfo=CHICAGO)  # type: ignore[attr-defined]
    # Spring forward, Sunday March 14 2027: 2:00 CST becomes 3:00 CDT.
    before = book(nuow, "2027-03-14T01:30", requester=admin, phone="312-555-0121").appointment
    after = book(nuow, "2027-03-14T10:00", requester=admin, phone="312-555-0122").appointment
    token = issue(client)
    spring = events(feed(client, 1, token))
    assert spring[uid(before.id)].decoded("dtstart") == datetime(2027, 3, 14, 7, 30, tzinfo=UTC)
    assert spring[uid(after.id)].decoded("dtstart") == datetime(2027, 3, 14, 15, 0, tzinfo=UTC)
    assert spring[uid(after.id)].decoded("dtend") - spring[uid(after.id)].decoded(
        "dtstart"
    ) == timedelta(minutes=30)

    nuow.clock.now = datetime(2027, 11, 1, 9, tzinfo=CHICAGO)  # type: ignore[attr-defined]
    # Fall back, Sunday November 7 2027: 1:00-2:00 happens twice (CDT, then CST).
    first = book(nuow, "2027-11-07T01:30-05:00", requester=admin, phone="312-555-0123")
    second = book(nuow, "2027-11-07T01:30-06:00", requester=admin, phone="312-555-0124")
    later = book(nuow, "2027-11-07T10:00", requester=admin, phone="312-555-0125")
    response = client.get("/calendar/1.ics", params={"token": token})
    fall = events(icalendar.Calendar.from_ical(response.content))
    expected = {
        first.appointment.id: datetime(2027, 11, 7, 6, 30, tzinfo=UTC),
        second.appointment.id: datetime(2027, 11, 7, 7, 30, tzinfo=UTC),
        later.appointment.id: datetime(2027, 11, 7, 16, 0, tzinfo=UTC),
    }
    for appointment_id, instant in expected.items():
        # Compared in UTC: Python never finds an ambiguous local time equal to another zone's.
        assert fall[uid(appointment_id)].decoded("dtstart").astimezone(UTC) == instant
    # Plain local times with the TZID, except the repeated hour's second pass, which a TZID
    # time cannot say (RFC 5545 reads it as the first): that one is in UTC.
    assert "DTSTART;TZID=America/Chicago:20271107T013000" in response.text
    assert "DTSTART:20271107T073000Z" in response.text
    assert "DTSTART;TZID=America/Chicago:20271107T100000" in response.text


# --- admin notifications ------------------------------------------------------------------------
def test_admin_notifications_list_failed(client: TestClient, nuow: UnitOfWork):
    from booking_core.notify import SendError, Senders

    class Refusing:
        def send(self, message):
            if message.channel == "sms" and message.kind == "client_confirmation":
                raise SendError("SMS API answered 400: Invalid 'To'", retryable=False)

        def close(self):
            pass

    book(nuow, "2026-12-02T10:00")
    run_dispatcher(nuow, once=True, senders=Senders(sms=Refusing(), email=Refusing()))

    response = client.get("/api/admin/notifications", params={"status": "failed"}, headers=ADMIN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "failed"
    assert body["counts"] == {"pending": 1, "sending": 0, "sent": 2, "failed": 1, "cancelled": 0}
    (failed,) = body["notifications"]
    assert failed["kind"] == "client_confirmation" and failed["status"] == "failed"
    assert failed["last_error"] == "SMS API answered 400: Invalid 'To'"
    assert failed["due_at"].endswith("-06:00")

    everything = client.get("/api/admin/notifications", headers=ADMIN).json()
    assert len(everything["notifications"]) == 4

    assert_error(client.get("/api/admin/notifications"), 401, "unauthorized")
    assert_error(
        client.get("/api/admin/notifications", params={"status": "lost"}, headers=ADMIN),
        422,
        "validation_error",
    )


def test_a_visit_shows_each_part_in_the_texts_and_each_providers_feed(
    client: TestClient, nuow: UnitOfWork
):
    from booking_core import PartRequest, create_appointment
    from notify_fakes import outbox_rows

    visit = create_appointment(
        nuow,
        services=[PartRequest(2, 1), PartRequest(4, 3)],  # Botox with Patel, HydraFacial with Chen
        start="2026-12-02T10:00",
        client_name="Jane Doe",
        client_phone="312-555-0100",
        requester=Requester.web(),
    ).appointment
    confirmation, owner_sms, owner_email, _ = outbox_rows(nuow)
    assert (
        "your Botox with Dr. Maya Patel at 10:00 AM, then HydraFacial with Ashley Chen at "
        "10:30 AM in Treatment Room 1 at Hello Gorgeous Med Spa is booked for Wed, Dec 2 at "
        "10:00 AM CST."
    ) in confirmation.body
    assert owner_email.subject == "New booking: Botox + HydraFacial, Wed, Dec 2 at 10:00 AM CST"
    assert "then HydraFacial with Ashley Chen" in owner_sms.body

    # Each provider's feed holds their own part, at its own time, describing the whole visit.
    (patel_part,) = events(feed(client, 1, issue(client, 1))).values()
    (chen_part,) = events(feed(client, 3, issue(client, 3))).values()
    assert str(patel_part["uid"]) != str(chen_part["uid"])
    assert str(patel_part["summary"]) == "Botox: Jane"
    assert patel_part.decoded("dtstart") == datetime(2026, 12, 2, 10, tzinfo=CHICAGO)
    assert chen_part.decoded("dtstart") == datetime(2026, 12, 2, 10, 30, tzinfo=CHICAGO)
    assert chen_part.decoded("dtend") == datetime(2026, 12, 2, 11, 30, tzinfo=CHICAGO)
    assert "Treatment Room 1" in str(chen_part["location"])
    assert "then HydraFacial with Ashley Chen" in str(patel_part["description"])
    assert visit.parts[1].resources[0].name == "Treatment Room 1"
