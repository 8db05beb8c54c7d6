// The provider calendar, /admin: day and week views with a column per provider, appointments at
// their business-local times, and a dialog to cancel or move one.
//
// The admin token lives in sessionStorage only (gone when the browser session ends); the view
// (date, day/week, provider, cancelled on/off) lives in the URL so a refresh or a shared link
// shows the same view. The calendar polls the API so web and AI bookings appear by themselves.

import { api, ApiError, describeError, newKey } from "./api.js";
import { addDays, dayLabels, isDate, mondayOf, todayFrom } from "./time.js";
import { businessClock } from "./time.js";
import { announce, focus, h, messageBox, telLink } from "./dom.js";
import { store } from "./store.js";

const TOKEN_KEY = "admin.token";
const PX_PER_MINUTE = 1.6;
const TOP_PAD = 10; // room above the first hour label
const SOURCE_LABELS = { web: "Web", ai: "AI", admin: "Admin" };
const SOURCE_LONG = { web: "the website", ai: "the AI receptionist", admin: "the front desk (admin)" };
const STATUS_LABELS = { booked: "Booked", cancelled: "Cancelled", completed: "Completed", no_show: "No-show" };

const app = document.getElementById("app");
const dialog = document.getElementById("appointment-dialog");
const dialogBody = document.getElementById("dialog-body");

let business = null;
let clock = null;
let token = store.get(TOKEN_KEY);
const view = { date: null, mode: "day", provider: "all", showCancelled: true };
let calendar = null; // the last calendar response
let lastJson = "";
let pollTimer = null;
let pollInFlight = false;
let loadGeneration = 0;
let lastRefreshed = null;
let opener = null; // the block that opened the dialog, to return focus to

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
  view.showCancelled = query.get("cancelled") !== "hide";
}

function saveUrl() {
  const query = new URLSearchParams({ date: view.date, view: view.mode });
  if (view.provider !== "all") query.set("provider", view.provider);
  if (!view.showCancelled) query.set("cancelled", "hide");
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
  renderSignIn(message);
}

// ---------------------------------------------------------------- calendar shell
function startCalendar() {
  readUrl();
  document
    .getElementById("header-actions")
    .replaceChildren(
      h("button", { type: "button", class: "secondary", onclick: () => signOut() }, "Sign out"),
    );
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
  return h(
    "div",
    { class: "toolbar", role: "group", "aria-label": "Calendar view" },
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
  const needsData = "date" in changes || "mode" in changes;
  Object.assign(view, changes);
  saveUrl();
  document.getElementById("view-date").value = view.date;
  for (const button of document.querySelectorAll("[data-mode]")) {
    button.setAttribute("aria-pressed", String(button.dataset.mode === view.mode));
  }
  if (needsData) {
    calendar = null;
    lastJson = "";
    document.getElementById("calendar-area").replaceChildren(h("p", { class: "loading" }, "Loading the calendar…"));
    refresh({ reason: "view" });
  } else {
    drawCalendar();
  }
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
  const generation = ++loadGeneration;
  const { first, days } = range();
  pollInFlight = true;
  try {
    const data = await api(`/api/admin/calendar?date=${first}&days=${days}`, {
      headers: authHeaders(),
    });
    if (generation !== loadGeneration) return;
    document.getElementById("calendar-messages")?.replaceChildren();
    lastRefreshed = new Date();
    const json = JSON.stringify(data);
    if (json !== lastJson) {
      const first = !calendar;
      calendar = data;
      lastJson = json;
      syncProviderSelect();
      drawCalendar();
      if (!first && reason === "poll") announce("The calendar was updated.");
    }
    const stamp = document.getElementById("refresh-status");
    if (stamp) stamp.textContent = `Updated ${clock.timeWithZone(lastRefreshed.toISOString())} · refreshes every ${Math.round(pollMs() / 1000)} s`;
  } catch (error) {
    if (generation !== loadGeneration) return;
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
    if (!calendar) document.getElementById("calendar-area")?.replaceChildren();
  } finally {
    if (generation === loadGeneration) pollInFlight = false;
  }
}

function startPolling() {
  stopPolling();
  pollTimer = setInterval(() => {
    if (document.hidden || pollInFlight || !token) return;
    refresh({ reason: "poll" });
  }, pollMs());
}

function stopPolling() {
  if (pollTimer) clearInterval(pollTimer);
  pollTimer = null;
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && token && calendar) refresh({ reason: "poll" });
});

// ---------------------------------------------------------------- drawing
function visibleAppointments() {
  return calendar.appointments.filter(
    (a) =>
      (view.showCancelled || a.status !== "cancelled") &&
      (view.provider === "all" || a.provider_id === view.provider),
  );
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
  const { first, days } = range();
  const dates = Array.from({ length: days }, (_, i) => addDays(first, i));
  const providers = calendar.providers.filter((p) => view.provider === "all" || p.id === view.provider);
  const appointments = visibleAppointments();
  const { low, high } = minuteRange(appointments);
  const height = (high - low) * PX_PER_MINUTE + 2 * TOP_PAD;
  const week = view.mode === "week";
  const columnWidth = week ? "minmax(5.5rem, 1fr)" : "minmax(10rem, 1fr)";
  const columnCount = Math.max(1, providers.length) * dates.length;

  const grid = h("div", {
    class: "calendar",
    "data-testid": "calendar",
    "data-view": view.mode,
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
            style: { gridRow: "1", gridColumn: `${column} / span ${Math.max(1, providers.length)}` },
          },
          `${labels.dow} ${labels.monthDay}`,
        ),
      );
    }
    providers.forEach((provider, index) => {
      grid.append(
        h(
          "div",
          {
            class: `cal-head${index === 0 && week ? " day-head" : ""}`,
            title: provider.name,
            style: { gridRow: String(headRows), gridColumn: String(column) },
          },
          provider.name,
        ),
      );
      const body = h("div", {
        class: `cal-col${index === 0 ? " first-of-day" : ""}`,
        role: "group",
        "aria-label": `${provider.name}, ${labels.long}`,
        "data-date": date,
        "data-provider-id": provider.id,
        style: { gridRow: String(headRows + 1), gridColumn: String(column) },
      });
      for (let minute = low; minute < high; minute += 30) {
        body.append(
          h("div", {
            class: minute % 60 === 0 ? "hour-line" : "half-line",
            style: { top: `${(minute - low) * PX_PER_MINUTE + TOP_PAD}px` },
          }),
        );
      }
      columns.set(`${date}|${provider.id}`, { node: body, items: [] });
      grid.append(body);
      column += 1;
    });
  }

  for (const appointment of appointments) {
    const target = columns.get(`${clock.localDate(appointment.start)}|${appointment.provider_id}`);
    if (!target) continue;
    const start = clock.localMinutes(appointment.start);
    const sameDay = clock.localDate(appointment.end) === clock.localDate(appointment.start);
    const end = sameDay ? clock.localMinutes(appointment.end) : high;
    target.items.push({
      appointment,
      top: (start - low) * PX_PER_MINUTE + TOP_PAD,
      bottom: (Math.max(end, start + 15) - low) * PX_PER_MINUTE + TOP_PAD,
    });
  }
  for (const { node, items } of columns.values()) {
    assignLanes(items);
    for (const item of items) node.append(block(item, week));
  }
  if (!appointments.length) {
    grid.append(
      h(
        "p",
        { class: "cal-empty", style: { gridRow: String(headRows + 1), gridColumn: `2 / span ${columnCount}` } },
        week ? "No appointments this week." : "No appointments on this day.",
      ),
    );
  }
  const title = week
    ? `Week of ${dayLabels(dates[0]).long}`
    : dayLabels(view.date).long;
  // A poll redraws the same view: keep where the user scrolled. A new view in week mode scrolls
  // sideways to the chosen day (a week of provider columns is wider than most screens).
  const previous = area.querySelector(".calendar-scroll");
  const viewKey = `${view.mode}|${view.date}|${view.provider}`;
  const keep = previous && drawCalendar.viewKey === viewKey;
  const scroller = h(
    "div",
    { class: "calendar-scroll", tabindex: "0", "aria-labelledby": "view-title" },
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
    const again = area.querySelector(`[data-appointment-id="${CSS.escape(focusedId)}"]`);
    if (again) again.focus();
  }
}

function block({ appointment: a, top, bottom, lane, lanes }, compact) {
  const source = SOURCE_LABELS[a.source] || a.source;
  const label =
    `${clock.range(a.start, a.end)}, ${a.service_name}, ${a.client.name}, with ${a.provider_name}, ` +
    `booked via ${SOURCE_LONG[a.source] || a.source}, ${STATUS_LABELS[a.status] || a.status}`;
  const node = h(
    "button",
    {
      type: "button",
      class: `appt source-${a.source} status-${a.status}`,
      "data-testid": "appointment",
      "data-appointment-id": a.id,
      "data-status": a.status,
      "data-source": a.source,
      "aria-label": label,
      title: label,
      style: {
        top: `${top}px`,
        height: `${Math.max(bottom - top - 2, 18)}px`,
        left: `calc(${(100 / lanes) * lane}% + 2px)`,
        width: `calc(${100 / lanes}% - 4px)`,
      },
      onclick: (event) => openAppointment(a, event.currentTarget),
    },
    h(
      "span",
      { class: "appt-line" },
      h("span", { class: `badge source-${a.source}`, "data-testid": "source-badge" }, source),
      " ",
      h(
        "span",
        { class: "appt-time" },
        compact ? clock.time(a.start) : `${clock.time(a.start)}–${clock.time(a.end)}`,
      ),
    ),
    h("span", { class: "appt-line", "data-testid": "appt-service" }, a.service_name),
    h("span", { class: "appt-line", "data-testid": "appt-client" }, a.client.name),
    a.status !== "booked"
      ? h("span", { class: "appt-line appt-status" }, STATUS_LABELS[a.status] || a.status)
      : null,
  );
  return node;
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
  const again = id && document.querySelector(`[data-appointment-id="${CSS.escape(id)}"]`);
  if (again) again.focus();
  else focus(document.getElementById("view-title"));
});

function renderDialog(a, panel) {
  const closeButton = h(
    "button",
    { type: "button", class: "secondary", "aria-label": "Close", onclick: () => dialog.close() },
    "Close",
  );
  const body = [
    h(
      "div",
      { class: "dialog-head" },
      h("h2", { id: "dialog-title", tabindex: "-1" }, `${a.service_name} — ${a.client.name}`),
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
    h(
      "dl",
      { class: "summary", "data-testid": "dialog-details" },
      h("dt", {}, "When"),
      h("dd", { "data-testid": "dialog-when" }, `${clock.longDate(a.start)}, ${clock.range(a.start, a.end)}`),
      h("dt", {}, "Provider"),
      h("dd", { "data-testid": "dialog-provider" }, a.provider_name),
      h("dt", {}, "Service"),
      h("dd", {}, a.service_name),
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
  if (a.status === "booked") {
    if (panel.mode === "cancel") body.push(cancelConfirm(a));
    else if (panel.mode === "move") body.push(movePanel(a, panel));
    else body.push(actions(a));
  }
  dialogBody.replaceChildren(...body.filter(Boolean));
}

function actions(a) {
  const started = new Date(a.start) <= new Date();
  return h(
    "div",
    { class: "actions" },
    h(
      "button",
      {
        type: "button",
        "data-testid": "move",
        onclick: () => {
          renderDialog(a, { mode: "move", providerId: a.provider_id, date: clock.localDate(a.start) });
          focus(dialogBody.querySelector("#move-title"));
        },
      },
      "Move",
    ),
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
    started ? statusButton(a, "completed", "Mark completed") : null,
    started ? statusButton(a, "no_show", "Mark no-show") : null,
  );
}

function failureBox(error) {
  const words = describeError(error, { write: true });
  const extra = [];
  if (error instanceof ApiError && error.code === "slot_unavailable") {
    words.title = "This time slot was just taken — pick another free time";
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

function statusButton(a, status, label) {
  return h(
    "button",
    {
      type: "button",
      class: "secondary",
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
          (updated) => `${updated.service_name} for ${updated.client.name} marked ${STATUS_LABELS[status].toLowerCase()}.`,
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
            `Cancelled ${updated.service_name} for ${updated.client.name} (${clock.when(updated.start)}). The time is free again.`,
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
    h("h3", { id: "move-title", tabindex: "-1" }, "Move to a free time"),
    h(
      "div",
      { class: "toolbar" },
      h("div", {}, h("label", { for: "move-provider" }, "Provider"), providerSelect),
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

async function fillMovePanel(a, panel, providerSelect, slotsArea) {
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
    const slots = availability.slots || [];
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
        : h("p", {}, "No free times that day for this provider. Try another date or provider."),
    );
    if (panel.focusSlots) focus(slotsArea.querySelector("button"));
  } catch (error) {
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
        if (panel.providerId !== a.provider_id) body.provider_id = panel.providerId;
        const failure = await act(
          a,
          () =>
            api("/api/booking/reschedule", {
              method: "POST",
              headers: { ...authHeaders(), "Idempotency-Key": key },
              body,
            }),
          (updated) =>
            `Moved ${updated.service_name} for ${updated.client.name} to ${clock.when(updated.start)} with ${updated.provider_name}.`,
        );
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
      `Move to ${clock.longDate(panel.start)}, ${clock.timeWithZone(panel.start)} with ${provider ? provider.name : a.provider_name}?`,
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
