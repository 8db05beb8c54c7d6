// The "Providers" tab of the admin Settings page: the providers, and for the chosen one their
// profile (name, title, active, photo, bio), the services they offer with their own lengths,
// their weekly hours (several intervals a day; the gaps are breaks) and their time off.
// Each card saves on its own, so unsaved edits in one card survive a save in another.

import { ApiError } from "./api.js";
import { focus, h, messageBox } from "./dom.js";
import { formatDuration } from "./time.js";
import {
  busyLine,
  editParam,
  errorBox,
  fieldSet,
  loadFailedBox,
  messageArea,
  overlappingList,
  pageSession,
  setParams,
  successBox,
  typedInteger,
  WEEKDAYS,
  put,
} from "./admin-forms.js";

export async function providersTab(page, body, { focusHeading = false, focusEditor = false, say = null } = {}) {
  body.replaceChildren(h("p", { class: "loading" }, "Loading the providers…"));
  let providers;
  let services;
  try {
    const [providerData, serviceData] = await Promise.all([
      page.call("/api/admin/providers"),
      page.call("/api/admin/services"),
    ]);
    providers = providerData.providers || [];
    services = serviceData.services || [];
  } catch (error) {
    if (page.signedOut(error)) return;
    if (!page.session.live()) return;
    body.replaceChildren(loadFailedBox(error, "Could not load the providers", () => providersTab(page, body)));
    return;
  }
  if (!page.session.live()) return;
  const chosen = page.selected.provider;
  let provider = providers.find((p) => p.id === chosen) || null;
  if (chosen !== "new" && !provider) page.selected.provider = null;
  setParams({ edit: editParam("provider", page.selected.provider) });

  const choose = (id) => {
    page.selected.provider = id;
    page.session = pageSession("settings");
    providersTab(page, body, { focusEditor: true });
  };
  const tab = { page, body, providers, services, choose };
  const messages = messageArea();
  const listCard = h("section", { class: "card", "aria-labelledby": "providers-title", "data-testid": "providers-card" });
  const heading = h("h2", { id: "providers-title", tabindex: "-1" }, "Providers");
  tab.drawList = () => {
    listCard.replaceChildren(
      heading,
      messages.node,
      tab.providers.length
        ? h(
            "ul",
            { class: "resource-list", "data-testid": "provider-list" },
            tab.providers.map((p) => providerRow(p, page.selected.provider === p.id, () => choose(p.id))),
          )
        : h("p", {}, "No providers yet."),
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          {
            type: "button",
            "data-testid": "add-provider",
            "aria-pressed": String(page.selected.provider === "new"),
            onclick: () => choose("new"),
          },
          "Add a provider",
        ),
      ),
    );
  };
  tab.drawList();
  const parts = [listCard];
  if (page.selected.provider === "new") {
    parts.push(newProviderCard(tab));
  } else if (provider) {
    const editorTitle = h("h2", { id: "provider-editor-title", tabindex: "-1", "data-testid": "provider-editor-title" }, provider.name);
    tab.rename = (name) => {
      editorTitle.textContent = name;
    };
    parts.push(
      h(
        "section",
        { class: "provider-editor", "aria-labelledby": "provider-editor-title", "data-testid": "provider-editor" },
        editorTitle,
        h(
          "div",
          { class: "editor-grid" },
          profileCard(tab, provider, say && say.profileError, say && say.profileDraft),
          offeringsCard(tab, provider),
          hoursCard(tab, provider),
          timeOffCard(tab, provider),
        ),
      ),
    );
  }
  body.replaceChildren(...parts);
  if (say && say.box) messages.say(say.box, { focusIt: false });
  const editorHeading = body.querySelector("#provider-editor-title, #new-provider-title");
  if (say && say.profileError) {
    // focus stays on the field that the error names (the profile card did it)
  } else if (focusEditor && editorHeading) focus(editorHeading);
  else if (focusHeading) focus(heading);
}

function providerRow(p, selected, onEdit) {
  return h(
    "li",
    {
      class: `resource-row settings-row${p.active ? "" : " inactive"}${selected ? " selected" : ""}`,
      "data-testid": "provider-row",
      "data-provider-id": p.id,
    },
    h(
      "div",
      { class: "resource-main" },
      h("span", { class: "resource-name", "data-testid": "provider-name" }, p.name),
      " ",
      h("span", { class: `pill ${p.active ? "booked" : "cancelled"}` }, p.active ? "Active" : "Inactive"),
      h(
        "span",
        { class: "row-meta" },
        [p.title, `${p.service_ids.length} service${p.service_ids.length === 1 ? "" : "s"}`].filter(Boolean).join(" · "),
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
          "data-testid": "edit-provider",
          "aria-label": `Edit ${p.name}`,
          "aria-pressed": String(selected),
          onclick: onEdit,
        },
        "Edit",
      ),
    ),
  );
}

// ---------------------------------------------------------------- profile
function profileControls(fields, provider) {
  const name = h("input", { type: "text", autocomplete: "off", required: true, maxlength: "120" });
  const title = h("input", { type: "text", autocomplete: "off", maxlength: "120" });
  const active = h("input", { type: "checkbox" });
  const photo = h("input", { type: "url", autocomplete: "off", inputmode: "url" });
  const bio = h("textarea", { rows: "3", maxlength: "500" });
  name.value = provider ? provider.name : "";
  title.value = provider ? provider.title : "";
  active.checked = provider ? provider.active : true;
  photo.value = provider ? provider.photo_url || "" : "";
  bio.value = provider ? provider.bio || "" : "";
  const nodes = [
    fields.add("name", { label: "Name", control: name }),
    fields.add("title", { label: "Title", hint: "For example “Licensed Esthetician”.", control: title }),
    fields.add("active", { label: "Active: can be booked", control: active }),
    fields.add("photo_url", { label: "Photo (web address)", hint: "An https:// image address; empty for none.", control: photo }),
    fields.add("bio", { label: "Short bio", hint: "At most 500 characters; shown to clients.", control: bio }),
  ];
  return { nodes, name, title, active, photo, bio };
}

function newProviderCard(tab) {
  const { page } = tab;
  const fields = fieldSet("new-provider");
  const controls = profileControls(fields, null);
  const messages = messageArea();
  const busy = busyLine();
  const form = h(
    "form",
    {
      novalidate: true,
      "data-testid": "provider-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const button = form.querySelector("button[type=submit]");
        button.disabled = true;
        busy.start("Adding…");
        messages.say(null);
        fields.clear();
        let created;
        try {
          created = (
            await page.call("/api/admin/providers", {
              method: "POST",
              body: { name: controls.name.value, title: controls.title.value, active: controls.active.checked },
            })
          ).provider;
        } catch (error) {
          if (page.signedOut(error)) return;
          button.disabled = false;
          busy.stop();
          if (!fields.show(error)) messages.say(errorBox(error, "Could not add the provider"));
          return;
        }
        // The photo and bio are set by a PATCH of the new provider.
        let profileError = null;
        if (controls.photo.value.trim() || controls.bio.value.trim()) {
          try {
            await page.call(`/api/admin/providers/${encodeURIComponent(created.id)}`, {
              method: "PATCH",
              body: { photo_url: controls.photo.value, bio: controls.bio.value },
            });
          } catch (error) {
            if (page.signedOut(error)) return;
            profileError = error;
          }
        }
        page.selected.provider = created.id;
        page.session = pageSession("settings");
        await providersTab(page, tab.body, {
          focusEditor: !profileError,
          say: {
            box: profileError
              ? messageBox("warning", `Added ${created.name}`, "The photo or bio was not saved: see the profile below.")
              : successBox(`Added ${created.name}. Next, choose their services and weekly hours.`),
            profileError,
            profileDraft: profileError ? { photo_url: controls.photo.value, bio: controls.bio.value } : null,
          },
        });
      },
    },
    messages.node,
    h("div", { class: "form-grid" }, controls.nodes),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", "data-testid": "save-provider" }, "Add provider"),
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => tab.choose(null),
        },
        "Cancel",
      ),
    ),
    busy.node,
  );
  return h(
    "section",
    { class: "card settings-editor", "aria-labelledby": "new-provider-title", "data-testid": "new-provider" },
    h("h2", { id: "new-provider-title", tabindex: "-1" }, "New provider"),
    form,
  );
}

function profileCard(tab, provider, pendingError, draft) {
  const { page } = tab;
  const fields = fieldSet("provider");
  const controls = profileControls(fields, provider);
  if (draft) {
    // What was typed for the new provider and refused: kept so it can be corrected.
    controls.photo.value = draft.photo_url;
    controls.bio.value = draft.bio;
  }
  const messages = messageArea();
  const busy = busyLine();
  const photo = h("img", { class: "provider-photo", alt: "", hidden: true, onerror: (e) => (e.target.hidden = true), onload: (e) => (e.target.hidden = false) });
  const showPhoto = (url) => {
    photo.hidden = true;
    if (url && /^https?:\/\//i.test(url)) photo.src = url;
    else photo.removeAttribute("src");
  };
  showPhoto(provider.photo_url);
  const form = h(
    "form",
    {
      novalidate: true,
      "data-testid": "profile-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const button = form.querySelector("button[type=submit]");
        button.disabled = true;
        busy.start("Saving…");
        messages.say(null);
        fields.clear();
        try {
          const saved = (
            await page.call(`/api/admin/providers/${encodeURIComponent(provider.id)}`, {
              method: "PATCH",
              body: {
                name: controls.name.value,
                title: controls.title.value,
                active: controls.active.checked,
                photo_url: controls.photo.value,
                bio: controls.bio.value,
              },
            })
          ).provider;
          if (!page.session.live()) return;
          Object.assign(provider, saved);
          tab.providers = tab.providers.map((p) => (p.id === saved.id ? saved : p));
          tab.drawList();
          tab.rename(saved.name);
          controls.name.value = saved.name;
          controls.title.value = saved.title;
          controls.active.checked = saved.active;
          controls.photo.value = saved.photo_url || "";
          controls.bio.value = saved.bio || "";
          showPhoto(saved.photo_url);
          messages.say(successBox(`Saved ${saved.name}'s profile.`), { focusIt: false });
        } catch (error) {
          if (page.signedOut(error)) return;
          if (!fields.show(error, { codes: { provider_has_future_bookings: "active" } })) {
            messages.say(errorBox(error, "Could not save the profile"));
          }
        } finally {
          button.disabled = false;
          busy.stop();
        }
      },
    },
    messages.node,
    photo,
    controls.nodes,
    h("div", { class: "actions" }, h("button", { type: "submit", "data-testid": "save-profile" }, "Save profile")),
    busy.node,
  );
  if (pendingError) queueMicrotask(() => fields.show(pendingError) || messages.say(errorBox(pendingError, "Could not save the photo or bio")));
  return h(
    "section",
    { class: "card", "aria-labelledby": "profile-title", "data-testid": "profile-card" },
    h("h3", { id: "profile-title" }, "Profile"),
    form,
  );
}

// ---------------------------------------------------------------- services offered
function offeringsCard(tab, provider) {
  const { page, services } = tab;
  const card = h(
    "section",
    { class: "card", "aria-labelledby": "offerings-title", "data-testid": "offerings-card" },
    h("h3", { id: "offerings-title" }, "Services offered"),
    h("p", { class: "loading" }, "Loading…"),
  );
  (async () => {
    // Each provider may have their own length of a service. Servers without a way to read them
    // answer 404/405 here: the page then says so instead of guessing.
    let own = new Map();
    let known = true;
    try {
      const data = await page.call(`/api/admin/providers/${encodeURIComponent(provider.id)}/services`);
      own = new Map((data.services || []).map((o) => [o.service_id, o.duration_minutes]));
    } catch (error) {
      if (page.signedOut(error)) return;
      if (!(error instanceof ApiError && (error.status === 404 || error.status === 405))) {
        if (!page.session.live()) return;
        card.replaceChildren(card.firstChild, loadFailedBox(error, "Could not load the services offered", () => card.replaceWith(offeringsCard(tab, provider))));
        return;
      }
      known = false;
    }
    if (!page.session.live()) return;
    drawOfferings(tab, provider, card, own, known);
  })();
  return card;
}

function drawOfferings(tab, provider, card, own, known) {
  const { page, services } = tab;
  const fields = fieldSet(`offer-${provider.id}`);
  const messages = messageArea();
  const busy = busyLine();
  const offered = new Set(provider.service_ids);
  const rows = services.map((s) => {
    const check = h("input", { type: "checkbox", id: `offers-${s.id}`, "data-service-id": s.id });
    check.checked = offered.has(s.id);
    const length = h("input", {
      type: "number",
      inputmode: "numeric",
      id: `own-length-${s.id}`,
      "data-testid": "own-length",
    });
    const mine = own.get(s.id);
    length.value = mine ? String(mine) : "";
    const lengthWrap = h(
      "div",
      { class: "offer-length" },
      h("label", { for: `own-length-${s.id}`, class: "visually-hidden" }, `${s.name}: own length in minutes (blank for the service's ${s.duration_minutes})`),
      length,
      h("span", { class: "offer-unit", "aria-hidden": "true" }, "min"),
    );
    const wrap = h(
      "li",
      { class: "offer-row", "data-testid": "offer-row", "data-service-id": s.id },
      h(
        "label",
        { class: "check", for: `offers-${s.id}` },
        check,
        h(
          "span",
          {},
          s.name,
          h("span", { class: "row-meta" }, `${formatDuration(s.duration_minutes)}${s.active ? "" : " · inactive"}`),
        ),
      ),
      lengthWrap,
    );
    fields.addArea(`length-${s.id}`, wrap, [length]);
    return { service: s, check, length, wrap };
  });
  const list = h("ul", { class: "offer-list" }, rows.map((r) => r.wrap));
  fields.addArea("services", h("div", {}, list), rows.map((r) => r.check));
  const form = h(
    "form",
    {
      novalidate: true,
      "data-testid": "offerings-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const sent = rows
          .filter((r) => r.check.checked)
          .map((r) => {
            const minutes = typedInteger(r.length.value);
            return minutes === undefined ? { service_id: r.service.id } : { service_id: r.service.id, duration_minutes: minutes };
          });
        const button = form.querySelector("button[type=submit]");
        button.disabled = true;
        busy.start("Saving…");
        messages.say(null);
        fields.clear();
        try {
          const data = await page.call(`/api/admin/providers/${encodeURIComponent(provider.id)}/services`, {
            method: "PUT",
            body: { services: sent },
          });
          if (!page.session.live()) return;
          const saved = data.services || [];
          provider.service_ids = saved.map((o) => o.service_id);
          tab.providers = tab.providers.map((p) => (p.id === provider.id ? { ...p, service_ids: provider.service_ids } : p));
          tab.drawList();
          drawOfferings(tab, provider, card, new Map(saved.map((o) => [o.service_id, o.duration_minutes])), true);
          card.querySelector(".message-area").replaceChildren(
            successBox(`Saved: ${provider.name} offers ${saved.length} service${saved.length === 1 ? "" : "s"}.`),
          );
        } catch (error) {
          if (page.signedOut(error)) return;
          button.disabled = false;
          busy.stop();
          const withLength = sent.filter((o) => o.duration_minutes !== undefined);
          const resolve = (key) => {
            const indexed = /^services\.(\d+)\./.exec(key);
            if (indexed && sent[Number(indexed[1])]) return `length-${sent[Number(indexed[1])].service_id}`;
            if (key === "duration_minutes" && withLength.length === 1) return `length-${withLength[0].service_id}`;
            return key.startsWith("services") || key === "duration_minutes" ? "services" : null;
          };
          if (!fields.show(error, { resolve })) messages.say(errorBox(error, "Could not save the services"));
        }
      },
    },
    messages.node,
    known
      ? null
      : messageBox(
          "warning",
          "",
          "Their own lengths cannot be read back from the server, so they show blank: saving sets the lengths shown here.",
        ),
    h(
      "p",
      { class: "hint-line" },
      "Tick what they offer. A length of their own (in minutes) replaces the service's for their bookings; leave it blank to use the service's.",
    ),
    h(
      "fieldset",
      { class: "plain-fieldset" },
      h("legend", { class: "visually-hidden" }, `Services ${provider.name} offers`),
      h("div", { class: "offer-head", "aria-hidden": "true" }, h("span", {}, "Service"), h("span", {}, "Own length")),
      fields.fields.get("services").wrap,
    ),
    h("div", { class: "actions" }, h("button", { type: "submit", "data-testid": "save-offerings" }, "Save services")),
    busy.node,
  );
  card.replaceChildren(card.firstChild, form);
}

// ---------------------------------------------------------------- weekly hours
function hoursCard(tab, provider) {
  const { page } = tab;
  const card = h(
    "section",
    { class: "card hours-card", "aria-labelledby": "hours-title", "data-testid": "hours-card" },
    h("h3", { id: "hours-title" }, "Weekly hours"),
    h("p", { class: "loading" }, "Loading…"),
  );
  (async () => {
    let hours;
    try {
      hours = (await page.call(`/api/admin/providers/${encodeURIComponent(provider.id)}/hours`)).hours || [];
    } catch (error) {
      if (page.signedOut(error)) return;
      if (!page.session.live()) return;
      card.replaceChildren(card.firstChild, loadFailedBox(error, "Could not load the hours", () => card.replaceWith(hoursCard(tab, provider))));
      return;
    }
    if (!page.session.live()) return;
    drawHours(tab, provider, card, daysOf(hours));
  })();
  return card;
}

function daysOf(hours) {
  const days = WEEKDAYS.map(() => []);
  for (const interval of hours) {
    if (days[interval.weekday]) days[interval.weekday].push({ start: interval.start, end: interval.end });
  }
  for (const day of days) day.sort((a, b) => a.start.localeCompare(b.start));
  return days;
}

/** The request index of the first interval that starts inside an earlier one of its day, or -1
 * (only to show the server's "overlapping intervals" on that row). */
function overlapAt(sent) {
  const order = sent.map((interval, n) => ({ ...interval, n })).sort((a, b) => a.weekday - b.weekday || a.start.localeCompare(b.start));
  for (let k = 1; k < order.length; k += 1) {
    if (order[k].weekday === order[k - 1].weekday && order[k].start < order[k - 1].end) return order[k].n;
  }
  return -1;
}

/** "13:00" → "1:00 PM" (display only). */
function wallText(hhmm) {
  const match = /^(\d{2}):(\d{2})/.exec(hhmm || "");
  if (!match) return hhmm || "?";
  const hour = Number(match[1]);
  return `${hour % 12 || 12}:${match[2]} ${hour < 12 ? "AM" : "PM"}`;
}

function drawHours(tab, provider, card, days, { focusOn = null, say = null } = {}) {
  const { page } = tab;
  const fields = fieldSet(`hours-${provider.id}`);
  const messages = messageArea();
  const busy = busyLine();
  const redraw = (options) => drawHours(tab, provider, card, days, options);
  let index = 0; // the interval's position in the request, for the server's "hours.N" errors
  const dayGroups = days.map((intervals, weekday) => {
    const dayName = WEEKDAYS[weekday];
    const items = [];
    const breaks = [];
    const showBreaks = () => {
      breaks.forEach((node, k) => {
        const before = intervals[k];
        const after = intervals[k + 1];
        node.textContent =
          before.end && after.start && before.end < after.start
            ? `Break ${wallText(before.end)} – ${wallText(after.start)}`
            : "Then";
      });
    };
    intervals.forEach((interval, i) => {
      if (i > 0) {
        const node = h("li", { class: "hours-break", "data-testid": "hours-break" });
        breaks.push(node);
        items.push(node);
      }
      const n = index;
      index += 1;
      const start = h("input", { type: "time", id: `hours-${weekday}-${i}-start`, "data-testid": "hours-start" });
      const end = h("input", { type: "time", id: `hours-${weekday}-${i}-end`, "data-testid": "hours-end" });
      start.value = interval.start;
      end.value = interval.end;
      start.addEventListener("input", () => {
        interval.start = start.value;
        showBreaks();
      });
      end.addEventListener("input", () => {
        interval.end = end.value;
        showBreaks();
      });
      const row = h(
        "li",
        { class: "hours-interval", "data-testid": "hours-interval", "data-weekday": weekday },
        h("label", { for: start.id, class: "visually-hidden" }, `${dayName}, hours ${i + 1}, from`),
        start,
        h("span", { "aria-hidden": "true" }, "–"),
        h("label", { for: end.id, class: "visually-hidden" }, `${dayName}, hours ${i + 1}, until`),
        end,
        h(
          "button",
          {
            type: "button",
            class: "secondary small remove-hours",
            "data-testid": "remove-hours",
            onclick: () => {
              intervals.splice(i, 1);
              redraw({ focusOn: `[data-testid=hours-day][data-weekday="${weekday}"] [data-testid=add-hours]` });
            },
          },
          // "Remove" on a wide screen, "✕" on a phone; screen readers hear which hours.
          h("span", { class: "remove-icon", "aria-hidden": "true" }, "✕"),
          h("span", { class: "remove-word" }, "Remove"),
          h("span", { class: "visually-hidden" }, ` ${dayName} hours ${i + 1}`),
        ),
      );
      fields.addArea(`hours.${n}`, row, [start, end]);
      items.push(row);
    });
    showBreaks();
    return h(
      "div",
      { class: "hours-day", role: "group", "aria-labelledby": `hours-day-${weekday}`, "data-testid": "hours-day", "data-weekday": weekday },
      h("span", { class: "hours-day-name", id: `hours-day-${weekday}` }, dayName),
      h(
        "div",
        { class: "hours-day-body" },
        intervals.length ? h("ul", { class: "hours-intervals" }, items) : h("p", { class: "hours-closed" }, "Not working"),
        h(
          "button",
          {
            type: "button",
            class: "secondary small",
            "data-testid": "add-hours",
            "aria-label": intervals.length ? `Add hours after a break on ${dayName}` : `Add hours on ${dayName}`,
            onclick: () => {
              intervals.push(intervals.length ? { start: "", end: "" } : { start: "09:00", end: "17:00" });
              redraw({ focusOn: `#hours-${weekday}-${intervals.length - 1}-start` });
            },
          },
          intervals.length ? "Add hours after a break" : "Add hours",
        ),
      ),
    );
  });
  const form = h(
    "form",
    {
      novalidate: true,
      "data-testid": "hours-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const sent = days.flatMap((intervals, weekday) => intervals.map((i) => ({ weekday, start: i.start, end: i.end })));
        const button = form.querySelector("button[type=submit]");
        button.disabled = true;
        busy.start("Saving…");
        messages.say(null);
        fields.clear();
        try {
          const data = await page.call(`/api/admin/providers/${encodeURIComponent(provider.id)}/hours`, {
            method: "PUT",
            body: { hours: sent },
          });
          if (!page.session.live()) return;
          days = daysOf(data.hours || []);
          drawHours(tab, provider, card, days, { say: successBox(`Saved ${provider.name}'s weekly hours.`) });
        } catch (error) {
          if (page.signedOut(error)) return;
          button.disabled = false;
          busy.stop();
          // booking_core names a refused interval by weekday and start (and an overlap by
          // nothing): put its words on the row they are about when it can be told.
          const resolve = (key) => {
            if (/^hours\.\d+/.test(key)) return fields.resolve(key);
            const reason = String(((error.details || {}).fields || {})[key] || "");
            const match = /invalid interval (\d+) (\d{2}:\d{2})/.exec(reason);
            if (match) {
              const found = sent.findIndex((s) => s.weekday === Number(match[1]) && s.start === match[2]);
              if (found >= 0) return `hours.${found}`;
            }
            if (reason === "overlapping intervals") {
              const found = overlapAt(sent);
              if (found >= 0) return `hours.${found}`;
            }
            return "hours";
          };
          if (!fields.show(error, { resolve })) messages.say(errorBox(error, "Could not save the hours"));
        }
      },
    },
    messages.node,
    h("p", { class: "hint-line" }, `Local time (${page.context.business.timezone}). Two or more intervals on a day leave a break between them.`),
    fields.addArea("hours", h("div", { class: "hours-grid" }, dayGroups), [], { atStart: true }),
    h("div", { class: "actions" }, h("button", { type: "submit", "data-testid": "save-hours" }, "Save hours")),
    busy.node,
  );
  card.replaceChildren(card.firstChild, form);
  if (say) messages.say(say, { focusIt: false });
  const target = focusOn && card.querySelector(focusOn);
  if (target) focus(target);
}

// ---------------------------------------------------------------- time off
function timeOffCard(tab, provider) {
  const { page } = tab;
  const clock = page.context.clock;
  const messages = messageArea();
  const listArea = h("div", {}, h("p", { class: "loading" }, "Loading…"));
  let entries = [];

  const reload = async (box) => {
    try {
      entries = (await page.call(`/api/admin/providers/${encodeURIComponent(provider.id)}/time-off`)).time_off || [];
    } catch (error) {
      if (page.signedOut(error)) return;
      if (!page.session.live()) return;
      listArea.replaceChildren(loadFailedBox(error, "Could not load the time off", () => reload()));
      return;
    }
    if (!page.session.live()) return;
    drawList();
    if (box) messages.say(box);
  };

  const when = (e) =>
    clock.localDate(e.start) === clock.localDate(e.end)
      ? `${clock.shortDate(e.start)}, ${clock.range(e.start, e.end)}`
      : `${clock.when(e.start)} → ${clock.when(e.end)}`;

  const drawList = () => {
    const now = Date.now();
    const sorted = [...entries].sort((a, b) => new Date(a.start) - new Date(b.start));
    const ahead = sorted.filter((e) => new Date(e.end).getTime() > now);
    const past = sorted.filter((e) => new Date(e.end).getTime() <= now);
    const row = (e) =>
      h(
        "li",
        { class: "resource-row settings-row", "data-testid": "provider-time-off", "data-time-off-id": e.id },
        h(
          "div",
          { class: "resource-main" },
          h("span", {}, when(e)),
          e.reason ? h("span", { class: "row-meta" }, e.reason) : null,
        ),
        h(
          "div",
          { class: "actions compact" },
          h(
            "button",
            {
              type: "button",
              class: "secondary",
              "data-testid": "delete-provider-time-off",
              "aria-label": `Delete time off ${when(e)}`,
              onclick: async (event) => {
                const button = event.currentTarget;
                button.disabled = true;
                try {
                  await page.call(`/api/admin/time-off/${encodeURIComponent(e.id)}`, { method: "DELETE" });
                } catch (error) {
                  if (page.signedOut(error)) return;
                  button.disabled = false;
                  messages.say(errorBox(error, "Could not delete the time off"));
                  return;
                }
                await reload(successBox("Time off deleted."));
              },
            },
            "Delete",
          ),
        ),
      );
    put(listArea,
      ahead.length
        ? h("ul", { class: "resource-list", "data-testid": "provider-time-off-list" }, ahead.map(row))
        : h("p", {}, "No time off ahead."),
      past.length
        ? h("details", {}, h("summary", {}, `Past time off (${past.length})`), h("ul", { class: "resource-list" }, past.map(row)))
        : null,
    );
  };

  const fields = fieldSet(`time-off-${provider.id}`);
  const start = h("input", { type: "datetime-local", required: true });
  const end = h("input", { type: "datetime-local", required: true });
  const reason = h("input", { type: "text", maxlength: "200", autocomplete: "off" });
  const busy = busyLine();
  const form = h(
    "form",
    {
      class: "resource-add",
      novalidate: true,
      "data-testid": "provider-time-off-form",
      "aria-labelledby": "add-provider-time-off-title",
      onsubmit: async (event) => {
        event.preventDefault();
        const button = form.querySelector("button[type=submit]");
        button.disabled = true;
        busy.start("Saving…");
        messages.say(null);
        fields.clear();
        let data;
        try {
          // Local wall times without an offset: the server reads them in the business zone.
          data = await page.call(`/api/admin/providers/${encodeURIComponent(provider.id)}/time-off`, {
            method: "POST",
            body: { start: start.value, end: end.value, reason: reason.value },
          });
        } catch (error) {
          if (page.signedOut(error)) return;
          button.disabled = false;
          busy.stop();
          if (!fields.show(error)) messages.say(errorBox(error, "Could not add the time off"));
          return;
        }
        button.disabled = false;
        busy.stop();
        start.value = "";
        end.value = "";
        reason.value = "";
        const overlapping = data.overlapping_appointments || [];
        await reload(
          overlapping.length
            ? messageBox(
                "warning",
                `Time off added, but ${overlapping.length} booking${overlapping.length === 1 ? " is" : "s are"} inside it`,
                "They stay booked: move or cancel them in the calendar.",
                overlappingList(overlapping, clock),
              )
            : successBox(`Time off added for ${provider.name}.`),
        );
      },
    },
    h("h4", { id: "add-provider-time-off-title" }, "Add time off"),
    h(
      "div",
      { class: "form-row" },
      fields.add("start", { label: "From", control: start }),
      fields.add("end", { label: "Until", control: end }),
    ),
    fields.add("reason", { label: "Reason (optional)", control: reason }),
    h("p", { class: "hint-line" }, `Local time (${page.context.business.timezone}).`),
    h("div", { class: "actions" }, h("button", { type: "submit", "data-testid": "add-provider-time-off" }, "Add time off")),
    busy.node,
  );
  reload();
  return h(
    "section",
    { class: "card", "aria-labelledby": "provider-time-off-title", "data-testid": "provider-time-off-card" },
    h("h3", { id: "provider-time-off-title" }, "Time off"),
    messages.node,
    listArea,
    form,
  );
}
