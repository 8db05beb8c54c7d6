// The admin "Clients" page (?page=clients): a searchable, paged list of clients and a client's
// page (?page=clients&client=ID) with contact details, private notes, the no-show and
// late-cancel counts and every visit, past and upcoming. Name, phone, e-mail and notes are edited
// with PATCH /api/admin/clients/{id}; the server's errors are shown next to their fields.

import { focus, h, messageBox } from "./dom.js";
import {
  adminClient,
  busyLine,
  errorBox,
  fieldSet,
  initialParam,
  loadFailedBox,
  markOpened,
  messageArea,
  pageSession,
  setParams,
  STATUS_LABELS,
  successBox,
  put,
} from "./admin-forms.js";

const PAGE = "clients";
const PAGE_SIZE = 25;
const SEARCH_DELAY_MS = 300;
const SOURCE_LABELS = { web: "Website", ai: "AI receptionist", admin: "Front desk" };

/** "+13125550199" → "(312) 555-0199"; other numbers as stored. */
export function phoneText(phone) {
  const match = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(phone || "");
  return match ? `(${match[1]}) ${match[2]}-${match[3]}` : phone || "";
}

export const clientsPage = {
  page: PAGE,
  label: "Clients",
  open(context) {
    const wanted = initialParam(PAGE, "client");
    const state = {
      query: initialParam(PAGE, "q") || "",
      offset: Math.max(0, Number(initialParam(PAGE, "offset")) || 0),
    };
    markOpened(PAGE);
    const page = { context, session: pageSession(PAGE), ...adminClient(context), state };
    if (wanted && /^\d+$/.test(wanted)) openClient(page, Number(wanted));
    else openList(page);
  },
};

// ---------------------------------------------------------------- the list
function openList(page, { focusSearch = false } = {}) {
  const { context, state } = page;
  setParams({ client: null, q: state.query || null, offset: state.offset || null });
  const title = h("h1", { id: "clients-title", tabindex: "-1" }, "Clients");
  const input = h("input", {
    id: "client-search",
    type: "search",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "client-search-hint",
    "data-testid": "client-search",
  });
  input.value = state.query;
  const count = h("p", { class: "status-line", id: "client-count", role: "status", "data-testid": "client-count" });
  const results = h("div", { id: "client-results", "data-testid": "client-results" });
  const pager = h("nav", { class: "actions pager", "aria-label": "Client pages" });
  let timer = null;
  let asked = 0;

  const load = async () => {
    const mine = (asked += 1);
    count.textContent = "Searching…";
    count.classList.add("loading");
    const query = new URLSearchParams({ query: state.query, limit: String(PAGE_SIZE + 1), offset: String(state.offset) });
    let data;
    try {
      data = await page.call(`/api/admin/clients?${query}`);
    } catch (error) {
      if (page.signedOut(error)) return;
      if (mine !== asked || !page.session.live()) return;
      count.textContent = "";
      count.classList.remove("loading");
      results.replaceChildren(loadFailedBox(error, "Could not load the clients", () => load()));
      pager.replaceChildren();
      return;
    }
    if (mine !== asked || !page.session.live()) return;
    count.classList.remove("loading");
    const list = data.clients || [];
    const more = list.length > PAGE_SIZE;
    const shown = list.slice(0, PAGE_SIZE);
    drawResults(page, results, shown);
    const first = state.offset + 1;
    const last = state.offset + shown.length;
    count.textContent = shown.length
      ? `Showing ${first}–${last}${state.query ? ` for “${state.query}”` : ""}.`
      : state.offset
        ? "No more clients."
        : state.query
          ? `No client matches “${state.query}”.`
          : "No clients yet: they appear here after their first booking.";
    put(pager,
      state.offset > 0
        ? h(
            "button",
            {
              type: "button",
              class: "secondary",
              "data-testid": "clients-previous",
              onclick: () => {
                state.offset = Math.max(0, state.offset - PAGE_SIZE);
                setParams({ offset: state.offset || null });
                load().then(() => focus(title));
              },
            },
            "Previous",
          )
        : null,
      more
        ? h(
            "button",
            {
              type: "button",
              class: "secondary",
              "data-testid": "clients-next",
              onclick: () => {
                state.offset += PAGE_SIZE;
                setParams({ offset: state.offset });
                load().then(() => focus(title));
              },
            },
            "Next",
          )
        : null,
    );
  };

  const search = (now) => {
    clearTimeout(timer);
    const run = () => {
      const query = input.value.trim();
      if (query === state.query && !now) return;
      state.query = query;
      state.offset = 0;
      setParams({ q: query || null, offset: null });
      load();
    };
    if (now) run();
    else timer = setTimeout(run, SEARCH_DELAY_MS);
  };
  input.addEventListener("input", () => search(false));

  const form = h(
    "form",
    {
      role: "search",
      class: "card client-search",
      "aria-label": "Find a client",
      onsubmit: (event) => {
        event.preventDefault();
        search(true);
      },
    },
    h(
      "div",
      { class: "field" },
      h(
        "label",
        { for: "client-search" },
        "Search by name, phone or e-mail",
        h("span", { class: "hint", id: "client-search-hint" }, "Any part works: “mar”, “0199”, “@gmail”."),
      ),
      h("div", { class: "search-row" }, input, h("button", { type: "submit" }, "Search")),
    ),
    count,
  );
  page.context.app.replaceChildren(
    title,
    h("p", {}, "Everyone who has booked, by the web page, the AI receptionist or the front desk."),
    form,
    results,
    pager,
  );
  focus(focusSearch ? input : title);
  load();
}

function drawResults(page, results, clients) {
  if (!clients.length) {
    results.replaceChildren();
    return;
  }
  results.replaceChildren(
    h(
      "ul",
      { class: "resource-list client-list", "data-testid": "client-list" },
      clients.map((c) =>
        h(
          "li",
          { class: "resource-row client-row", "data-testid": "client-row", "data-client-id": c.id },
          h(
            "div",
            { class: "resource-main" },
            h(
              "a",
              {
                class: "resource-name client-link",
                href: `?page=${PAGE}&client=${c.id}`,
                "data-testid": "client-link",
                onclick: (event) => {
                  if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                  event.preventDefault();
                  openClient(page, c.id);
                },
              },
              c.name,
            ),
            h(
              "span",
              { class: "client-contact" },
              h("span", { "data-testid": "client-phone" }, phoneText(c.phone)),
              c.email ? h("span", { "data-testid": "client-email" }, c.email) : null,
            ),
          ),
        ),
      ),
    ),
  );
}

// ---------------------------------------------------------------- one client
async function openClient(page, clientId) {
  const { context } = page;
  setParams({ client: clientId });
  const back = backButton(page);
  const title = h("h1", { id: "client-title", tabindex: "-1" }, "Client");
  context.app.replaceChildren(back, title, h("p", { class: "loading" }, "Loading the client…"));
  focus(title);
  let record;
  try {
    record = await page.call(`/api/admin/clients/${encodeURIComponent(clientId)}`);
  } catch (error) {
    if (page.signedOut(error)) return;
    if (!page.session.live()) return;
    const box =
      error && error.status === 404
        ? messageBox("error", "Client not found", "There is no client with that number. Search for them instead.")
        : loadFailedBox(error, "Could not load the client", () => openClient(page, clientId));
    context.app.replaceChildren(back, title, box);
    focus(box);
    return;
  }
  if (!page.session.live()) return;
  drawClient(page, record);
}

function backButton(page) {
  return h(
    "button",
    {
      type: "button",
      class: "link back-link",
      "data-testid": "back-to-clients",
      onclick: () => openList(page, { focusSearch: true }),
    },
    "← All clients",
  );
}

function drawClient(page, record) {
  const { context } = page;
  const clock = context.clock;
  const title = h("h1", { id: "client-title", tabindex: "-1", "data-testid": "client-name" }, record.name);
  const summary = h("section", { class: "card", "aria-labelledby": "client-summary-title", "data-testid": "client-summary" });
  const drawSummary = (r) => {
    title.textContent = r.name;
    summary.replaceChildren(
      h("h2", { id: "client-summary-title" }, "Contact"),
      h(
        "dl",
        { class: "summary" },
        h("dt", {}, "Phone"),
        h("dd", { "data-testid": "summary-phone" }, h("a", { href: `tel:${r.phone}` }, phoneText(r.phone))),
        h("dt", {}, "E-mail"),
        h(
          "dd",
          { "data-testid": "summary-email" },
          r.email ? h("a", { href: `mailto:${r.email}` }, r.email) : h("span", { class: "meta" }, "None"),
        ),
        h("dt", {}, "No-shows"),
        h("dd", {}, countPill(r.no_show_count, "no-show-count")),
        h("dt", {}, "Late cancellations"),
        h(
          "dd",
          {},
          countPill(r.late_cancel_count, "late-cancel-count"),
          h("span", { class: "hint" }, `Cancelled by anyone less than ${context.business.change_cutoff_hours} hours before.`),
        ),
      ),
    );
  };
  drawSummary(record);
  const onSaved = (updated) => {
    record = updated;
    drawSummary(updated);
  };
  const layout = h(
    "div",
    { class: "client-layout" },
    h("div", { class: "client-side" }, summary, notesCard(page, record, onSaved), contactCard(page, record, onSaved)),
    h("div", { class: "client-visits" }, ...visitCards(record.appointments || [], clock)),
  );
  context.app.replaceChildren(backButton(page), title, layout);
  focus(title);
}

function countPill(count, testid) {
  return h("span", { class: `pill ${count ? "count-warn" : "count-none"}`, "data-testid": testid }, String(count));
}

function notesCard(page, record, onSaved) {
  const fields = fieldSet("client-notes");
  const notes = h("textarea", { rows: "5", maxlength: "4000" });
  notes.value = record.notes || "";
  const messages = messageArea();
  const busy = busyLine();
  const form = h(
    "form",
    {
      class: "card",
      novalidate: true,
      "aria-labelledby": "client-notes-title",
      "data-testid": "client-notes-form",
      onsubmit: async (event) => {
        event.preventDefault();
        await save(page, record.id, { notes: notes.value }, { form, fields, messages, busy }, (updated) => {
          notes.value = updated.notes || "";
          onSaved(updated);
          return updated.notes ? "Notes saved." : "Notes cleared.";
        });
      },
    },
    h("h2", { id: "client-notes-title" }, "Private notes"),
    messages.node,
    fields.add("notes", {
      label: "Notes",
      hint: "Allergies, preferences… Only the front desk sees them; never the client or the AI receptionist.",
      control: notes,
    }),
    h("div", { class: "actions" }, h("button", { type: "submit", "data-testid": "save-notes" }, "Save notes")),
    busy.node,
  );
  return form;
}

function contactCard(page, record, onSaved) {
  const fields = fieldSet("client-edit");
  const name = h("input", { type: "text", autocomplete: "off", required: true });
  const phone = h("input", { type: "tel", autocomplete: "off", required: true });
  const email = h("input", { type: "email", autocomplete: "off" });
  const fill = (r) => {
    name.value = r.name;
    phone.value = phoneText(r.phone);
    email.value = r.email || "";
  };
  fill(record);
  const messages = messageArea();
  const busy = busyLine();
  const form = h(
    "form",
    {
      class: "card",
      novalidate: true,
      "aria-labelledby": "client-edit-title",
      "data-testid": "client-edit-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const body = { name: name.value, phone: phone.value, email: email.value };
        await save(page, record.id, body, { form, fields, messages, busy }, (updated) => {
          fill(updated);
          onSaved(updated);
          return "Contact details saved.";
        });
      },
    },
    h("h2", { id: "client-edit-title" }, "Edit contact details"),
    messages.node,
    fields.add("name", { label: "Name", control: name }),
    fields.add("phone", {
      label: "Phone",
      hint: "A new number keeps the client's past appointments with them.",
      control: phone,
    }),
    fields.add("email", { label: "E-mail", hint: "Leave empty to remove it.", control: email }),
    h("div", { class: "actions" }, h("button", { type: "submit", "data-testid": "save-contact" }, "Save details")),
    busy.node,
  );
  return form;
}

async function save(page, clientId, body, { form, fields, messages, busy }, done) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  busy.start("Saving…");
  messages.say(null);
  fields.clear();
  try {
    const updated = await page.call(`/api/admin/clients/${encodeURIComponent(clientId)}`, { method: "PATCH", body });
    if (!page.session.live()) return;
    messages.say(successBox(done(updated)), { focusIt: false });
  } catch (error) {
    if (page.signedOut(error)) return;
    if (!page.session.live()) return;
    if (!fields.show(error, { codes: { phone_in_use: "phone" } })) {
      messages.say(errorBox(error, "Could not save"));
    }
  } finally {
    button.disabled = false;
    busy.stop();
  }
}

// ---------------------------------------------------------------- visits
function visitCards(appointments, clock) {
  const now = Date.now();
  const upcoming = appointments
    .filter((a) => (a.status === "booked" || a.status === "arrived") && new Date(a.end).getTime() > now)
    .sort((a, b) => new Date(a.start) - new Date(b.start));
  const rest = appointments.filter((a) => !upcoming.includes(a));
  return [
    h(
      "section",
      { class: "card", "aria-labelledby": "upcoming-title", "data-testid": "upcoming-visits" },
      h("h2", { id: "upcoming-title" }, `Upcoming visits (${upcoming.length})`),
      upcoming.length ? visitList(upcoming, clock) : h("p", {}, "No upcoming visit."),
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "past-title", "data-testid": "past-visits" },
      h("h2", { id: "past-title" }, `Past and cancelled visits (${rest.length})`),
      rest.length ? visitList(rest, clock) : h("p", {}, "None yet."),
    ),
  ];
}

function visitList(appointments, clock) {
  return h(
    "ul",
    { class: "resource-list visit-history" },
    appointments.map((a) => {
      const parts = Array.isArray(a.parts) && a.parts.length ? a.parts : [a];
      const providers = [...new Set(parts.map((p) => p.provider_name))].join(", ");
      return h(
        "li",
        {
          class: `resource-row visit-row status-${a.status}`,
          "data-testid": "client-visit",
          "data-appointment-id": a.id,
          "data-status": a.status,
        },
        h(
          "div",
          { class: "resource-main" },
          h("span", { class: "visit-when" }, `${clock.shortDate(a.start)} · ${clock.range(a.start, a.end)}`),
          h("span", { class: "visit-what" }, `${parts.map((p) => p.service_name).join(" + ")} with ${providers}`),
          a.notes ? h("span", { class: "meta visit-note" }, `Note: ${a.notes}`) : null,
        ),
        h(
          "div",
          { class: "visit-side" },
          h("span", { class: `pill ${a.status}`, "data-testid": "visit-status" }, STATUS_LABELS[a.status] || a.status),
          h("span", { class: "meta" }, SOURCE_LABELS[a.source] || a.source),
          h(
            "a",
            { href: `/admin?date=${clock.localDate(a.start)}&view=day`, "aria-label": `Calendar for ${clock.shortDate(a.start)}` },
            "Calendar",
          ),
        ),
      );
    }),
  );
}
