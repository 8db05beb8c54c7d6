// The client's manage page, /booking/{id}#token=...: view, cancel, or pick a new time.
// A visit of several services shows each part (service, provider, time, rooms); a new time moves
// the whole visit and keeps each part's provider.
//
// The manage token comes in the URL fragment (never sent to the server in a URL, so it never
// lands in an access log) and goes to the API in the X-Manage-Token header or a POST body.
// The page's own state (what the client is doing, an unseen error, the reschedule key) is kept
// in sessionStorage so a refresh loses nothing.

import { api, ApiError, describeError, newKey } from "./api.js";
import { addDays, todayFrom } from "./time.js";
import { businessClock } from "./time.js";
import {
  calendarCard,
  horizonDays,
  insideCutoff,
  nowMs,
  reportHeightWhenEmbedded,
  slotPicker,
  syncClock,
  WINDOW_DAYS,
  windowDays,
  windowFor,
} from "./client.js";
import {
  alternativesList,
  announce,
  appointmentFacts,
  focus,
  h,
  messageBox,
  partsOf,
  telLink,
  whoText,
} from "./dom.js";
import { store } from "./store.js";

const app = document.getElementById("app");
const appointmentId = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] || "");
const KEY = {
  token: `manage.token.${appointmentId}`,
  ui: `manage.ui.${appointmentId}`,
  error: `manage.error.${appointmentId}`,
  attempt: `manage.attempt.${appointmentId}`,
  tooLate: `manage.tooLate.${appointmentId}`,
};

let business = null;
let clock = null;
let appointment = null;
let token = null;
let notice = null; // a success message for the next render
let busy = false;
let providers = null;
const slotCache = new Map();

function readToken() {
  const fromFragment = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromFragment) store.set(KEY.token, fromFragment);
  return fromFragment || store.get(KEY.token);
}

function ui() {
  return store.get(KEY.ui, { mode: null, providerId: null, date: null, start: null });
}

function setUi(changes) {
  store.set(KEY.ui, { ...ui(), ...changes });
}

function phone() {
  return (business && business.phone) || "";
}

function callUs() {
  return phone() ? h("p", {}, "Call us: ", telLink(phone())) : null;
}

/** True when the change cutoff has passed (known from the API if it says, else from a refusal). */
function tooLateToChange() {
  if (store.get(KEY.tooLate)) return true;
  if (business.change_cutoff_hours === undefined) return false;
  return insideCutoff(business, appointment.start);
}

/** A visit of several services (its providers are kept when it moves). */
function isVisit() {
  return partsOf(appointment).length > 1;
}

function isUpcoming() {
  return appointment.status === "booked" && Date.parse(appointment.start) > nowMs();
}

// ---------------------------------------------------------------- rendering
function details() {
  const statusText = {
    booked: "Booked",
    cancelled: "Cancelled",
    completed: "Completed",
    no_show: "Missed",
  }[appointment.status];
  return h(
    "div",
    { class: "card", "data-testid": "appointment" },
    h(
      "dl",
      { class: "summary" },
      h("dt", {}, "Status"),
      h(
        "dd",
        {},
        h("span", { class: `pill ${appointment.status}`, "data-testid": "appointment-status" }, statusText),
      ),
      appointmentFacts(appointment, clock, "appointment"),
      appointment.notes ? [h("dt", {}, "Notes"), h("dd", {}, appointment.notes)] : null,
    ),
  );
}

function errorBox(error) {
  const extra = [];
  if (error.alternatives && error.alternatives.length) {
    extra.push(
      alternativesList(error.alternatives, clock.when, (alternative) => {
        store.remove(KEY.error);
        setUi({
          mode: "reschedule",
          providerId: alternative.provider_id,
          date: clock.localDate(alternative.start),
          start: alternative.start,
        });
        render({ focusOn: "[data-testid=confirm-move]" });
      }),
    );
  }
  if (error.callUs) extra.push(callUs());
  const box = messageBox("error", error.title, error.text, ...extra);
  box.dataset.testid = "manage-error";
  box.dataset.code = error.code || error.kind || "";
  return box;
}

function actionError(error, { write }) {
  const words = describeError(error, { phone: phone(), write });
  const stored = { ...words, alternatives: [], callUs: false };
  if (error instanceof ApiError && error.code === "slot_unavailable") {
    stored.alternatives = error.details.alternatives || [];
    stored.title = stored.alternatives.length
      ? "This time slot was just taken — here are the nearest free times"
      : "This time slot was just taken — please choose another time";
    stored.text = error.message;
  }
  if (error instanceof ApiError && error.code === "too_late_to_change") {
    store.set(KEY.tooLate, true);
    stored.callUs = true;
  }
  if (error instanceof ApiError && error.code === "not_found") stored.callUs = true;
  return stored;
}

async function render({ focusOn = null } = {}) {
  const state = ui();
  const stored = store.get(KEY.error);
  const section = h("section", { "aria-labelledby": "page-title" });
  section.append(h("h1", { id: "page-title", tabindex: "-1" }, "Your appointment"));
  if (notice) {
    section.append(messageBox("success", "", notice));
    notice = null;
  }
  if (stored) section.append(errorBox(stored));
  section.append(details());
  if (isUpcoming() && state.mode !== "reschedule") {
    section.append(calendarCard({ appointment, parts: partsOf(appointment), token, business, clock }));
  }

  if (appointment.status === "cancelled") {
    section.append(
      messageBox(
        "info",
        "This appointment is cancelled",
        "Its time is free again. You are welcome to book a new one.",
        h("p", {}, h("a", { href: "/", class: "button" }, "Book a new appointment")),
      ),
    );
  } else if (!isUpcoming()) {
    section.append(
      messageBox("info", "This appointment has passed", "Questions? We are happy to help.", callUs()),
    );
  } else if (tooLateToChange()) {
    const box = messageBox(
      "warning",
      "Too late to change online",
      "Changes and cancellations are no longer possible online this close to the appointment. Please call us and we will help.",
      callUs(),
    );
    box.dataset.testid = "too-late";
    section.append(box);
  } else if (state.mode === "cancel") {
    section.append(cancelPanel());
  } else if (state.mode === "reschedule") {
    section.append(await reschedulePanel(state));
  } else {
    section.append(
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          {
            type: "button",
            "data-testid": "start-reschedule",
            onclick: () => {
              store.remove(KEY.error);
              setUi({
                mode: "reschedule",
                providerId: appointment.provider_id,
                date: null,
                start: null,
                windowStart: null,
              });
              render({ focusOn: "#reschedule-title" });
            },
          },
          "Pick a new time",
        ),
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            "data-testid": "start-cancel",
            onclick: () => {
              store.remove(KEY.error);
              setUi({ mode: "cancel" });
              render({ focusOn: "#cancel-title" });
            },
          },
          "Cancel appointment",
        ),
      ),
    );
    if (phone()) section.append(h("p", {}, "Questions? Call us at ", telLink(phone()), "."));
  }
  app.replaceChildren(section);
  const target =
    (focusOn && section.querySelector(focusOn)) || (stored && section.querySelector(".message.error"));
  if (target) focus(target);
}

function cancelPanel() {
  const status = h("p", { class: "status-line", role: "status" });
  const yes = h(
    "button",
    {
      type: "button",
      class: "danger",
      "data-testid": "confirm-cancel",
      onclick: async () => {
        if (busy) return;
        busy = true;
        yes.disabled = true;
        status.textContent = "Cancelling…";
        status.classList.add("loading");
        try {
          const data = await api("/api/booking/cancel", {
            method: "POST",
            body: { appointment_id: appointmentId, manage_token: token },
          });
          appointment = data.appointment;
          store.remove(KEY.error);
          setUi({ mode: null });
          notice = "Your appointment is cancelled.";
          announce(notice);
        } catch (error) {
          store.set(KEY.error, actionError(error, { write: false }));
        }
        busy = false;
        render({ focusOn: "#page-title" });
      },
    },
    "Yes, cancel it",
  );
  return h(
    "div",
    { class: "card", "data-testid": "cancel-panel" },
    h("h2", { id: "cancel-title", tabindex: "-1" }, "Cancel this appointment?"),
    h(
      "p",
      {},
      isVisit()
        ? `Your visit (${whoText(appointment)}) on ${clock.when(appointment.start)}.`
        : `${appointment.service_name} with ${appointment.provider_name} on ${clock.when(appointment.start)}.`,
    ),
    h(
      "div",
      { class: "actions" },
      yes,
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => {
            setUi({ mode: null });
            render({ focusOn: "[data-testid=start-cancel]" });
          },
        },
        "Keep my appointment",
      ),
    ),
    status,
  );
}

/**
 * Free times for the move over the two weeks starting at `start`: {slots, days, nextAvailable}.
 * A visit keeps each part's provider, so only the starts where they all stay are offered.
 */
async function loadSlots(providerId, start) {
  const key = `${isVisit() ? "visit" : String(providerId)}|${start}`;
  const cached = slotCache.get(key);
  if (cached && Date.now() - cached.at < 30000) return cached.data;
  const query = new URLSearchParams();
  const parts = partsOf(appointment);
  if (isVisit()) {
    // The whole visit, in order (?service_id=2&service_id=4).
    for (const part of parts) query.append("service_id", part.service_id);
    // provider_id of a visit means "this provider for every part".
    if (parts.every((part) => part.provider_id === parts[0].provider_id)) {
      query.set("provider_id", parts[0].provider_id);
    }
  } else {
    query.set("service_id", appointment.service_id);
    query.set("provider_id", providerId);
  }
  query.set("date", start);
  query.set("days", windowDays(start, lastDay()).length);
  const answer = await api(`/api/availability?${query}`);
  let slots = answer.slots || [];
  if (isVisit()) {
    const seen = new Set();
    slots = slots.filter((slot) => {
      const slotParts = partsOf(slot);
      const same =
        slotParts.length === parts.length &&
        slotParts.every((part, i) => part.provider_id === parts[i].provider_id);
      if (!same || seen.has(slot.start)) return false;
      seen.add(slot.start);
      return true;
    });
  }
  const data = { slots, days: answer.days || [], nextAvailable: answer.next_available || null };
  slotCache.set(key, { at: Date.now(), data });
  return data;
}

function today() {
  return todayFrom(business.now);
}

function lastDay() {
  return addDays(today(), horizonDays(business));
}

async function reschedulePanel(state) {
  const panel = h(
    "div",
    { class: "card", "data-testid": "reschedule-panel" },
    h("h2", { id: "reschedule-title", tabindex: "-1" }, "Pick a new time"),
    h(
      "p",
      {},
      `Times are shown in our local time (${clock.zoneName(business.now)}). Your current time stays booked until you confirm the new one.`,
    ),
  );
  const closeButton = h(
    "button",
    {
      type: "button",
      class: "secondary",
      onclick: () => {
        setUi({ mode: null, start: null });
        store.remove(KEY.error);
        render({ focusOn: "[data-testid=start-reschedule]" });
      },
    },
    "Keep the current time",
  );
  // The two weeks shown: kept while browsing (and across a refresh), else the first ones.
  const first = today();
  const last = lastDay();
  let shownFrom = state.windowStart;
  const outside = (day) => day < shownFrom || day > addDays(shownFrom, WINDOW_DAYS - 1);
  if (!shownFrom || shownFrom < first || shownFrom > last || (state.date && outside(state.date))) {
    shownFrom = windowFor(first, state.date && state.date >= first ? state.date : first, last);
  }
  let data;
  try {
    if (!providers && !isVisit()) {
      const answer = await api(
        `/api/providers?service_id=${encodeURIComponent(appointment.service_id)}`,
      );
      providers = answer.providers || [];
    }
    data = await loadSlots(state.providerId || appointment.provider_id, shownFrom);
  } catch (error) {
    const words = describeError(error, { phone: phone() });
    panel.append(
      messageBox(
        "error",
        words.title,
        words.text,
        h(
          "div",
          { class: "actions" },
          h("button", { type: "button", onclick: () => render({ focusOn: "#reschedule-title" }) }, "Try again"),
          closeButton,
        ),
      ),
    );
    return panel;
  }

  const providerId = isVisit() ? appointment.provider_id : state.providerId || appointment.provider_id;
  if (isVisit()) {
    panel.append(
      h(
        "p",
        { "data-testid": "visit-providers" },
        `Your whole visit moves together, with the same providers: ${whoText(appointment)}.`,
      ),
    );
  }
  const select = isVisit() ? null : h(
    "select",
    {
      id: "new-provider",
      onchange: () => {
        setUi({ providerId: Number(select.value), start: null });
        render({ focusOn: "#new-provider" });
      },
    },
    (providers.some((p) => p.id === appointment.provider_id)
      ? providers
      : [{ id: appointment.provider_id, name: appointment.provider_name }, ...providers]
    ).map((p) =>
      h("option", { value: p.id, selected: p.id === providerId }, p.name),
    ),
  );
  if (select) {
    panel.append(h("div", { class: "field" }, h("label", { for: "new-provider" }, "Provider"), select));
  }

  if (state.start) {
    const status = h("p", { class: "status-line", role: "status" });
    const confirm = h(
      "button",
      { type: "button", "data-testid": "confirm-move", onclick: () => move(confirm, status) },
      "Confirm new time",
    );
    const chosenProvider = (providers || []).find((p) => p.id === providerId);
    panel.append(
      h(
        "div",
        { class: "message info", "data-testid": "move-summary" },
        h(
          "p",
          {},
          isVisit()
            ? `New time: ${clock.when(state.start)}, ${whoText(appointment)}.`
            : `New time: ${clock.when(state.start)} with ${chosenProvider ? chosenProvider.name : appointment.provider_name}.`,
        ),
        h(
          "div",
          { class: "actions" },
          confirm,
          h(
            "button",
            {
              type: "button",
              class: "secondary",
              onclick: () => {
                setUi({ start: null });
                render({ focusOn: "#reschedule-title" });
              },
            },
            "Choose a different time",
          ),
        ),
        status,
      ),
    );
    panel.append(h("div", { class: "actions" }, closeButton));
    return panel;
  }

  const picker = slotPicker({
    clock,
    today: first,
    lastDay: last,
    windowStart: shownFrom,
    days: data.days,
    slots: data.slots,
    nextAvailable: data.nextAvailable,
    selectedDate: state.date,
    selectedStart: null,
    phone: phone(),
    emptyText: isVisit()
      ? "No free times for your whole visit on these dates, nor after them. Please call us and we will find a time."
      : "No free times on these dates, nor after them. Try another provider, or call us.",
    timeLabel: (slot) => clock.timeWithZone(slot.start),
    onTime: (slot) => {
      setUi({ date: clock.localDate(slot.start), start: slot.start, providerId, windowStart: shownFrom });
      render({ focusOn: "[data-testid=confirm-move]" });
    },
    onDate: (day) => setUi({ date: day, start: null, windowStart: shownFrom }),
    onWindow: (start, day) => {
      setUi({ windowStart: start, date: day, start: null });
      render({
        focusOn: day ? `[data-testid=date][data-date="${day}"]` : "[data-testid=week-range]",
      });
    },
    jumpHref: null, // the manage link's fragment holds the token: never a link of our own here
  });
  panel.append(picker.node, h("div", { class: "actions" }, closeButton));
  return panel;
}

async function move(button, status) {
  if (busy) return;
  const state = ui();
  const body = { appointment_id: appointmentId, manage_token: token, new_start: state.start };
  // A visit keeps every part's provider: no provider_id is sent for it.
  if (!isVisit() && state.providerId && state.providerId !== appointment.provider_id) {
    body.provider_id = state.providerId;
  }
  // Same rule as booking: one key per intended change, kept across a refresh or a lost answer.
  const fingerprint = JSON.stringify(body);
  let attempt = store.get(KEY.attempt);
  if (!attempt || attempt.fingerprint !== fingerprint) attempt = { key: newKey(), fingerprint };
  store.set(KEY.attempt, attempt);
  busy = true;
  button.disabled = true;
  status.textContent = "Moving your appointment…";
  status.classList.add("loading");
  try {
    const data = await api("/api/booking/reschedule", {
      method: "POST",
      body,
      headers: { "Idempotency-Key": attempt.key },
    });
    appointment = data.appointment;
    store.remove(KEY.attempt);
    store.remove(KEY.error);
    slotCache.clear();
    setUi({ mode: null, start: null, date: null });
    notice = `Done: your appointment is now ${clock.when(appointment.start)} ${whoText(appointment)}.`;
    announce(notice);
  } catch (error) {
    if (!(error instanceof ApiError) || !error.ambiguous) store.remove(KEY.attempt);
    if (error instanceof ApiError && error.code === "slot_unavailable") {
      slotCache.clear();
      setUi({ start: null });
    }
    store.set(KEY.error, actionError(error, { write: true }));
  }
  busy = false;
  render({ focusOn: "#page-title" });
}

// ---------------------------------------------------------------- start-up
function fatal(title, text, retry) {
  const box = messageBox(
    "error",
    title,
    text,
    callUs(),
    retry
      ? h("div", { class: "actions" }, h("button", { type: "button", onclick: retry }, "Try again"))
      : null,
  );
  box.dataset.testid = "manage-error";
  app.replaceChildren(h("h1", { tabindex: "-1" }, "Your appointment"), box);
  focus(box);
}

async function start() {
  reportHeightWhenEmbedded();
  token = readToken();
  try {
    business = await api("/api/business");
  } catch (error) {
    const words = describeError(error);
    fatal(words.title, words.text, () => start());
    return;
  }
  syncClock(business);
  clock = businessClock(business.timezone);
  document.getElementById("business-name").textContent = business.name;
  document
    .getElementById("header-phone")
    .replaceChildren(phone() ? "Call " : "", telLink(phone()) || "");
  if (!appointmentId || !token) {
    fatal(
      "This link is incomplete",
      "The link to your appointment is missing its private code. Please open the full link from your confirmation, or call us.",
    );
    return;
  }
  try {
    const data = await api(`/api/booking/${encodeURIComponent(appointmentId)}`, {
      headers: { "X-Manage-Token": token },
    });
    appointment = data.appointment;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      fatal(
        "We could not find this appointment",
        "Please check that you opened the whole link from your confirmation, or call us.",
      );
    } else {
      const words = describeError(error, { phone: phone() });
      fatal(words.title, words.text, () => start());
    }
    return;
  }
  document.title = `Your appointment — ${business.name}`;
  await render();
}

start();
