// "Join the waitlist" on the booking page's time step: when the days shown have no time that
// suits (a full or closed day, or nothing free at all), the client can ask to be texted when
// time opens up for the same choices: the visit's service(s), the chosen provider (or any), a
// range of dates (the days shown, inside the booking horizon) and optional times of day. It
// posts POST /api/waitlist; the server's refusals are shown next to the fields they name.

import { api, ApiError, describeError } from "./api.js";
import { dayLabels } from "./time.js";
import { announce, focus, h, messageBox } from "./dom.js";

const FIELDS = ["date_from", "date_to", "earliest_time", "latest_time", "name", "phone", "email"];

const LABELS = {
  date_from: "From",
  date_to: "Until",
  earliest_time: "Earliest start",
  latest_time: "Latest start",
  name: "Full name",
  phone: "Mobile phone",
  email: "E-mail (optional)",
};

const CHECK = {
  date_from: "Please check this date.",
  date_to: "Please check this date.",
  earliest_time: "Please check this time.",
  latest_time: "Please check this time.",
  name: "Please check your name.",
  phone: "Please check this phone number.",
  email: "Please check this e-mail address.",
};

/** Our field for a `details.fields` key of the API ("client.phone" -> "phone"). */
function fieldFor(key) {
  const name = String(key).split(".").pop();
  return FIELDS.includes(name) ? name : null;
}

/** A server reason ("before date_from", "after 2027-03-01 (the booking horizon)") in words. */
function reasonText(name, reason, lastDay) {
  const text = String(reason || "");
  if (text === "in the past") return "Please choose today or a later date.";
  if (text === "before date_from") return "Please choose a date on or after the first date.";
  if (text === "before earliest_time") return "Please choose a time after the earliest start.";
  if (/booking horizon/.test(text)) return `We book online up to ${dayLabels(lastDay).long}: please choose that day or earlier.`;
  return CHECK[name];
}

/**
 * The waitlist card. options: {business, clock, serviceIds, providerId ("any" or an id), what
 * ("Botox with Dr. Maya Patel"), from, to (the days shown), today, lastDay, nothingFree (the
 * days shown have no free time at all), details ({name, phone, email} typed before),
 * saveDetails(details), phone (the business's)}.
 */
export function waitlistCard(options) {
  const { clock, today, lastDay } = options;
  const zone = clock.zoneName(options.business.now);
  const card = h("section", {
    class: `card waitlist-offer${options.nothingFree ? " prominent" : ""}`,
    "aria-labelledby": "waitlist-title",
    "data-testid": "waitlist-offer",
  });
  const openButton = h(
    "button",
    {
      type: "button",
      class: options.nothingFree ? "" : "secondary",
      "aria-expanded": "false",
      "aria-controls": "waitlist-form",
      "data-testid": "waitlist-open",
    },
    "Join the waitlist",
  );

  const controls = {};
  const errors = {};
  const field = (name, input, hint) => {
    input.id = `waitlist-${name.replace("_", "-")}`;
    input.name = name;
    const hintId = hint ? `${input.id}-hint` : null;
    const errorId = `${input.id}-error`;
    input.setAttribute("aria-describedby", [hintId, errorId].filter(Boolean).join(" "));
    input.addEventListener("input", () => {
      input.removeAttribute("aria-invalid");
      errors[name].textContent = "";
    });
    controls[name] = input;
    errors[name] = h("div", { class: "field-error", id: errorId, "data-testid": `waitlist-error-${name}` });
    return h(
      "div",
      { class: "field" },
      h("label", { for: input.id }, LABELS[name], hint ? h("span", { class: "hint", id: hintId }, hint) : null),
      input,
      errors[name],
    );
  };
  const saved = options.details || {};
  const typed = (name, attributes) => {
    const input = h("input", attributes);
    input.value = saved[name] || "";
    input.addEventListener("input", () => options.saveDetails({ [name]: input.value }));
    return input;
  };
  const dateInput = (value) => h("input", { type: "date", min: today, max: lastDay, required: true, value });
  const timeInput = () => h("input", { type: "time" });

  const problem = h("div", { class: "message-slot" });
  const status = h("p", { class: "status-line", role: "status" });
  const submit = h("button", { type: "submit", "data-testid": "waitlist-submit" }, "Join the waitlist");
  const form = h(
    "form",
    {
      id: "waitlist-form",
      class: "waitlist-form",
      novalidate: true,
      hidden: true,
      "aria-label": "Join the waitlist",
      "data-testid": "waitlist-form",
      onsubmit: (event) => join(event),
    },
    problem,
    h(
      "fieldset",
      { class: "waitlist-range" },
      h("legend", {}, "Which days"),
      h("p", { class: "hint-line", id: "waitlist-days-hint" }, `Up to ${dayLabels(lastDay).long}, the furthest we book online.`),
      h(
        "div",
        { class: "waitlist-pair" },
        field("date_from", dateInput(options.from)),
        field("date_to", dateInput(options.to)),
      ),
    ),
    h(
      "fieldset",
      { class: "waitlist-range" },
      h("legend", {}, "Times of day (optional)"),
      h("p", { class: "hint-line", id: "waitlist-times-hint" }, `Our local time (${zone}). Leave empty for any time.`),
      h(
        "div",
        { class: "waitlist-pair" },
        field("earliest_time", timeInput()),
        field("latest_time", timeInput()),
      ),
    ),
    field("name", typed("name", { type: "text", autocomplete: "name", required: true, maxlength: "200" })),
    field(
      "phone",
      typed("phone", { type: "tel", autocomplete: "tel", required: true, maxlength: "40" }),
      "We text you here when a time opens up.",
    ),
    field("email", typed("email", { type: "email", autocomplete: "email", maxlength: "200" })),
    status,
    h("div", { class: "actions" }, submit),
  );
  for (const [hint, names] of [
    ["waitlist-days-hint", ["date_from", "date_to"]],
    ["waitlist-times-hint", ["earliest_time", "latest_time"]],
  ]) {
    for (const name of names) {
      const input = controls[name];
      input.setAttribute("aria-describedby", `${hint} ${input.getAttribute("aria-describedby")}`);
    }
  }

  openButton.addEventListener("click", () => {
    form.hidden = false;
    openButton.setAttribute("aria-expanded", "true");
    openButton.hidden = true; // the form's own button joins
    focus(controls.date_from);
  });

  card.append(
    h("h3", { id: "waitlist-title" }, options.nothingFree ? "Join the waitlist" : "No time that suits you?"),
    h(
      "p",
      {},
      `Join the waitlist for ${options.what}: when a time opens up on the days you choose, we text you a link to book it. ` +
        "Whoever books first gets it.",
    ),
    openButton,
    form,
  );

  const setError = (name, text) => {
    controls[name].setAttribute("aria-invalid", "true");
    errors[name].textContent = text;
  };
  const clearErrors = () => {
    problem.replaceChildren();
    for (const name of FIELDS) {
      controls[name].removeAttribute("aria-invalid");
      errors[name].textContent = "";
    }
  };

  function check() {
    const bad = [];
    const value = (name) => controls[name].value.trim();
    if (!value("date_from")) bad.push(["date_from", "Please choose the first day."]);
    if (!value("date_to")) bad.push(["date_to", "Please choose the last day."]);
    else if (value("date_from") && value("date_to") < value("date_from")) {
      bad.push(["date_to", "Please choose a date on or after the first date."]);
    }
    if (value("earliest_time") && value("latest_time") && value("latest_time") < value("earliest_time")) {
      bad.push(["latest_time", "Please choose a time after the earliest start."]);
    }
    if (!value("name")) bad.push(["name", "Please enter your name."]);
    if ((value("phone").match(/\d/g) || []).length < 7) bad.push(["phone", "Please enter a phone number we can text."]);
    const email = value("email");
    if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      bad.push(["email", "Please enter a valid e-mail address, or leave it empty."]);
    }
    for (const [name, text] of bad) setError(name, text);
    if (bad.length) focus(controls[bad[0][0]]);
    return !bad.length;
  }

  let sending = false;
  async function join(event) {
    event.preventDefault();
    if (sending) return;
    clearErrors();
    if (!check()) return;
    const value = (name) => controls[name].value.trim();
    const client = { name: value("name"), phone: value("phone") };
    if (value("email")) client.email = value("email");
    options.saveDetails({ name: client.name, phone: client.phone, email: value("email") });
    const body =
      options.serviceIds.length > 1
        ? { services: options.serviceIds }
        : { service_id: options.serviceIds[0] };
    if (options.providerId && options.providerId !== "any") body.provider_id = options.providerId;
    body.date_from = value("date_from");
    body.date_to = value("date_to");
    if (value("earliest_time")) body.earliest_time = value("earliest_time");
    if (value("latest_time")) body.latest_time = value("latest_time");
    body.client = client;

    sending = true;
    submit.disabled = true;
    status.textContent = "Putting you on the waitlist…";
    status.classList.add("loading");
    let result;
    try {
      result = await api("/api/waitlist", { method: "POST", body });
    } catch (error) {
      sending = false;
      submit.disabled = false;
      status.textContent = "";
      status.classList.remove("loading");
      refused(error);
      return;
    }
    joined(result, client.phone);
  }

  function refused(error) {
    const fields = (error instanceof ApiError && error.details && error.details.fields) || {};
    const named = Object.keys(fields).map((key) => [fieldFor(key), fields[key]]).filter(([name]) => name);
    if (error instanceof ApiError && error.kind === "http" && error.status < 500 && named.length) {
      const single = named.length === 1 && error.message && !/^Some\b/.test(error.message);
      for (const [name, reason] of named) {
        const words = reasonText(name, reason, lastDay);
        setError(name, single && words === CHECK[name] ? error.message : words);
      }
      focus(controls[named[0][0]]);
      return;
    }
    let box;
    if (error instanceof ApiError && error.code === "waitlist_limit") {
      box = messageBox("error", "You are already on the waitlist as often as we allow", error.message);
    } else {
      const words = describeError(error, { phone: options.phone });
      box = messageBox("error", "We could not put you on the waitlist", words.text);
    }
    box.dataset.testid = "waitlist-problem";
    box.dataset.code = (error && (error.code || error.kind)) || "";
    problem.replaceChildren(box);
    focus(box);
  }

  function joined(result, phone) {
    const entry = result.entry || {};
    const until = entry.date_to ? dayLabels(String(entry.date_to)).long : "";
    const fresh = Boolean(result.manage_token);
    const leave = fresh
      ? h(
          "p",
          {},
          h(
            "a",
            {
              href: `/waitlist/${encodeURIComponent(entry.id)}#token=${encodeURIComponent(result.manage_token)}`,
              "data-testid": "waitlist-leave-link",
            },
            "Changed your mind? Leave the waitlist",
          ),
        )
      : null;
    const box = fresh
      ? messageBox(
          "success",
          "You're on the waitlist",
          `You're on the waitlist until ${until}; we'll text you at ${phone} when a time opens up.`,
          leave,
        )
      : messageBox(
          "info",
          "You're already on the waitlist for this",
          `You're on it until ${until}; we'll text you when a time opens up.`,
        );
    box.dataset.testid = "waitlist-joined";
    card.replaceChildren(box);
    focus(box);
    announce(fresh ? "You're on the waitlist." : "You're already on the waitlist for this.");
  }

  return card;
}
