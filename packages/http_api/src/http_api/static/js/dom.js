// Tiny DOM helpers. Text always goes in as text nodes (never innerHTML), so names and notes typed
// by clients cannot inject markup.

/** h("button", {class: "x", onclick: fn}, "text", child) */
export function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      node.className = value;
    } else if (key === "dataset") {
      Object.assign(node.dataset, value);
    } else if (key === "style" && typeof value === "object") {
      Object.assign(node.style, value);
    } else if (value === true) {
      node.setAttribute(key, "");
    } else {
      node.setAttribute(key, String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Move keyboard and screen-reader focus to a node (headings get tabindex=-1 for this). */
export function focus(node) {
  if (!node) return;
  if (!node.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(node.tagName)) {
    node.setAttribute("tabindex", "-1");
  }
  node.focus({ preventScroll: false });
}

/** Say something politely through the page's live region. */
export function announce(text) {
  const region = document.getElementById("live-status");
  if (!region) return;
  region.textContent = "";
  // A fresh text node after a tick makes screen readers repeat an identical message.
  setTimeout(() => {
    region.textContent = text;
  }, 30);
}

export function telLink(phone) {
  if (!phone) return null;
  return h("a", { href: `tel:${String(phone).replace(/[^+\d]/g, "")}` }, phone);
}

/** A visible message box. kind: error | warning | success | info. */
export function messageBox(kind, title, text, ...extra) {
  return h(
    "div",
    {
      class: `message ${kind}`,
      role: kind === "error" ? "alert" : "status",
      tabindex: "-1",
      "data-testid": `message-${kind}`,
    },
    title ? h("h3", {}, title) : null,
    text ? h("p", {}, text) : null,
    ...extra,
  );
}

/** The parts of a slot or an appointment, in visit order (one for a one-service booking). */
export function partsOf(item) {
  if (item && Array.isArray(item.parts) && item.parts.length) return item.parts;
  if (!item) return [];
  return [
    {
      service_id: item.service_id,
      service_name: item.service_name,
      provider_id: item.provider_id,
      provider_name: item.provider_name,
      start: item.start,
      end: item.end,
      resources: [],
    },
  ];
}

/** "Laser Room, GentleMax Pro" (rooms first, then devices), or "" when none. */
export function resourcesText(resources) {
  const list = Array.isArray(resources) ? [...resources] : [];
  const rank = (r) => (r.kind === "room" ? 0 : 1);
  list.sort((a, b) => rank(a) - rank(b));
  return list.map((r) => r.name).join(", ");
}

/** "with Dr. Maya Patel" or, for a visit, "Botox with Dr. Maya Patel, then HydraFacial with Ashley Chen". */
export function whoText(item) {
  const parts = partsOf(item);
  if (parts.length < 2) return `with ${item.provider_name}`;
  return parts.map((p) => `${p.service_name} with ${p.provider_name}`).join(", then ");
}

/** The nearest free times offered with a taken-slot error, one button each. */
export function alternativesList(alternatives, when, onChoose) {
  return h(
    "ul",
    { class: "alternatives", "aria-label": "Nearest free times" },
    alternatives.map((alternative) =>
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            "data-testid": "alternative",
            "data-start": alternative.start,
            onclick: () => onChoose(alternative),
          },
          partsOf(alternative).length > 1
            ? `${when(alternative.start)}: ${whoText(alternative)}`
            : `${when(alternative.start)} with ${alternative.provider_name}`,
        ),
      ),
    ),
  );
}

/** One line per part of a visit: service, provider, local time and its rooms/devices. */
export function partsList(parts, clock, prefix) {
  return h(
    "ol",
    { class: "visit-parts", "data-testid": `${prefix}-parts` },
    parts.map((part, index) => {
      const rooms = resourcesText(part.resources);
      return h(
        "li",
        { "data-testid": `${prefix}-part`, "data-part-index": index },
        h("span", { class: "part-service" }, part.service_name),
        h("span", { class: "part-meta" }, `with ${part.provider_name} · ${clock.range(part.start, part.end)}`),
        rooms
          ? h("span", { class: "part-rooms", "data-testid": `${prefix}-part-rooms` }, `Room & equipment: ${rooms}`)
          : null,
      );
    }),
  );
}

/**
 * The <dt>/<dd> pairs describing an appointment; test ids are `${prefix}-service` etc. A visit of
 * several services lists each part (service, provider, time, rooms) under "Visit".
 */
export function appointmentFacts(appointment, clock, prefix) {
  const parts = partsOf(appointment);
  const visit = parts.length > 1;
  const rooms = resourcesText(parts.flatMap((p) => p.resources || []));
  return [
    h("dt", {}, visit ? "Services" : "Service"),
    h("dd", { "data-testid": `${prefix}-service` }, parts.map((p) => p.service_name).join(" + ")),
    h("dt", {}, visit ? "Providers" : "Provider"),
    h(
      "dd",
      { "data-testid": `${prefix}-provider` },
      [...new Set(parts.map((p) => p.provider_name))].join(", "),
    ),
    h("dt", {}, "Date"),
    h("dd", { "data-testid": `${prefix}-date` }, clock.longDate(appointment.start)),
    h("dt", {}, "Time"),
    h("dd", { "data-testid": `${prefix}-time` }, clock.range(appointment.start, appointment.end)),
    visit ? [h("dt", {}, "Visit"), h("dd", {}, partsList(parts, clock, prefix))] : null,
    !visit && rooms
      ? [h("dt", {}, "Room & equipment"), h("dd", { "data-testid": `${prefix}-rooms` }, rooms)]
      : null,
    h("dt", {}, "Name"),
    h("dd", {}, appointment.client.name),
    h("dt", {}, "Phone"),
    h("dd", {}, appointment.client.phone),
  ];
}
