// Shared pieces of the admin "Clients" and "Settings" pages: the admin API call with the bearer
// token, a page guard (an answer that arrives after the desk moved to another page draws
// nothing), the URL of these pages, and forms whose errors are shown next to their fields.
//
// The pages check nothing themselves: every form is sent as typed and the server's answer
// (`details.fields`, or an error code tied to a field such as 409 phone_in_use) decides what is
// shown next to which field.

import { api, ApiError, describeError } from "./api.js";
import { announce, focus, h, messageBox } from "./dom.js";

// The query string the page was opened with. admin.js rewrites the URL to its own parameters
// before it calls open(), so a refresh of "?page=clients&client=7" would otherwise forget the
// client. Captured when this module is first evaluated (before admin.js starts).
const initialQuery = new URLSearchParams(location.search);
const consumed = new Set();

/** The first-open value of a query parameter of `page` (once; later opens start fresh). */
export function initialParam(page, name) {
  if (consumed.has(page) || initialQuery.get("page") !== page) return null;
  return initialQuery.get(name);
}

export function markOpened(page) {
  consumed.add(page);
}

export function currentPage() {
  return new URLSearchParams(location.search).get("page") || "calendar";
}

/** Keep admin.js's parameters (date, view…) and set ours: null removes one. */
export function setParams(changes) {
  const query = new URLSearchParams(location.search);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === "") query.delete(name);
    else query.set(name, String(value));
  }
  history.replaceState(null, "", `${location.pathname}?${query}`);
}

/** A guard for one opening of a page: `live()` is false once the desk went elsewhere. */
export function pageSession(page) {
  const token = {};
  pageSession.current[page] = token;
  return {
    live: () => pageSession.current[page] === token && currentPage() === page,
  };
}
pageSession.current = {};

/** `adminApi(path, options)` with the admin token; `signedOut(error)` handles a 401. */
export function adminClient(context) {
  const call = (path, options = {}) =>
    api(path, { ...options, headers: { ...context.authHeaders(), ...(options.headers || {}) } });
  const signedOut = (error) => {
    if (error instanceof ApiError && error.status === 401) {
      context.signOut({ title: "Signed out", text: "The admin token is no longer accepted. Please sign in again." });
      return true;
    }
    return false;
  };
  return { call, signedOut };
}

/** replaceChildren without the nulls (replaceChildren(null) would write "null"). */
export function put(node, ...children) {
  node.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
}

export function successBox(text) {
  const box = messageBox("success", "", text);
  announce(text);
  return box;
}

export function errorBox(error, title, ...extra) {
  const words = describeError(error, { write: true });
  const box = messageBox("error", title || words.title, words.text, ...extra);
  box.dataset.code = (error && (error.code || error.kind)) || "";
  return box;
}

/** A "could not load" box with a Try again button. */
export function loadFailedBox(error, title, retry) {
  const words = describeError(error);
  const box = messageBox(
    "error",
    title,
    words.text,
    h("div", { class: "actions" }, h("button", { type: "button", onclick: retry }, "Try again")),
  );
  box.dataset.code = (error && (error.code || error.kind)) || "";
  return box;
}

const REASON_WORDS = {
  required: "This is required.",
  "too long": "This is too long.",
  "in use": "Already in use.",
  "before start": "Must be after the start.",
  "not valid text": "Must be plain text on one line.",
  "overlapping intervals": "Intervals of one day must not overlap.",
};

/** A field reason from `details.fields` ("between 5 and 480") as a short sentence. */
export function reasonText(reason) {
  const text = String(reason || "").trim();
  if (REASON_WORDS[text]) return REASON_WORDS[text];
  if (!text) return "Not valid.";
  let sentence = /^(between|at most|at least|an? |one of)\b/.test(text) ? `Must be ${text}` : text;
  sentence = sentence.charAt(0).toUpperCase() + sentence.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/**
 * A form's fields and their error lines. `add(name, {label, hint, control, wide})` returns the
 * `.field` wrapper; `show(error, {resolve, codes})` puts the server's words next to the fields it
 * names and returns true when at least one field took an error; `clear()` removes them.
 * resolve(key) maps a `details.fields` key ("hours.2.start") to a field name (default: the key
 * itself, its first segment or its last segment); codes maps an error code to a field name.
 */
export function fieldSet(prefix) {
  const fields = new Map();
  const form = {
    fields,
    add(name, { label, hint = null, control, wrapClass = "" }) {
      const id = control.id || `${prefix}-${name.replace(/[^a-z0-9]+/gi, "-")}`;
      control.id = id;
      if (!control.name) control.name = name;
      const hintNode = hint ? h("span", { class: "hint", id: `${id}-hint` }, hint) : null;
      const errorNode = h("p", { class: "field-error", id: `${id}-error`, "data-testid": `error-${name}`, hidden: true });
      control.setAttribute("aria-describedby", [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(" "));
      const isCheck = control.type === "checkbox";
      const wrap = isCheck
        ? h(
            "div",
            { class: `field check-field ${wrapClass}`.trim(), "data-field": name },
            h("label", { for: id }, control, h("span", {}, label)),
            hintNode,
            errorNode,
          )
        : h(
            "div",
            { class: `field ${wrapClass}`.trim(), "data-field": name },
            h("label", { for: id }, label),
            hintNode,
            control,
            errorNode,
          );
      fields.set(name, { control, errorNode, wrap });
      return wrap;
    },
    /** A field error without a control of its own (a list or a grid of inputs). */
    addArea(name, node, controls = [], { atStart = false } = {}) {
      const id = `${prefix}-${name.replace(/[^a-z0-9]+/gi, "-")}-error`;
      const errorNode = h("p", { class: "field-error", id, "data-testid": `error-${name}`, hidden: true });
      if (atStart) node.prepend(errorNode);
      else node.append(errorNode);
      for (const control of controls) {
        const described = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        control.setAttribute("aria-describedby", [...described, id].join(" "));
      }
      fields.set(name, { control: controls[0] || null, controls, errorNode, wrap: node });
      return node;
    },
    clear() {
      for (const entry of fields.values()) {
        entry.errorNode.hidden = true;
        entry.errorNode.textContent = "";
        for (const control of entry.controls || [entry.control]) if (control) control.removeAttribute("aria-invalid");
      }
    },
    set(name, text) {
      const entry = fields.get(name);
      if (!entry) return false;
      entry.errorNode.textContent = text;
      entry.errorNode.hidden = false;
      for (const control of entry.controls || [entry.control]) if (control) control.setAttribute("aria-invalid", "true");
      return true;
    },
    resolve(key) {
      if (fields.has(key)) return key;
      const segments = key.split(".");
      for (let n = segments.length - 1; n > 0; n -= 1) {
        const head = segments.slice(0, n).join(".");
        if (fields.has(head)) return head;
      }
      const last = segments[segments.length - 1];
      return fields.has(last) ? last : null;
    },
    /** Show an API error next to its fields; the first one takes focus. True if any did. */
    show(error, { resolve = null, codes = {} } = {}) {
      form.clear();
      if (!(error instanceof ApiError) || error.kind !== "http" || error.status >= 500) return false;
      const given = (error.details && error.details.fields) || {};
      const keys = Object.keys(given);
      const specific = keys.length <= 1 && error.message && !/^Some\b/.test(error.message);
      const shown = [];
      const codeField = codes[error.code];
      if (codeField && form.set(codeField, error.message || reasonText(given[keys[0]]))) shown.push(codeField);
      for (const key of keys) {
        const name = (resolve && resolve(key)) || form.resolve(key);
        if (!name || shown.includes(name)) continue;
        form.set(name, specific ? error.message : reasonText(given[key]));
        shown.push(name);
      }
      if (shown.length) {
        const first = fields.get(shown[0]);
        focus(first.control || first.errorNode);
      }
      return shown.length > 0;
    },
  };
  return form;
}

/** A status line ("Saving…") that a form shows while a request is out. */
export function busyLine() {
  const line = h("p", { class: "status-line form-status", role: "status" });
  return {
    node: line,
    start(text) {
      line.textContent = text;
      line.classList.add("loading");
    },
    stop() {
      line.textContent = "";
      line.classList.remove("loading");
    },
  };
}

/** A message area inside a card: `say(box)` replaces its content and focuses the box. */
export function messageArea() {
  const node = h("div", { class: "message-area" });
  return {
    node,
    say(box, { focusIt = true } = {}) {
      node.replaceChildren(...(box ? [box] : []));
      if (box && focusIt) focus(box);
    },
  };
}

/** A number typed in a text or number box: an integer when it is one, else the text as typed
 * (so the server names the field), and undefined when empty. */
export function typedInteger(text) {
  const value = String(text ?? "").trim();
  if (value === "") return undefined;
  return /^-?\d+$/.test(value) ? Number(value) : value;
}

/** "125" or "$125.50" → 12550 cents; other text is sent as typed for the server to refuse. */
export function typedCents(text) {
  const value = String(text ?? "").trim().replace(/^\$\s*/, "").replace(/,/g, "");
  if (value === "") return 0;
  if (/^-?\d+(\.\d{1,2})?$/.test(value)) return Math.round(Number(value) * 100);
  return value;
}

export function centsText(cents) {
  if (!cents) return "0";
  return Number.isInteger(cents / 100) ? String(cents / 100) : (cents / 100).toFixed(2);
}

export const STATUS_LABELS = {
  booked: "Booked",
  arrived: "Arrived",
  cancelled: "Cancelled",
  completed: "Completed",
  no_show: "No-show",
};

export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/** "Friday, December 25, 2026" for a plain date (no time zone can shift it). */
export function longDay(ymd) {
  const [y, m, d] = ymd.split("-").map(Number);
  return new Intl.DateTimeFormat("en-US", {
    timeZone: "UTC",
    weekday: "long",
    month: "long",
    day: "numeric",
    year: "numeric",
  }).format(new Date(Date.UTC(y, m - 1, d, 12)));
}

/** The bookings inside new time off or a new closure (they stay booked). */
export function overlappingList(appointments, clock) {
  return h(
    "ul",
    { class: "blocking-list", "data-testid": "overlapping-appointments" },
    appointments.map((a) =>
      h(
        "li",
        {},
        `${clock.shortDate(a.start)}, ${clock.range(a.start, a.end)} · ${a.service_name} with ${a.provider_name} · ${a.client ? a.client.name : ""}`,
      ),
    ),
  );
}

/** The `edit` URL parameter: "service-3", "provider-2", "new-service"… or null. */
export function editParam(kind, selected) {
  if (selected === "new") return `new-${kind}`;
  return selected ? `${kind}-${selected}` : null;
}
