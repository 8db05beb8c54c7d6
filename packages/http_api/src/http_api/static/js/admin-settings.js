// The admin "Settings" page (?page=settings): services, providers (see admin-providers.js) and
// business closures, edited without the API. Each section is a tab (?section=services|providers|
// closures); the chosen service or provider is in the URL too (&edit=service-3, &edit=provider-2), so a
// refresh shows the same form. Every form is sent as typed: the server validates it and the page
// shows its answer next to the field it names.

import { formatDuration, formatPrice } from "./time.js";
import { focus, h, messageBox } from "./dom.js";
import {
  adminClient,
  busyLine,
  centsText,
  editParam,
  errorBox,
  fieldSet,
  initialParam,
  loadFailedBox,
  longDay,
  overlappingList,
  markOpened,
  messageArea,
  pageSession,
  setParams,
  successBox,
  typedCents,
  typedInteger,
  put,
} from "./admin-forms.js";
import { providersTab } from "./admin-providers.js";

const PAGE = "settings";
const TABS = [
  { id: "services", label: "Services" },
  { id: "providers", label: "Providers" },
  { id: "closures", label: "Closures" },
];

export const settingsPage = {
  page: PAGE,
  label: "Settings",
  open(context) {
    const tab = initialParam(PAGE, "section");
    const edit = /^(new-)?(service|provider)(?:-(\d+))?$/.exec(initialParam(PAGE, "edit") || "");
    const selected = { service: null, provider: null };
    if (edit && edit[1] && !edit[3]) selected[edit[2]] = "new";
    else if (edit && !edit[1] && edit[3]) selected[edit[2]] = Number(edit[3]);
    markOpened(PAGE);
    const page = {
      context,
      session: pageSession(PAGE),
      ...adminClient(context),
      tab: TABS.some((t) => t.id === tab) ? tab : "services",
      selected,
    };
    drawShell(page);
  },
};

function drawShell(page) {
  const title = h("h1", { id: "settings-title", tabindex: "-1" }, "Settings");
  const body = h("div", { id: "settings-body", "data-testid": "settings-body" });
  const nav = h(
    "nav",
    { class: "segmented settings-tabs", "aria-label": "Settings sections" },
    TABS.map((t) =>
      h(
        "button",
        {
          type: "button",
          "data-tab": t.id,
          "aria-pressed": String(page.tab === t.id),
          onclick: () => {
            if (page.tab === t.id) return;
            page.tab = t.id;
            for (const button of nav.querySelectorAll("button")) {
              button.setAttribute("aria-pressed", String(button.dataset.tab === t.id));
            }
            openTab(page, body, { focusHeading: true });
          },
        },
        t.label,
      ),
    ),
  );
  page.context.app.replaceChildren(
    title,
    h(
      "p",
      {},
      "What clients can book and when: services, providers and their hours, and the days the spa is closed. " +
        "Changes apply to new bookings at once; existing bookings keep their time.",
    ),
    nav,
    body,
  );
  focus(title);
  openTab(page, body);
}

function openTab(page, body, { focusHeading = false } = {}) {
  const kind = { services: "service", providers: "provider" }[page.tab];
  setParams({ section: page.tab, edit: kind ? editParam(kind, page.selected[kind]) : null });
  const session = pageSession(PAGE); // a newer tab drawing supersedes an older one's answers
  page.session = session;
  const open = { services: servicesTab, providers: providersTab, closures: closuresTab }[page.tab];
  open(page, body, { focusHeading });
}

// ---------------------------------------------------------------- services
async function servicesTab(page, body, { focusHeading = false, focusEditor = false, say = null } = {}) {
  const heading = h("h2", { id: "services-title", tabindex: "-1" }, "Services");
  body.replaceChildren(h("p", { class: "loading" }, "Loading the services…"));
  let services;
  let resources;
  try {
    const [serviceData, resourceData] = await Promise.all([
      page.call("/api/admin/services"),
      page.call("/api/admin/resources"),
    ]);
    services = serviceData.services || [];
    resources = resourceData.resources || [];
  } catch (error) {
    if (page.signedOut(error)) return;
    if (!page.session.live()) return;
    body.replaceChildren(loadFailedBox(error, "Could not load the services", () => servicesTab(page, body)));
    return;
  }
  if (!page.session.live()) return;
  const chosen = page.selected.service;
  const service = services.find((s) => s.id === chosen) || null;
  if (chosen !== "new" && !service) page.selected.service = null;
  setParams({ edit: editParam("service", page.selected.service) });

  const choose = (id) => {
    page.selected.service = id;
    page.session = pageSession(PAGE); // a later choice wins over an earlier one still loading
    servicesTab(page, body, { focusEditor: true });
  };
  const messages = messageArea();
  const list = h(
    "section",
    { class: "card", "aria-labelledby": "services-title", "data-testid": "services-card" },
    heading,
    messages.node,
    services.length
      ? h(
          "ul",
          { class: "resource-list", "data-testid": "service-list" },
          services.map((s) => serviceRow(s, page.selected.service === s.id, () => choose(s.id))),
        )
      : h("p", {}, "No services yet."),
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        {
          type: "button",
          "data-testid": "add-service",
          "aria-pressed": String(page.selected.service === "new"),
          onclick: () => choose("new"),
        },
        "Add a service",
      ),
    ),
  );
  const parts = [list];
  if (page.selected.service === "new" || service) {
    parts.push(await serviceEditor(page, body, service, resources));
    if (!page.session.live()) return;
  }
  body.replaceChildren(...parts);
  if (say) messages.say(say.box, { focusIt: false });
  const editorHeading = body.querySelector("#service-editor-title");
  if (focusEditor && editorHeading) focus(editorHeading);
  else if (focusHeading) focus(heading);
  if (say && say.focus) focus(body.querySelector(say.focus) || heading);
}

function serviceRow(s, selected, onEdit) {
  const length = `${formatDuration(s.duration_minutes)}${s.buffer_minutes ? ` + ${s.buffer_minutes} min buffer` : ""}`;
  return h(
    "li",
    {
      class: `resource-row settings-row${s.active ? "" : " inactive"}${selected ? " selected" : ""}`,
      "data-testid": "service-row",
      "data-service-id": s.id,
    },
    h(
      "div",
      { class: "resource-main" },
      h("span", { class: "resource-name", "data-testid": "service-name" }, s.name),
      " ",
      h("span", { class: `pill ${s.active ? "booked" : "cancelled"}` }, s.active ? "Active" : "Inactive"),
      h("span", { class: "row-meta" }, `${length} · ${formatPrice(s.price_cents)}`),
    ),
    h(
      "div",
      { class: "actions compact" },
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          "data-testid": "edit-service",
          "aria-label": `Edit ${s.name}`,
          "aria-pressed": String(selected),
          onclick: onEdit,
        },
        "Edit",
      ),
    ),
  );
}

async function serviceEditor(page, body, service, resources) {
  const creating = !service;
  const fields = fieldSet("service");
  const name = h("input", { type: "text", autocomplete: "off", required: true, maxlength: "120" });
  const description = h("textarea", { rows: "3" });
  const duration = h("input", { type: "number", inputmode: "numeric", required: true });
  const buffer = h("input", { type: "number", inputmode: "numeric" });
  const price = h("input", { type: "text", inputmode: "decimal", autocomplete: "off" });
  const active = h("input", { type: "checkbox" });
  const preparation = h("textarea", { rows: "3", maxlength: "1000" });
  name.value = service ? service.name : "";
  description.value = service ? service.description : "";
  duration.value = service ? String(service.duration_minutes) : "";
  buffer.value = service ? String(service.buffer_minutes) : "0";
  price.value = service ? centsText(service.price_cents) : "";
  active.checked = service ? service.active : true;
  preparation.value = service ? service.preparation : "";

  const messages = messageArea();
  const busy = busyLine();
  const title = creating ? "New service" : `Edit ${service.name}`;
  const form = h(
    "form",
    {
      novalidate: true,
      "data-testid": "service-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const values = {
          name: name.value,
          description: description.value,
          duration_minutes: typedInteger(duration.value),
          buffer_minutes: typedInteger(buffer.value) ?? 0,
          price_cents: typedCents(price.value),
          active: active.checked,
          preparation: preparation.value,
        };
        if (values.duration_minutes === undefined) {
          if (creating) delete values.duration_minutes; // the server says it is required
          else values.duration_minutes = "";
        }
        const button = form.querySelector("button[type=submit]");
        button.disabled = true;
        busy.start("Saving…");
        messages.say(null);
        fields.clear();
        try {
          const data = creating
            ? await page.call("/api/admin/services", { method: "POST", body: values })
            : await page.call(`/api/admin/services/${encodeURIComponent(service.id)}`, { method: "PATCH", body: values });
          if (!page.session.live()) return;
          const saved = data.service;
          page.selected.service = saved.id;
          await servicesTab(page, body, {
            say: {
              box: successBox(
                creating
                  ? `Added ${saved.name}. Next, choose who offers it on the Providers tab.`
                  : `Saved ${saved.name}.`,
              ),
              focus: "[data-testid=services-card] .message",
            },
          });
        } catch (error) {
          if (page.signedOut(error)) return;
          if (!page.session.live()) return;
          button.disabled = false;
          busy.stop();
          if (!fields.show(error)) messages.say(errorBox(error, creating ? "Could not add the service" : "Could not save"));
        }
      },
    },
    messages.node,
    h(
      "div",
      { class: "form-grid" },
      fields.add("name", { label: "Name", control: name, wrapClass: "span-2" }),
      fields.add("duration_minutes", { label: "Length (minutes)", control: duration }),
      fields.add("buffer_minutes", {
        label: "Buffer after (minutes)",
        hint: "Kept free after each booking for cleaning and notes.",
        control: buffer,
      }),
      fields.add("price_cents", { label: "Price (USD)", hint: "For example 125 or 99.50; 0 is free.", control: price }),
      fields.add("active", {
        label: "Active: clients and the AI receptionist can book it",
        control: active,
      }),
      fields.add("description", { label: "Description", control: description, wrapClass: "span-2" }),
      fields.add("preparation", {
        label: "How to prepare",
        hint: "Shown on the booking page and told to callers. Leave empty when there is nothing to prepare.",
        control: preparation,
        wrapClass: "span-2",
      }),
    ),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", "data-testid": "save-service" }, creating ? "Add service" : "Save service"),
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => {
            page.selected.service = null;
            servicesTab(page, body, { focusHeading: true });
          },
        },
        "Close",
      ),
    ),
    busy.node,
  );
  const parts = [h("h2", { id: "service-editor-title", tabindex: "-1" }, title), form];
  if (!creating) parts.push(await requirementsPart(page, service, resources));
  return h("section", { class: "card settings-editor", "aria-labelledby": "service-editor-title", "data-testid": "service-editor" }, parts);
}

/** The rooms and devices a service needs, with a way to the page that edits them. */
async function requirementsPart(page, service, resources) {
  let content;
  try {
    const data = await page.call(`/api/admin/services/${encodeURIComponent(service.id)}/resources`);
    const byId = new Map(resources.map((r) => [r.id, r]));
    const groups = (data.groups || []).filter((g) => g.length);
    content = groups.length
      ? h(
          "ul",
          { class: "requirement-list", "data-testid": "service-requirements" },
          groups.map((group) =>
            h(
              "li",
              {},
              group
                .map((id) => (byId.get(id) ? byId.get(id).name : `#${id}`))
                .join(" or "),
            ),
          ),
        )
      : h("p", { "data-testid": "service-requirements" }, "No room or device: only the provider is booked.");
  } catch (error) {
    if (page.signedOut(error)) return h("div");
    content = errorBox(error, "Could not load the rooms and devices it needs");
  }
  return h(
    "div",
    { class: "requirements-part" },
    h("h3", {}, "Rooms & devices it needs"),
    h("p", { class: "hint-line" }, "A booking takes one free room or device of each line."),
    content,
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          "data-testid": "open-resources",
          onclick: () => page.context.showPage("resources"),
        },
        "Change them on Rooms & devices",
      ),
    ),
  );
}

// ---------------------------------------------------------------- closures
async function closuresTab(page, body, { focusHeading = false } = {}) {
  const heading = h("h2", { id: "closures-title", tabindex: "-1" }, "Closed days");
  body.replaceChildren(h("p", { class: "loading" }, "Loading the closed days…"));
  let closures;
  try {
    closures = (await page.call("/api/admin/closures")).closures || [];
  } catch (error) {
    if (page.signedOut(error)) return;
    if (!page.session.live()) return;
    body.replaceChildren(loadFailedBox(error, "Could not load the closed days", () => closuresTab(page, body)));
    return;
  }
  if (!page.session.live()) return;
  const messages = messageArea();
  const listArea = h("div", {});
  const clock = page.context.clock;
  const today = String(page.context.business.now).slice(0, 10);

  const reload = async (box) => {
    try {
      closures = (await page.call("/api/admin/closures")).closures || [];
    } catch (error) {
      if (page.signedOut(error)) return;
      messages.say(errorBox(error, "Could not reload the closed days"));
      return;
    }
    if (!page.session.live()) return;
    drawList();
    if (box) messages.say(box);
  };

  const drawList = () => {
    const sorted = [...closures].sort((a, b) => a.date.localeCompare(b.date));
    const upcoming = sorted.filter((c) => c.date >= today);
    const past = sorted.filter((c) => c.date < today);
    const row = (c) =>
      h(
        "li",
        { class: `resource-row settings-row${c.date < today ? " inactive" : ""}`, "data-testid": "closure-row", "data-date": c.date },
        h(
          "div",
          { class: "resource-main" },
          h("span", { class: "resource-name" }, longDay(c.date)),
          c.reason ? h("span", { class: "row-meta" }, c.reason) : null,
        ),
        h(
          "div",
          { class: "actions compact" },
          h(
            "button",
            {
              type: "button",
              class: "secondary",
              "data-testid": "delete-closure",
              "aria-label": `Reopen ${longDay(c.date)}`,
              onclick: async (event) => {
                event.currentTarget.disabled = true;
                try {
                  await page.call(`/api/admin/closures/${encodeURIComponent(c.date)}`, { method: "DELETE" });
                } catch (error) {
                  if (page.signedOut(error)) return;
                  messages.say(errorBox(error, "Could not reopen that day"));
                  event.target.disabled = false;
                  return;
                }
                await reload(successBox(`${longDay(c.date)} is open again.`));
              },
            },
            "Reopen",
          ),
        ),
      );
    put(listArea,
      upcoming.length
        ? h("ul", { class: "resource-list", "data-testid": "closure-list" }, upcoming.map(row))
        : h("p", { "data-testid": "no-closures" }, "No closed days ahead."),
      past.length
        ? h(
            "details",
            { class: "past-closures" },
            h("summary", {}, `Past closed days (${past.length})`),
            h("ul", { class: "resource-list" }, past.map(row)),
          )
        : null,
    );
  };
  drawList();

  const fields = fieldSet("closure");
  const date = h("input", { type: "date", required: true });
  const reason = h("input", { type: "text", maxlength: "200", autocomplete: "off" });
  const busy = busyLine();
  const form = h(
    "form",
    {
      class: "resource-add",
      novalidate: true,
      "data-testid": "add-closure",
      "aria-labelledby": "add-closure-title",
      onsubmit: async (event) => {
        event.preventDefault();
        const button = form.querySelector("button[type=submit]");
        button.disabled = true;
        busy.start("Saving…");
        fields.clear();
        messages.say(null);
        let data;
        try {
          data = await page.call("/api/admin/closures", { method: "POST", body: { date: date.value, reason: reason.value } });
        } catch (error) {
          if (page.signedOut(error)) return;
          button.disabled = false;
          busy.stop();
          if (!fields.show(error)) messages.say(errorBox(error, "Could not close that day"));
          return;
        }
        button.disabled = false;
        busy.stop();
        date.value = "";
        reason.value = "";
        const overlapping = data.overlapping_appointments || [];
        const day = longDay(data.closure.date);
        await reload(
          overlapping.length
            ? messageBox(
                "warning",
                `${day} is closed, but ${overlapping.length} booking${overlapping.length === 1 ? " is" : "s are"} still on it`,
                "They stay booked: move or cancel them in the calendar.",
                overlappingList(overlapping, clock),
              )
            : successBox(`${day} is closed: no new bookings can be made for it.`),
        );
      },
    },
    h("h3", { id: "add-closure-title" }, "Close a day"),
    h(
      "div",
      { class: "toolbar form-row" },
      fields.add("date", { label: "Date", control: date }),
      fields.add("reason", { label: "Reason (optional)", hint: "Shown to clients and callers.", control: reason, wrapClass: "grow" }),
      h("button", { type: "submit", "data-testid": "add-closure-submit" }, "Close this day"),
    ),
    busy.node,
  );
  body.replaceChildren(
    h(
      "section",
      { class: "card", "aria-labelledby": "closures-title", "data-testid": "closures-card" },
      heading,
      h("p", { class: "hint-line" }, "On a closed day nobody can book, whatever the providers' hours say."),
      messages.node,
      listArea,
      form,
    ),
  );
  if (focusHeading) focus(heading);
}
