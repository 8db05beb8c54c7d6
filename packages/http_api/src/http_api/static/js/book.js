// The client booking page: service -> provider -> date and time -> details -> confirmation.
// After the first service the client may add more services to the visit ("Add another
// service"): they run back to back, each with its own provider, and are booked in one request.
//
// Where things are kept so a refresh loses nothing:
// - the choices (service(s) in visit order, provider, date, start, the chosen slot's provider per
//   part, step) live in the URL query, so the back button and a refresh both work;
// - what the client typed, the current booking attempt (its Idempotency-Key) and any error the
//   client has not dealt with yet live in sessionStorage (never in the URL: they are personal).

import { api, ApiError, describeError, newKey } from "./api.js";
import { addDays, dayLabels, formatDuration, formatPrice, isDate, todayFrom } from "./time.js";
import { businessClock } from "./time.js";
import {
  calendarCard,
  cutoffText,
  horizonDays,
  insideCutoff,
  nowMs,
  reportHeightWhenEmbedded,
  slotPicker,
  syncClock,
  WINDOW_DAYS,
  windowFor,
  windowDays,
} from "./client.js";
import {
  alternativesList,
  announce,
  appointmentFacts,
  focus,
  h,
  messageBox,
  partsList,
  partsOf,
  telLink,
  whoText,
} from "./dom.js";
import { store } from "./store.js";
import { waitlistCard } from "./book-waitlist.js";

const SLOT_CACHE_MS = 30000;
const STEP_ORDER = ["service", "provider", "time", "details", "done"];
const STEP_LABELS = {
  service: "Service",
  provider: "Provider",
  time: "Date & time",
  details: "Your details",
};
const KEY = {
  details: "book.details",
  attempt: "book.attempt",
  error: "book.error",
  result: "book.result",
  slot: "book.slot",
};
// Codes after which the client is best helped by a phone call.
const CALL_US_CODES = new Set([
  "booking_limit_reached",
  "not_found",
  "inactive",
  "service_not_offered",
  "beyond_horizon",
]);
// Codes that mean "pick another time".
const TIME_CODES = new Set([
  "past_time",
  "too_soon",
  "invalid_time",
  "beyond_horizon",
  "outside_working_hours",
  "provider_unavailable",
  "slot_unavailable",
  "client_overlap",
]);

const app = document.getElementById("app");
// serviceIds: the visit's services in order (one for a plain booking); partProviders: for a visit,
// the provider of each part of the chosen slot (so exactly that slot is booked).
const state = {
  step: "service",
  serviceIds: [],
  providerId: null,
  date: null,
  start: null,
  partProviders: [],
};
let business = null;
let clock = null;
let services = [];
let servicesPhone = "";
const providersByService = new Map();
const slotCache = new Map();
let submitting = false;
let renderCount = 0;
let addingService = false; // the "Add another service" list is open
let windowStart = null; // the first date of the two weeks shown on the time step
const embedParam = new URLSearchParams(location.search).get("embed") === "1";

// ---------------------------------------------------------------- URL <-> state
function readUrl() {
  const query = new URLSearchParams(location.search);
  const provider = query.get("provider");
  state.serviceIds = [];
  for (const value of query.getAll("service")) {
    const id = Number(value);
    if (Number.isInteger(id) && id > 0 && !state.serviceIds.includes(id)) state.serviceIds.push(id);
  }
  state.partProviders = (query.get("parts") || "")
    .split(",")
    .map(Number)
    .filter((id) => Number.isInteger(id) && id > 0);
  state.providerId = provider === "any" ? "any" : Number(provider) || null;
  state.date = isDate(query.get("date")) ? query.get("date") : null;
  state.start = query.get("start") || null;
  if (STEP_ORDER.includes(query.get("step"))) {
    state.step = query.get("step");
  } else {
    // A deep link (/?service=2&provider=1, or embed.js's frame): as far as its choices go.
    state.step = !state.serviceIds.length ? "service" : state.providerId ? "time" : "provider";
  }
}

function currentUrl() {
  const query = new URLSearchParams();
  if (embedParam) query.set("embed", "1"); // an embedded page stays embedded
  for (const id of state.serviceIds) query.append("service", id);
  if (state.providerId) query.set("provider", state.providerId);
  if (state.date) query.set("date", state.date);
  if (state.start) query.set("start", state.start);
  if (state.start && isVisit() && state.partProviders.length === state.serviceIds.length) {
    query.set("parts", state.partProviders.join(","));
  }
  // The service step is named too once a service is chosen: without a step, a link means "as far
  // as the choices go".
  if (state.step !== "service" || state.serviceIds.length) query.set("step", state.step);
  const text = query.toString();
  return location.pathname + (text ? `?${text}` : "");
}

function saveUrl({ push = false } = {}) {
  const url = currentUrl();
  if (url === location.pathname + location.search) return;
  history[push ? "pushState" : "replaceState"](null, "", url);
}

/** The visit's services (known ones only), in visit order. */
function visitServices() {
  return state.serviceIds.map((id) => services.find((s) => s.id === id)).filter(Boolean);
}

function isVisit() {
  return state.serviceIds.length > 1;
}

/** "Botox" or "Botox + Dermal Filler". */
function servicesLabel() {
  return visitServices()
    .map((s) => s.name)
    .join(" + ");
}

function visitMinutes() {
  return visitServices().reduce((sum, s) => sum + s.duration_minutes, 0);
}

function visitPrice() {
  return visitServices().reduce((sum, s) => sum + (s.price_cents || 0), 0);
}

/** The furthest step the current choices allow (a refresh or a hand-edited URL cannot skip). */
function reachableStep(wanted) {
  if (wanted === "done" && store.get(KEY.result)) return "done";
  // A stale link may name a service that is gone: keep the ones still offered.
  const known = visitServices();
  if (known.length !== state.serviceIds.length) {
    state.serviceIds = known.map((s) => s.id);
    state.partProviders = [];
  }
  const service = known.length > 0;
  let reachable = "service";
  if (service) reachable = "provider";
  if (service && state.providerId) reachable = "time";
  if (service && state.providerId && state.start) reachable = "details";
  const limit = Math.min(STEP_ORDER.indexOf(wanted), STEP_ORDER.indexOf(reachable));
  return STEP_ORDER[Math.max(0, limit)];
}

function go(step) {
  state.step = step;
  saveUrl({ push: true });
  render({ focusHeading: true });
}

// ---------------------------------------------------------------- errors kept across refresh
function setError(error) {
  store.set(KEY.error, error);
}

function clearError() {
  store.remove(KEY.error);
}

function phone() {
  return (business && business.phone) || servicesPhone || "";
}

function errorBox(error) {
  const extra = [];
  if (error.alternatives && error.alternatives.length) {
    extra.push(alternativesList(error.alternatives, clock.when, chooseAlternative));
  }
  if (error.action === "time") {
    extra.push(
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          { type: "button", class: "secondary", onclick: () => chooseAnotherTime() },
          "Choose another time",
        ),
      ),
    );
  }
  if (error.callUs && phone()) {
    extra.push(h("p", {}, "Call us: ", telLink(phone())));
  }
  const box = messageBox("error", error.title, error.text, ...extra);
  box.dataset.testid = "booking-error";
  box.dataset.code = error.code || error.kind || "";
  return box;
}

function bookingError(error) {
  const words = describeError(error, { phone: phone(), write: true });
  const stored = { ...words, action: null, alternatives: [], callUs: false };
  if (error instanceof ApiError && error.kind === "http" && error.status < 500) {
    if (error.code === "slot_unavailable") {
      stored.alternatives = Array.isArray(error.details.alternatives)
        ? error.details.alternatives
        : [];
      stored.title = stored.alternatives.length
        ? "This time slot was just taken — here are the nearest free times"
        : "This time slot was just taken — there are no free times close to it";
      stored.text = error.message || "This time slot is no longer available.";
      if (!stored.alternatives.length) stored.action = "time";
    } else if (TIME_CODES.has(error.code)) {
      stored.action = "time";
    }
    // A visit: say which treatment the refusal is about.
    const part = error.details && error.details.part;
    const chosen = visitServices();
    if (chosen.length > 1 && Number.isInteger(part) && chosen[part] && error.code !== "slot_unavailable") {
      stored.text = `${stored.text} (${chosen[part].name}, treatment ${part + 1} of ${chosen.length}.)`;
    }
    if (error.details && error.details.fields && typeof error.details.fields === "object") {
      stored.fields = error.details.fields;
      const ours = fieldsOf(stored);
      if (ours.length) {
        // Said next to the field; the box at the top points there.
        stored.fieldMessage = error.message || "";
        stored.title = "Please check your details";
        stored.text =
          ours.length === 1
            ? `Please check the field marked below: ${FIELD_LABELS[ours[0]]}.`
            : `Please check the fields marked below: ${ours.map((n) => FIELD_LABELS[n]).join(", ")}.`;
      }
    }
    stored.callUs = CALL_US_CODES.has(error.code);
  }
  return stored;
}

// ---------------------------------------------------------------- data
async function loadProviders(serviceId) {
  if (!providersByService.has(serviceId)) {
    const data = await api(`/api/providers?service_id=${encodeURIComponent(serviceId)}`);
    providersByService.set(serviceId, data.providers || []);
  }
  return providersByService.get(serviceId);
}

/** Providers who offer every service of the visit (for one service: its providers). */
async function loadVisitProviders() {
  const lists = await Promise.all(state.serviceIds.map((id) => loadProviders(id)));
  const [first = [], ...rest] = lists;
  return first.filter((p) => rest.every((list) => list.some((q) => q.id === p.id)));
}

function knownProvider(id) {
  for (const list of providersByService.values()) {
    const provider = list.find((p) => p.id === id);
    if (provider) return provider;
  }
  return null;
}

function slotKey() {
  return `${state.serviceIds.join(",")}|${state.providerId}`;
}

/** For a visit with one chosen provider: only slots where that provider does every part. */
function slotFits(slot) {
  if (state.providerId === "any" || !isVisit()) return true;
  return partsOf(slot).every((part) => part.provider_id === state.providerId);
}

function today() {
  return todayFrom(business.now);
}

/** The last bookable date (the booking horizon; the API says closed past it). */
function lastDay() {
  return addDays(today(), horizonDays(business));
}

/**
 * Free times of the two weeks starting at `start`: {slots, days, nextAvailable}. `slots` has the
 * ones the page can offer (for a visit with one provider: that provider's); `days` each date's
 * status (open, full, closed); `nextAvailable` the first free time after them when they have none.
 */
async function loadSlots(start, { fresh = false } = {}) {
  const key = `${slotKey()}|${start}`;
  const cached = slotCache.get(key);
  if (!fresh && cached && Date.now() - cached.at < SLOT_CACHE_MS) return cached.data;
  // A visit repeats service_id in visit order: ?service_id=2&service_id=4.
  const query = new URLSearchParams();
  for (const id of state.serviceIds) query.append("service_id", id);
  query.set("date", start);
  query.set("days", windowDays(start, lastDay()).length);
  if (state.providerId !== "any") query.set("provider_id", state.providerId);
  const answer = await api(`/api/availability?${query}`);
  const data = {
    slots: (answer.slots || []).filter(slotFits),
    days: answer.days || [],
    nextAvailable: answer.next_available || null,
  };
  slotCache.set(key, { at: Date.now(), data });
  return data;
}

// ---------------------------------------------------------------- rendering
function heading(text) {
  return h("h2", { tabindex: "-1", "data-testid": "step-heading" }, text);
}

function progress(step) {
  const index = STEP_ORDER.indexOf(step);
  return h(
    "ol",
    { class: "steps", "aria-label": "Booking steps" },
    Object.entries(STEP_LABELS).map(([name, label], i) =>
      h(
        "li",
        {
          class: i < index ? "done" : "",
          "aria-current": name === step ? "step" : null,
        },
        h("span", { class: "step-number" }, `${i + 1}.`),
        " ",
        h("span", { class: "step-label" }, label),
      ),
    ),
  );
}

function loadingLine(text) {
  return h("p", { class: "loading status-line", role: "status" }, text);
}

/** A load failure shown in place, with a retry (loads are safe to repeat). */
function loadFailure(error, retry) {
  const words = describeError(error, { phone: phone() });
  const box = messageBox(
    "error",
    words.title,
    words.text,
    h("div", { class: "actions" }, h("button", { type: "button", onclick: retry }, "Try again")),
  );
  box.dataset.testid = "load-error";
  return box;
}

async function render({ focusHeading = false } = {}) {
  const count = ++renderCount;
  const wanted = state.step;
  state.step = reachableStep(wanted);
  if (state.step !== wanted) saveUrl();
  document.title = `${STEP_LABELS[state.step] || "Booked"} — Book an appointment — ${business.name}`;

  const section = h("section", { "aria-labelledby": "step-title" });
  app.replaceChildren(
    h("h1", { class: "page-title" }, "Book an appointment"),
    // No step bar once booked, nor when there is nothing to book.
    state.step === "done" || !services.length ? "" : progress(state.step),
    section,
    aboutVisiting(),
  );
  const stored = store.get(KEY.error);

  const steps = {
    service: renderService,
    provider: renderProvider,
    time: renderTime,
    details: renderDetails,
    done: renderDone,
  };
  // Each step draws its heading (and any stored error) before it waits for data, so focus moves
  // at once; a screen reader announces the new step while its data loads.
  const drawn = steps[state.step](section, stored, () => count === renderCount);
  const title = section.querySelector("h2");
  if (title) title.id = "step-title";
  const firstRender = !render.started;
  render.started = true;
  const errorNode = section.querySelector("[data-testid=booking-error]");
  if (errorNode && (focusHeading || firstRender)) focus(errorNode);
  else if (focusHeading && title) focus(title);
  await drawn;
}

/** The owner's policies and FAQ (from GET /api/business), under every step; nothing if empty. */
function aboutVisiting() {
  const policies = String((business && business.policies) || "").trim();
  const faq = Array.isArray(business && business.faq) ? business.faq : [];
  if (!policies && !faq.length) return "";
  return h(
    "div",
    { class: "about", "data-testid": "about" },
    policies
      ? h(
          "section",
          { class: "card", "aria-labelledby": "policies-title", "data-testid": "policies" },
          h("h2", { id: "policies-title" }, "Our policies"),
          h("p", { class: "pre-line", "data-testid": "policies-text" }, policies),
        )
      : null,
    faq.length
      ? h(
          "section",
          { class: "card", "aria-labelledby": "faq-title", "data-testid": "faq" },
          h("h2", { id: "faq-title" }, "Frequently asked questions"),
          faq.map((entry) =>
            h(
              "details",
              { class: "faq-entry", "data-testid": "faq-entry" },
              h("summary", { "data-testid": "faq-question" }, entry.question),
              h("p", { class: "pre-line", "data-testid": "faq-answer" }, entry.answer),
            ),
          ),
        )
      : null,
  );
}

/** "How to prepare" for these services (those with something to say); null when none has. */
function preparationCard(list) {
  const withText = list.filter((s) => s && String(s.preparation || "").trim());
  if (!withText.length) return null;
  const several = list.filter(Boolean).length > 1;
  return h(
    "section",
    { class: "card", "aria-labelledby": "preparation-title", "data-testid": "preparation" },
    h("h3", { id: "preparation-title" }, "How to prepare"),
    withText.map((service) =>
      h(
        "div",
        { class: "preparation", "data-testid": "preparation-item", "data-service-id": service.id },
        several ? h("h4", {}, service.name) : null,
        h("p", { class: "pre-line" }, service.preparation),
      ),
    ),
  );
}

function renderService(section, stored) {
  if (!services.length) {
    section.append(
      heading("Online booking is not available right now"),
      messageBox(
        "info",
        "",
        "There are no services to book online at the moment. Please call us and we will find a time for you.",
        h("p", { class: "call-us", "data-testid": "no-services-phone" }, "Call ", telLink(phone())),
      ),
    );
    return;
  }
  section.append(heading("Choose a service"));
  if (stored) section.append(errorBox(stored));
  section.append(
    h(
      "ul",
      { class: "choices two", "aria-label": "Services" },
      services.map((service) =>
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "choice",
              "aria-pressed": String(service.id === state.serviceIds[0]),
              "data-testid": "service",
              onclick: () => chooseService(service.id),
            },
            h("span", { class: "title" }, service.name),
            h(
              "span",
              { class: "meta" },
              `${formatDuration(service.duration_minutes)} · ${formatPrice(service.price_cents)}`,
            ),
            service.description ? h("span", { class: "desc" }, service.description) : null,
          ),
        ),
      ),
    ),
  );
}

async function renderProvider(section, stored, current) {
  const chosen = visitServices();
  const visit = chosen.length > 1;
  section.append(
    heading("Choose a provider"),
    h(
      "p",
      { "data-testid": "provider-intro" },
      visit
        ? `For your visit: ${servicesLabel()} (${formatDuration(visitMinutes())}, one after the other).`
        : `For ${chosen[0].name} (${formatDuration(chosen[0].duration_minutes)}).`,
    ),
  );
  if (stored) section.append(errorBox(stored));
  const status = loadingLine("Loading providers…");
  section.append(status);
  let providers;
  try {
    providers = await loadVisitProviders();
  } catch (error) {
    if (!current()) return;
    status.replaceWith(loadFailure(error, () => render({ focusHeading: true })));
    return;
  }
  if (!current()) return;
  const options = [
    {
      id: "any",
      name: "Any available provider",
      title: visit
        ? "The first free time, with whoever is free for each treatment"
        : "The first free time with anyone",
    },
    ...providers,
  ];
  status.replaceWith(
    h(
      "ul",
      { class: "choices two", "aria-label": "Providers" },
      options.map((provider) => providerOption(provider)),
    ),
    visit && !providers.length
      ? h(
          "p",
          { class: "hint-line" },
          "No one provider does all of these treatments, so each is done by a provider who offers it.",
        )
      : "",
    visitEditor(),
    preparationCard(chosen) || "",
    backButton("service", "Back to services"),
  );
}

/**
 * One provider to choose: name and title; with a profile, their photo beside and short bio under
 * the button (the bio describes the button, so its name stays short).
 */
function providerOption(provider) {
  const photo = String(provider.photo_url || "").trim();
  const bio = String(provider.bio || "").trim();
  const bioId = bio ? `provider-bio-${provider.id}` : null;
  const button = h(
    "button",
    {
      type: "button",
      class: "choice",
      "aria-pressed": String(String(provider.id) === String(state.providerId)),
      "aria-describedby": bioId,
      "data-testid": "provider",
      onclick: () => chooseProvider(provider.id),
    },
    h("span", { class: "title" }, provider.name),
    provider.title ? h("span", { class: "meta" }, provider.title) : null,
  );
  if (!photo && !bio) return h("li", { class: "provider-option" }, button);
  return h(
    "li",
    { class: `provider-option with-profile${photo ? " with-photo" : ""}` },
    photo
      ? h("img", {
          class: "provider-photo",
          src: photo,
          alt: `Photo of ${provider.name}`,
          width: "64",
          height: "64",
          loading: "lazy",
          "data-testid": "provider-photo",
        })
      : null,
    h(
      "div",
      { class: "provider-profile" },
      button,
      bio ? h("p", { class: "provider-bio", id: bioId, "data-testid": "provider-bio" }, bio) : null,
    ),
  );
}

/** The visit's services in order, each removable, and "Add another service". */
function visitEditor() {
  const chosen = visitServices();
  const others = services.filter((s) => !state.serviceIds.includes(s.id));
  const list = h(
    "ol",
    { class: "visit-list", "aria-label": "Services in your visit", "data-testid": "visit-services" },
    chosen.map((service, index) =>
      h(
        "li",
        { "data-testid": "visit-service", "data-service-id": service.id },
        h(
          "span",
          { class: "visit-name" },
          h("span", { class: "title" }, service.name),
          h(
            "span",
            { class: "meta" },
            `${formatDuration(service.duration_minutes)} · ${formatPrice(service.price_cents)}`,
          ),
        ),
        chosen.length > 1
          ? h(
              "button",
              {
                type: "button",
                class: "secondary small",
                "data-testid": "remove-service",
                "aria-label": `Remove ${service.name} from your visit`,
                onclick: () => removeService(index),
              },
              "Remove",
            )
          : null,
      ),
    ),
  );
  let adder = null;
  if (others.length && addingService) {
    adder = h(
      "div",
      { class: "visit-add", id: "add-service-list" },
      h("h4", { id: "add-service-title" }, "Add to your visit (after the others)"),
      h(
        "ul",
        { class: "choices two", "aria-labelledby": "add-service-title" },
        others.map((service) =>
          h(
            "li",
            {},
            h(
              "button",
              {
                type: "button",
                class: "choice",
                "data-testid": "add-service-option",
                onclick: () => addService(service.id),
              },
              h("span", { class: "title" }, service.name),
              h(
                "span",
                { class: "meta" },
                `${formatDuration(service.duration_minutes)} · ${formatPrice(service.price_cents)}`,
              ),
            ),
          ),
        ),
      ),
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            onclick: () => {
              addingService = false;
              render().then(() => focus(app.querySelector("[data-testid=add-service]")));
            },
          },
          "Cancel",
        ),
      ),
    );
  } else if (others.length) {
    adder = h(
      "div",
      { class: "actions" },
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          "data-testid": "add-service",
          "aria-expanded": "false",
          onclick: () => {
            addingService = true;
            render().then(() => focus(app.querySelector("#add-service-title")));
          },
        },
        "+ Add another service",
      ),
    );
  }
  return h(
    "div",
    { class: "card visit", "data-testid": "visit", tabindex: "-1" },
    h("h3", {}, "Your visit"),
    list,
    chosen.length > 1
      ? h(
          "p",
          { class: "meta", "data-testid": "visit-total" },
          `${chosen.length} services back to back: ${formatDuration(visitMinutes())} · ${formatPrice(visitPrice())}`,
        )
      : h("p", { class: "meta" }, "Want more than one treatment in the same visit? Add another service."),
    adder,
  );
}

function backButton(step, label) {
  return h(
    "div",
    { class: "actions" },
    h("button", { type: "button", class: "secondary", onclick: () => go(step) }, `← ${label}`),
  );
}

async function renderTime(section, stored, current) {
  const zone = clock.zoneName(business.now);
  section.append(
    heading("Choose a date and time"),
    h(
      "p",
      { "data-testid": "zone-note" },
      `${servicesLabel()}, ${providerLabel()}. Times are shown in our local time (${zone}).`,
    ),
  );
  if (stored) section.append(errorBox(stored));
  const status = loadingLine("Looking for free times…");
  section.append(status);
  // The two weeks shown: kept while browsing, else the ones holding the chosen date.
  const first = today();
  const last = lastDay();
  const outside = (day) => day < windowStart || day > addDays(windowStart, WINDOW_DAYS - 1);
  if (!windowStart || windowStart < first || windowStart > last || (state.date && outside(state.date))) {
    windowStart = windowFor(first, state.date && state.date >= first ? state.date : first, last);
  }
  const shownFrom = windowStart;
  let data;
  try {
    if (state.providerId !== "any") {
      const providers = await loadVisitProviders();
      if (!providers.some((p) => p.id === state.providerId)) {
        // A stale link: that provider no longer offers this service.
        state.providerId = null;
        if (current()) go("provider");
        return;
      }
    }
    data = await loadSlots(shownFrom);
  } catch (error) {
    if (!current()) return;
    status.replaceWith(loadFailure(error, () => render({ focusHeading: true })));
    return;
  }
  if (!current()) return;

  // With "any provider" several providers can be free at one time: show the time once.
  const seen = new Set();
  const slots = data.slots.filter((slot) => {
    if (state.providerId !== "any") return true;
    if (seen.has(slot.start)) return false;
    seen.add(slot.start);
    return true;
  });
  const picker = slotPicker({
    clock,
    today: first,
    lastDay: last,
    windowStart: shownFrom,
    days: data.days,
    slots,
    nextAvailable: data.nextAvailable,
    selectedDate: state.date,
    selectedStart: state.start,
    phone: phone(),
    emptyText: `No free times from here to ${dayLabels(last).long}, the furthest we book online. Please choose another provider or service, or call us and we will help.`,
    timeLabel: (slot) =>
      `${clock.timeWithZone(slot.start)}${state.providerId === "any" ? "" : ` ${whoText(slot)}`}`,
    onTime: (slot) => chooseTime(slot),
    onDate: (day) => {
      clearError();
      state.date = day;
      state.start = null;
      saveUrl();
      const count = slots.filter((slot) => clock.localDate(slot.start) === day).length;
      announce(`${count} free times on ${dayLabels(day).long}`);
    },
    onWindow: (start, day) => {
      windowStart = start;
      state.date = day;
      state.start = null;
      saveUrl();
      render().then(() => {
        const target = day
          ? app.querySelector(`[data-testid=date][data-date="${day}"]`)
          : app.querySelector("[data-testid=week-range]");
        focus(target);
      });
    },
    jumpHref: (day) => {
      const saved = state.date;
      state.date = day;
      const href = currentUrl();
      state.date = saved;
      return href;
    },
  });
  if (picker.selected !== state.date && picker.selected) {
    state.date = picker.selected;
    saveUrl();
  }
  status.replaceWith(
    picker.node,
    waitlistOffer(shownFrom, slots),
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        { type: "button", class: "secondary", onclick: () => go("provider") },
        "← Back to providers",
      ),
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => {
            slotCache.delete(`${slotKey()}|${shownFrom}`);
            render({ focusHeading: true });
          },
        },
        "Refresh times",
      ),
    ),
  );
}

/**
 * "Join the waitlist" under the picker, when the days shown have no time that suits: a day with
 * nothing free (full or closed), or no free time at all. Same services and provider; the dates
 * default to the days shown (never past the booking horizon).
 */
function waitlistOffer(shownFrom, slots) {
  const shown = windowDays(shownFrom, lastDay());
  const freeDays = new Set(slots.map((slot) => clock.localDate(slot.start)));
  if (slots.length && shown.every((day) => freeDays.has(day))) return "";
  return waitlistCard({
    business,
    clock,
    serviceIds: [...state.serviceIds],
    providerId: state.providerId,
    what: state.providerId === "any" ? `${servicesLabel()} with any provider` : `${servicesLabel()} ${providerLabel()}`,
    from: shown[0],
    to: shown[shown.length - 1],
    today: today(),
    lastDay: lastDay(),
    nothingFree: !slots.length,
    details: store.get(KEY.details, {}),
    saveDetails: (changes) => store.set(KEY.details, { ...store.get(KEY.details, {}), ...changes }),
    phone: phone(),
  });
}

function providerLabel() {
  if (state.providerId === "any") return "any available provider";
  const provider = knownProvider(state.providerId);
  return provider ? `with ${provider.name}` : "with your chosen provider";
}

/** The chosen slot of a visit, as stored when it was picked (null if it does not match). */
function storedSlot() {
  const slot = store.get(KEY.slot);
  if (!slot || slot.start !== state.start) return null;
  const parts = partsOf(slot);
  if (parts.length !== state.serviceIds.length) return null;
  const matches = parts.every(
    (part, i) =>
      part.service_id === state.serviceIds[i] &&
      (!state.partProviders[i] || part.provider_id === state.partProviders[i]),
  );
  return matches ? slot : null;
}

function rememberSlot(slot) {
  if (partsOf(slot).length > 1) store.set(KEY.slot, slot);
  else store.remove(KEY.slot);
}

/** The parts of the chosen visit: from the chosen slot, else worked out from the services. */
function chosenParts() {
  const slot = storedSlot();
  if (slot) return partsOf(slot);
  let at = new Date(state.start).getTime();
  return visitServices().map((service, i) => {
    const providerId = state.partProviders[i] || (state.providerId !== "any" ? state.providerId : null);
    const provider = providerId ? knownProvider(providerId) : null;
    const part = {
      service_id: service.id,
      service_name: service.name,
      provider_id: providerId,
      provider_name: provider ? provider.name : "the first available provider",
      start: new Date(at).toISOString(),
      end: new Date(at + service.duration_minutes * 60000).toISOString(),
    };
    at += service.duration_minutes * 60000;
    return part;
  });
}

function chosenSummary() {
  const chosen = visitServices();
  const visit = chosen.length > 1;
  const start = state.start;
  const parts = visit ? chosenParts() : null;
  const end = visit
    ? parts[parts.length - 1].end
    : new Date(new Date(start).getTime() + chosen[0].duration_minutes * 60000).toISOString();
  const change = (step, label) =>
    h("button", { type: "button", class: "link", onclick: () => go(step) }, label);
  return h(
    "div",
    { class: "card", "data-testid": "summary", tabindex: "-1" },
    h(
      "dl",
      { class: "summary" },
      h("dt", {}, visit ? "Services" : "Service"),
      h(
        "dd",
        { "data-testid": "summary-service" },
        `${servicesLabel()} · ${formatPrice(visitPrice())} `,
        change(visit ? "provider" : "service", "Change"),
      ),
      h("dt", {}, "Provider"),
      h(
        "dd",
        {},
        state.providerId === "any" ? "Any available provider " : `${providerName()} `,
        change("provider", "Change"),
      ),
      h("dt", {}, "Date"),
      h("dd", { "data-testid": "summary-date" }, clock.longDate(start)),
      h("dt", {}, "Time"),
      h("dd", { "data-testid": "summary-time" }, `${clock.range(start, end)} `, change("time", "Change")),
      visit
        ? [
            h("dt", {}, "Visit"),
            h(
              "dd",
              {},
              partsList(parts, clock, "summary"),
              h("span", { class: "hint" }, "Rooms and equipment are assigned when you book."),
            ),
          ]
        : null,
    ),
  );
}

function providerName() {
  const provider = knownProvider(state.providerId);
  return provider ? provider.name : "Your chosen provider";
}

/** A link to a time that has passed (or is now too soon): said at once, before the form. */
function staleTimeError() {
  const start = Date.parse(state.start);
  if (!Number.isFinite(start)) return null;
  const notice = Number(business.min_notice_minutes) || 0;
  const when = clock.when(state.start);
  if (start <= nowMs()) {
    return {
      kind: "http",
      code: "past_time",
      title: "That time cannot be booked",
      text: `The time in this link (${when}) has already passed. Please choose another time.`,
      action: "time",
      stale: true,
    };
  }
  if (start < nowMs() + notice * 60000) {
    return {
      kind: "http",
      code: "too_soon",
      title: "That time cannot be booked",
      text: `The time in this link (${when}) is too soon to book online: we need ${notice} minutes' notice. Please choose another time, or call us.`,
      action: "time",
      callUs: true,
      stale: true,
    };
  }
  return null;
}

/** Our form fields named by a server error (`details.fields`: "phone", "client.phone", ...). */
function fieldsOf(error) {
  const names = new Set();
  for (const key of Object.keys((error && error.fields) || {})) {
    const name = key.split(".").pop().replace(/^client_/, ""); // client.phone, client_phone
    if (["name", "phone", "email", "notes"].includes(name)) names.add(name);
  }
  return [...names];
}

const FIELD_LABELS = {
  name: "Full name",
  phone: "Mobile phone",
  email: "E-mail",
  notes: "Notes",
};

const FIELD_CHECK = {
  name: "Please check your name.",
  phone: "Please check this phone number.",
  email: "Please check this e-mail address.",
  notes: "Please shorten or simplify your notes.",
};

async function renderDetails(section, stored, current) {
  section.append(heading("Your details"));
  const stale = stored ? null : staleTimeError();
  if (stored || stale) section.append(errorBox(stored || stale));
  const needsNames =
    (state.providerId !== "any" || isVisit()) &&
    state.serviceIds.some((id) => !providersByService.has(id));
  if (needsNames) {
    try {
      await Promise.all(state.serviceIds.map((id) => loadProviders(id)));
    } catch {
      /* the summary then says "Your chosen provider"; booking still works */
    }
    if (!current()) return;
  }
  if (isVisit() && !storedSlot()) {
    // A refresh or a shared link: find the chosen slot again for each part's times.
    try {
      const day = clock.localDate(state.start);
      const { slots } = await loadSlots(windowFor(today(), day, lastDay()));
      const slot = slots.find(
        (s) =>
          s.start === state.start &&
          partsOf(s).every((part, i) => !state.partProviders[i] || part.provider_id === state.partProviders[i]),
      );
      if (slot) rememberSlot(slot);
    } catch {
      /* the summary then works the times out from the services */
    }
    if (!current()) return;
  }
  section.append(chosenSummary());
  const preparation = preparationCard(visitServices());
  if (preparation) section.append(preparation);

  const saved = store.get(KEY.details, {});
  // A refusal about one field is said next to it in the server's words; several get a hint each.
  const badFields = fieldsOf(stored);
  const invalid = (name) => badFields.includes(name);
  const fieldText = (name) =>
    badFields.length === 1 && stored.fieldMessage ? stored.fieldMessage : FIELD_CHECK[name];
  const field = (name, label, input, hint) => {
    input.id = `field-${name}`;
    input.name = name;
    input.value = saved[name] || "";
    const hintId = hint ? `hint-${name}` : null;
    const errorId = `error-${name}`;
    input.setAttribute("aria-describedby", [hintId, errorId].filter(Boolean).join(" "));
    if (invalid(name)) input.setAttribute("aria-invalid", "true");
    input.addEventListener("input", () => {
      store.set(KEY.details, { ...store.get(KEY.details, {}), [name]: input.value });
      input.removeAttribute("aria-invalid");
      document.getElementById(errorId).textContent = "";
    });
    return h(
      "div",
      { class: "field" },
      h(
        "label",
        { for: input.id },
        label,
        hint ? h("span", { class: "hint", id: hintId }, hint) : null,
      ),
      input,
      h(
        "div",
        { class: "field-error", id: errorId, "data-testid": `field-error-${name}` },
        invalid(name) ? fieldText(name) : "",
      ),
    );
  };
  const button = h(
    "button",
    { type: "submit", "data-testid": "confirm" },
    "Confirm booking",
  );
  const form = h(
    "form",
    { novalidate: true, "aria-label": "Your details", onsubmit: (event) => submitBooking(event, form) },
    field("name", "Full name", h("input", { type: "text", autocomplete: "name", required: true, maxlength: "200" })),
    field(
      "phone",
      "Mobile phone",
      h("input", { type: "tel", autocomplete: "tel", required: true, maxlength: "40" }),
      "We text your confirmation to this number.",
    ),
    field(
      "email",
      "E-mail (optional)",
      h("input", { type: "email", autocomplete: "email", maxlength: "200" }),
    ),
    field(
      "notes",
      "Notes for your provider (optional)",
      h("textarea", { maxlength: "1000", rows: "3" }),
    ),
    policyBeforeConfirm(),
    h("p", { class: "status-line", id: "submit-status", role: "status" }),
    h("div", { class: "actions" }, button),
  );
  section.append(form);
}

/** What the client agrees to by confirming: the change cutoff and the owner's policy text. */
function policyBeforeConfirm() {
  const policies = String(business.policies || "").trim();
  const hours = Number(business.change_cutoff_hours);
  const call = phone() ? [" please call us at ", telLink(phone()), "."] : [" please call us."];
  let cutoff;
  if (state.start && insideCutoff(business, state.start)) {
    cutoff = [
      `This appointment starts within ${cutoffText(business)}, so once it is booked it cannot be moved or cancelled online. To change it,`,
      ...call,
    ];
  } else if (hours === 0) {
    cutoff = ["You can move or cancel it online until it starts, with the private link you get after booking."];
  } else {
    cutoff = [
      `You can move or cancel it online up to ${cutoffText(business)} before it starts, with the private link you get after booking. After that,`,
      ...call,
    ];
  }
  return h(
    "section",
    { class: "card booking-policy", "aria-labelledby": "booking-policy-title", "data-testid": "booking-policy" },
    h("h3", { id: "booking-policy-title" }, "Cancellation policy"),
    h("p", { "data-testid": "cutoff-policy" }, ...cutoff),
    policies ? h("p", { class: "pre-line", "data-testid": "booking-policy-text" }, policies) : null,
  );
}

function validate(form) {
  const problems = [];
  const name = form.elements.name.value.trim();
  const phoneValue = form.elements.phone.value.trim();
  const email = form.elements.email.value.trim();
  if (!name) problems.push(["name", "Please enter your name."]);
  if ((phoneValue.match(/\d/g) || []).length < 7) {
    problems.push(["phone", "Please enter a phone number we can reach you on."]);
  }
  if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    problems.push(["email", "Please enter a valid e-mail address, or leave it empty."]);
  }
  for (const [fieldName, text] of problems) {
    form.elements[fieldName].setAttribute("aria-invalid", "true");
    document.getElementById(`error-${fieldName}`).textContent = text;
  }
  if (problems.length) focus(form.elements[problems[0][0]]);
  return problems.length === 0;
}

async function submitBooking(event, form) {
  event.preventDefault();
  if (submitting) return; // a double click must not send twice
  if (!validate(form)) return;
  const details = {
    name: form.elements.name.value.trim(),
    phone: form.elements.phone.value.trim(),
    email: form.elements.email.value.trim(),
    notes: form.elements.notes.value.trim(),
  };
  store.set(KEY.details, details);
  const payload = isVisit()
    ? {
        // A visit: the providers of the chosen slot's parts, so exactly that slot is booked.
        services: state.serviceIds.map((serviceId, i) => {
          const item = { service_id: serviceId };
          const providerId =
            state.partProviders[i] || (state.providerId !== "any" ? state.providerId : null);
          if (providerId) item.provider_id = providerId;
          return item;
        }),
        start: state.start,
        client: { name: details.name, phone: details.phone },
      }
    : {
        service_id: state.serviceIds[0],
        start: state.start,
        client: { name: details.name, phone: details.phone },
      };
  if (!isVisit() && state.providerId !== "any") payload.provider_id = state.providerId;
  if (details.email) payload.client.email = details.email;
  if (details.notes) payload.notes = details.notes;

  // One key per booking attempt: the same request after a refresh or a lost answer reuses it,
  // so the server replays the first result instead of booking twice.
  const fingerprint = JSON.stringify(payload);
  let attempt = store.get(KEY.attempt);
  if (!attempt || attempt.fingerprint !== fingerprint) attempt = { key: newKey(), fingerprint };
  attempt.pending = true;
  store.set(KEY.attempt, attempt);
  clearError();
  section().querySelector("[data-testid=booking-error]")?.remove();

  submitting = true;
  const button = form.querySelector("[data-testid=confirm]");
  const status = document.getElementById("submit-status");
  button.disabled = true;
  button.textContent = "Booking…";
  status.textContent = "Booking your appointment…";
  status.classList.add("loading");
  try {
    const result = await api("/api/booking/create", {
      method: "POST",
      body: payload,
      headers: { "Idempotency-Key": attempt.key },
    });
    // What the client typed, shown as typed on the confirmation (the API's answer is masked).
    store.set(KEY.result, { ...result, typed: { phone: details.phone, email: details.email } });
    store.remove(KEY.attempt);
    store.remove(KEY.slot);
    store.set(KEY.details, { ...details, notes: "" });
    slotCache.clear();
    state.step = "done";
    saveUrl({ push: true });
    submitting = false;
    render({ focusHeading: true });
    announce("Your appointment is booked.");
    return;
  } catch (error) {
    if (error instanceof ApiError && error.ambiguous) {
      attempt.pending = false;
      store.set(KEY.attempt, attempt); // outcome unknown: keep the key for the retry
    } else {
      store.remove(KEY.attempt); // definitely refused: a new attempt gets a new key
    }
    if (error instanceof ApiError && error.code === "slot_unavailable") slotCache.clear();
    setError(bookingError(error));
  }
  submitting = false;
  await render();
  const stored = store.get(KEY.error);
  const [badField] = fieldsOf(stored);
  const target = badField
    ? app.querySelector(`#field-${badField}`)
    : app.querySelector("[data-testid=booking-error]");
  if (target) focus(target);
}

function section() {
  return app.querySelector("section") || app;
}

/** The appointment's facts, with the phone and e-mail as the client typed them (kept in this tab). */
function confirmationFacts(appointment, typed) {
  const facts = appointmentFacts(appointment, clock, "done");
  const contact = typed || {};
  if (contact.phone) {
    // appointmentFacts ends with the (masked) phone: show it as typed instead.
    facts[facts.length - 1] = h("dd", { "data-testid": "done-phone" }, contact.phone);
  } else {
    facts[facts.length - 1].dataset.testid = "done-phone";
  }
  if (contact.email) {
    facts.push(h("dt", {}, "E-mail"), h("dd", { "data-testid": "done-email" }, contact.email));
  }
  return facts;
}

function renderDone(section) {
  const result = store.get(KEY.result);
  const appointment = result.appointment;
  const link = `${location.origin}/booking/${encodeURIComponent(appointment.id)}#token=${encodeURIComponent(result.manage_token)}`;
  const copyStatus = h("span", { class: "status-line", role: "status" });
  const parts = partsOf(appointment);
  // Inside the change cutoff nothing can be changed online: say so, and give the phone.
  const byPhoneOnly = appointment.status === "booked" && insideCutoff(business, appointment.start);
  section.append(
    heading("You're booked!"),
    messageBox(
      "success",
      "",
      `Thank you, ${appointment.client.name}. We look forward to seeing you.`,
    ),
    h(
      "div",
      { class: "card", "data-testid": "confirmation" },
      h("dl", { class: "summary" }, confirmationFacts(appointment, result.typed)),
    ),
    // append() would print a null as text: "" adds nothing.
    preparationCard(
      [...new Set(partsOf(appointment).map((part) => part.service_id))].map((id) =>
        services.find((s) => s.id === id),
      ),
    ) || "",
    calendarCard({ appointment, parts, token: result.manage_token, business, clock }),
    h(
      "div",
      { class: "card", "data-testid": byPhoneOnly ? "change-by-phone" : "change-online" },
      h("h3", {}, byPhoneOnly ? "Need to change it?" : "Need to cancel or change it?"),
      byPhoneOnly
        ? h(
            "p",
            { "data-testid": "change-by-phone-text" },
            `Your appointment is less than ${cutoffText(business)} away, so it cannot be moved or cancelled online. To change it, please call us${phone() ? " at " : "."}`,
            phone() ? telLink(phone()) : null,
            phone() ? "." : null,
          )
        : h(
            "p",
            {},
            "Use your private link below. Keep it to yourself: anyone with it can change this booking.",
          ),
      byPhoneOnly ? h("p", {}, "Your private link to see your appointment:") : null,
      h("a", { class: "manage-link", href: link, "data-testid": "manage-link" }, link),
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            onclick: async () => {
              try {
                await navigator.clipboard.writeText(link);
                copyStatus.textContent = "Link copied.";
              } catch {
                copyStatus.textContent = "Could not copy: please select the link and copy it.";
              }
            },
          },
          "Copy link",
        ),
        copyStatus,
      ),
      phone() && !byPhoneOnly ? h("p", {}, "Questions? Call us at ", telLink(phone()), ".") : null,
    ),
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        {
          type: "button",
          onclick: () => {
            store.remove(KEY.result);
            store.remove(KEY.slot);
            Object.assign(state, {
              serviceIds: [],
              providerId: null,
              date: null,
              start: null,
              partProviders: [],
            });
            addingService = false;
            windowStart = null;
            go("service");
          },
        },
        "Book another appointment",
      ),
    ),
  );
}

// ---------------------------------------------------------------- choices
function chooseService(id) {
  // Choosing the visit's first service again keeps the visit; another one starts a new visit.
  if (id !== state.serviceIds[0]) {
    Object.assign(state, { serviceIds: [id], providerId: null, date: null, start: null, partProviders: [] });
    windowStart = null;
  }
  addingService = false;
  clearError();
  go("provider");
}

/** The visit changed: the chosen time no longer applies; a provider who cannot do it all is dropped. */
function visitChanged(text) {
  Object.assign(state, { start: null, partProviders: [] });
  store.remove(KEY.slot);
  addingService = false;
  clearError();
  saveUrl();
  render().then(async () => {
    if (state.providerId && state.providerId !== "any") {
      const providers = await loadVisitProviders().catch(() => []);
      if (!providers.some((p) => p.id === state.providerId)) {
        state.providerId = null;
        saveUrl();
        await render();
      }
    }
    focus(app.querySelector("[data-testid=visit]"));
    announce(text);
  });
}

function addService(id) {
  if (state.serviceIds.includes(id)) return;
  state.serviceIds = [...state.serviceIds, id];
  const service = services.find((s) => s.id === id);
  visitChanged(`${service ? service.name : "The service"} added to your visit: ${servicesLabel()}.`);
}

function removeService(index) {
  const [removed] = state.serviceIds.splice(index, 1);
  const service = services.find((s) => s.id === removed);
  visitChanged(`${service ? service.name : "The service"} removed. Your visit: ${servicesLabel()}.`);
}

function chooseProvider(id) {
  if (String(id) !== String(state.providerId)) {
    state.start = null;
    state.partProviders = [];
    windowStart = null;
  }
  state.providerId = id;
  clearError();
  go("time");
}

function chooseTime(slot) {
  state.start = slot.start;
  state.date = clock.localDate(slot.start);
  state.partProviders = isVisit() ? partsOf(slot).map((part) => part.provider_id) : [];
  rememberSlot(slot);
  clearError();
  go("details");
}

function chooseAnotherTime() {
  state.start = null;
  state.partProviders = [];
  clearError();
  go("time");
}

function chooseAlternative(alternative) {
  state.start = alternative.start;
  state.date = clock.localDate(alternative.start);
  if (isVisit()) {
    state.partProviders = partsOf(alternative).map((part) => part.provider_id);
    rememberSlot(alternative);
    if (state.providerId !== "any" && !partsOf(alternative).every((p) => p.provider_id === state.providerId)) {
      state.providerId = "any";
    }
  } else if (state.providerId !== "any") {
    state.providerId = alternative.provider_id;
  }
  clearError();
  state.step = "details";
  saveUrl({ push: true });
  render().then(() => {
    focus(app.querySelector("[data-testid=summary]"));
    announce(
      `New time chosen: ${clock.when(alternative.start)} ${whoText(alternative)}. Check your details and confirm.`,
    );
  });
}

// ---------------------------------------------------------------- start-up
async function start() {
  reportHeightWhenEmbedded();
  readUrl();
  let loaded;
  try {
    loaded = await Promise.all([api("/api/business"), api("/api/services")]);
  } catch (error) {
    const box = loadFailure(error, () => {
      app.replaceChildren(loadingLine("Loading…"));
      start();
    });
    app.replaceChildren(h("h2", {}, "Book an appointment"), box);
    focus(box);
    return;
  }
  [business] = loaded;
  syncClock(business);
  services = loaded[1].services || [];
  servicesPhone = loaded[1].phone || "";
  clock = businessClock(business.timezone);
  document.getElementById("business-name").textContent = business.name;
  const headerPhone = document.getElementById("header-phone");
  headerPhone.replaceChildren(phone() ? "Call " : "", telLink(phone()) || "");

  // A refresh while the booking request was in flight: we do not know whether it went through.
  const attempt = store.get(KEY.attempt);
  if (attempt && attempt.pending) {
    attempt.pending = false;
    store.set(KEY.attempt, attempt);
    if (!store.get(KEY.error)) {
      setError({
        kind: "interrupted",
        code: "",
        title: "Your booking was interrupted",
        text:
          "The page was reloaded before we heard back, so we cannot tell yet whether your booking went through. " +
          "Press Confirm booking again — you will not be booked twice.",
      });
    }
  }
  window.addEventListener("popstate", () => {
    readUrl();
    windowStart = null;
    render({ focusHeading: true });
  });
  await render();
}

start();
