// The provider calendar, /admin: day and week views with a column per provider (or, "By
// resource", per room and device), appointments at their business-local times, and a dialog to
// cancel or move one. A visit of several services is drawn as one block per part, linked by a
// shared colour and a "1/2", "2/2" label; any of its blocks opens the visit.
// A second page, "Rooms & devices" (?page=resources), manages resources, their time off and the
// rooms/devices each service needs. A third, "Policies & FAQ" (?page=info), edits what clients and
// callers are told: the policy text, the FAQ and how to prepare for each service. Above the
// calendar, "Callbacks" lists the callers who asked the AI receptionist for a call back.
//
// The front desk runs the day from the calendar: "New appointment" or a click on an empty slot
// opens the booking form (admin-booking.js); a block dragged to another time or provider column
// is rescheduled (admin-drag.js; the dialog's Move is the keyboard way); closures, time off,
// breaks, hours off and room/device maintenance are shaded with their reason, and a booking
// inside one is flagged; the dialog checks a client in (arrived) and marks completed or no-show.
//
// The admin token lives in sessionStorage only (gone when the browser session ends); the view
// (date, day/week, by provider/resource, provider, cancelled shown or not) lives in the URL so a
// refresh or a shared link shows the same view. The calendar asks the cheap
// GET /api/admin/calendar/version every few seconds and reloads only when it changed, so web and
// AI bookings appear by themselves without disturbing an open form or dialog.

import { api, ApiError, describeError, newKey } from "./api.js";
import { addDays, dayLabels, isDate, mondayOf, todayFrom } from "./time.js";
import { businessClock } from "./time.js";
import { alternativesList, announce, focus, h, messageBox, partsList, partsOf, resourcesText, telLink, whoText } from "./dom.js";
import { store } from "./store.js";
import { extraPages } from "./admin-pages.js";
import { bookingFormOpen, hhmm, openBookingForm } from "./admin-booking.js";
import { makeDraggable } from "./admin-drag.js";

const TOKEN_KEY = "admin.token";
const PX_PER_MINUTE = 1.6;
const TOP_PAD = 10; // room above the first hour label
const SOURCE_LABELS = { web: "Web", ai: "AI", admin: "Admin" };
const SOURCE_LONG = { web: "the website", ai: "the AI receptionist", admin: "the front desk (admin)" };
const STATUS_LABELS = {
  booked: "Booked",
  arrived: "Arrived",
  cancelled: "Cancelled",
  completed: "Completed",
  no_show: "No-show",
};
const SNAP_MINUTES = 15; // the grid a drop or a click on an empty slot snaps to
// How often a full reload runs anyway, in polls: a safety net (the version covers bookings,
// closures, time off, hours and rooms; a renamed service or provider does not change it).
const FULL_RELOAD_EVERY = 12;
// Blocked time: what each kind says on its shaded block.
const BLOCKED_LABELS = {
  closure: "Closed",
  time_off: "Time off",
  break: "Break",
  off_hours: "Not working",
  resource_time_off: "Unavailable",
};
const KIND_LABELS = { room: "Room", device: "Device" };
// Outline colours that tell the visits on screen apart (the parts of one visit share one).
const VISIT_COLOURS = ["#1a5fb4", "#c64600", "#26a269", "#9141ac", "#a51d2d", "#0f7b8a", "#865e3c", "#5e5c64"];

const app = document.getElementById("app");
const dialog = document.getElementById("appointment-dialog");
const dialogBody = document.getElementById("dialog-body");

let business = null;
let clock = null;
let token = store.get(TOKEN_KEY);
const view = { date: null, mode: "day", by: "provider", provider: "all", showCancelled: false, page: "calendar" };
let calendar = null; // the last calendar response
let resources = null; // GET /api/admin/resources (the columns of the by-resource view)
let lastJson = "";
let pollTimer = null;
let pollInFlight = false;
let loadGeneration = 0;
let lastRefreshed = null;
let opener = null; // the block that opened the dialog, to return focus to
let pollTicks = 0;
let dragging = false; // a block is being dragged: a poll's redraw waits until it is dropped
let redrawPending = false;
let tip = null; // the details shown on hover and focus of a block

function pollMs() {
  const configured = Number(globalThis.BOOKING_POLL_MS);
  return configured > 0 ? configured : 5000;
}

// ---------------------------------------------------------------- URL <-> view
function readUrl() {
  const query = new URLSearchParams(location.search);
  view.date = isDate(query.get("date")) ? query.get("date") : todayFrom(business.now);
  view.mode = query.get("view") === "week" ? "week" : "day";
  const provider = query.get("provider");
  view.provider = provider && /^\d+$/.test(provider) ? Number(provider) : "all";
  // Cancelled appointments are hidden unless asked for (cancelled=show); cancelled=hide still works.
  view.showCancelled = query.get("cancelled") === "show";
  view.by = query.get("by") === "resource" ? "resource" : "provider";
  const pages = ["resources", "info", ...extraPages.map((extra) => extra.page)];
  view.page = pages.includes(query.get("page")) ? query.get("page") : "calendar";
}

function saveUrl() {
  const query = new URLSearchParams({ date: view.date, view: view.mode });
  if (view.by === "resource") query.set("by", "resource");
  if (view.provider !== "all") query.set("provider", view.provider);
  if (view.showCancelled) query.set("cancelled", "show");
  if (view.page !== "calendar") query.set("page", view.page);
  history.replaceState(null, "", `${location.pathname}?${query}`);
}

function range() {
  if (view.mode === "week") {
    const first = mondayOf(view.date);
    return { first, days: 7 };
  }
  return { first: view.date, days: 1 };
}

function authHeaders() {
  return { Authorization: `Bearer ${token}` };
}

// ---------------------------------------------------------------- sign-in
function renderSignIn(message = null) {
  stopPolling();
  document.getElementById("header-actions").replaceChildren();
  const input = h("input", {
    id: "admin-token",
    type: "password",
    autocomplete: "off",
    required: true,
    spellcheck: "false",
  });
  const status = h("p", { class: "status-line", role: "status" });
  const box = h("div", { id: "signin-message" }, message ? messageBox("error", message.title, message.text) : null);
  const form = h(
    "form",
    {
      class: "card signin",
      "aria-labelledby": "signin-title",
      onsubmit: async (event) => {
        event.preventDefault();
        const candidate = input.value.trim();
        if (!candidate) {
          box.replaceChildren(messageBox("error", "", "Please enter the admin token."));
          focus(input);
          return;
        }
        status.textContent = "Signing in…";
        status.classList.add("loading");
        try {
          await api(`/api/admin/calendar?date=${todayFrom(business.now)}&days=1`, {
            headers: { Authorization: `Bearer ${candidate}` },
          });
        } catch (error) {
          status.textContent = "";
          status.classList.remove("loading");
          const words =
            error instanceof ApiError && error.status === 401
              ? { title: "Sign-in failed", text: "That admin token was not accepted. Check it and try again." }
              : describeError(error);
          const shown = messageBox("error", words.title, words.text);
          box.replaceChildren(shown);
          focus(shown);
          return;
        }
        token = candidate;
        store.set(TOKEN_KEY, token);
        startCalendar();
      },
    },
    h("h1", { id: "signin-title", tabindex: "-1" }, "Sign in"),
    h("p", {}, "Enter the admin token to open the provider calendar. It is kept only until you close this browser session."),
    box,
    h("div", { class: "field" }, h("label", { for: "admin-token" }, "Admin token"), input),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Sign in")),
    status,
  );
  app.replaceChildren(form);
  focus(message ? box.firstChild : input);
}

function signOut(message = null) {
  token = null;
  store.remove(TOKEN_KEY);
  if (dialog.open) dialog.close();
  document.getElementById("booking-dialog")?.close();
  renderSignIn(message);
}

// ---------------------------------------------------------------- calendar shell
function startCalendar() {
  readUrl();
  showPage(view.page);
}

/** The header: the two admin pages and sign-out. */
function headerActions() {
  const pageButton = (page, label) =>
    h(
      "button",
      {
        type: "button",
        class: "secondary",
        "data-page": page,
        "aria-current": view.page === page ? "page" : null,
        onclick: () => {
          if (view.page !== page) showPage(page);
        },
      },
      label,
    );
  document
    .getElementById("header-actions")
    .replaceChildren(
      h(
        "span",
        { class: "header-nav" },
        pageButton("calendar", "Calendar"),
        pageButton("resources", "Rooms & devices"),
        pageButton("info", "Policies & FAQ"),
        ...extraPages.map((extra) => pageButton(extra.page, extra.label)),
        h("button", { type: "button", class: "secondary", onclick: () => signOut() }, "Sign out"),
      ),
    );
}

function showPage(page) {
  view.page = page;
  saveUrl();
  headerActions();
  if (page === "resources") {
    stopPolling();
    openResourcesPage();
    return;
  }
  if (page === "info") {
    stopPolling();
    openInfoPage();
    return;
  }
  const extra = extraPages.find((candidate) => candidate.page === page);
  if (extra) {
    stopPolling();
    extra.open({ app, authHeaders, business, clock, showPage, signOut });
    return;
  }
  calendar = null;
  lastJson = "";
  drawCalendar.viewKey = null;
  showCalendar();
}

function showCalendar() {
  app.replaceChildren(
    h("h1", { id: "calendar-title", tabindex: "-1" }, "Provider calendar"),
    toolbar(),
    h(
      "div",
      { class: "toolbar" },
      h("span", { class: "refresh-status", id: "refresh-status", "data-testid": "refresh-status" }),
      h("span", { id: "zone-note", class: "refresh-status" }),
    ),
    h("div", { id: "calendar-notice" }),
    h("div", { id: "calendar-messages" }),
    callbacksSection(),
    waitlistCount(),
    h("div", { id: "calendar-area" }, h("p", { class: "loading" }, "Loading the calendar…")),
  );
  focus(document.getElementById("calendar-title"));
  refresh({ reason: "open" });
  startPolling();
}

function toolbar() {
  const step = () => (view.mode === "week" ? 7 : 1);
  const dateInput = h("input", {
    type: "date",
    id: "view-date",
    value: view.date,
    onchange: () => {
      if (isDate(dateInput.value)) setView({ date: dateInput.value });
    },
  });
  const providerSelect = h(
    "select",
    {
      id: "view-provider",
      onchange: () =>
        setView({ provider: providerSelect.value === "all" ? "all" : Number(providerSelect.value) }),
    },
    h("option", { value: "all" }, "All providers"),
  );
  const modeButton = (mode, label) =>
    h(
      "button",
      {
        type: "button",
        "data-mode": mode,
        "aria-pressed": String(view.mode === mode),
        onclick: () => setView({ mode }),
      },
      label,
    );
  const byButton = (by, label) =>
    h(
      "button",
      {
        type: "button",
        "data-by": by,
        "data-testid": `by-${by}`,
        "aria-pressed": String(view.by === by),
        onclick: () => setView({ by }),
      },
      label,
    );
  const newButton = h(
    "button",
    {
      type: "button",
      class: "new-appointment",
      "data-testid": "new-appointment",
      onclick: () => openBooking({ date: view.date, opener: newButton }),
    },
    "+ New appointment",
  );
  return h(
    "div",
    { class: "toolbar", role: "group", "aria-label": "Calendar view" },
    newButton,
    h(
      "div",
      { class: "group" },
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          "aria-label": "Previous",
          onclick: () => setView({ date: addDays(view.date, -step()) }),
        },
        "◀",
      ),
      h(
        "button",
        { type: "button", class: "secondary", onclick: () => setView({ date: todayFrom(business.now) }) },
        "Today",
      ),
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          "aria-label": "Next",
          onclick: () => setView({ date: addDays(view.date, step()) }),
        },
        "▶",
      ),
    ),
    h("div", {}, h("label", { for: "view-date" }, "Date"), dateInput),
    h(
      "div",
      { class: "group segmented", role: "group", "aria-label": "Day or week" },
      modeButton("day", "Day"),
      modeButton("week", "Week"),
    ),
    h(
      "div",
      { class: "group segmented", role: "group", "aria-label": "Columns" },
      byButton("provider", "By provider"),
      byButton("resource", "By resource"),
    ),
    h("div", {}, h("label", { for: "view-provider" }, "Provider"), providerSelect),
    h(
      "label",
      { class: "check" },
      h("input", {
        type: "checkbox",
        id: "show-cancelled",
        checked: view.showCancelled,
        onchange: (event) => setView({ showCancelled: event.target.checked }),
      }),
      "Show cancelled",
    ),
    h(
      "button",
      { type: "button", class: "secondary", onclick: () => refresh({ reason: "manual" }) },
      "Refresh",
    ),
  );
}

function setView(changes) {
  document.getElementById("calendar-notice")?.replaceChildren();
  const needsData = "date" in changes || "mode" in changes || ("by" in changes && changes.by === "resource" && !resources);
  Object.assign(view, changes);
  saveUrl();
  document.getElementById("view-date").value = view.date;
  for (const button of document.querySelectorAll("[data-mode]")) {
    button.setAttribute("aria-pressed", String(button.dataset.mode === view.mode));
  }
  for (const button of document.querySelectorAll("[data-by]")) {
    button.setAttribute("aria-pressed", String(button.dataset.by === view.by));
  }
  if (needsData) {
    calendar = null;
    lastJson = "";
    document.getElementById("calendar-area").replaceChildren(h("p", { class: "loading" }, "Loading the calendar…"));
    return refresh({ reason: "view" });
  }
  drawCalendar();
  return Promise.resolve();
}

function syncProviderSelect() {
  const select = document.getElementById("view-provider");
  if (!select || !calendar) return;
  const wanted = String(view.provider);
  const options = [
    h("option", { value: "all" }, "All providers"),
    ...calendar.providers.map((p) => h("option", { value: p.id }, p.name)),
  ];
  select.replaceChildren(...options);
  select.value = options.some((o) => o.value === wanted) ? wanted : "all";
}

// ---------------------------------------------------------------- loading and polling
async function refresh({ reason }) {
  refreshCallbacks({ reason });
  const generation = ++loadGeneration;
  const { first, days } = range();
  pollInFlight = true;
  try {
    const [data, resourceData] = await Promise.all([
      api(`/api/admin/calendar?date=${first}&days=${days}`, { headers: authHeaders() }),
      // The by-resource view's columns (polled with it, so a new room shows up by itself).
      view.by === "resource" ? api("/api/admin/resources", { headers: authHeaders() }) : Promise.resolve(null),
    ]);
    if (generation !== loadGeneration) return;
    document.getElementById("calendar-messages")?.replaceChildren();
    lastRefreshed = new Date();
    if (resourceData) resources = resourceData.resources || [];
    const json = JSON.stringify([data, view.by === "resource" ? resources : null]);
    if (json !== lastJson) {
      const first = !calendar;
      calendar = data;
      lastJson = json;
      syncProviderSelect();
      // A block being dragged stays where the hand is: the new data is drawn when it is dropped.
      if (dragging) redrawPending = true;
      else drawCalendar();
      if (!first && reason === "poll") announce("The calendar was updated.");
    }
    stampRefreshed();
  } catch (error) {
    if (generation !== loadGeneration) return;
    refreshFailed(error);
    if (!calendar) document.getElementById("calendar-area")?.replaceChildren();
  } finally {
    if (generation === loadGeneration) pollInFlight = false;
  }
}

function stampRefreshed() {
  const stamp = document.getElementById("refresh-status");
  if (stamp) {
    stamp.textContent = `Updated ${clock.timeWithZone(lastRefreshed.toISOString())} · checks for changes every ${Math.round(pollMs() / 1000)} s`;
  }
}

function refreshFailed(error) {
  if (error instanceof ApiError && error.status === 401) {
    signOut({ title: "Signed out", text: "The admin token is no longer accepted. Please sign in again." });
    return;
  }
  const words = describeError(error, { phone: "" });
  const messages = document.getElementById("calendar-messages");
  if (messages) {
    const box = messageBox(
      "error",
      calendar ? "Could not refresh the calendar" : "Could not load the calendar",
      `${words.text} We keep trying every few seconds${calendar ? "; what you see may be out of date" : ""}.`,
    );
    box.dataset.testid = "calendar-error";
    messages.replaceChildren(box);
  }
}

/**
 * One poll: the callbacks, and the calendar's version (cheap); the calendar itself is reloaded
 * only when the version changed (or every FULL_RELOAD_EVERY polls, for what the version does not
 * mark: closures, time off, rooms and devices).
 */
async function poll() {
  if (document.hidden || pollInFlight || !token || view.page !== "calendar") return;
  pollTicks += 1;
  if (!calendar || pollTicks % FULL_RELOAD_EVERY === 0) {
    refresh({ reason: "poll" });
    return;
  }
  refreshCallbacks({ reason: "poll" });
  const generation = loadGeneration;
  pollInFlight = true;
  let changed = false;
  try {
    const data = await api("/api/admin/calendar/version", { headers: authHeaders() });
    if (generation !== loadGeneration || !calendar) return;
    document.getElementById("calendar-messages")?.replaceChildren();
    lastRefreshed = new Date();
    changed = String(data.version) !== String(calendar.version);
    if (!changed) stampRefreshed();
  } catch (error) {
    if (generation !== loadGeneration) return;
    refreshFailed(error);
  } finally {
    if (generation === loadGeneration) pollInFlight = false;
  }
  if (changed && generation === loadGeneration) await refresh({ reason: "poll" });
}

function startPolling() {
  stopPolling();
  pollTicks = 0;
  pollTimer = setInterval(poll, pollMs());
}

function stopPolling() {
  if (pollTimer) clearInterval(pollTimer);
  pollTimer = null;
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && token && calendar && view.page === "calendar") refresh({ reason: "poll" });
});

// ---------------------------------------------------------------- callbacks
// Callers who asked the AI receptionist for a person to call them back. The open ones are polled
// with the calendar; the done ones are loaded while that tab is shown (the most recent first).
const DONE_SHOWN = 20;
const callbackState = {
  show: "open", // the tab: "open" or "done"
  open: null, // GET /api/admin/callbacks?status=open (null until loaded)
  done: null,
  lastJson: "",
  generation: 0,
  message: null, // a success or error box shown in the section
  drawnMessage: null,
};

/** "Bookings from the waitlist this month: N" (loaded once per opening of the calendar). */
function waitlistCount() {
  const line = h("p", { class: "refresh-status", "data-testid": "waitlist-bookings" });
  api("/api/admin/waitlist", { headers: authHeaders() })
    .then((answer) => {
      const count = answer.booked_from_waitlist_this_month;
      line.replaceChildren(
        `Bookings from the waitlist this month: ${count} `,
        h("a", { href: "?page=waitlist" }, "Waitlist"),
      );
    })
    .catch(() => line.remove()); // the calendar works without it
  return line;
}

function callbacksSection() {
  callbackState.lastJson = "";
  callbackState.drawnMessage = undefined;
  return h(
    "section",
    { class: "card callbacks", id: "callbacks", "aria-labelledby": "callbacks-title", "data-testid": "callbacks" },
    h("h2", { id: "callbacks-title", tabindex: "-1" }, "Callbacks"),
    h("p", { class: "loading status-line" }, "Loading callback requests…"),
  );
}

async function refreshCallbacks({ reason = "poll" } = {}) {
  const generation = ++callbackState.generation;
  const show = callbackState.show;
  try {
    const [open, done] = await Promise.all([
      adminApi("/api/admin/callbacks?status=open"),
      show === "done" ? adminApi("/api/admin/callbacks?status=done") : Promise.resolve(null),
    ]);
    if (generation !== callbackState.generation) return;
    const before = callbackState.open;
    callbackState.open = open.callbacks || [];
    if (done) callbackState.done = done.callbacks || [];
    if (callbackState.message?.dataset.testid === "callbacks-error") callbackState.message = null;
    if (before && reason === "poll") {
      const known = new Set(before.map((c) => c.id));
      const fresh = callbackState.open.filter((c) => !known.has(c.id));
      if (fresh.length === 1) announce(`New callback request from ${fresh[0].client_name}.`);
      else if (fresh.length > 1) announce(`${fresh.length} new callback requests.`);
    }
  } catch (error) {
    if (generation !== callbackState.generation) return;
    if (signedOut(error)) return;
    const words = describeError(error, { phone: "" });
    const box = messageBox(
      "error",
      callbackState.open ? "Could not refresh the callbacks" : "Could not load the callbacks",
      `${words.text} We keep trying with the calendar.`,
    );
    box.dataset.testid = "callbacks-error";
    callbackState.message = box;
  }
  drawCallbacks();
}

function drawCallbacks({ focusOn = null } = {}) {
  const section = document.getElementById("callbacks");
  if (!section || view.page !== "calendar") return;
  const json = JSON.stringify([callbackState.show, callbackState.open, callbackState.show === "done" ? callbackState.done : null]);
  // A poll redraws only when something changed (keeping focus on the same button).
  if (json === callbackState.lastJson && callbackState.message === callbackState.drawnMessage && !focusOn) return;
  const focused = section.contains(document.activeElement) ? document.activeElement : null;
  const focusedId = focused?.closest("[data-callback-id]")?.dataset.callbackId;
  const focusedTestId = focused?.dataset?.testid;
  callbackState.lastJson = json;
  callbackState.drawnMessage = callbackState.message;

  const open = callbackState.open || [];
  const list = callbackState.show === "done" ? callbackState.done : callbackState.open;
  const tab = (show, label) =>
    h(
      "button",
      {
        type: "button",
        "data-testid": `callbacks-${show}`,
        "aria-pressed": String(callbackState.show === show),
        onclick: () => {
          if (callbackState.show === show) return;
          callbackState.show = show;
          callbackState.message = null;
          if (show === "done") callbackState.done = null;
          drawCallbacks({ focusOn: `[data-testid=callbacks-${show}]` });
          refreshCallbacks({ reason: "view" });
        },
      },
      label,
    );
  const rows = (list || []).slice(0, callbackState.show === "done" ? DONE_SHOWN : undefined).map(callbackRow);
  let body;
  if (list === null) {
    body = callbackState.message ? null : h("p", { class: "loading status-line" }, "Loading callback requests…");
  } else if (!rows.length) {
    body = h(
      "p",
      { "data-testid": "no-callbacks" },
      callbackState.show === "done" ? "No callback marked done yet." : "No open callback requests.",
    );
  } else {
    body = [
      h("ul", { class: "resource-list callback-list", "data-testid": "callback-list" }, rows),
      callbackState.show === "done" && list.length > DONE_SHOWN
        ? h("p", { class: "hint-line" }, `The ${DONE_SHOWN} most recent are shown.`)
        : null,
    ];
  }
  const head = h(
    "div",
    { class: "callbacks-head" },
    h(
      "h2",
      { id: "callbacks-title", tabindex: "-1" },
      "Callbacks ",
      callbackState.open
        ? h(
            "span",
            { class: `pill ${open.length ? "open-count" : "completed"}`, "data-testid": "callbacks-count" },
            open.length ? `${open.length} open` : "none open",
          )
        : null,
    ),
    h(
      "div",
      { class: "group segmented", role: "group", "aria-label": "Which callbacks" },
      tab("open", "Open"),
      tab("done", "Done"),
    ),
  );
  section.replaceChildren(...[head, callbackState.message, body].flat().filter(Boolean));
  let target = focusOn && section.querySelector(focusOn);
  if (!target && focused) {
    target =
      (focusedId &&
        section.querySelector(`[data-callback-id="${CSS.escape(focusedId)}"] [data-testid="${CSS.escape(focusedTestId || "")}"]`)) ||
      (focusedTestId && section.querySelector(`[data-testid="${CSS.escape(focusedTestId)}"]`)) ||
      section.querySelector("h2");
  }
  if (target) focus(target);
}

function callbackRow(c) {
  const done = c.status === "done";
  return h(
    "li",
    {
      class: `resource-row callback${done ? " inactive" : ""}`,
      "data-testid": "callback",
      "data-callback-id": c.id,
      "data-status": c.status,
    },
    h(
      "div",
      { class: "resource-main" },
      h("span", { class: "resource-name", "data-testid": "callback-name" }, c.client_name),
      " · ",
      h("span", { "data-testid": "callback-phone" }, telLink(c.client_phone) || "—"),
      " · ",
      h("span", { class: "meta", "data-testid": "callback-when" }, `asked ${clock.when(c.created_at)}`),
      " ",
      h("span", { class: `pill ${done ? "completed" : "booked"}`, "data-testid": "callback-status" }, done ? "Done" : "Open"),
      h("p", { class: "callback-reason pre-line", "data-testid": "callback-reason" }, c.reason || "No reason given."),
    ),
    done
      ? null
      : h(
          "div",
          { class: "actions compact" },
          h(
            "button",
            {
              type: "button",
              "data-testid": "callback-done",
              "aria-label": `Done: call back ${c.client_name}`,
              onclick: (event) => markCallbackDone(c, event.currentTarget),
            },
            "Done",
          ),
        ),
  );
}

async function markCallbackDone(c, button) {
  button.disabled = true;
  callbackState.generation += 1; // a poll already on its way would show the callback as open
  try {
    await adminApi(`/api/admin/callbacks/${encodeURIComponent(c.id)}/done`, { method: "POST" });
    const text = `Marked done: the callback to ${c.client_name}.`;
    const box = messageBox("success", "", text);
    box.dataset.testid = "callbacks-success";
    callbackState.message = box;
    announce(text);
    callbackState.open = (callbackState.open || []).filter((other) => other.id !== c.id);
  } catch (error) {
    if (signedOut(error)) return;
    const words = describeError(error, { write: true });
    const box = messageBox("error", `Could not mark the callback to ${c.client_name} done`, words.text);
    box.dataset.testid = "callbacks-error";
    callbackState.message = box;
  }
  callbackState.lastJson = "";
  drawCallbacks({ focusOn: ".message" });
  refreshCallbacks({ reason: "action" });
}

// ---------------------------------------------------------------- drawing
function visibleAppointments() {
  return calendar.appointments.filter(
    (a) =>
      (view.showCancelled || a.status !== "cancelled") &&
      (view.provider === "all" || partsOf(a).some((part) => part.provider_id === view.provider)),
  );
}

/** The columns of one day: providers, or rooms then devices (by-resource view). */
function columnSubjects(appointments) {
  if (view.by !== "resource") {
    return calendar.providers
      .filter((p) => view.provider === "all" || p.id === view.provider)
      .map((p) => ({ key: `p${p.id}`, id: p.id, name: p.name, kind: "provider" }));
  }
  // Active rooms and devices, and any inactive one still holding a part shown here.
  const used = new Set(appointments.flatMap((a) => partsOf(a).flatMap((part) => (part.resources || []).map((r) => r.id))));
  const known = (resources || []).filter((r) => r.active || used.has(r.id));
  for (const a of appointments) {
    for (const part of partsOf(a)) {
      for (const r of part.resources || []) {
        if (!known.some((k) => k.id === r.id)) known.push({ ...r, active: false });
      }
    }
  }
  const rank = (r) => (r.kind === "room" ? 0 : 1);
  return known
    .map((r, index) => ({ r, index }))
    .sort((a, b) => rank(a.r) - rank(b.r) || a.index - b.index)
    .map(({ r }) => ({ key: `r${r.id}`, id: r.id, name: r.name, kind: r.kind, active: r.active }));
}

/** The column keys a part is drawn in: its provider's, or each of its rooms/devices. */
function partColumns(part) {
  if (view.by === "resource") return (part.resources || []).map((r) => `r${r.id}`);
  if (view.provider !== "all" && part.provider_id !== view.provider) return [];
  return [`p${part.provider_id}`];
}

function visitColour(id) {
  let hash = 0;
  for (const char of String(id)) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return VISIT_COLOURS[hash % VISIT_COLOURS.length];
}

function parseHHMM(text) {
  const [hours, minutes] = text.split(":").map(Number);
  return hours * 60 + minutes;
}

/** The rows to draw: business hours, widened to fit every appointment shown. */
function minuteRange(appointments) {
  let low = Infinity;
  let high = -Infinity;
  for (const day of business.hours || []) {
    low = Math.min(low, parseHHMM(day.open));
    high = Math.max(high, parseHHMM(day.close));
  }
  if (!Number.isFinite(low)) [low, high] = [9 * 60, 17 * 60];
  for (const a of appointments) {
    const start = clock.localMinutes(a.start);
    const sameDay = clock.localDate(a.end) === clock.localDate(a.start);
    low = Math.min(low, start);
    high = Math.max(high, sameDay ? clock.localMinutes(a.end) : 24 * 60);
  }
  return { low: Math.floor(low / 60) * 60, high: Math.min(24 * 60, Math.ceil(high / 60) * 60) };
}

/** Side-by-side lanes for overlapping blocks in one column (e.g. a cancelled and a new one). */
function assignLanes(items) {
  items.sort((a, b) => a.top - b.top || a.bottom - b.bottom);
  let cluster = [];
  let clusterEnd = -Infinity;
  const finish = () => {
    const lanes = Math.max(1, ...cluster.map((i) => i.lane + 1));
    for (const item of cluster) item.lanes = lanes;
  };
  for (const item of items) {
    if (item.top >= clusterEnd && cluster.length) {
      finish();
      cluster = [];
    }
    const laneEnds = [];
    for (const other of cluster) laneEnds[other.lane] = Math.max(laneEnds[other.lane] ?? -Infinity, other.bottom);
    let lane = laneEnds.findIndex((end) => end <= item.top);
    if (lane === -1) lane = laneEnds.length;
    item.lane = lane;
    cluster.push(item);
    clusterEnd = Math.max(clusterEnd, item.bottom);
  }
  if (cluster.length) finish();
}

function drawCalendar() {
  const area = document.getElementById("calendar-area");
  if (!area || !calendar) return;
  const focusedId = document.activeElement?.dataset?.appointmentId;
  const focusedPart = document.activeElement?.dataset?.partIndex;
  const { first, days } = range();
  const dates = Array.from({ length: days }, (_, i) => addDays(first, i));
  const appointments = visibleAppointments();
  const providers = columnSubjects(appointments);
  const byResource = view.by === "resource";
  const { low, high } = minuteRange(appointments);
  const height = (high - low) * PX_PER_MINUTE + 2 * TOP_PAD;
  const week = view.mode === "week";
  // A week fits the width (seven days visible at 1280 px) with compact blocks; the columns only
  // scroll sideways when they would be narrower than 2.5rem (a phone, or many columns).
  const columnWidth = week ? "minmax(2.5rem, 1fr)" : "minmax(10rem, 1fr)";
  const columnCount = Math.max(1, providers.length) * dates.length;
  const flags = bookingFlags(appointments);

  const grid = h("div", {
    class: `calendar${byResource ? " by-resource" : ""}${week ? " week" : ""}`,
    "data-testid": "calendar",
    "data-view": view.mode,
    "data-by": view.by,
    "data-low": low,
    style: {
      gridTemplateColumns: `3.75rem repeat(${columnCount}, ${columnWidth})`,
      gridTemplateRows: week ? `auto auto ${height}px` : `auto ${height}px`,
    },
  });
  const headRows = week ? 2 : 1;
  grid.append(h("div", { class: "cal-corner", style: { gridRow: `1 / span ${headRows}`, gridColumn: "1" } }));
  const zone = clock.zoneName(`${dates[0]}T12:00:00Z`);
  document.getElementById("zone-note").textContent = `Times in ${zone} (${business.timezone})`;

  // Time axis.
  const axis = h("div", { class: "cal-axis", style: { gridRow: String(headRows + 1), gridColumn: "1" }, "aria-hidden": "true" });
  for (let minute = low; minute <= high; minute += 60) {
    const label = minute === 24 * 60 ? "" : new Intl.DateTimeFormat("en-US", { hour: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(2000, 0, 1, minute / 60)));
    axis.append(
      h("span", { class: "hour", style: { top: `${(minute - low) * PX_PER_MINUTE + TOP_PAD}px` } }, label),
    );
  }
  grid.append(axis);

  const columns = new Map();
  let column = 2;
  for (const date of dates) {
    const labels = dayLabels(date);
    if (week) {
      grid.append(
        h(
          "div",
          {
            class: "cal-head day-head",
            "data-testid": "week-day",
            "data-date": date,
            style: { gridRow: "1", gridColumn: `${column} / span ${Math.max(1, providers.length)}` },
          },
          // A narrow day (a phone) shows "Tue 8" instead of "Tue Dec 8".
          h("span", { class: "name-long" }, `${labels.dow} ${labels.monthDay}`),
          h("span", { class: "name-short" }, `${labels.dow} ${Number(date.slice(8))}`),
        ),
      );
    }
    providers.forEach((provider, index) => {
      const kindLabel = KIND_LABELS[provider.kind];
      grid.append(
        h(
          "div",
          {
            class: `cal-head${index === 0 && week ? " day-head" : ""}${byResource ? ` kind-${provider.kind}` : ""}`,
            title: kindLabel ? `${provider.name} (${kindLabel.toLowerCase()}${provider.active === false ? ", inactive" : ""})` : provider.name,
            style: { gridRow: String(headRows), gridColumn: String(column) },
          },
          // A week of several columns a day names them by initials (the full name on hover).
          week && providers.length > 1
            ? h("abbr", { title: provider.name }, initials(provider.name))
            : week
              ? [
                  h("span", { class: "name-long" }, provider.name),
                  h("abbr", { class: "name-short", title: provider.name }, initials(provider.name)),
                ]
              : provider.name,
          kindLabel && !week ? h("span", { class: "head-kind" }, ` · ${kindLabel}`) : null,
        ),
      );
      const body = h("div", {
        class: `cal-col${index === 0 ? " first-of-day" : ""}`,
        role: "group",
        "aria-label": `${provider.name}${kindLabel ? ` (${kindLabel.toLowerCase()})` : ""}, ${labels.long}`,
        "data-date": date,
        "data-provider-id": byResource ? null : provider.id,
        "data-resource-id": byResource ? provider.id : null,
        style: { gridRow: String(headRows + 1), gridColumn: String(column) },
        // A click on an empty slot books there (the "New appointment" button is the keyboard way).
        onclick: (event) => {
          if (event.target.closest(".appt")) return;
          const top = event.clientY - event.currentTarget.getBoundingClientRect().top;
          const minute = low + (top - TOP_PAD) / PX_PER_MINUTE;
          const snapped = Math.floor(minute / SNAP_MINUTES) * SNAP_MINUTES;
          const minutes = Math.max(low, Math.min(high - SNAP_MINUTES, snapped));
          openBooking({
            date,
            time: hhmm(minutes),
            providerId: byResource ? null : provider.id,
            opener: null,
          });
        },
      });
      for (let minute = low; minute < high; minute += 30) {
        body.append(
          h("div", {
            class: minute % 60 === 0 ? "hour-line" : "half-line",
            style: { top: `${(minute - low) * PX_PER_MINUTE + TOP_PAD}px` },
          }),
        );
      }
      columns.set(`${date}|${provider.key}`, { node: body, items: [] });
      grid.append(body);
      column += 1;
    });
  }
  drawBlocked(columns, dates, low, high);

  // One block per part, in its provider's column (or in each of its rooms'/devices' columns).
  let drawn = 0;
  for (const appointment of appointments) {
    const parts = partsOf(appointment);
    parts.forEach((part, index) => {
      for (const key of partColumns(part)) {
        const target = columns.get(`${clock.localDate(part.start)}|${key}`);
        if (!target) continue;
        const start = clock.localMinutes(part.start);
        const sameDay = clock.localDate(part.end) === clock.localDate(part.start);
        const end = sameDay ? clock.localMinutes(part.end) : high;
        target.items.push({
          appointment,
          part,
          index,
          count: parts.length,
          top: (start - low) * PX_PER_MINUTE + TOP_PAD,
          bottom: (Math.max(end, start + 15) - low) * PX_PER_MINUTE + TOP_PAD,
        });
        drawn += 1;
      }
    });
  }
  for (const { node, items } of columns.values()) {
    assignLanes(items);
    for (const item of items) node.append(block({ ...item, flags: flags.get(item.appointment.id) || [] }, week));
  }
  if (byResource && !providers.length) {
    grid.append(
      h(
        "p",
        { class: "cal-empty", style: { gridRow: String(headRows + 1), gridColumn: `2 / span ${columnCount}` } },
        "No rooms or devices yet: add them under Rooms & devices.",
      ),
    );
  } else if (!appointments.length) {
    grid.append(
      h(
        "p",
        { class: "cal-empty", style: { gridRow: String(headRows + 1), gridColumn: `2 / span ${columnCount}` } },
        week ? "No appointments this week." : "No appointments on this day.",
      ),
    );
  } else if (byResource && !drawn) {
    grid.append(
      h(
        "p",
        { class: "cal-empty", style: { gridRow: String(headRows + 1), gridColumn: `2 / span ${columnCount}` } },
        week ? "No appointment uses a room or device this week." : "No appointment uses a room or device on this day.",
      ),
    );
  }
  const title = week
    ? `Week of ${dayLabels(dates[0]).long}`
    : dayLabels(view.date).long;
  // A poll redraws the same view: keep where the user scrolled. A new view in week mode scrolls
  // sideways to the chosen day (a week of provider columns is wider than most screens).
  const previous = area.querySelector(".calendar-scroll");
  const viewKey = `${view.mode}|${view.date}|${view.provider}|${view.by}`;
  const keep = previous && drawCalendar.viewKey === viewKey;
  const scroller = h(
    "div",
    { class: "calendar-scroll", tabindex: "0", "aria-labelledby": "view-title", onscroll: hideTip },
    grid,
  );
  area.replaceChildren(h("h2", { id: "view-title", "data-testid": "view-title" }, title), scroller);
  if (keep) {
    scroller.scrollLeft = previous.scrollLeft;
    scroller.scrollTop = previous.scrollTop;
  } else if (week) {
    const dayColumn = grid.querySelector(`.cal-col[data-date="${view.date}"]`);
    const axisWidth = grid.querySelector(".cal-axis")?.offsetWidth || 0;
    if (dayColumn) scroller.scrollLeft = Math.max(0, dayColumn.offsetLeft - axisWidth);
  }
  drawCalendar.viewKey = viewKey;
  if (focusedId) {
    const selector = `[data-appointment-id="${CSS.escape(focusedId)}"]`;
    const again =
      (focusedPart !== undefined && area.querySelector(`${selector}[data-part-index="${CSS.escape(focusedPart)}"]`)) ||
      area.querySelector(selector);
    if (again) again.focus();
  }
}

function block({ appointment: a, part, index, count, top, bottom, lane, lanes, flags }, compact) {
  const source = SOURCE_LABELS[a.source] || a.source;
  const visit = count > 1;
  const rooms = resourcesText(part.resources);
  const flagText = flags.map((flag) => flag.text).join("; ");
  // The spoken name is the block's visible text followed by the rest, so what is seen is also
  // what is heard (and voice control can say what is on screen).
  const spoken =
    `, ${clock.range(part.start, part.end)} with ${part.provider_name}, ` +
    (visit ? `part ${index + 1} of ${count} of a visit (${clock.range(a.start, a.end)}), ` : "") +
    (rooms && (compact || view.by === "resource") ? `in ${rooms}, ` : "") +
    `booked via ${SOURCE_LONG[a.source] || a.source}, ${STATUS_LABELS[a.status] || a.status}` +
    (flagText ? `. Warning: ${flagText}` : "");
  // Only a booked appointment moves (the server refuses the others), and only between provider
  // columns: rooms and devices are chosen by the server.
  const draggable = a.status === "booked" && view.by !== "resource";
  const node = h(
    "button",
    {
      type: "button",
      class:
        `appt source-${a.source} status-${a.status}${visit ? " visit-part" : ""}` +
        `${compact ? " compact" : ""}${flags.length ? " flagged" : ""}${draggable ? " draggable" : ""}`,
      "data-testid": "appointment",
      "data-appointment-id": a.id,
      "data-part-index": index,
      "data-parts": count,
      "data-status": a.status,
      "data-source": a.source,
      "data-flagged": flags.length ? flags.map((flag) => flag.kind).join(" ") : null,
      style: {
        top: `${top}px`,
        height: `${Math.max(bottom - top - 2, 18)}px`,
        left: `calc(${(100 / lanes) * lane}% + 2px)`,
        width: `calc(${100 / lanes}% - 4px)`,
      },
      onclick: (event) => openAppointment(a, event.currentTarget),
      // The parts of one visit light up together; the details show beside the block.
      onmouseenter: (event) => {
        linkParts(a.id, true);
        showTip(event.currentTarget, a, part, index, count, flags);
      },
      onmouseleave: () => {
        linkParts(a.id, false);
        hideTip();
      },
      onfocus: (event) => {
        linkParts(a.id, true);
        showTip(event.currentTarget, a, part, index, count, flags);
      },
      onblur: () => {
        linkParts(a.id, false);
        hideTip();
      },
    },
    compact
      ? // A week: time and client on one line, the service under it.
        h(
          "span",
          { class: "appt-line appt-main" },
          visit ? [h("span", { class: "visit-label", "data-testid": "part-label" }, `${index + 1}/${count}`), " "] : null,
          // A narrow column (a week of every provider) shows "10a" instead of "10:00 AM".
          h(
            "span",
            { class: "appt-time" },
            h("span", { class: "time-long" }, clock.time(part.start)),
            h("span", { class: "time-short" }, shortTime(part.start)),
          ),
          " ",
          h("span", { "data-testid": "appt-client" }, a.client.name),
        )
      : h(
          "span",
          { class: "appt-line" },
          h("span", { class: `badge source-${a.source}`, "data-testid": "source-badge" }, source),
          " ",
          visit
            ? [h("span", { class: "visit-label", "data-testid": "part-label" }, `${index + 1}/${count}`), " "]
            : null,
          h("span", { class: "appt-time" }, `${clock.time(part.start)}–${clock.time(part.end)}`),
        ),
    h("span", { class: "appt-line", "data-testid": "appt-service" }, part.service_name),
    compact ? null : h("span", { class: "appt-line", "data-testid": "appt-client" }, a.client.name),
    view.by === "resource"
      ? h("span", { class: "appt-line appt-provider", "data-testid": "appt-provider" }, part.provider_name)
      : null,
    view.by !== "resource" && rooms && !compact
      ? h("span", { class: "appt-line appt-rooms", "data-testid": "appt-rooms" }, rooms)
      : null,
    a.status !== "booked"
      ? h("span", { class: "appt-line appt-status" }, STATUS_LABELS[a.status] || a.status)
      : null,
    h("span", { class: "visually-hidden" }, spoken),
  );
  if (visit) {
    node.dataset.visit = a.id;
    node.style.setProperty("--visit-colour", visitColour(a.id));
  }
  if (draggable) {
    const partOffset = Math.round((new Date(part.start) - new Date(a.start)) / 60000);
    makeDraggable(node, {
      snap: SNAP_MINUTES,
      geometry: () => ({
        low: Number(document.querySelector("[data-testid=calendar]")?.dataset.low || 0),
        pxPerMinute: PX_PER_MINUTE,
        topPad: TOP_PAD,
      }),
      columns: () => [...document.querySelectorAll(".calendar .cal-col[data-provider-id]")],
      label: (target) => {
        const provider = calendar.providers.find((p) => p.id === target.providerId);
        return `${hhmmLabel(target.minutes)} · ${provider ? provider.name : ""}`;
      },
      onStart: () => {
        dragging = true;
        hideTip();
      },
      onDrop: (target) => {
        dragging = false;
        dropAppointment(a, index, partOffset, target, node);
      },
    });
  }
  return node;
}

/** "10a", "2:30p": a start time in a narrow column. */
function shortTime(iso) {
  return clock
    .time(iso)
    .replace(/:00(?=\s)/, "")
    .replace(/\s?([AP])M$/i, (_, half) => half.toLowerCase());
}

/** "MP" for "Dr. Maya Patel": column heads of a week, where names do not fit. */
function initials(name) {
  const words = String(name)
    .split(/\s+/)
    .filter((word) => word && !/^(dr|mr|mrs|ms|mx)\.?$/i.test(word));
  return words.map((word) => word[0].toUpperCase()).join("").slice(0, 3) || String(name).slice(0, 2);
}

/** "10:15 AM" for minutes since local midnight (the grid's wall clock, any day). */
function hhmmLabel(minutes) {
  return new Intl.DateTimeFormat("en-US", { hour: "numeric", minute: "2-digit", timeZone: "UTC" }).format(
    new Date(Date.UTC(2000, 0, 1, Math.floor(minutes / 60), minutes % 60)),
  );
}

// ---------------------------------------------------------------- blocked time
/** The local minutes [from, to) of an interval on one local date, or null when it misses it. */
function minutesOn(date, startIso, endIso) {
  const startDate = clock.localDate(startIso);
  const endDate = clock.localDate(endIso);
  if (startDate > date || endDate < date) return null;
  const from = startDate < date ? 0 : clock.localMinutes(startIso);
  const to = endDate > date ? 24 * 60 : clock.localMinutes(endIso);
  return to > from ? { from, to } : null;
}

/** The words on a blocked stretch: "Closed: Staff training", "Time off: Dentist", "Break". */
function blockedText(b) {
  const what = BLOCKED_LABELS[b.kind] || b.kind;
  if (b.kind === "break" || b.kind === "off_hours") return b.reason || (b.kind === "break" ? what : "");
  return b.reason ? `${what}: ${b.reason}` : what;
}

/**
 * Shade what blocks bookings: closures across every column of their day; a provider's time off,
 * breaks and hours off in their column (by provider); a room's or device's time off in its
 * column (by resource).
 */
function drawBlocked(columns, dates, low, high) {
  // Closures last, so they lie over the breaks and hours off of that day.
  const rank = (b) => (b.kind === "closure" ? 1 : 0);
  const entries = [...(calendar.blocked || [])].sort((x, y) => rank(x) - rank(y));
  for (const b of entries) {
    for (const date of dates) {
      const span = minutesOn(date, b.start, b.end);
      if (!span) continue;
      const from = Math.max(span.from, low);
      const to = Math.min(span.to, high);
      if (to <= from) continue;
      let keys;
      if (b.kind === "closure") keys = [...columns.keys()].filter((key) => key.startsWith(`${date}|`));
      else if (b.kind === "resource_time_off") keys = view.by === "resource" ? [`${date}|r${b.resource_id}`] : [];
      else keys = view.by === "resource" ? [] : [`${date}|p${b.provider_id}`];
      const text = blockedText(b);
      for (const key of keys) {
        const target = columns.get(key);
        if (!target) continue;
        target.node.append(
          h(
            "div",
            {
              class: `blocked kind-${b.kind}`,
              "data-testid": "blocked",
              "data-kind": b.kind,
              "aria-hidden": text ? null : "true",
              style: {
                top: `${(from - low) * PX_PER_MINUTE + TOP_PAD}px`,
                height: `${(to - from) * PX_PER_MINUTE}px`,
              },
            },
            text ? h("span", { class: "blocked-text" }, text) : null,
          ),
        );
      }
    }
  }
}

/**
 * Bookings that fall on a closed day, in their provider's time off or in a room's or device's
 * time off (added after they were booked): id -> [{kind, text}].
 */
function bookingFlags(appointments) {
  const flags = new Map();
  const blocked = (calendar.blocked || []).filter((b) =>
    ["closure", "time_off", "resource_time_off"].includes(b.kind),
  );
  if (!blocked.length) return flags;
  for (const a of appointments) {
    if (a.status === "cancelled") continue;
    const found = [];
    for (const part of partsOf(a)) {
      const start = new Date(part.start);
      const end = new Date(part.end);
      for (const b of blocked) {
        if (!(new Date(b.start) < end && start < new Date(b.end))) continue;
        const resource = (part.resources || []).find((r) => r.id === b.resource_id);
        let text = null;
        if (b.kind === "closure") text = `on a closed day${b.reason ? ` (${b.reason})` : ""}`;
        else if (b.kind === "time_off" && b.provider_id === part.provider_id) {
          text = `in ${part.provider_name}'s time off${b.reason ? ` (${b.reason})` : ""}`;
        } else if (b.kind === "resource_time_off" && resource) {
          text = `${resource.name} is unavailable${b.reason ? ` (${b.reason})` : ""}`;
        }
        if (text && !found.some((f) => f.text === text)) found.push({ kind: b.kind, text });
      }
    }
    if (found.length) flags.set(a.id, found);
  }
  return flags;
}

// ---------------------------------------------------------------- details on hover and focus
function showTip(node, a, part, index, count, flags) {
  if (dragging) return;
  if (!tip) {
    tip = h("div", { class: "appt-tip", id: "appt-tip", "aria-hidden": "true", "data-testid": "appt-tip" });
    document.body.append(tip);
  }
  const rooms = resourcesText(part.resources);
  const lines = [
    h("strong", {}, clock.range(part.start, part.end)),
    h("span", {}, `${part.service_name}${count > 1 ? ` (part ${index + 1} of ${count})` : ""}`),
    h("span", {}, a.client.name),
    h("span", {}, `with ${part.provider_name}`),
    rooms ? h("span", {}, rooms) : null,
    h("span", {}, `${STATUS_LABELS[a.status] || a.status} · via ${SOURCE_LABELS[a.source] || a.source}`),
    ...flags.map((flag) => h("span", { class: "tip-flag" }, `⚠ ${flag.text}`)),
  ];
  tip.replaceChildren(...lines.filter(Boolean));
  tip.hidden = false;
  const rect = node.getBoundingClientRect();
  const width = tip.offsetWidth;
  const height = tip.offsetHeight;
  let left = rect.right + 6;
  if (left + width > window.innerWidth - 4) left = Math.max(4, rect.left - width - 6);
  let top = Math.max(4, Math.min(rect.top, window.innerHeight - height - 4));
  tip.style.left = `${left}px`;
  tip.style.top = `${top}px`;
}

function hideTip() {
  if (tip) tip.hidden = true;
}

function linkParts(id, on) {
  for (const node of document.querySelectorAll(`.appt.visit-part[data-appointment-id="${CSS.escape(id)}"]`)) {
    node.classList.toggle("linked", on);
  }
}

// ---------------------------------------------------------------- booking and moving from the grid
/** Open the booking form (admin-booking.js), prefilled from the toolbar or an empty slot. */
function openBooking({ date, time = "", providerId = null, opener: from = null }) {
  if (dialog.open) return;
  hideTip();
  if (providerId === null && view.provider !== "all" && view.by !== "resource") providerId = view.provider;
  openBookingForm(
    { date, time, providerId },
    {
      authHeaders,
      clock,
      business,
      opener: from,
      fallback: () => document.getElementById("view-title"),
      onSignedOut: (error) => signedOut(error),
      onBooked: async (appointment) => {
        announceDone(
          `Booked ${serviceNames(appointment)} for ${appointment.client.name}, ${clock.when(appointment.start)}${whoSuffix(appointment)}.`,
        );
        await followAppointment(appointment);
      },
    },
  );
}

/** " with Dr. Maya Patel", or for a visit ": Botox with Dr. Maya Patel, then HydraFacial with Ashley Chen". */
function whoSuffix(a) {
  return isVisit(a) ? `: ${whoText(a)}` : ` ${whoText(a)}`;
}

/** Show an appointment after a change: go to its day if it left the view, then focus it. */
async function followAppointment(appointment, partIndex = 0) {
  const date = clock.localDate(partsOf(appointment)[partIndex]?.start || appointment.start);
  if (date !== view.date) {
    const notice = document.getElementById("calendar-notice");
    const kept = [...(notice?.childNodes || [])];
    await setView({ date }); // a new view clears the notice: keep the one about this change
    notice?.replaceChildren(...kept);
  } else {
    await refresh({ reason: "action" });
  }
  const selector = `[data-appointment-id="${CSS.escape(appointment.id)}"]`;
  const found =
    document.querySelector(`${selector}[data-part-index="${partIndex}"]`) || document.querySelector(selector);
  if (found && !dialog.open && !bookingFormOpen()) {
    found.focus();
    found.scrollIntoView({ block: "nearest", inline: "nearest" });
  }
}

/** The local wall time `minutes` after midnight of `date`, as the API reads it ("2026-12-01T10:15"). */
function wallTime(date, minutes) {
  let day = date;
  let total = minutes;
  while (total < 0) {
    total += 24 * 60;
    day = addDays(day, -1);
  }
  while (total >= 24 * 60) {
    total -= 24 * 60;
    day = addDays(day, 1);
  }
  return `${day}T${hhmm(total)}`;
}

/** A block was dropped: reschedule (the whole visit moves by as much as the dragged part). */
async function dropAppointment(a, partIndex, partOffset, target, node) {
  const parts = partsOf(a);
  const part = parts[partIndex];
  const unchanged =
    !target ||
    (target.date === clock.localDate(part.start) &&
      target.minutes === clock.localMinutes(part.start) &&
      target.providerId === part.provider_id);
  if (unchanged) {
    redrawPending = false;
    drawCalendar(); // snap back
    return;
  }
  const body = { appointment_id: a.id, new_start: wallTime(target.date, target.minutes - partOffset) };
  if (target.providerId !== part.provider_id) {
    if (parts.length === 1) body.provider_id = target.providerId;
    else body.parts = parts.map((_, i) => (i === partIndex ? { provider_id: target.providerId } : {}));
  }
  node.classList.add("moving");
  node.setAttribute("aria-busy", "true");
  const provider = calendar.providers.find((p) => p.id === target.providerId);
  announce(`Moving ${serviceNames(a)} for ${a.client.name}…`);
  const failure = await moveAppointment(a, body, partIndex);
  if (failure) {
    redrawPending = false;
    drawCalendar(); // the block snaps back to where it is booked
    opener = document.querySelector(`[data-appointment-id="${CSS.escape(a.id)}"][data-part-index="${partIndex}"]`);
    failure.querySelector("h3")?.after(
      h(
        "p",
        { "data-testid": "refused-move" },
        `It stays where it was: it could not move to ${dayLabels(target.date).short}, ${hhmmLabel(target.minutes)}` +
          `${provider ? ` with ${provider.name}` : ""}.`,
      ),
    );
    renderDialog(a, { mode: "view", message: failure });
    if (!dialog.open) dialog.showModal();
    focus(dialogBody.querySelector("[data-testid=dialog-error]"));
  } else if (redrawPending) {
    redrawPending = false;
  }
}

/**
 * POST /api/booking/reschedule; on success the calendar follows the appointment and null is
 * returned, on a refusal the error box (with the nearest free times as choices).
 */
async function moveAppointment(a, body, partIndex = 0, key = newKey()) {
  try {
    const data = await api("/api/booking/reschedule", {
      method: "POST",
      headers: { ...authHeaders(), "Idempotency-Key": key },
      body,
    });
    if (dialog.open) dialog.close();
    const updated = data.appointment;
    announceDone(`Moved ${serviceNames(updated)} for ${updated.client.name} to ${clock.when(updated.start)}${whoSuffix(updated)}.`);
    await followAppointment(updated, partIndex);
    return null;
  } catch (error) {
    if (signedOut(error)) return null;
    return failureBox(error, { onAlternative: (alternative) => moveToAlternative(a, alternative) });
  }
}

/** Take one of the nearest free times a refusal offered (with its providers). */
async function moveToAlternative(a, alternative) {
  const parts = partsOf(a);
  const offered = partsOf(alternative);
  const body = { appointment_id: a.id, new_start: alternative.start };
  if (parts.length === 1) {
    if (offered[0] && offered[0].provider_id !== a.provider_id) body.provider_id = offered[0].provider_id;
  } else if (offered.length === parts.length && offered.some((p, i) => p.provider_id !== parts[i].provider_id)) {
    body.parts = offered.map((p) => ({ provider_id: p.provider_id }));
  }
  for (const button of dialogBody.querySelectorAll("[data-testid=alternative]")) button.disabled = true;
  const failure = await moveAppointment(a, body);
  if (failure) {
    renderDialog(a, { mode: "view", message: failure });
    focus(dialogBody.querySelector("[data-testid=dialog-error]"));
  }
}

// ---------------------------------------------------------------- appointment dialog
function openAppointment(appointment, from) {
  opener = from;
  renderDialog(appointment, { mode: "view" });
  if (!dialog.open) dialog.showModal();
  focus(dialogBody.querySelector("h2"));
}

dialog.addEventListener("close", () => {
  const id = opener?.dataset?.appointmentId;
  const selector = id && `[data-appointment-id="${CSS.escape(id)}"]`;
  const again =
    selector &&
    (document.querySelector(`${selector}[data-part-index="${CSS.escape(opener.dataset.partIndex || "0")}"]`) ||
      document.querySelector(selector));
  if (again) again.focus();
  else focus(document.getElementById("view-title"));
});

/** "Botox" or "Botox + Dermal Filler". */
function serviceNames(a) {
  return partsOf(a)
    .map((part) => part.service_name)
    .join(" + ");
}

function isVisit(a) {
  return partsOf(a).length > 1;
}

function renderDialog(a, panel) {
  const parts = partsOf(a);
  const visit = parts.length > 1;
  const rooms = resourcesText(parts.flatMap((part) => part.resources || []));
  const closeButton = h(
    "button",
    { type: "button", class: "secondary", "aria-label": "Close", onclick: () => dialog.close() },
    "Close",
  );
  const body = [
    h(
      "div",
      { class: "dialog-head" },
      h("h2", { id: "dialog-title", tabindex: "-1" }, `${serviceNames(a)} — ${a.client.name}`),
      closeButton,
    ),
    h(
      "p",
      {},
      h("span", { class: `pill ${a.status}`, "data-testid": "dialog-status" }, STATUS_LABELS[a.status] || a.status),
      " ",
      h("span", { class: `badge source-${a.source}` }, SOURCE_LABELS[a.source] || a.source),
    ),
    panel.message || null,
    flagBox(a),
    h(
      "dl",
      { class: "summary", "data-testid": "dialog-details" },
      h("dt", {}, "When"),
      h("dd", { "data-testid": "dialog-when" }, `${clock.longDate(a.start)}, ${clock.range(a.start, a.end)}`),
      h("dt", {}, visit ? "Providers" : "Provider"),
      h("dd", { "data-testid": "dialog-provider" }, [...new Set(parts.map((part) => part.provider_name))].join(", ")),
      h("dt", {}, visit ? "Services" : "Service"),
      h("dd", { "data-testid": "dialog-service" }, serviceNames(a)),
      visit ? [h("dt", {}, "Visit"), h("dd", {}, partsList(parts, clock, "dialog"))] : null,
      !visit && rooms
        ? [h("dt", {}, "Room & equipment"), h("dd", { "data-testid": "dialog-rooms" }, rooms)]
        : null,
      h("dt", {}, "Client"),
      h("dd", {}, a.client.name),
      h("dt", {}, "Phone"),
      h("dd", {}, telLink(a.client.phone) || "—"),
      h("dt", {}, "E-mail"),
      h("dd", {}, a.client.email ? h("a", { href: `mailto:${a.client.email}` }, a.client.email) : "—"),
      a.notes ? [h("dt", {}, "Notes"), h("dd", {}, a.notes)] : null,
      h("dt", {}, "Booked via"),
      h("dd", { "data-testid": "dialog-source" }, SOURCE_LONG[a.source] || a.source),
      h("dt", {}, "Created"),
      h("dd", {}, clock.when(a.created_at)),
    ),
  ];
  if (a.status === "booked" || a.status === "arrived") {
    if (panel.mode === "cancel") body.push(cancelConfirm(a));
    else if (panel.mode === "move") body.push(movePanel(a, panel));
    else body.push(actions(a));
  }
  dialogBody.replaceChildren(...body.filter(Boolean));
}

/** A warning in the dialog when the booking sits on a closed day or in time off. */
function flagBox(a) {
  if (!calendar) return null;
  const flags = bookingFlags([a]).get(a.id) || [];
  if (!flags.length) return null;
  const box = messageBox(
    "warning",
    "Check this booking",
    `It is ${flags.map((flag) => flag.text).join("; ")}. Move it, or call the client.`,
  );
  box.dataset.testid = "dialog-flag";
  return box;
}

function actions(a) {
  // Check-in and outcomes. The server decides what is allowed (an arrived appointment can still
  // be completed, marked no-show or cancelled, but not moved); the page offers the next steps.
  const booked = a.status === "booked";
  return h(
    "div",
    { class: "actions" },
    booked ? statusButton(a, "arrived", "Mark arrived", "primary") : null,
    booked
      ? h(
          "button",
          {
            type: "button",
            class: "secondary",
            "data-testid": "move",
            onclick: () => {
              renderDialog(a, { mode: "move", providerId: a.provider_id, date: clock.localDate(a.start) });
              focus(dialogBody.querySelector("#move-title"));
            },
          },
          "Move",
        )
      : null,
    statusButton(a, "completed", "Mark completed", booked ? "secondary" : "primary"),
    statusButton(a, "no_show", "Mark no-show", "secondary"),
    h(
      "button",
      {
        type: "button",
        class: "secondary",
        "data-testid": "cancel-appointment",
        onclick: () => {
          renderDialog(a, { mode: "cancel" });
          focus(dialogBody.querySelector("#cancel-title"));
        },
      },
      "Cancel appointment",
    ),
  );
}

function failureBox(error, { onAlternative = null } = {}) {
  const words = describeError(error, { write: true });
  const extra = [];
  if (error instanceof ApiError && error.code === "slot_unavailable") {
    words.title = "This time slot was just taken — pick another free time";
  }
  const alternatives = (error instanceof ApiError && Array.isArray(error.details.alternatives) && error.details.alternatives) || [];
  if (onAlternative && alternatives.length) {
    extra.push(h("p", {}, "Nearest free times:"), alternativesList(alternatives, clock.when, onAlternative));
  }
  if (error instanceof ApiError && error.code) {
    extra.push(h("p", { class: "hint-line error-code" }, "Code: ", h("code", {}, error.code)));
  }
  const box = messageBox("error", words.title, words.text, ...extra);
  box.dataset.testid = "dialog-error";
  box.dataset.code = (error && error.code) || (error && error.kind) || "";
  box.dataset.ambiguous = String(error instanceof ApiError && error.ambiguous);
  return box;
}

async function act(a, request, done) {
  try {
    const data = await request();
    dialog.close();
    announceDone(done(data.appointment));
    await refresh({ reason: "action" });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut({ title: "Signed out", text: "The admin token is no longer accepted. Please sign in again." });
      return;
    }
    return failureBox(error);
  }
  return null;
}

function announceDone(text) {
  const messages = document.getElementById("calendar-notice");
  const box = messageBox("success", "", text);
  box.dataset.testid = "calendar-success";
  messages?.replaceChildren(box);
  announce(text);
}

const STATUS_DONE = {
  arrived: (a) => `${a.client.name} checked in (arrived) for ${serviceNames(a)}.`,
  completed: (a) => `${serviceNames(a)} for ${a.client.name} marked completed.`,
  no_show: (a) => `${serviceNames(a)} for ${a.client.name} marked no-show.`,
};

function statusButton(a, status, label, kind = "secondary") {
  return h(
    "button",
    {
      type: "button",
      class: kind === "primary" ? null : "secondary",
      "data-testid": `status-${status}`,
      onclick: async (event) => {
        event.currentTarget.disabled = true;
        const failure = await act(
          a,
          () =>
            api(`/api/admin/appointments/${encodeURIComponent(a.id)}/status`, {
              method: "POST",
              headers: authHeaders(),
              body: { status },
            }),
          (updated) => STATUS_DONE[status](updated),
        );
        if (failure) renderDialog(a, { mode: "view", message: failure });
      },
    },
    label,
  );
}

function cancelConfirm(a) {
  const status = h("p", { class: "status-line", role: "status" });
  const yes = h(
    "button",
    {
      type: "button",
      class: "danger",
      "data-testid": "confirm-cancel",
      onclick: async () => {
        yes.disabled = true;
        status.textContent = "Cancelling…";
        status.classList.add("loading");
        const failure = await act(
          a,
          () =>
            api("/api/booking/cancel", {
              method: "POST",
              headers: authHeaders(),
              body: { appointment_id: a.id },
            }),
          (updated) =>
            `Cancelled ${serviceNames(updated)} for ${updated.client.name} (${clock.when(updated.start)}). The time is free again.`,
        );
        if (failure) {
          renderDialog(a, { mode: "cancel", message: failure });
          focus(dialogBody.querySelector("[data-testid=dialog-error]"));
        }
      },
    },
    "Yes, cancel it",
  );
  return h(
    "div",
    { class: "card" },
    h("h3", { id: "cancel-title", tabindex: "-1" }, "Cancel this appointment?"),
    h("p", {}, "The client's time becomes free for others to book."),
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
            renderDialog(a, { mode: "view" });
            focus(dialogBody.querySelector("[data-testid=cancel-appointment]"));
          },
        },
        "No, keep it",
      ),
    ),
    status,
  );
}

function movePanel(a, panel) {
  const container = h("div", { class: "card", "data-testid": "move-panel" });
  const slotsArea = h("div", { "data-testid": "move-slots" }, h("p", { class: "loading" }, "Looking for free times…"));
  const providerSelect = h("select", {
    id: "move-provider",
    onchange: () => renderDialog(a, { ...panel, providerId: Number(providerSelect.value), start: null, message: null }),
  });
  const dateInput = h("input", {
    id: "move-date",
    type: "date",
    value: panel.date,
    onchange: () => {
      if (isDate(dateInput.value)) renderDialog(a, { ...panel, date: dateInput.value, start: null, message: null });
    },
  });
  container.append(
    h("h3", { id: "move-title", tabindex: "-1" }, isVisit(a) ? "Move the whole visit to a free time" : "Move to a free time"),
    isVisit(a)
      ? h("p", { "data-testid": "move-visit-note" }, `Every part moves together and keeps its provider: ${whoText(a)}.`)
      : null,
    h(
      "div",
      { class: "toolbar" },
      isVisit(a) ? null : h("div", {}, h("label", { for: "move-provider" }, "Provider"), providerSelect),
      h("div", {}, h("label", { for: "move-date" }, "Date"), dateInput),
    ),
    slotsArea,
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => {
            renderDialog(a, { mode: "view" });
            focus(dialogBody.querySelector("[data-testid=move]"));
          },
        },
        "Back",
      ),
    ),
  );
  fillMovePanel(a, panel, providerSelect, slotsArea);
  return container;
}

/** Free starts for the whole visit on a date where every part keeps its provider. */
async function visitMoveSlots(a, date) {
  const parts = partsOf(a);
  const query = new URLSearchParams();
  for (const part of parts) query.append("service_id", part.service_id);
  query.set("date", date);
  query.set("days", 1);
  // provider_id of a visit means "this provider for every part".
  if (parts.every((part) => part.provider_id === parts[0].provider_id)) {
    query.set("provider_id", parts[0].provider_id);
  }
  const availability = await api(`/api/availability?${query}`);
  const seen = new Set();
  return (availability.slots || []).filter((slot) => {
    const slotParts = partsOf(slot);
    const same =
      slotParts.length === parts.length && slotParts.every((part, i) => part.provider_id === parts[i].provider_id);
    if (!same || seen.has(slot.start)) return false;
    seen.add(slot.start);
    return true;
  });
}

async function fillMovePanel(a, panel, providerSelect, slotsArea) {
  if (isVisit(a)) {
    try {
      const slots = await visitMoveSlots(a, panel.date);
      fillMoveSlots(a, panel, slotsArea, slots, []);
    } catch (error) {
      moveLoadFailure(a, panel, slotsArea, error);
    }
    return;
  }
  try {
    const [providerData, availability] = await Promise.all([
      api(`/api/providers?service_id=${encodeURIComponent(a.service_id)}`),
      api(
        `/api/availability?${new URLSearchParams({
          service_id: a.service_id,
          date: panel.date,
          days: 1,
          provider_id: panel.providerId,
        })}`,
      ),
    ]);
    const providers = providerData.providers || [];
    if (!providers.some((p) => p.id === a.provider_id)) providers.unshift({ id: a.provider_id, name: a.provider_name });
    providerSelect.replaceChildren(
      ...providers.map((p) => h("option", { value: p.id, selected: p.id === panel.providerId }, p.name)),
    );
    fillMoveSlots(a, panel, slotsArea, availability.slots || [], providers);
  } catch (error) {
    moveLoadFailure(a, panel, slotsArea, error);
  }
}

function fillMoveSlots(a, panel, slotsArea, slots, providers) {
  if (panel.start) {
    slotsArea.replaceChildren(moveConfirm(a, panel, providers));
    return;
  }
  slotsArea.replaceChildren(
    h("p", {}, `Free times on ${dayLabels(panel.date).long} (${clock.zoneName(`${panel.date}T12:00:00Z`)}):`),
    slots.length
      ? h(
          "ul",
          { class: "times", "aria-label": "Free times" },
          slots.map((slot) =>
            h(
              "li",
              {},
              h(
                "button",
                {
                  type: "button",
                  class: "time-button",
                  "data-testid": "move-slot",
                  "data-start": slot.start,
                  "aria-label": clock.timeWithZone(slot.start),
                  onclick: () => {
                    renderDialog(a, { ...panel, start: slot.start, message: null });
                    focus(dialogBody.querySelector("[data-testid=confirm-move]") || dialogBody.querySelector("#move-title"));
                  },
                },
                clock.time(slot.start),
              ),
            ),
          ),
        )
      : h(
          "p",
          {},
          isVisit(a)
            ? "No free times that day for this visit with the same providers. Try another date."
            : "No free times that day for this provider. Try another date or provider.",
        ),
  );
  if (panel.focusSlots) focus(slotsArea.querySelector("button"));
}

function moveLoadFailure(a, panel, slotsArea, error) {
  const words = describeError(error);
  slotsArea.replaceChildren(
    messageBox(
      "error",
      words.title,
      words.text,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", onclick: () => renderDialog(a, { ...panel }) }, "Try again"),
      ),
    ),
  );
}

function moveConfirm(a, panel, providers) {
  const provider = providers.find((p) => p.id === panel.providerId);
  const status = h("p", { class: "status-line", role: "status" });
  const key = panel.key || newKey();
  const confirm = h(
    "button",
    {
      type: "button",
      "data-testid": "confirm-move",
      onclick: async () => {
        confirm.disabled = true;
        status.textContent = "Moving…";
        status.classList.add("loading");
        const body = { appointment_id: a.id, new_start: panel.start };
        // A visit keeps every part's provider: no provider_id is sent for it.
        if (!isVisit(a) && panel.providerId !== a.provider_id) body.provider_id = panel.providerId;
        // On success the calendar follows the appointment (to another day if need be).
        const failure = await moveAppointment(a, body, 0, key);
        if (failure) {
          // A lost answer keeps the key so "Confirm" again cannot move twice; a refusal starts over.
          const retryable = failure.dataset.ambiguous === "true";
          renderDialog(a, {
            ...panel,
            start: retryable ? panel.start : null,
            key: retryable ? key : null,
            message: failure,
          });
          focus(dialogBody.querySelector("[data-testid=dialog-error]"));
        }
      },
    },
    "Move here",
  );
  return h(
    "div",
    { class: "message info", "data-testid": "move-summary" },
    h(
      "p",
      {},
      isVisit(a)
        ? `Move the visit to ${clock.longDate(panel.start)}, ${clock.timeWithZone(panel.start)} (${whoText(a)})?`
        : `Move to ${clock.longDate(panel.start)}, ${clock.timeWithZone(panel.start)} with ${provider ? provider.name : a.provider_name}?`,
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
          onclick: () => renderDialog(a, { ...panel, start: null, message: null }),
        },
        "Pick another time",
      ),
    ),
    status,
  );
}

// ---------------------------------------------------------------- rooms & devices page
// Resources (rooms and devices), their time off, and what each service needs: groups of
// alternatives, "one of {Treatment Room 1, Treatment Room 2}" and "the laser device".
const manage = {
  resources: [],
  services: [],
  renaming: null, // the resource id being renamed
  timeOffFor: null, // the resource id whose time off is open
  timeOff: [],
  serviceId: null,
  groups: [], // the requirements being edited (saved with "Save requirements")
  saved: "[]", // JSON of the groups as last loaded or saved
  messages: { list: null, timeOff: null, requirements: null },
};

/** Show one message on the page, in the section it is about (older ones go). */
function say(section, box) {
  manage.messages = { list: null, timeOff: null, requirements: null, [section]: box };
}

function adminApi(path, options = {}) {
  return api(path, { ...options, headers: { ...authHeaders(), ...(options.headers || {}) } });
}

/** A 401 signs out; true when it did. */
function signedOut(error) {
  if (error instanceof ApiError && error.status === 401) {
    signOut({ title: "Signed out", text: "The admin token is no longer accepted. Please sign in again." });
    return true;
  }
  return false;
}

function resourceById(id) {
  return manage.resources.find((r) => r.id === id) || null;
}

function resourceLabel(r) {
  return `${r.name} (${(KIND_LABELS[r.kind] || r.kind).toLowerCase()}${r.active ? "" : ", inactive"})`;
}

/** An error box; for resource_has_future_bookings it lists the bookings in the way. */
function resourceErrorBox(error, title) {
  const words = describeError(error, { write: true });
  const extra = [];
  const details = (error instanceof ApiError && error.details) || {};
  if (error instanceof ApiError && error.code === "resource_has_future_bookings") {
    const list = Array.isArray(details.appointments) ? details.appointments : [];
    const count = Number.isInteger(details.count) ? details.count : list.length;
    extra.push(
      h("p", {}, `${count} upcoming booking${count === 1 ? "" : "s"} in the way:`),
      h(
        "ul",
        { class: "blocking-list", "data-testid": "blocking-appointments" },
        list.map((b) =>
          h(
            "li",
            { "data-testid": "blocking-appointment", "data-appointment-id": b.id },
            `${clock.shortDate(b.start)}, ${clock.range(b.start, b.end)} · ${b.service_name || "Appointment"}${b.provider_name ? ` with ${b.provider_name}` : ""}`,
          ),
        ),
      ),
    );
  } else if (error instanceof ApiError && error.code === "validation_error" && details.fields) {
    extra.push(
      h(
        "ul",
        {},
        Object.entries(details.fields).map(([field, text]) => h("li", {}, `${field}: ${text}`)),
      ),
    );
  }
  const box = messageBox("error", title || words.title, words.text, ...extra);
  box.dataset.testid = "resource-error";
  box.dataset.code = (error && error.code) || (error && error.kind) || "";
  return box;
}

function successBox(text) {
  const box = messageBox("success", "", text);
  box.dataset.testid = "resource-success";
  announce(text);
  return box;
}

async function openResourcesPage() {
  const title = h("h1", { id: "resources-title", tabindex: "-1" }, "Rooms & devices");
  app.replaceChildren(title, h("p", { class: "loading" }, "Loading rooms and devices…"));
  focus(title);
  try {
    const [resourceData, serviceData] = await Promise.all([
      adminApi("/api/admin/resources"),
      adminApi("/api/admin/services"),
    ]);
    manage.resources = resourceData.resources || [];
    manage.services = serviceData.services || [];
    if (!manage.services.some((s) => s.id === manage.serviceId)) {
      manage.serviceId = manage.services.length ? manage.services[0].id : null;
    }
    await loadGroups();
    if (manage.timeOffFor && resourceById(manage.timeOffFor)) await loadTimeOff(manage.timeOffFor);
    else manage.timeOffFor = null;
  } catch (error) {
    if (signedOut(error)) return;
    const words = describeError(error);
    const box = messageBox(
      "error",
      "Could not load the rooms and devices",
      words.text,
      h("div", { class: "actions" }, h("button", { type: "button", onclick: () => openResourcesPage() }, "Try again")),
    );
    box.dataset.testid = "resource-error";
    app.replaceChildren(title, box);
    return;
  }
  if (view.page !== "resources") return;
  drawResourcesPage();
}

async function reloadResources() {
  const data = await adminApi("/api/admin/resources");
  manage.resources = data.resources || [];
}

async function loadGroups() {
  if (!manage.serviceId) {
    manage.groups = [];
    manage.saved = "[]";
    return;
  }
  const data = await adminApi(`/api/admin/services/${encodeURIComponent(manage.serviceId)}/resources`);
  manage.groups = (data.groups || []).map((group) => [...group]);
  manage.saved = JSON.stringify(manage.groups);
}

async function loadTimeOff(resourceId) {
  const data = await adminApi(`/api/admin/resources/${encodeURIComponent(resourceId)}/time-off`);
  manage.timeOff = data.time_off || [];
}

function drawResourcesPage({ focusOn = null } = {}) {
  if (view.page !== "resources") return;
  const title = h("h1", { id: "resources-title", tabindex: "-1" }, "Rooms & devices");
  const parts = [
    title,
    h(
      "p",
      {},
      "Rooms and devices are booked like providers: a service that needs them takes one free one of each group, " +
        "and no two bookings can hold the same one at once. Each is one unit (two laser rooms are two entries).",
    ),
    resourceListCard(),
  ];
  if (manage.timeOffFor && resourceById(manage.timeOffFor)) parts.push(timeOffCard(resourceById(manage.timeOffFor)));
  parts.push(requirementsCard());
  app.replaceChildren(...parts);
  const target = focusOn && app.querySelector(focusOn);
  if (target) focus(target);
}

// ---- the list, add, rename, (de)activate
function resourceListCard() {
  const rows = manage.resources.map((r) => resourceRow(r));
  const nameInput = h("input", { id: "new-resource-name", type: "text", required: true, maxlength: "100", autocomplete: "off" });
  const kindSelect = h(
    "select",
    { id: "new-resource-kind" },
    h("option", { value: "room" }, "Room"),
    h("option", { value: "device" }, "Device"),
  );
  const status = h("p", { class: "status-line", role: "status" });
  const form = h(
    "form",
    {
      class: "resource-add",
      "data-testid": "add-resource",
      "aria-labelledby": "add-resource-title",
      onsubmit: async (event) => {
        event.preventDefault();
        const name = nameInput.value.trim();
        if (!name) {
          say("list", messageBox("error", "", "Please enter a name for the room or device."));
          drawResourcesPage({ focusOn: "#new-resource-name" });
          return;
        }
        const button = form.querySelector("button[type=submit]");
        button.disabled = true;
        status.textContent = "Adding…";
        status.classList.add("loading");
        try {
          const data = await adminApi("/api/admin/resources", {
            method: "POST",
            body: { name, kind: kindSelect.value },
          });
          await reloadResources();
          const added = data.resource;
          say("list", successBox(`Added ${added.name} (${(KIND_LABELS[added.kind] || added.kind).toLowerCase()}).`));
        } catch (error) {
          if (signedOut(error)) return;
          say("list", resourceErrorBox(error, "Could not add it"));
        }
        drawResourcesPage({ focusOn: "[data-testid=resource-list-card] .message" });
      },
    },
    h("h3", { id: "add-resource-title" }, "Add a room or device"),
    h(
      "div",
      { class: "toolbar" },
      h("div", { class: "grow" }, h("label", { for: "new-resource-name" }, "Name"), nameInput),
      h("div", {}, h("label", { for: "new-resource-kind" }, "Kind"), kindSelect),
      h("button", { type: "submit", "data-testid": "add-resource-submit" }, "Add"),
    ),
    h("p", { class: "hint-line" }, "The kind cannot be changed later."),
    status,
  );
  return h(
    "section",
    { class: "card", "aria-labelledby": "resource-list-title", "data-testid": "resource-list-card" },
    h("h2", { id: "resource-list-title" }, "Rooms and devices"),
    manage.messages.list,
    rows.length
      ? h("ul", { class: "resource-list", "data-testid": "resource-list" }, rows)
      : h("p", { "data-testid": "no-resources" }, "No rooms or devices yet."),
    form,
  );
}

function resourceRow(r) {
  const kind = KIND_LABELS[r.kind] || r.kind;
  const renaming = manage.renaming === r.id;
  const row = h("li", {
    class: `resource-row${r.active ? "" : " inactive"}`,
    "data-testid": "resource-row",
    "data-resource-id": r.id,
    "data-active": String(r.active),
  });
  if (renaming) {
    const input = h("input", { id: `rename-${r.id}`, type: "text", value: r.name, required: true, maxlength: "100" });
    row.append(
      h(
        "form",
        {
          class: "toolbar",
          onsubmit: async (event) => {
            event.preventDefault();
            const name = input.value.trim();
            if (!name) return;
            await patchResource(r, { name }, `Renamed ${r.name} to ${name}.`, "Could not rename it");
          },
        },
        h("div", { class: "grow" }, h("label", { for: `rename-${r.id}` }, `New name for ${r.name}`), input),
        h("button", { type: "submit", "data-testid": "save-rename" }, "Save"),
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            onclick: () => {
              manage.renaming = null;
              drawResourcesPage({ focusOn: `[data-resource-id="${r.id}"] [data-testid=rename]` });
            },
          },
          "Cancel",
        ),
      ),
    );
    return row;
  }
  row.append(
    h(
      "div",
      { class: "resource-main" },
      h("span", { class: "resource-name", "data-testid": "resource-name" }, r.name),
      " ",
      h("span", { class: `pill kind-${r.kind}`, "data-testid": "resource-kind" }, kind),
      " ",
      h(
        "span",
        { class: `pill ${r.active ? "booked" : "cancelled"}`, "data-testid": "resource-status" },
        r.active ? "Active" : "Inactive",
      ),
    ),
    h(
      "div",
      { class: "actions compact" },
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          "data-testid": "rename",
          "aria-label": `Rename ${r.name}`,
          onclick: () => {
            manage.renaming = r.id;
            drawResourcesPage({ focusOn: `#rename-${r.id}` });
          },
        },
        "Rename",
      ),
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          "data-testid": r.active ? "deactivate" : "activate",
          "aria-label": `${r.active ? "Deactivate" : "Activate"} ${r.name}`,
          onclick: (event) => {
            event.currentTarget.disabled = true;
            patchResource(
              r,
              { active: !r.active },
              r.active ? `${r.name} is inactive: new bookings no longer use it.` : `${r.name} is active again.`,
              r.active ? `Could not deactivate ${r.name}` : `Could not activate ${r.name}`,
            );
          },
        },
        r.active ? "Deactivate" : "Activate",
      ),
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          "data-testid": "open-time-off",
          "aria-label": `Time off for ${r.name}`,
          "aria-pressed": String(manage.timeOffFor === r.id),
          onclick: async () => {
            manage.timeOffFor = r.id;
            say("timeOff", null);
            try {
              await loadTimeOff(r.id);
            } catch (error) {
              if (signedOut(error)) return;
              manage.timeOff = [];
              say("timeOff", resourceErrorBox(error, "Could not load the time off"));
            }
            drawResourcesPage({ focusOn: "#time-off-title" });
          },
        },
        "Time off",
      ),
    ),
  );
  return row;
}

async function patchResource(r, changes, done, failedTitle) {
  try {
    await adminApi(`/api/admin/resources/${encodeURIComponent(r.id)}`, { method: "PATCH", body: changes });
    await reloadResources();
    manage.renaming = null;
    say("list", successBox(done));
  } catch (error) {
    if (signedOut(error)) return;
    say("list", resourceErrorBox(error, failedTitle));
  }
  drawResourcesPage({ focusOn: "[data-testid=resource-list-card] .message" });
}

// ---- time off of one resource
function timeOffCard(r) {
  const startInput = h("input", { id: "time-off-start", type: "datetime-local", required: true });
  const endInput = h("input", { id: "time-off-end", type: "datetime-local", required: true });
  const reasonInput = h("input", { id: "time-off-reason", type: "text", maxlength: "200" });
  const status = h("p", { class: "status-line", role: "status" });
  const form = h(
    "form",
    {
      "data-testid": "add-time-off",
      "aria-label": `Add time off for ${r.name}`,
      onsubmit: async (event) => {
        event.preventDefault();
        const start = startInput.value;
        const end = endInput.value;
        if (!start || !end || end <= start) {
          say("timeOff", messageBox("error", "", "Please give a start and an end after it."));
          drawResourcesPage({ focusOn: "[data-testid=time-off-panel] .message" });
          return;
        }
        status.textContent = "Saving…";
        status.classList.add("loading");
        try {
          // Local wall times (no offset): the API reads them in the business time zone.
          await adminApi(`/api/admin/resources/${encodeURIComponent(r.id)}/time-off`, {
            method: "POST",
            body: { start, end, reason: reasonInput.value.trim() },
          });
          await loadTimeOff(r.id);
          say("timeOff", successBox(`Time off added for ${r.name}.`));
        } catch (error) {
          if (signedOut(error)) return;
          say("timeOff", resourceErrorBox(error, "Could not add the time off"));
        }
        drawResourcesPage({ focusOn: "[data-testid=time-off-panel] .message" });
      },
    },
    h(
      "div",
      { class: "toolbar" },
      h("div", {}, h("label", { for: "time-off-start" }, "From"), startInput),
      h("div", {}, h("label", { for: "time-off-end" }, "Until"), endInput),
      h("div", { class: "grow" }, h("label", { for: "time-off-reason" }, "Reason (optional)"), reasonInput),
      h("button", { type: "submit", "data-testid": "add-time-off-submit" }, "Add time off"),
    ),
    h("p", { class: "hint-line" }, `Times are ${business.timezone} local time.`),
    status,
  );
  const entries = [...manage.timeOff].sort((a, b) => new Date(a.start) - new Date(b.start));
  return h(
    "section",
    { class: "card", "aria-labelledby": "time-off-title", "data-testid": "time-off-panel", "data-resource-id": r.id },
    h("h2", { id: "time-off-title", tabindex: "-1" }, `Time off: ${r.name}`),
    manage.messages.timeOff,
    entries.length
      ? h(
          "ul",
          { class: "resource-list" },
          entries.map((entry) =>
            h(
              "li",
              { class: "resource-row", "data-testid": "time-off-entry", "data-time-off-id": entry.id },
              h(
                "div",
                { class: "resource-main" },
                clock.localDate(entry.start) === clock.localDate(entry.end)
                  ? `${clock.longDate(entry.start)}, ${clock.range(entry.start, entry.end)}`
                  : `${clock.when(entry.start)} → ${clock.when(entry.end)}`,
                entry.reason ? h("span", { class: "meta" }, ` · ${entry.reason}`) : null,
              ),
              h(
                "div",
                { class: "actions compact" },
                h(
                  "button",
                  {
                    type: "button",
                    class: "secondary",
                    "data-testid": "delete-time-off",
                    onclick: async (event) => {
                      event.currentTarget.disabled = true;
                      try {
                        await adminApi(`/api/admin/resource-time-off/${encodeURIComponent(entry.id)}`, { method: "DELETE" });
                        await loadTimeOff(r.id);
                        say("timeOff", successBox(`Time off removed for ${r.name}.`));
                      } catch (error) {
                        if (signedOut(error)) return;
                        say("timeOff", resourceErrorBox(error, "Could not remove the time off"));
                      }
                      drawResourcesPage({ focusOn: "[data-testid=time-off-panel] .message" });
                    },
                  },
                  "Delete",
                ),
              ),
            ),
          ),
        )
      : h("p", {}, "No time off."),
    form,
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => {
            manage.timeOffFor = null;
            say("timeOff", null);
            drawResourcesPage({ focusOn: `[data-resource-id="${r.id}"] [data-testid=open-time-off]` });
          },
        },
        "Close time off",
      ),
    ),
  );
}

// ---- what each service needs
function requirementsCard() {
  const select = h(
    "select",
    {
      id: "requirements-service",
      onchange: async () => {
        const wanted = Number(select.value);
        if (JSON.stringify(manage.groups) !== manage.saved && !window.confirm("Discard the unsaved requirement changes?")) {
          select.value = String(manage.serviceId);
          return;
        }
        manage.serviceId = wanted;
        say("requirements", null);
        try {
          await loadGroups();
        } catch (error) {
          if (signedOut(error)) return;
          manage.groups = [];
          manage.saved = "[]";
          say("requirements", resourceErrorBox(error, "Could not load the requirements"));
        }
        drawResourcesPage({ focusOn: "#requirements-service" });
      },
    },
    manage.services.map((s) =>
      h("option", { value: s.id, selected: s.id === manage.serviceId }, `${s.name}${s.active ? "" : " (inactive)"}`),
    ),
  );
  const service = manage.services.find((s) => s.id === manage.serviceId);
  const dirty = JSON.stringify(manage.groups) !== manage.saved;
  const groups = manage.groups.map((group, index) => requirementGroup(group, index));
  const status = h("p", { class: "status-line", role: "status" });
  const save = h(
    "button",
    {
      type: "button",
      "data-testid": "save-requirements",
      onclick: async () => {
        const cleaned = manage.groups.filter((group) => group.length);
        save.disabled = true;
        status.textContent = "Saving…";
        status.classList.add("loading");
        try {
          const data = await adminApi(`/api/admin/services/${encodeURIComponent(manage.serviceId)}/resources`, {
            method: "PUT",
            body: { groups: cleaned },
          });
          manage.groups = (data.groups || cleaned).map((group) => [...group]);
          manage.saved = JSON.stringify(manage.groups);
          say(
            "requirements",
            successBox(
              `Saved: ${service ? service.name : "the service"} ${requirementsText(manage.groups)}. New bookings follow it; existing ones keep what they reserved.`,
            ),
          );
        } catch (error) {
          if (signedOut(error)) return;
          say("requirements", resourceErrorBox(error, "Could not save the requirements"));
        }
        drawResourcesPage({ focusOn: "[data-testid=requirements] .message" });
      },
    },
    "Save requirements",
  );
  return h(
    "section",
    { class: "card", "aria-labelledby": "requirements-title", "data-testid": "requirements" },
    h("h2", { id: "requirements-title" }, "What each service needs"),
    h(
      "p",
      {},
      "Each requirement is a group of alternatives: a booking takes one free room or device from every group. " +
        "Clients never choose; the booking shows which one it got.",
    ),
    manage.messages.requirements,
    manage.services.length
      ? [
          h("div", { class: "field narrow" }, h("label", { for: "requirements-service" }, "Service"), select),
          h(
            "p",
            { "data-testid": "requirements-summary" },
            `${service ? service.name : "This service"} ${requirementsText(manage.groups)}${dirty ? " (not saved yet)" : ""}.`,
          ),
          groups.length ? h("div", { class: "req-groups" }, groups) : null,
          h(
            "div",
            { class: "actions" },
            h(
              "button",
              {
                type: "button",
                class: "secondary",
                "data-testid": "add-group",
                disabled: !manage.resources.length,
                onclick: () => {
                  manage.groups.push([]);
                  drawResourcesPage({ focusOn: `[data-testid=requirement-group]:last-of-type legend` });
                },
              },
              "+ Add a requirement",
            ),
            save,
            dirty
              ? h(
                  "button",
                  {
                    type: "button",
                    class: "secondary",
                    onclick: () => {
                      manage.groups = JSON.parse(manage.saved);
                      say("requirements", null);
                      drawResourcesPage({ focusOn: "#requirements-service" });
                    },
                  },
                  "Undo changes",
                )
              : null,
          ),
          status,
        ]
      : h("p", {}, "There are no services yet."),
  );
}

/** "needs one of Treatment Room 1 or Treatment Room 2, and GentleMax Pro" / "needs no room or device". */
function requirementsText(groups) {
  const named = groups
    .filter((group) => group.length)
    .map((group) => {
      const names = group.map((id) => (resourceById(id) || { name: `#${id}` }).name);
      return names.length > 1 ? `one of ${names.join(" or ")}` : names[0];
    });
  return named.length ? `needs ${named.join(", and ")}` : "needs no room or device";
}

function requirementGroup(group, index) {
  // Active resources, and any inactive one the group already names.
  const choices = manage.resources.filter((r) => r.active || group.includes(r.id));
  const legendId = `req-group-${index}`;
  return h(
    "fieldset",
    { class: "req-group", "data-testid": "requirement-group", "data-group-index": index },
    h("legend", { id: legendId, tabindex: "-1" }, `Requirement ${index + 1}: one of`),
    h(
      "div",
      { class: "req-choices" },
      choices.map((r) =>
        h(
          "label",
          { class: "check" },
          h("input", {
            type: "checkbox",
            value: r.id,
            "data-resource-id": r.id,
            checked: group.includes(r.id),
            onchange: (event) => {
              const list = manage.groups[index];
              const at = list.indexOf(r.id);
              if (event.target.checked && at === -1) list.push(r.id);
              if (!event.target.checked && at !== -1) list.splice(at, 1);
              const summary = app.querySelector("[data-testid=requirements-summary]");
              const service = manage.services.find((s) => s.id === manage.serviceId);
              const dirty = JSON.stringify(manage.groups) !== manage.saved;
              if (summary) {
                summary.textContent = `${service ? service.name : "This service"} ${requirementsText(manage.groups)}${dirty ? " (not saved yet)" : ""}.`;
              }
            },
          }),
          resourceLabel(r),
        ),
      ),
    ),
    h(
      "div",
      { class: "actions compact" },
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          "data-testid": "remove-group",
          onclick: () => {
            manage.groups.splice(index, 1);
            drawResourcesPage({ focusOn: "[data-testid=add-group]" });
          },
        },
        `Remove requirement ${index + 1}`,
      ),
    ),
  );
}

// ---------------------------------------------------------------- policies & FAQ page
// What clients (booking page) and callers (AI receptionist) are told: the owner's policy text,
// the FAQ and how to prepare for each service. Each card saves on its own; edits are kept in
// `info` so a redraw (after another card saved) keeps what was typed.
const MAX_POLICIES = 2000;
const MAX_FAQ_ENTRIES = 20;
const MAX_FAQ_QUESTION = 200;
const MAX_FAQ_ANSWER = 1000;
const MAX_PREPARATION = 1000;
const info = {
  policies: "",
  savedPolicies: "",
  faq: [], // [{question, answer}] being edited
  savedFaq: "[]",
  services: [],
  serviceId: null,
  preparation: "", // the chosen service's preparation being edited
  messages: { policies: null, faq: null, preparation: null },
};

function infoSay(section, box) {
  info.messages = { policies: null, faq: null, preparation: null, [section]: box };
}

function infoError(error, title) {
  const box = resourceErrorBox(error, title);
  box.dataset.testid = "info-error";
  return box;
}

function infoSuccess(text) {
  const box = successBox(text);
  box.dataset.testid = "info-success";
  return box;
}

function infoService() {
  return info.services.find((s) => s.id === info.serviceId) || null;
}

function chooseInfoService(id) {
  info.serviceId = id;
  info.preparation = (infoService() || {}).preparation || "";
}

async function openInfoPage() {
  const title = h("h1", { id: "info-title", tabindex: "-1" }, "Policies & FAQ");
  app.replaceChildren(title, h("p", { class: "loading" }, "Loading the policies and FAQ…"));
  focus(title);
  try {
    const [policyData, faqData, serviceData] = await Promise.all([
      adminApi("/api/admin/policies"),
      adminApi("/api/admin/faq"),
      adminApi("/api/admin/services"),
    ]);
    info.policies = policyData.text || "";
    info.savedPolicies = info.policies;
    info.faq = (faqData.entries || []).map((e) => ({ question: e.question, answer: e.answer }));
    info.savedFaq = JSON.stringify(info.faq);
    info.services = serviceData.services || [];
    chooseInfoService(info.services.some((s) => s.id === info.serviceId) ? info.serviceId : info.services[0]?.id ?? null);
    info.messages = { policies: null, faq: null, preparation: null };
  } catch (error) {
    if (signedOut(error)) return;
    const words = describeError(error);
    const box = messageBox(
      "error",
      "Could not load the policies and FAQ",
      words.text,
      h("div", { class: "actions" }, h("button", { type: "button", onclick: () => openInfoPage() }, "Try again")),
    );
    box.dataset.testid = "info-error";
    app.replaceChildren(title, box);
    return;
  }
  if (view.page !== "info") return;
  drawInfoPage();
}

function drawInfoPage({ focusOn = null } = {}) {
  if (view.page !== "info") return;
  app.replaceChildren(
    h("h1", { id: "info-title", tabindex: "-1" }, "Policies & FAQ"),
    h(
      "p",
      {},
      "What clients see on the booking page and what the AI receptionist tells callers. " +
        "Keep it short: callers hear it read out.",
    ),
    policiesCard(),
    faqCard(),
    preparationCard(),
  );
  const target = focusOn && app.querySelector(focusOn);
  if (target) focus(target);
}

/** A text box with a live "n / max characters" line under it. */
function countedText(tag, { id, value, max, rows, onInput }) {
  const counter = h("span", { class: "hint", id: `${id}-count`, "aria-live": "off" });
  const input = h(tag, {
    id,
    maxlength: String(max),
    rows: rows ? String(rows) : null,
    type: tag === "input" ? "text" : null,
    "aria-describedby": `${id}-count`,
  });
  input.value = value;
  const update = () => {
    counter.textContent = `${input.value.length.toLocaleString("en-US")} / ${max.toLocaleString("en-US")} characters`;
  };
  input.addEventListener("input", () => {
    update();
    onInput(input.value);
  });
  update();
  return { input, counter };
}

function policiesCard() {
  const { input, counter } = countedText("textarea", {
    id: "policies-text",
    value: info.policies,
    max: MAX_POLICIES,
    rows: 8,
    onInput: (value) => {
      info.policies = value;
    },
  });
  const status = h("p", { class: "status-line", role: "status" });
  const save = h(
    "button",
    {
      type: "button",
      "data-testid": "save-policies",
      onclick: async () => {
        save.disabled = true;
        status.textContent = "Saving…";
        status.classList.add("loading");
        try {
          const data = await adminApi("/api/admin/policies", { method: "PUT", body: { text: info.policies.trim() } });
          info.policies = data.text ?? info.policies.trim();
          info.savedPolicies = info.policies;
          infoSay(
            "policies",
            infoSuccess(info.policies ? "Policies saved. The booking page shows them now." : "Policies removed."),
          );
        } catch (error) {
          if (signedOut(error)) return;
          infoSay("policies", infoError(error, "Could not save the policies"));
        }
        drawInfoPage({ focusOn: "[data-testid=policies-card] .message" });
      },
    },
    "Save policies",
  );
  return h(
    "section",
    { class: "card info-card", "aria-labelledby": "policies-title", "data-testid": "policies-card" },
    h("h2", { id: "policies-title" }, "Policies"),
    info.messages.policies,
    h(
      "div",
      { class: "field" },
      h(
        "label",
        { for: "policies-text" },
        "Policy text",
        h("span", { class: "hint" }, "Cancellation, lateness, deposits… Leave empty for none."),
      ),
      input,
      counter,
    ),
    h("div", { class: "actions" }, save),
    status,
  );
}

function faqCard() {
  const dirty = JSON.stringify(info.faq) !== info.savedFaq;
  const status = h("p", { class: "status-line", role: "status" });
  const entries = info.faq.map((entry, index) => {
    const question = countedText("input", {
      id: `faq-question-${index}`,
      value: entry.question,
      max: MAX_FAQ_QUESTION,
      onInput: (value) => {
        info.faq[index].question = value;
      },
    });
    const answer = countedText("textarea", {
      id: `faq-answer-${index}`,
      value: entry.answer,
      max: MAX_FAQ_ANSWER,
      rows: 3,
      onInput: (value) => {
        info.faq[index].answer = value;
      },
    });
    return h(
      "fieldset",
      { class: "req-group faq-edit", "data-testid": "faq-edit", "data-faq-index": index },
      h("legend", { id: `faq-legend-${index}` }, `Entry ${index + 1}`),
      h(
        "div",
        { class: "field" },
        h("label", { for: `faq-question-${index}` }, `Question ${index + 1}`),
        question.input,
        question.counter,
      ),
      h(
        "div",
        { class: "field" },
        h("label", { for: `faq-answer-${index}` }, `Answer ${index + 1}`),
        answer.input,
        answer.counter,
      ),
      h(
        "div",
        { class: "actions compact" },
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            "data-testid": "remove-faq",
            onclick: () => {
              info.faq.splice(index, 1);
              drawInfoPage({ focusOn: "[data-testid=add-faq]" });
            },
          },
          `Remove question ${index + 1}`,
        ),
      ),
    );
  });
  const save = h(
    "button",
    {
      type: "button",
      "data-testid": "save-faq",
      onclick: async () => {
        // Entries left entirely empty are dropped; a half-filled one is the server's to refuse.
        const cleaned = info.faq
          .map((e) => ({ question: e.question.trim(), answer: e.answer.trim() }))
          .filter((e) => e.question || e.answer);
        save.disabled = true;
        status.textContent = "Saving…";
        status.classList.add("loading");
        try {
          const data = await adminApi("/api/admin/faq", { method: "PUT", body: { entries: cleaned } });
          info.faq = (data.entries || cleaned).map((e) => ({ question: e.question, answer: e.answer }));
          info.savedFaq = JSON.stringify(info.faq);
          const count = info.faq.length;
          infoSay(
            "faq",
            infoSuccess(count ? `FAQ saved: ${count} question${count === 1 ? "" : "s"}.` : "FAQ saved: no questions."),
          );
        } catch (error) {
          if (signedOut(error)) return;
          infoSay("faq", infoError(error, "Could not save the FAQ"));
        }
        drawInfoPage({ focusOn: "[data-testid=faq-card] .message" });
      },
    },
    "Save FAQ",
  );
  return h(
    "section",
    { class: "card info-card", "aria-labelledby": "faq-title", "data-testid": "faq-card" },
    h("h2", { id: "faq-title" }, "Frequently asked questions"),
    h("p", { class: "hint-line" }, `Up to ${MAX_FAQ_ENTRIES} questions, shown in this order.`),
    info.messages.faq,
    entries.length ? h("div", { class: "req-groups" }, entries) : h("p", { "data-testid": "no-faq" }, "No questions yet."),
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          "data-testid": "add-faq",
          disabled: info.faq.length >= MAX_FAQ_ENTRIES,
          onclick: () => {
            info.faq.push({ question: "", answer: "" });
            drawInfoPage({ focusOn: `#faq-question-${info.faq.length - 1}` });
          },
        },
        "+ Add a question",
      ),
      save,
      dirty
        ? h(
            "button",
            {
              type: "button",
              class: "secondary",
              onclick: () => {
                info.faq = JSON.parse(info.savedFaq);
                infoSay("faq", null);
                drawInfoPage({ focusOn: "[data-testid=add-faq]" });
              },
            },
            "Undo changes",
          )
        : null,
    ),
    status,
  );
}

function preparationCard() {
  const service = infoService();
  const select = h(
    "select",
    {
      id: "preparation-service",
      onchange: () => {
        const saved = (service || {}).preparation || "";
        if (info.preparation !== saved && !window.confirm("Discard the unsaved preparation text?")) {
          select.value = String(info.serviceId);
          return;
        }
        chooseInfoService(Number(select.value));
        infoSay("preparation", null);
        drawInfoPage({ focusOn: "#preparation-service" });
      },
    },
    info.services.map((s) =>
      h("option", { value: s.id, selected: s.id === info.serviceId }, `${s.name}${s.active ? "" : " (inactive)"}`),
    ),
  );
  const { input, counter } = countedText("textarea", {
    id: "preparation-text",
    value: info.preparation,
    max: MAX_PREPARATION,
    rows: 4,
    onInput: (value) => {
      info.preparation = value;
    },
  });
  const status = h("p", { class: "status-line", role: "status" });
  const save = h(
    "button",
    {
      type: "button",
      "data-testid": "save-preparation",
      onclick: async () => {
        if (!service) return;
        save.disabled = true;
        status.textContent = "Saving…";
        status.classList.add("loading");
        try {
          const data = await adminApi(`/api/admin/services/${encodeURIComponent(service.id)}`, {
            method: "PATCH",
            body: { preparation: info.preparation.trim() },
          });
          const updated = data.service || { ...service, preparation: info.preparation.trim() };
          info.services = info.services.map((s) => (s.id === updated.id ? updated : s));
          chooseInfoService(updated.id);
          infoSay(
            "preparation",
            infoSuccess(
              updated.preparation
                ? `Saved how to prepare for ${updated.name}.`
                : `${updated.name} no longer shows preparation advice.`,
            ),
          );
        } catch (error) {
          if (signedOut(error)) return;
          infoSay("preparation", infoError(error, "Could not save the preparation text"));
        }
        drawInfoPage({ focusOn: "[data-testid=preparation-card] .message" });
      },
    },
    "Save preparation",
  );
  return h(
    "section",
    { class: "card info-card", "aria-labelledby": "preparation-title", "data-testid": "preparation-card" },
    h("h2", { id: "preparation-title" }, "How to prepare"),
    h("p", { class: "hint-line" }, "Shown on the booking page for the chosen service and told to callers."),
    info.messages.preparation,
    info.services.length
      ? [
          h("div", { class: "field narrow" }, h("label", { for: "preparation-service" }, "Service"), select),
          h(
            "div",
            { class: "field" },
            h(
              "label",
              { for: "preparation-text" },
              "How to prepare",
              h("span", { class: "hint" }, "Leave empty when there is nothing to prepare."),
            ),
            input,
            counter,
          ),
          h("div", { class: "actions" }, save),
          status,
        ]
      : h("p", {}, "There are no services yet."),
  );
}

// ---------------------------------------------------------------- start-up
async function start() {
  try {
    business = await api("/api/business");
  } catch (error) {
    const words = describeError(error);
    const box = messageBox(
      "error",
      words.title,
      words.text,
      h("div", { class: "actions" }, h("button", { type: "button", onclick: () => start() }, "Try again")),
    );
    app.replaceChildren(h("h1", {}, "Provider calendar"), box);
    focus(box);
    return;
  }
  clock = businessClock(business.timezone);
  document.getElementById("business-name").textContent = `${business.name} · Provider calendar`;
  if (token) startCalendar();
  else renderSignIn();
}

start();
