// The admin "Waitlist" page (?page=waitlist): who is waiting for which service(s), provider, days
// and times of day, with the offers they were texted. Filters: a date the entry covers and a
// service (kept in the URL as ?day= and ?service=), active entries or all. The desk can remove
// an entry, or offer it a time by hand (POST /api/admin/waitlist/{id}/offer with the local time
// "YYYY-MM-DDTHH:MM"; the server checks the time is free and says why when it is not). The
// heading line counts the bookings claimed from the waitlist this month.

import { describeError } from "./api.js";
import { focus, h } from "./dom.js";
import { dayLabels, isDate, todayFrom } from "./time.js";
import {
  adminClient,
  errorBox,
  initialParam,
  loadFailedBox,
  markOpened,
  messageArea,
  pageSession,
  put,
  setParams,
  successBox,
} from "./admin-forms.js";
import { phoneText } from "./admin-clients.js";

const PAGE = "waitlist";
const ENTRY_STATUS = {
  active: "Active",
  booked: "Booked",
  left: "Left",
  removed: "Removed",
  expired: "Ended",
};

export const waitlistPage = {
  page: PAGE,
  label: "Waitlist",
  open(context) {
    const day = initialParam(PAGE, "day");
    const service = initialParam(PAGE, "service");
    const state = {
      day: isDate(day) ? day : "",
      service: /^\d+$/.test(service || "") ? service : "",
      show: initialParam(PAGE, "show") === "all" ? "all" : "active",
    };
    markOpened(PAGE);
    const page = { context, session: pageSession(PAGE), ...adminClient(context), state, names: null };
    draw(page);
  },
};

/** "9:00 AM" from "09:00". */
function wallTime(hhmm) {
  const [hours, minutes] = String(hhmm).split(":").map(Number);
  const suffix = hours < 12 ? "AM" : "PM";
  return `${hours % 12 || 12}:${String(minutes).padStart(2, "0")} ${suffix}`;
}

function timesText(entry) {
  if (entry.earliest_time && entry.latest_time) {
    return `starting ${wallTime(entry.earliest_time)} – ${wallTime(entry.latest_time)}`;
  }
  if (entry.earliest_time) return `starting ${wallTime(entry.earliest_time)} or later`;
  if (entry.latest_time) return `starting by ${wallTime(entry.latest_time)}`;
  return "any time of day";
}

function datesText(entry) {
  const from = dayLabels(String(entry.date_from)).short;
  if (entry.date_from === entry.date_to) return from;
  return `${from} – ${dayLabels(String(entry.date_to)).short}`;
}

// ---------------------------------------------------------------- the page
function draw(page) {
  const { context, state } = page;
  const title = h("h1", { id: "waitlist-title", tabindex: "-1" }, "Waitlist");
  const booked = h("p", { class: "waitlist-booked", "data-testid": "waitlist-booked" });
  const dayInput = h("input", { type: "date", id: "waitlist-day", value: state.day, "aria-describedby": "waitlist-day-hint" });
  const serviceSelect = h(
    "select",
    { id: "waitlist-service" },
    h("option", { value: "" }, "All services"),
  );
  const showSelect = h(
    "select",
    { id: "waitlist-show" },
    h("option", { value: "active" }, "Active entries"),
    h("option", { value: "all" }, "All entries"),
  );
  showSelect.value = state.show;
  const count = h("p", { class: "status-line", role: "status", "data-testid": "waitlist-count" });
  const messages = messageArea();
  const list = h("div", { "data-testid": "waitlist-results" });

  const apply = () => {
    state.day = isDate(dayInput.value) ? dayInput.value : "";
    state.service = serviceSelect.value;
    state.show = showSelect.value;
    load(page, { booked, count, list, messages });
  };
  dayInput.addEventListener("change", apply);
  serviceSelect.addEventListener("change", apply);
  showSelect.addEventListener("change", apply);

  const filters = h(
    "form",
    {
      class: "card waitlist-filters",
      role: "search",
      "aria-label": "Filter the waitlist",
      onsubmit: (event) => {
        event.preventDefault();
        apply();
      },
    },
    h(
      "div",
      { class: "form-row toolbar" },
      h(
        "div",
        { class: "field" },
        h("label", { for: "waitlist-day" }, "Date", h("span", { class: "hint", id: "waitlist-day-hint" }, "Entries whose days include it.")),
        dayInput,
      ),
      h("div", { class: "field" }, h("label", { for: "waitlist-service" }, "Service"), serviceSelect),
      h("div", { class: "field" }, h("label", { for: "waitlist-show" }, "Show"), showSelect),
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => {
            dayInput.value = "";
            serviceSelect.value = "";
            apply();
          },
        },
        "Clear filters",
      ),
    ),
  );
  context.app.replaceChildren(
    title,
    h(
      "p",
      {},
      "Clients waiting for a time. When time frees up they are texted in the order they joined; " +
        "the first to book gets it. You can also offer an entry a time yourself.",
    ),
    booked,
    filters,
    messages.node,
    count,
    list,
  );
  focus(title);
  page.fillServices = (services) => {
    put(
      serviceSelect,
      h("option", { value: "" }, "All services"),
      services.map((s) => h("option", { value: String(s.id) }, s.active === false ? `${s.name} (inactive)` : s.name)),
    );
    serviceSelect.value = services.some((s) => String(s.id) === state.service) ? state.service : "";
  };
  load(page, { booked, count, list, messages });
}

/** Service and provider names (once per opening; the list still draws without them). */
async function loadNames(page) {
  if (page.names) return page.names;
  try {
    const [services, providers] = await Promise.all([
      page.call("/api/admin/services"),
      page.call("/api/admin/providers"),
    ]);
    page.names = {
      services: services.services || [],
      providers: new Map((providers.providers || []).map((p) => [p.id, p.name])),
    };
    page.fillServices(page.names.services);
  } catch {
    return { services: [], providers: new Map() }; // a 401 signs out through the list's own call
  }
  return page.names;
}

async function load(page, view) {
  const { state } = page;
  setParams({ day: state.day || null, service: state.service || null, show: state.show === "all" ? "all" : null });
  const mine = (load.asked = (load.asked || 0) + 1);
  view.count.textContent = "Loading the waitlist…";
  view.count.classList.add("loading");
  const query = new URLSearchParams();
  if (state.day) query.set("date", state.day);
  if (state.service) query.set("service_id", state.service);
  let data;
  let names;
  try {
    [data, names] = await Promise.all([
      page.call(`/api/admin/waitlist${query.toString() ? `?${query}` : ""}`),
      loadNames(page),
    ]);
  } catch (error) {
    if (page.signedOut(error)) return;
    if (mine !== load.asked || !page.session.live()) return;
    view.count.textContent = "";
    view.count.classList.remove("loading");
    view.list.replaceChildren(loadFailedBox(error, "Could not load the waitlist", () => load(page, view)));
    return;
  }
  if (mine !== load.asked || !page.session.live()) return;
  view.count.classList.remove("loading");
  view.booked.textContent = `Bookings from the waitlist this month: ${data.booked_from_waitlist_this_month ?? 0}`;
  const all = data.entries || [];
  const entries = state.show === "all" ? all : all.filter((e) => e.status === "active");
  const filtered = state.day || state.service ? " matching the filters" : "";
  view.count.textContent = entries.length
    ? `${entries.length} ${state.show === "all" ? "" : "active "}entr${entries.length === 1 ? "y" : "ies"}${filtered}.`
    : `No ${state.show === "all" ? "" : "active "}entries${filtered}.`;
  const reload = () => load(page, view);
  put(
    view.list,
    entries.length
      ? h(
          "ul",
          { class: "resource-list waitlist-list", "data-testid": "waitlist-list" },
          entries.map((entry) => entryRow(page, entry, names, view, reload)),
        )
      : null,
  );
}

// ---------------------------------------------------------------- one entry
function entryRow(page, entry, names, view, reload) {
  const { clock } = page.context;
  const serviceName = (id) => (names.services.find((s) => s.id === id) || {}).name || `Service ${id}`;
  const services = entry.service_ids.map(serviceName).join(" + ");
  const provider = entry.provider_id
    ? `with ${names.providers.get(entry.provider_id) || `provider ${entry.provider_id}`}`
    : "with any provider";
  const client = entry.client || {};
  const headingId = `waitlist-entry-${entry.id}`;
  const actions = h("div", { class: "actions compact" });
  const panel = h("div", { class: "waitlist-panel" });
  const row = h(
    "li",
    {
      class: `resource-row waitlist-row status-${entry.status}`,
      "data-testid": "waitlist-entry",
      "data-entry-id": entry.id,
      "aria-labelledby": headingId,
    },
    h(
      "div",
      { class: "waitlist-main" },
      h(
        "h2",
        { class: "waitlist-client", id: headingId },
        client.name || "Unknown client",
        " ",
        h("span", { class: `pill waitlist-${entry.status}`, "data-testid": "waitlist-status" }, ENTRY_STATUS[entry.status] || entry.status),
      ),
      h(
        "p",
        { class: "client-contact" },
        client.phone ? h("a", { href: `tel:${client.phone.replace(/[^+\d]/g, "")}` }, phoneText(client.phone)) : null,
        client.email ? h("span", {}, client.email) : null,
      ),
      h(
        "dl",
        { class: "summary waitlist-wishes" },
        h("dt", {}, "Wants"),
        h("dd", { "data-testid": "waitlist-wants" }, `${services} ${provider}`),
        h("dt", {}, "Days"),
        h("dd", { "data-testid": "waitlist-days" }, datesText(entry)),
        h("dt", {}, "Times"),
        h("dd", {}, timesText(entry)),
        h("dt", {}, "Joined"),
        h("dd", {}, clock.when(entry.created_at)),
      ),
      offersList(entry, clock),
    ),
    actions,
    panel,
  );
  if (entry.status === "active") {
    const offerButton = h(
      "button",
      { type: "button", class: "secondary", "aria-expanded": "false", "data-testid": "waitlist-offer-open" },
      "Offer a time",
    );
    const removeButton = h(
      "button",
      { type: "button", class: "secondary", "data-testid": "waitlist-remove" },
      "Remove",
    );
    offerButton.addEventListener("click", () => {
      const opening = offerButton.getAttribute("aria-expanded") !== "true";
      offerButton.setAttribute("aria-expanded", String(opening));
      if (!opening) {
        panel.replaceChildren();
        return;
      }
      const form = offerForm(page, entry, view, reload, () => {
        offerButton.setAttribute("aria-expanded", "false");
        panel.replaceChildren();
        focus(offerButton);
      });
      panel.replaceChildren(form);
      focus(form.querySelector("input"));
    });
    removeButton.addEventListener("click", () => {
      offerButton.setAttribute("aria-expanded", "false");
      panel.replaceChildren(
        removeConfirm(page, entry, view, reload, () => {
          panel.replaceChildren();
          focus(removeButton);
        }),
      );
      focus(panel.querySelector("button"));
    });
    actions.append(offerButton, removeButton);
  }
  return row;
}

function offersList(entry, clock) {
  const offers = entry.offers || [];
  if (!offers.length) return h("p", { class: "row-meta", "data-testid": "waitlist-offers" }, "No offers yet.");
  const now = Date.now();
  return h(
    "div",
    { class: "waitlist-offers" },
    h("h3", {}, `Offers (${offers.length})`),
    h(
      "ul",
      { "data-testid": "waitlist-offers" },
      offers.map((offer) => {
        const claimed = offer.status === "claimed";
        const waiting = !claimed && Date.parse(offer.sent_at) > now;
        const expired = !claimed && !waiting && Date.parse(offer.expires_at) <= now;
        const state = claimed
          ? "booked"
          : waiting
            ? `to be texted ${clock.when(offer.sent_at)} (after quiet hours)`
            : expired
              ? "expired, not booked"
              : `open until ${clock.timeWithZone(offer.expires_at)}`;
        return h(
          "li",
          { "data-testid": "waitlist-offer", "data-status": claimed ? "claimed" : expired ? "expired" : "open" },
          h("span", { class: "offer-when" }, clock.when(offer.start)),
          ` — ${state}`,
          waiting ? null : h("span", { class: "row-meta" }, `Texted ${clock.when(offer.sent_at)}`),
        );
      }),
    ),
  );
}

function offerForm(page, entry, view, reload, close) {
  const { business, clock } = page.context;
  const today = todayFrom(business.now);
  const first = String(entry.date_from) > today ? String(entry.date_from) : today;
  const id = `waitlist-offer-start-${entry.id}`;
  const input = h("input", {
    type: "datetime-local",
    id,
    required: true,
    min: `${today}T00:00`,
    "aria-describedby": `${id}-hint ${id}-error`,
    "data-testid": "waitlist-offer-start",
  });
  input.value = `${first}T${entry.earliest_time || "09:00"}`;
  const error = h("p", { class: "field-error", id: `${id}-error`, "data-testid": "waitlist-offer-error" });
  const send = h("button", { type: "submit", "data-testid": "waitlist-offer-send" }, "Send offer");
  const status = h("p", { class: "status-line form-status", role: "status" });
  input.addEventListener("input", () => {
    input.removeAttribute("aria-invalid");
    error.textContent = "";
  });
  const form = h(
    "form",
    {
      class: "waitlist-offer-form",
      "aria-label": `Offer ${entry.client.name} a time`,
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = "";
        input.removeAttribute("aria-invalid");
        if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(input.value)) {
          input.setAttribute("aria-invalid", "true");
          error.textContent = "Please give a date and a start time.";
          focus(input);
          return;
        }
        send.disabled = true;
        status.textContent = "Sending the offer…";
        status.classList.add("loading");
        let answer;
        try {
          answer = await page.call(`/api/admin/waitlist/${encodeURIComponent(entry.id)}/offer`, {
            method: "POST",
            body: { start: input.value.slice(0, 16) },
          });
        } catch (failure) {
          if (page.signedOut(failure)) return;
          send.disabled = false;
          status.textContent = "";
          status.classList.remove("loading");
          input.setAttribute("aria-invalid", "true");
          error.textContent = describeError(failure).text;
          focus(input);
          return;
        }
        const [day, time] = input.value.split("T");
        // The newest offer is this one; in the quiet hours its text waits until they end.
        const offers = (answer && answer.entry && answer.entry.offers) || [];
        const made = offers.reduce((a, b) => (!a || b.id > a.id ? b : a), null);
        const later = made && Date.parse(made.sent_at) > Date.now() + 60000;
        view.messages.say(
          successBox(
            `Offer made to ${entry.client.name} for ${dayLabels(day).short} at ${wallTime(time)}: ` +
              (later
                ? `they get a text with a link to book it at ${clock.when(made.sent_at)}, after the quiet hours.`
                : "they get a text with a link to book it."),
          ),
        );
        reload();
      },
    },
    h(
      "div",
      { class: "field" },
      h(
        "label",
        { for: id },
        "Start (our local time)",
        h("span", { class: "hint", id: `${id}-hint` }, "It must be free for everything this client asked for."),
      ),
      input,
      error,
    ),
    status,
    h(
      "div",
      { class: "actions compact" },
      send,
      h("button", { type: "button", class: "secondary", onclick: close }, "Cancel"),
    ),
  );
  return form;
}

function removeConfirm(page, entry, view, reload, close) {
  const name = entry.client.name;
  const yes = h("button", { type: "button", class: "danger", "data-testid": "waitlist-remove-confirm" }, "Yes, remove");
  const area = h("div", { class: "message-area" });
  yes.addEventListener("click", async () => {
    yes.disabled = true;
    try {
      await page.call(`/api/admin/waitlist/${encodeURIComponent(entry.id)}`, { method: "DELETE" });
    } catch (error) {
      if (page.signedOut(error)) return;
      yes.disabled = false;
      area.replaceChildren(errorBox(error, "Could not remove the entry"));
      focus(area.firstChild);
      return;
    }
    view.messages.say(successBox(`${name} was removed from the waitlist.`));
    reload();
  });
  return h(
    "div",
    { class: "waitlist-confirm", role: "group", "aria-label": `Remove ${name}` },
    h("p", {}, `Remove ${name} from the waitlist? They get no more offers.`),
    area,
    h(
      "div",
      { class: "actions compact" },
      yes,
      h("button", { type: "button", class: "secondary", onclick: close }, "Keep"),
    ),
  );
}
