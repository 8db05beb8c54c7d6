// The front desk's booking form (provider calendar): a modal dialog opened by "New appointment"
// or by a click on an empty slot, prefilled with that provider, date and time.
//
// - The client is found by typing part of a name or phone: suggestions come from
//   GET /api/admin/clients?query=… (debounced, stale answers dropped); choosing one fills in the
//   name, phone and e-mail. A new client is simply typed in.
// - One service, or several for a visit (+ Add another service), each with a provider or "any".
// - It posts POST /api/booking/create with the admin bearer: one service as service_id and
//   provider_id, several as services: [{service_id, provider_id}]. The server applies the same
//   rules as everywhere (the admin skips the notice and the working hours: walk-ins); the form
//   checks nothing itself and shows what the server answers: the message and code, field errors
//   next to their fields, and for a taken time the nearest free times as choices.
// - A lost answer keeps the Idempotency-Key, so pressing the button again cannot book twice.

import { api, ApiError, describeError, newKey } from "./api.js";
import { alternativesList, announce, focus, h, messageBox, partsOf } from "./dom.js";
import { formatDuration, isDate } from "./time.js";

const SEARCH_DELAY_MS = 250;
const SEARCH_MIN_CHARS = 2;
const SUGGESTIONS = 8;

let dialog = null; // created on first use and kept (closed and emptied between uses)

/** "09:30" from minutes since local midnight. */
export function hhmm(minutes) {
  const h24 = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h24).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}

function ensureDialog() {
  if (dialog) return dialog;
  dialog = h(
    "dialog",
    { id: "booking-dialog", "aria-labelledby": "booking-title", "data-testid": "booking-dialog" },
    h("div", { class: "dialog-body", id: "booking-body" }),
  );
  document.body.append(dialog);
  dialog.addEventListener("close", () => {
    const state = dialog.state;
    dialog.state = null;
    // Emptied, so no second "Date" or "Provider" field lingers in the page while it is closed.
    dialog.querySelector("#booking-body").replaceChildren();
    if (state?.booked) return; // the calendar moves focus to the new booking
    const back = state?.opener && state.opener.isConnected ? state.opener : state?.fallback?.();
    if (back) focus(back);
  });
  return dialog;
}

export function bookingFormOpen() {
  return Boolean(dialog && dialog.open);
}

/**
 * Open the form. `prefill`: {date, time ("HH:MM"), providerId}. `context`: {authHeaders, clock,
 * business, onSignedOut(error) -> bool, onBooked(appointment), opener, fallback()}.
 */
export async function openBookingForm(prefill, context) {
  const box = ensureDialog();
  const body = box.querySelector("#booking-body");
  const state = {
    ...context,
    services: [],
    providers: [],
    rows: [{ serviceId: null, providerId: prefill.providerId ?? null }],
    date: prefill.date,
    time: prefill.time || "",
    client: { name: "", phone: "", email: "" },
    chosenClient: null,
    notes: "",
    attempt: null, // {key, fingerprint} kept after a lost answer
    message: null,
    fieldErrors: {},
    badPart: null,
    booked: false,
  };
  box.state = state;
  body.replaceChildren(
    header(state),
    h("p", { class: "loading", "data-testid": "booking-loading" }, "Loading services and providers…"),
  );
  if (!box.open) box.showModal();
  focus(body.querySelector("#booking-title"));
  try {
    const [serviceData, providerData] = await Promise.all([api("/api/services"), api("/api/providers")]);
    state.services = serviceData.services || [];
    state.providers = providerData.providers || [];
  } catch (error) {
    if (box.state !== state) return;
    const words = describeError(error);
    body.replaceChildren(
      header(state),
      messageBox(
        "error",
        "Could not load the services",
        words.text,
        h(
          "div",
          { class: "actions" },
          h("button", { type: "button", onclick: () => openBookingForm(prefill, context) }, "Try again"),
        ),
      ),
    );
    return;
  }
  if (box.state !== state) return;
  // The prefilled provider's first service, so the first row is bookable as it stands.
  const provider = state.providers.find((p) => p.id === state.rows[0].providerId);
  const first = state.services.find((s) => !provider || provider.service_ids.includes(s.id)) || state.services[0];
  state.rows[0].serviceId = first ? first.id : null;
  if (provider && first && !provider.service_ids.includes(first.id)) state.rows[0].providerId = null;
  draw(state, { focusOn: "#booking-title" });
}

function header(state) {
  return h(
    "div",
    { class: "dialog-head" },
    h("h2", { id: "booking-title", tabindex: "-1" }, "New appointment"),
    h(
      "button",
      { type: "button", class: "secondary", "aria-label": "Close", onclick: () => dialog.close() },
      "Close",
    ),
  );
}

function providersFor(state, serviceId) {
  return state.providers.filter((p) => (p.service_ids || []).includes(serviceId));
}

/** Read what is typed into state, so a redraw keeps it. */
function collect(state) {
  const form = dialog.querySelector("form");
  if (!form) return;
  const value = (id) => form.querySelector(`#${id}`)?.value ?? "";
  state.date = value("bk-date");
  state.time = value("bk-time");
  state.client = { name: value("bk-name"), phone: value("bk-phone"), email: value("bk-email") };
  state.notes = value("bk-notes");
  state.rows = state.rows.map((row, index) => {
    const service = form.querySelector(`#bk-service-${index}`);
    const provider = form.querySelector(`#bk-provider-${index}`);
    return {
      serviceId: service && service.value ? Number(service.value) : row.serviceId,
      providerId: provider && provider.value !== "any" ? Number(provider.value) : null,
    };
  });
}

function fieldError(state, key, id) {
  const text = state.fieldErrors[key];
  return text ? h("p", { class: "field-error", id: `${id}-error`, "data-testid": "field-error" }, text) : null;
}

function invalidAttrs(state, key, id) {
  return state.fieldErrors[key] ? { "aria-invalid": "true", "aria-describedby": `${id}-error` } : {};
}

function draw(state, { focusOn = null } = {}) {
  const body = dialog.querySelector("#booking-body");
  const status = h("p", { class: "status-line", role: "status", id: "booking-status" });
  const rows = state.rows.map((row, index) => serviceRow(state, row, index));
  const total = state.rows.reduce((sum, row) => {
    const service = state.services.find((s) => s.id === row.serviceId);
    return sum + (service ? service.duration_minutes : 0);
  }, 0);
  const submit = h("button", { type: "submit", "data-testid": "booking-submit" }, "Book appointment");
  const form = h(
    "form",
    {
      novalidate: true,
      "aria-labelledby": "booking-title",
      onsubmit: (event) => {
        event.preventDefault();
        submitBooking(state, submit, status);
      },
    },
    h(
      "fieldset",
      { class: "booking-group" },
      h("legend", {}, "When"),
      h(
        "div",
        { class: "booking-when" },
        h(
          "div",
          { class: "field" },
          h("label", { for: "bk-date" }, "Date"),
          h("input", {
            id: "bk-date",
            type: "date",
            value: state.date,
            ...invalidAttrs(state, "start", "bk-date"),
            // The zone's name (CST or CDT) follows the chosen date.
            onchange: (event) => {
              const label = dialog.querySelector("label[for=bk-time]");
              if (label) label.textContent = timeLabel(state, event.target.value);
            },
          }),
        ),
        h(
          "div",
          { class: "field" },
          h("label", { for: "bk-time" }, timeLabel(state, state.date)),
          h("input", { id: "bk-time", type: "time", step: "300", value: state.time, ...invalidAttrs(state, "start", "bk-time") }),
        ),
      ),
      fieldError(state, "start", "bk-time"),
    ),
    h(
      "fieldset",
      { class: "booking-group" },
      h("legend", {}, state.rows.length > 1 ? "Services (back to back)" : "Service"),
      state.services.length
        ? h("ol", { class: "booking-rows", "data-testid": "booking-rows" }, rows)
        : h("p", {}, "There are no active services to book."),
      fieldError(state, "services", "bk-services"),
      h(
        "div",
        { class: "actions compact" },
        h(
          "button",
          {
            type: "button",
            class: "secondary small",
            "data-testid": "booking-add-service",
            disabled: !state.services.length,
            onclick: () => {
              collect(state);
              const last = state.rows[state.rows.length - 1];
              state.rows.push({ serviceId: state.services[0]?.id ?? null, providerId: last ? last.providerId : null });
              const added = state.rows[state.rows.length - 1];
              if (added.providerId && !providersFor(state, added.serviceId).some((p) => p.id === added.providerId)) {
                added.providerId = null;
              }
              draw(state, { focusOn: `#bk-service-${state.rows.length - 1}` });
            },
          },
          "+ Add another service",
        ),
        total ? h("span", { class: "hint-line", "data-testid": "booking-total" }, `Total ${formatDuration(total)}`) : null,
      ),
    ),
    clientFields(state),
    h(
      "div",
      { class: "field" },
      h("label", { for: "bk-notes" }, "Notes (optional)"),
      (() => {
        const notes = h("textarea", { id: "bk-notes", rows: "2", ...invalidAttrs(state, "notes", "bk-notes") });
        notes.value = state.notes;
        return notes;
      })(),
      fieldError(state, "notes", "bk-notes"),
    ),
    h(
      "div",
      { class: "actions" },
      submit,
      h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, "Cancel"),
    ),
    status,
  );
  body.replaceChildren(...[header(state), state.message, form].filter(Boolean));
  const target = focusOn && body.querySelector(focusOn);
  if (target) focus(target);
}

function timeLabel(state, date) {
  return `Start time (${state.clock.zoneName(`${isDate(date) ? date : "2000-01-01"}T12:00:00Z`)})`;
}

function serviceRow(state, row, index) {
  const many = state.rows.length > 1;
  const suffix = many ? ` ${index + 1}` : "";
  const serviceSelect = h(
    "select",
    {
      id: `bk-service-${index}`,
      "data-testid": "booking-service",
      ...invalidAttrs(state, `services.${index}`, `bk-service-${index}`),
      onchange: () => {
        collect(state);
        const current = state.rows[index];
        if (current.providerId && !providersFor(state, current.serviceId).some((p) => p.id === current.providerId)) {
          current.providerId = null;
        }
        draw(state, { focusOn: `#bk-service-${index}` });
      },
    },
    state.services.map((s) =>
      h("option", { value: s.id, selected: s.id === row.serviceId }, `${s.name} (${formatDuration(s.duration_minutes)})`),
    ),
  );
  const offering = providersFor(state, row.serviceId);
  const providerSelect = h(
    "select",
    { id: `bk-provider-${index}`, "data-testid": "booking-provider" },
    h("option", { value: "any", selected: row.providerId === null }, "Any available provider"),
    offering.map((p) => h("option", { value: p.id, selected: p.id === row.providerId }, p.name)),
  );
  const bad = state.badPart === index;
  return h(
    "li",
    { class: `booking-row${bad ? " bad" : ""}`, "data-testid": "booking-row", "data-index": index },
    h(
      "div",
      { class: "field" },
      h("label", { for: `bk-service-${index}` }, `Service${suffix}`),
      serviceSelect,
      fieldError(state, `services.${index}`, `bk-service-${index}`),
    ),
    h("div", { class: "field" }, h("label", { for: `bk-provider-${index}` }, `Provider${suffix}`), providerSelect),
    many
      ? h(
          "button",
          {
            type: "button",
            class: "secondary small",
            "data-testid": "booking-remove-service",
            "aria-label": `Remove service ${index + 1}`,
            onclick: () => {
              collect(state);
              state.rows.splice(index, 1);
              state.badPart = null;
              draw(state, { focusOn: "[data-testid=booking-add-service]" });
            },
          },
          "Remove",
        )
      : null,
  );
}

// ---- the client: search (a combobox with a list of suggestions) and the details
function clientFields(state) {
  const input = h("input", {
    id: "bk-find",
    type: "search",
    role: "combobox",
    autocomplete: "off",
    spellcheck: "false",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": "bk-suggestions",
    "aria-describedby": "bk-find-hint",
    "data-testid": "client-search",
  });
  const list = h("ul", {
    id: "bk-suggestions",
    role: "listbox",
    class: "suggestions",
    "aria-label": "Matching clients",
    "data-testid": "client-suggestions",
    hidden: true,
  });
  const note = h("p", { class: "hint-line", id: "bk-find-note", role: "status", "data-testid": "client-search-status" });
  const search = { timer: null, generation: 0, found: [], active: -1 };

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    search.active = -1;
  };
  const highlight = (index) => {
    search.active = index;
    for (const [i, option] of [...list.children].entries()) option.setAttribute("aria-selected", String(i === index));
    if (index >= 0 && list.children[index]) {
      input.setAttribute("aria-activedescendant", list.children[index].id);
      list.children[index].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  };
  const choose = (found) => {
    close();
    collect(state);
    state.client = { name: found.name || "", phone: found.phone || "", email: found.email || "" };
    state.chosenClient = found;
    delete state.fieldErrors["client.name"];
    delete state.fieldErrors["client.phone"];
    delete state.fieldErrors["client.email"];
    draw(state, { focusOn: "#bk-name" });
    announce(`${found.name} chosen: their details are filled in.`);
  };
  const show = (found, query) => {
    search.found = found;
    list.replaceChildren(
      ...found.map((c, i) =>
        h(
          "li",
          {
            id: `bk-suggestion-${i}`,
            role: "option",
            "aria-selected": "false",
            class: "suggestion",
            "data-testid": "client-suggestion",
            "data-client-id": c.id,
            // mousedown, not click: the input keeps focus, and the choice happens before blur.
            onmousedown: (event) => {
              event.preventDefault();
              choose(c);
            },
          },
          h("span", { class: "suggestion-name" }, c.name),
          h("span", { class: "suggestion-meta" }, [c.phone, c.email].filter(Boolean).join(" · ")),
        ),
      ),
    );
    if (found.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      note.textContent = `${found.length} matching client${found.length === 1 ? "" : "s"}: use the arrow keys and Enter to choose.`;
    } else {
      close();
      note.textContent = `No client matches “${query}”: enter the new client's details below.`;
    }
    highlight(-1);
  };
  const lookup = async (query) => {
    const generation = ++search.generation;
    try {
      const data = await api(
        `/api/admin/clients?${new URLSearchParams({ query, limit: String(SUGGESTIONS) })}`,
        { headers: state.authHeaders() },
      );
      if (generation !== search.generation || !input.isConnected) return;
      show(data.clients || [], query);
    } catch (error) {
      if (generation !== search.generation || !input.isConnected) return;
      if (state.onSignedOut(error)) return;
      close();
      note.textContent = `Could not search the clients: ${describeError(error).text}`;
    }
  };
  input.addEventListener("input", () => {
    clearTimeout(search.timer);
    const query = input.value.trim();
    search.generation += 1; // an answer on its way is now stale
    if (query.length < SEARCH_MIN_CHARS) {
      close();
      note.textContent = "";
      return;
    }
    note.textContent = "Searching…";
    search.timer = setTimeout(() => lookup(query), SEARCH_DELAY_MS);
  });
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden && search.found.length;
    if (event.key === "ArrowDown" && open) {
      event.preventDefault();
      highlight((search.active + 1) % search.found.length);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      highlight((search.active - 1 + search.found.length) % search.found.length);
    } else if (event.key === "Enter") {
      event.preventDefault(); // never submits the form from the search box
      if (open && search.active >= 0) choose(search.found[search.active]);
    } else if (event.key === "Escape" && open) {
      event.preventDefault(); // closes the list, not the dialog
      event.stopPropagation();
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));

  const detail = (key, id, label, type, autocomplete, extra = {}) => {
    const field = h("input", {
      id,
      type,
      autocomplete,
      ...extra,
      ...invalidAttrs(state, key, id),
    });
    field.value = state.client[key.split(".")[1]] || "";
    return h("div", { class: "field" }, h("label", { for: id }, label), field, fieldError(state, key, id));
  };
  return h(
    "fieldset",
    { class: "booking-group" },
    h("legend", {}, "Client"),
    h(
      "div",
      { class: "field combo" },
      h("label", { for: "bk-find" }, "Find a client"),
      h("span", { class: "hint", id: "bk-find-hint" }, "Type part of a name or phone number, or enter a new client below."),
      input,
      list,
      note,
    ),
    state.chosenClient
      ? h(
          "p",
          { class: "hint-line", "data-testid": "chosen-client" },
          `Existing client: ${state.chosenClient.name}. Changing the phone books for whoever has that phone.`,
        )
      : null,
    h(
      "div",
      { class: "booking-client" },
      detail("client.name", "bk-name", "Client name", "text", "off", { "aria-required": "true" }),
      detail("client.phone", "bk-phone", "Phone", "tel", "off", { "aria-required": "true" }),
      detail("client.email", "bk-email", "E-mail (optional)", "email", "off"),
    ),
  );
}

// ---- submit
function requestBody(state) {
  const rows = state.rows.filter((row) => row.serviceId !== null);
  const body = {
    start: state.date && state.time ? `${state.date}T${state.time}` : `${state.date || ""}T${state.time || ""}`,
    client: { name: state.client.name.trim(), phone: state.client.phone.trim() },
  };
  if (state.client.email.trim()) body.client.email = state.client.email.trim();
  if (state.notes.trim()) body.notes = state.notes.trim();
  if (rows.length > 1) {
    body.services = rows.map((row) =>
      row.providerId ? { service_id: row.serviceId, provider_id: row.providerId } : { service_id: row.serviceId },
    );
  } else if (rows.length === 1) {
    body.service_id = rows[0].serviceId;
    if (rows[0].providerId) body.provider_id = rows[0].providerId;
  }
  return body;
}

/** The server's field names ("client.phone", "services.1.service_id", "start") on the form's. */
function mapFields(fields) {
  const mapped = {};
  for (const [name, reason] of Object.entries(fields || {})) {
    let key = name;
    const part = /^services\.(\d+)/.exec(name);
    if (part) key = `services.${part[1]}`;
    else if (name === "service_id" || name === "services" || name === "provider_id") key = "services";
    else if (name.startsWith("client.")) key = name.split(".").slice(0, 2).join(".");
    else if (name === "start") key = "start";
    mapped[key] = mapped[key] || reason;
  }
  return mapped;
}

const FIELD_FOCUS = {
  start: "#bk-time",
  "client.name": "#bk-name",
  "client.phone": "#bk-phone",
  "client.email": "#bk-email",
  notes: "#bk-notes",
  services: "#bk-service-0",
};

async function submitBooking(state, submit, status) {
  collect(state);
  const body = requestBody(state);
  const fingerprint = JSON.stringify(body);
  if (!state.attempt || state.attempt.fingerprint !== fingerprint) state.attempt = { key: newKey(), fingerprint };
  submit.disabled = true;
  status.textContent = "Booking…";
  status.classList.add("loading");
  try {
    const data = await api("/api/booking/create", {
      method: "POST",
      headers: { ...state.authHeaders(), "Idempotency-Key": state.attempt.key },
      body,
    });
    state.attempt = null;
    state.booked = true;
    dialog.close();
    state.onBooked(data.appointment);
  } catch (error) {
    if (dialog.state !== state) return;
    if (state.onSignedOut(error)) return;
    if (!(error instanceof ApiError && error.ambiguous)) state.attempt = null; // a refusal: start over
    showFailure(state, error);
  }
}

function showFailure(state, error) {
  const words = describeError(error, { write: true });
  const details = (error instanceof ApiError && error.details) || {};
  state.fieldErrors = error instanceof ApiError && error.code === "validation_error" ? mapFields(details.fields) : {};
  state.badPart = Number.isInteger(details.part) ? details.part : null;
  const extra = [];
  if (state.badPart !== null) {
    const row = state.rows[state.badPart];
    const service = row && state.services.find((s) => s.id === row.serviceId);
    extra.push(h("p", { "data-testid": "booking-error-part" }, `The problem is with service ${state.badPart + 1}${service ? ` (${service.name})` : ""}.`));
  }
  const alternatives = Array.isArray(details.alternatives) ? details.alternatives : [];
  if (alternatives.length) {
    extra.push(
      h("p", {}, "Nearest free times — choose one, then book:"),
      alternativesList(alternatives, state.clock.when, (alternative) => chooseAlternative(state, alternative)),
    );
  }
  if (error instanceof ApiError && error.code) {
    extra.push(h("p", { class: "hint-line error-code" }, "Code: ", h("code", { "data-testid": "booking-error-code" }, error.code)));
  }
  const title = error instanceof ApiError && error.code === "slot_unavailable" ? "This time is taken" : words.title;
  const box = messageBox("error", title, words.text, ...extra);
  box.dataset.testid = "booking-error";
  box.dataset.code = (error && error.code) || (error && error.kind) || "";
  state.message = box;
  const firstField = Object.keys(state.fieldErrors).map((key) => (key.startsWith("services.") ? `#bk-service-${key.split(".")[1]}` : FIELD_FOCUS[key]))[0];
  draw(state, { focusOn: alternatives.length || !firstField ? "[data-testid=booking-error]" : firstField });
}

function chooseAlternative(state, alternative) {
  collect(state);
  state.date = state.clock.localDate(alternative.start);
  state.time = hhmm(state.clock.localMinutes(alternative.start));
  const parts = partsOf(alternative);
  state.rows = state.rows.map((row, index) => ({ ...row, providerId: parts[index] ? parts[index].provider_id : row.providerId }));
  state.fieldErrors = {};
  state.badPart = null;
  const box = messageBox("info", "", `Chosen: ${state.clock.when(alternative.start)}. Press “Book appointment” to book it.`);
  box.dataset.testid = "booking-chosen";
  state.message = box;
  draw(state, { focusOn: "[data-testid=booking-submit]" });
  announce(`Chosen ${state.clock.when(alternative.start)}.`);
}
