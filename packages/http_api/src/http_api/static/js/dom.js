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
          `${when(alternative.start)} with ${alternative.provider_name}`,
        ),
      ),
    ),
  );
}

/** The <dt>/<dd> pairs describing an appointment; test ids are `${prefix}-service` etc. */
export function appointmentFacts(appointment, clock, prefix) {
  return [
    h("dt", {}, "Service"),
    h("dd", { "data-testid": `${prefix}-service` }, appointment.service_name),
    h("dt", {}, "Provider"),
    h("dd", { "data-testid": `${prefix}-provider` }, appointment.provider_name),
    h("dt", {}, "Date"),
    h("dd", { "data-testid": `${prefix}-date` }, clock.longDate(appointment.start)),
    h("dt", {}, "Time"),
    h("dd", { "data-testid": `${prefix}-time` }, clock.range(appointment.start, appointment.end)),
    h("dt", {}, "Name"),
    h("dd", {}, appointment.client.name),
    h("dt", {}, "Phone"),
    h("dd", {}, appointment.client.phone),
  ];
}
