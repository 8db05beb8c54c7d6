"""The AI receptionist, second round (issue 15), through the SDK's real client over streamable
HTTP against a started server, on SQLite and PostgreSQL: verified callers, the per-caller
limit, callbacks, what callers ask about, slots an agent can act on, and start offsets.

"Now" is Monday 2026-11-30 12:00 in Chicago (the conftest clock, shared with the server, so
advancing it moves the server's time too). Botox (2) is done by Dr. Maya Patel (1: weekdays
9-12, 13-17) and Jessica Rivera (2: Tuesday to Saturday 10-18); nobody works on Sunday.

The server here sends nothing by itself (no background dispatcher): a test reads what went out
by running the dispatcher once with a sender that keeps the messages. That is also the only
place a verification code exists in clear: it is rendered when its SMS is sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from booking_core import (
    FaqEntry,
    UnitOfWork,
    run_dispatcher,
    set_faq,
    set_policies,
    update_service,
)
from booking_core.notify import OutgoingMessage, Senders
from mcp import Client
from mcp_helpers import (
    RunningServer,
    build_app,
    error_code,
    mcp_client,
    ok,
    serve,
    text_of,
    with_mcp,
)

BOTOX = 2
PATEL = 1
ANN = "(312) 555-0199"
ANN_E164 = "+13125550199"
CALLER = "(312) 555-0177"
CALLER_E164 = "+13125550177"
OWNER_PHONE = "+13125550160"
TRANSFER = "+13125550150"
THURSDAY_10 = "2026-12-03T10:00:00-06:00"
WITHHELD = "anonymous"


class KeepingSender:
    """Keeps what would go out."""

    def __init__(self) -> None:
        self.messages: list[OutgoingMessage] = []

    def send(self, message: OutgoingMessage) -> None:
        self.messages.append(message)

    def close(self) -> None:
        pass


def sent(uow: UnitOfWork) -> list[OutgoingMessage]:
    """Send what the outbox holds now, and return it."""
    keeper = KeepingSender()
    run_dispatcher(uow, once=True, senders=Senders(sms=keeper, email=keeper))
    return keeper.messages


def codes_sent(messages: list[OutgoingMessage], phone: str = ANN_E164) -> list[str]:
    found = []
    for message in messages:
        if message.kind == "verification_code" and message.recipient == phone:
            match = re.search(r"\b(\d{6})\b", message.body)
            assert match, message.body
            found.append(match.group(1))
    return found


def the_code(uow: UnitOfWork, phone: str = ANN_E164) -> str:
    (code,) = codes_sent(sent(uow), phone)
    return code


def another(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def with_settings(uow: UnitOfWork, **changes: Any) -> UnitOfWork:
    return UnitOfWork(uow.settings.model_copy(update=changes), engine=uow.engine, clock=uow.clock)


@pytest.fixture
def desk_uow(ai_uow: UnitOfWork) -> UnitOfWork:
    """The tests' business, with an owner's phone, a transfer number and no background sender."""
    return with_settings(
        ai_uow, notify_background=False, owner_phone=OWNER_PHONE, transfer_number=TRANSFER
    )


@pytest.fixture
def desk(desk_uow: UnitOfWork) -> Iterator[RunningServer]:
    yield from serve(build_app(desk_uow, desk_uow.settings))


@contextmanager
def serving(uow: UnitOfWork) -> Iterator[RunningServer]:
    yield from serve(build_app(uow, uow.settings))


def book(client: Client, start: str = THURSDAY_10, phone: str | None = ANN, **extra: Any) -> Any:
    arguments = {
        "service_id": BOTOX,
        "start": start,
        "client_name": "Ann Example",
        "provider_id": PATEL,
        **extra,
    }
    if phone is not None:
        arguments["client_phone"] = phone
    return client.call_tool("book_appointment", arguments)


def booked_on(server: RunningServer, day: str) -> list[dict[str, Any]]:
    with server.api(admin=True) as api:
        response = api.get("/api/admin/calendar", params={"date": day})
    assert response.status_code == 200, response.text
    return [a for a in response.json()["appointments"] if a["status"] == "booked"]


# --- who is calling: a withheld number needs a code -------------------------------------------


def test_a_withheld_number_cannot_list_or_cancel_without_a_code_and_can_with_it(desk, desk_uow):
    async def scenario(client: Client) -> Any:
        booked = ok(await book(client))  # booking needs no code, as on the web
        sent(desk_uow)  # the confirmation text goes out: only codes are left to read later
        without = {
            "find": await client.call_tool("find_appointments", {"client_phone": ANN}),
            "cancel": await client.call_tool(
                "cancel_appointment", {"appointment_id": booked["id"], "client_phone": ANN}
            ),
            "move": await client.call_tool(
                "reschedule_appointment",
                {
                    "appointment_id": booked["id"],
                    "client_phone": ANN,
                    "new_start": "2026-12-03T14:00",
                },
            ),
        }
        texted = ok(await client.call_tool("send_verification_code", {"client_phone": ANN}))
        code = the_code(desk_uow)
        wrong = await client.call_tool(
            "find_appointments", {"client_phone": ANN, "verification_code": another(code)}
        )
        found = ok(
            await client.call_tool(
                "find_appointments", {"client_phone": ANN, "verification_code": code}
            )
        )
        used = await client.call_tool(
            "find_appointments", {"client_phone": ANN, "verification_code": code}
        )
        # The token the answer gave proves the number for the rest of the call: one SMS.
        cancelled = ok(
            await client.call_tool(
                "cancel_appointment",
                {
                    "appointment_id": booked["id"],
                    "client_phone": ANN,
                    "verification_code": found["verification_token"],
                },
            )
        )
        return booked, without, texted, wrong, found, used, cancelled

    booked, without, texted, wrong, found, used, cancelled = with_mcp(
        desk.mcp_url, scenario, caller=WITHHELD
    )
    for name, result in without.items():
        assert error_code(result) == "verification_required", name
        assert "send_verification_code" in text_of(result), name
    assert texted["sent"] is True
    assert texted["phone"] == ANN_E164
    assert texted["expires_in_minutes"] == 10
    assert error_code(wrong) == "verification_failed"
    assert [a["id"] for a in found["appointments"]] == [booked["id"]]
    assert found["verification_token"]
    assert error_code(used) == "verification_failed", "a code works once"
    assert cancelled["status"] == "cancelled"
    assert cancelled["verification_token"]
    assert codes_sent(sent(desk_uow)) == [], "one code for the whole call"


def test_a_stranger_cannot_read_or_cancel_someone_elses_appointment(desk, desk_uow):
    """The reproduction of the issue: a withheld caller says "my number is ..."."""

    async def ann_books(client: Client) -> Any:
        return ok(await book(client))

    booked = with_mcp(desk.mcp_url, ann_books, caller=ANN)

    async def stranger(client: Client) -> Any:
        return (
            await client.call_tool("find_appointments", {"client_phone": ANN}),
            await client.call_tool(
                "cancel_appointment", {"appointment_id": booked["id"], "client_phone": ANN}
            ),
            await client.call_tool(
                "cancel_appointment",
                {"appointment_id": booked["id"], "client_phone": ANN, "verification_code": "1"},
            ),
            await client.call_tool(
                "cancel_appointment",
                {
                    "appointment_id": booked["id"],
                    "client_phone": ANN,
                    "verification_code": "v1.99999999999.forged",
                },
            ),
        )

    found, cancel, guessed, forged = with_mcp(desk.mcp_url, stranger, caller=WITHHELD)
    assert error_code(found) == "verification_required"
    assert error_code(cancel) == "verification_required"
    assert error_code(guessed) == "verification_failed"
    assert error_code(forged) == "verification_failed"
    assert [a["id"] for a in booked_on(desk, "2026-12-03")] == [booked["id"]]


def test_codes_and_tokens_expire(desk, desk_uow, clock):
    async def scenario(client: Client) -> Any:
        ok(await client.call_tool("send_verification_code", {"client_phone": ANN}))
        code = the_code(desk_uow)
        clock.advance(minutes=11)  # codes last BOOKING_VERIFICATION_CODE_MINUTES (10)
        late = await client.call_tool(
            "find_appointments", {"client_phone": ANN, "verification_code": code}
        )
        ok(await client.call_tool("send_verification_code", {"client_phone": ANN}))
        token = ok(
            await client.call_tool(
                "find_appointments", {"client_phone": ANN, "verification_code": the_code(desk_uow)}
            )
        )["verification_token"]
        clock.advance(minutes=20)
        still = await client.call_tool(
            "find_appointments", {"client_phone": ANN, "verification_code": token}
        )
        clock.advance(minutes=11)  # a token proves the number for 30 minutes
        stale = await client.call_tool(
            "find_appointments", {"client_phone": ANN, "verification_code": token}
        )
        return late, still, stale

    late, still, stale = with_mcp(desk.mcp_url, scenario, caller=WITHHELD)
    assert error_code(late) == "verification_failed"
    assert ok(still)["appointments"] == []
    assert error_code(stale) == "verification_failed"


def test_a_code_allows_five_tries(desk, desk_uow):
    async def find(client: Client, code: str) -> Any:
        return await client.call_tool(
            "find_appointments", {"client_phone": ANN, "verification_code": code}
        )

    async def scenario(client: Client) -> Any:
        ok(await client.call_tool("send_verification_code", {"client_phone": ANN}))
        first = the_code(desk_uow)
        four_wrong = [await find(client, another(first)) for _ in range(4)]
        fifth_right = await find(client, first)
        ok(await client.call_tool("send_verification_code", {"client_phone": ANN}))
        second = the_code(desk_uow)
        five_wrong = [await find(client, another(second)) for _ in range(5)]
        sixth_right = await find(client, second)
        return four_wrong, fifth_right, five_wrong, sixth_right

    four_wrong, fifth_right, five_wrong, sixth_right = with_mcp(
        desk.mcp_url, scenario, caller=WITHHELD
    )
    assert {error_code(r) for r in four_wrong + five_wrong} == {"verification_failed"}
    assert ok(fifth_right)["verification_token"]
    assert error_code(sixth_right) == "verification_failed", "five wrong tries use a code up"


def test_three_codes_an_hour_then_rate_limited(desk, desk_uow, clock):
    async def send(client: Client) -> Any:
        return await client.call_tool("send_verification_code", {"client_phone": ANN})

    async def scenario(client: Client) -> Any:
        first_three = [ok(await send(client)) for _ in range(3)]
        fourth = await send(client)
        other_phone = await client.call_tool(
            "send_verification_code", {"client_phone": "(312) 555-0111"}
        )
        clock.advance(minutes=61)
        later = await send(client)
        return first_three, fourth, other_phone, later

    first_three, fourth, other_phone, later = with_mcp(desk.mcp_url, scenario, caller=WITHHELD)
    assert all(answer["sent"] for answer in first_three)
    assert error_code(fourth) == "rate_limited"
    assert text_of(fourth).startswith("rate_limited: ")
    wait = fourth.structured_content["error"]["details"]["retry_after_seconds"]
    assert 0 < wait <= 3601  # until the first of the three is an hour old
    assert ok(other_phone)["sent"] is True, "the limit is per phone"
    assert ok(later)["sent"] is True
    assert len(codes_sent(sent(desk_uow))) == 4  # 3, then 1 more an hour later


def test_the_caller_number_header_needs_no_code(desk, desk_uow):
    async def scenario(client: Client) -> Any:
        booked = ok(await book(client, phone=None))  # client_phone: the header supplies it
        found = ok(await client.call_tool("find_appointments", {}))
        texted = ok(await client.call_tool("send_verification_code", {}))
        moved = ok(
            await client.call_tool(
                "reschedule_appointment",
                {"appointment_id": booked["id"], "new_start": "2026-12-03T14:00"},
            )
        )
        cancelled = ok(
            await client.call_tool("cancel_appointment", {"appointment_id": moved["id"]})
        )
        return booked, found, texted, moved, cancelled

    booked, found, texted, moved, cancelled = with_mcp(desk.mcp_url, scenario, caller=CALLER)
    assert [a["id"] for a in found["appointments"]] == [booked["id"]]
    assert "verification_token" not in found
    assert texted["sent"] is False
    assert moved["start"] == "2026-12-03T14:00:00-06:00"
    assert cancelled["status"] == "cancelled"
    assert codes_sent(sent(desk_uow), CALLER_E164) == []


def test_without_the_header_or_an_argument_the_phone_is_asked_for(desk):
    async def scenario(client: Client) -> Any:
        return (
            await client.call_tool("find_appointments", {}),
            await client.call_tool("send_verification_code", {}),
            await book(client, phone=None),
        )

    for result in with_mcp(desk.mcp_url, scenario, caller=WITHHELD):
        assert error_code(result) == "validation_error"
        assert result.structured_content["error"]["details"]["fields"] == {
            "client_phone": "required"
        }


def test_a_verified_caller_booking_over_their_own_time_hears_client_overlap(desk):
    async def as_ann(client: Client) -> Any:
        ok(await book(client, phone=None))
        return await book(client, phone=None)

    again = with_mcp(desk.mcp_url, as_ann, caller=ANN)
    assert error_code(again) == "client_overlap"

    async def unverified(client: Client) -> Any:
        return await book(client)

    # Without the header (and no code), today's answer: someone has that time.
    assert error_code(with_mcp(desk.mcp_url, unverified)) == "slot_unavailable"


# --- the per-caller limit ----------------------------------------------------------------------


def test_tool_calls_are_limited_per_caller(ai_uow, clock):
    uow = with_settings(ai_uow, ai_calls_per_minute=3, notify_background=False)

    async def calls(client: Client, count: int) -> list[Any]:
        return [await client.call_tool("get_business_info", {}) for _ in range(count)]

    with serving(uow) as server:
        ann = with_mcp(server.mcp_url, lambda c: calls(c, 4), caller=ANN)
        other = with_mcp(server.mcp_url, lambda c: calls(c, 1), caller=CALLER)
        # Without a caller number (and no MCP session in a stateless server): by address.
        anonymous = with_mcp(server.mcp_url, lambda c: calls(c, 4), caller=WITHHELD)
        clock.advance(seconds=60)
        next_minute = with_mcp(server.mcp_url, lambda c: calls(c, 1), caller=ANN)

    for result in ann[:3] + other + anonymous[:3] + next_minute:
        ok(result)
    for limited in (ann[3], anonymous[3]):
        assert error_code(limited) == "rate_limited"
        wait = limited.structured_content["error"]["details"]["retry_after_seconds"]
        assert 0 < wait <= 60
        assert str(wait) in text_of(limited)


# --- never strand a caller ---------------------------------------------------------------------


def test_a_callback_request_reaches_the_admin_list_and_the_owner(desk, desk_uow):
    async def scenario(client: Client) -> Any:
        return (
            await client.call_tool(
                "request_callback",
                {"client_name": "Carl Caller", "reason": "Asks about a package price"},
            ),
            await client.call_tool("request_callback", {"client_name": "Carl Caller"}),
        )

    answer, missing = with_mcp(desk.mcp_url, scenario, caller=CALLER)
    answer = ok(answer)
    assert answer["business_phone"] == "+1 (312) 555-0142"
    assert answer["transfer_number"] == TRANSFER
    assert answer["client_phone"] == CALLER_E164
    assert answer["status"] == "open"
    assert error_code(missing) == "validation_error"

    with desk.api(admin=True) as api:
        response = api.get("/api/admin/callbacks")
    assert response.status_code == 200, response.text
    (listed,) = response.json()["callbacks"]
    assert listed["id"] == answer["id"]
    assert (listed["client_name"], listed["client_phone"], listed["reason"]) == (
        "Carl Caller",
        CALLER_E164,
        "Asks about a package price",
    )
    assert listed["status"] == "open" and listed["created_at"]

    (to_owner,) = [m for m in sent(desk_uow) if m.kind == "callback_request"]
    assert to_owner.recipient == OWNER_PHONE
    assert "Carl Caller" in to_owner.body and "Asks about a package price" in to_owner.body


def test_without_a_transfer_number_the_callback_gives_only_the_business_phone(http_server):
    async def scenario(client: Client) -> Any:
        return ok(
            await client.call_tool(
                "request_callback",
                {"client_name": "Ann Example", "client_phone": ANN, "reason": "Wants a person"},
            )
        )

    answer = with_mcp(http_server.mcp_url, scenario, caller=WITHHELD)
    assert "transfer_number" not in answer
    assert answer["business_phone"] == "+1 (312) 555-0142"
    assert answer["client_phone"] == ANN_E164  # a callback needs no code


def test_business_info_and_services_answer_what_callers_ask(desk, desk_uow):
    async def before(client: Client) -> Any:
        return ok(await client.call_tool("get_business_info", {}))

    plain = with_mcp(desk.mcp_url, before)
    assert (plain["change_cutoff_hours"], plain["min_notice_minutes"]) == (24, 60)
    assert "policies" not in plain and "faq" not in plain

    set_policies(desk_uow, "Cancel at least 24 hours ahead, or a $50 fee applies.")
    set_faq(desk_uow, [FaqEntry("Is there parking?", "Yes, free parking behind the building.")])
    update_service(desk_uow, BOTOX, preparation="No alcohol or blood thinners for 24 hours.")

    async def after(client: Client) -> Any:
        return (
            ok(await client.call_tool("get_business_info", {})),
            ok(await client.call_tool("list_services", {}))["services"],
        )

    info, services = with_mcp(desk.mcp_url, after)
    assert info["policies"] == "Cancel at least 24 hours ahead, or a $50 fee applies."
    assert info["faq"] == [
        {"question": "Is there parking?", "answer": "Yes, free parking behind the building."}
    ]
    botox = next(s for s in services if s["id"] == BOTOX)
    assert botox["preparation"] == "No alcohol or blood thinners for 24 hours."
    assert all("preparation" not in s for s in services if s["id"] != BOTOX)


# --- slots an agent can act on -----------------------------------------------------------------


def test_slots_are_spread_over_the_window_one_per_time(desk):
    query = {"service_id": BOTOX, "date": "2026-12-01", "days": 3}

    async def find(client: Client) -> Any:
        return ok(await client.call_tool("find_available_slots", {**query, "limit": 6}))["slots"]

    slots = with_mcp(desk.mcp_url, find)
    starts = [s["start"] for s in slots]
    assert len(starts) == 6 and starts == sorted(set(starts)), "one entry per time"
    days = {start[:10] for start in starts}
    assert days == {"2026-12-01", "2026-12-02", "2026-12-03"}, "spread over the days"
    for day in days:
        hours = {int(start[11:13]) for start in starts if start.startswith(day)}
        assert min(hours) < 12 <= max(hours), f"morning and afternoon on {day}"
    with desk.api() as api:
        response = api.get("/api/availability", params=query)
    offered = {(s["start"], s["provider_id"]) for s in response.json()["slots"]}
    assert {(s["start"], s["provider_id"]) for s in slots} <= offered

    # A booking without provider_id at an offered time gets the provider the slot named.
    async def book_without_provider(client: Client) -> Any:
        return [ok(await book(client, start=s["start"], provider_id=None)) for s in slots[:2]]

    booked = with_mcp(desk.mcp_url, book_without_provider, caller=ANN)
    assert [(b["start"], b["provider_id"]) for b in booked] == [
        (s["start"], s["provider_id"]) for s in slots[:2]
    ]


def test_an_empty_search_says_why_and_what_is_next(desk):
    def search(client: Client, day: str, **extra: Any) -> Any:
        return client.call_tool("find_available_slots", {"service_id": BOTOX, "date": day, **extra})

    async def scenario(client: Client) -> Any:
        answers = {
            "too_soon": ok(await search(client, "2026-11-29")),
            "closed": ok(await search(client, "2026-12-06")),  # a Sunday
            "beyond_horizon": ok(await search(client, "2027-06-01")),
        }
        narrow = {"provider_id": PATEL, "earliest_time": "10:00", "latest_time": "10:00"}
        (only,) = ok(await search(client, "2026-12-03", **narrow))["slots"]
        ok(await book(client, start=only["start"]))
        answers["fully_booked"] = ok(await search(client, "2026-12-03", **narrow))
        return answers

    answers = with_mcp(desk.mcp_url, scenario, caller=ANN)
    for reason, answer in answers.items():
        assert answer["slots"] == [], reason
        assert answer["reason"] == reason
        assert "next_available" in answer, reason  # a slot, or null
    assert answers["too_soon"]["next_available"]["start"].startswith("2026-11-30T")
    assert answers["closed"]["next_available"]["start"] == "2026-12-07T09:00:00-06:00"
    assert set(answers["closed"]["next_available"]) == {
        "start",
        "readable",
        "provider_id",
        "provider_name",
    }
    assert answers["beyond_horizon"]["next_available"] is None
    after = answers["fully_booked"]["next_available"]
    assert after["start"] == "2026-12-04T09:00:00-06:00" and after["provider_id"] == PATEL


# --- a start with the wrong offset --------------------------------------------------------------


def test_a_start_with_an_offset_the_business_is_not_on_is_refused_over_mcp(desk):
    async def scenario(client: Client) -> Any:
        eastern = await book(client, start="2026-12-02T10:00:00-05:00")
        utc = await book(client, start="2026-12-02T16:00:00Z")
        booked = ok(await book(client, start="2026-12-02T10:00:00-06:00"))
        moved = await client.call_tool(
            "reschedule_appointment",
            {"appointment_id": booked["id"], "new_start": "2026-12-04T10:00:00-05:00"},
        )
        return eastern, utc, booked, moved

    eastern, utc, booked, moved = with_mcp(desk.mcp_url, scenario, caller=ANN)
    assert error_code(eastern) == "invalid_time"
    assert text_of(eastern).startswith(
        "invalid_time: 10:00-05:00 is not a local time here: in December Hello Gorgeous Med Spa "
        "is on -06:00"
    )
    assert "did you mean 10:00 AM (2026-12-02T10:00:00-06:00)?" in text_of(eastern)
    assert eastern.structured_content["error"]["details"]["meant"] == "2026-12-02T10:00:00-06:00"
    assert error_code(utc) == "invalid_time" and "16:00+00:00" in text_of(utc)
    assert booked["start"] == "2026-12-02T10:00:00-06:00"
    assert error_code(moved) == "invalid_time"
    assert "2026-12-04T10:00:00-06:00" in text_of(moved)
    assert [a["start"] for a in booked_on(desk, "2026-12-02")] == ["2026-12-02T10:00:00-06:00"]
    assert booked_on(desk, "2026-12-04") == []

    # HTTP keeps accepting any instant: 10:00-05:00 is 9:00 in Chicago.
    with desk.api() as api:
        response = api.post(
            "/api/booking/create",
            json={
                "service_id": BOTOX,
                "provider_id": PATEL,
                "start": "2026-12-04T10:00:00-05:00",
                "client": {"name": "Web Client", "phone": "(312) 555-0111"},
            },
        )
    assert response.status_code == 201, response.text
    assert response.json()["appointment"]["start"] == "2026-12-04T09:00:00-06:00"


# --- what an appointment answer carries ---------------------------------------------------------


def test_an_appointment_answer_names_the_service_provider_and_parts(desk):
    async def scenario(client: Client) -> Any:
        return ok(await book(client))

    booked = with_mcp(desk.mcp_url, scenario, caller=ANN)
    assert (booked["service_id"], booked["provider_id"]) == (BOTOX, PATEL)
    (part,) = booked["parts"]
    assert (part["service_id"], part["provider_id"], part["start"]) == (
        BOTOX,
        PATEL,
        THURSDAY_10,
    )


def test_two_callers_at_once_do_not_share_a_verification(desk, desk_uow):
    """A token is the number's: it does not open another phone's appointments."""

    async def scenario(client: Client) -> Any:
        ok(await client.call_tool("send_verification_code", {"client_phone": CALLER}))
        token = ok(
            await client.call_tool(
                "find_appointments",
                {"client_phone": CALLER, "verification_code": the_code(desk_uow, CALLER_E164)},
            )
        )["verification_token"]
        async with mcp_client(desk.mcp_url, caller=WITHHELD) as other:
            return await other.call_tool(
                "find_appointments", {"client_phone": ANN, "verification_code": token}
            )

    result = with_mcp(desk.mcp_url, scenario, caller=WITHHELD)
    assert error_code(result) == "verification_failed"


def test_the_mcp_tool_and_the_web_page_join_the_same_waitlist(desk):
    wishes = {"service_id": BOTOX, "date_from": "2026-12-03", "date_to": "2026-12-05"}

    async def scenario(client: Client) -> Any:
        return (
            await client.call_tool("join_waitlist", {"client_name": "Carl Caller", **wishes}),
            await client.call_tool("join_waitlist", {"client_name": "Carl Caller", **wishes}),
        )

    joined, again = with_mcp(desk.mcp_url, scenario, caller=CALLER)
    joined, again = ok(joined), ok(again)
    assert joined["joined"] is True and again == {**joined, "joined": False, "note": again["note"]}
    with desk.api() as api:
        web = api.post(
            "/api/waitlist",
            json={**wishes, "client": {"name": "Carl Caller", "phone": CALLER}},
        )
    assert web.status_code == 200, web.text  # already on the list: the same entry
    assert web.json()["entry"]["id"] == joined["entry_id"]
    assert "manage_token" not in web.json()
    with desk.api(admin=True) as api:
        listed = api.get("/api/admin/waitlist").json()["entries"]
    assert [(e["id"], e["client"]["phone"]) for e in listed] == [(joined["entry_id"], CALLER_E164)]
