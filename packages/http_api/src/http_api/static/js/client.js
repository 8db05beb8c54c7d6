// What the two client pages (booking and manage) share beyond dom.js: the business clock offset,
// the change cutoff, the date strip over the whole booking horizon (two weeks at a time, with
// each day open, full or closed), times grouped by part of the day, "Add to calendar" (.ics and
// Google Calendar) and the height report to an embedding site.

import { ApiError } from "./api.js";
import { addDays, dayLabels, daysBetween } from "./time.js";
import { h, telLink } from "./dom.js";

/** Days shown at once; previous/next move by a week. */
export const WINDOW_DAYS = 14;
export const WEEK = 7;
const DEFAULT_HORIZON_DAYS = 90;

// ---------------------------------------------------------------- business time
let serverOffsetMs = 0;

/** Remember how far the browser's clock is from the server's (from GET /api/business `now`). */
export function syncClock(business) {
  const server = Date.parse(business && business.now);
  if (Number.isFinite(server)) serverOffsetMs = server - Date.now();
}

/** The server's "now" in milliseconds, still right after the page has been open a while. */
export function nowMs() {
  return Date.now() + serverOffsetMs;
}

export function horizonDays(business) {
  const days = Number(business && business.horizon_days);
  return Number.isInteger(days) && days > 0 ? days : DEFAULT_HORIZON_DAYS;
}

export function cutoffHours(business) {
  const hours = Number(business && business.change_cutoff_hours);
  return Number.isFinite(hours) && hours >= 0 ? hours : 24;
}

/** "24 hours", "1 hour", "90 minutes". */
export function cutoffText(business) {
  const hours = cutoffHours(business);
  if (Number.isInteger(hours)) return `${hours} hour${hours === 1 ? "" : "s"}`;
  return `${Math.round(hours * 60)} minutes`;
}

/** True when an appointment starting then is already inside the change cutoff. */
export function insideCutoff(business, startIso) {
  return Date.parse(startIso) - nowMs() < cutoffHours(business) * 3600000;
}

// ---------------------------------------------------------------- the two-week window
/** The first day of the window showing `day` (windows start today, then every week after). */
export function windowFor(today, day, lastDay) {
  let offset = Math.max(0, daysBetween(today, day));
  if (lastDay) offset = Math.min(offset, Math.max(0, daysBetween(today, lastDay)));
  return addDays(today, Math.floor(offset / WEEK) * WEEK);
}

/** The dates of the window starting at `start`, never past `lastDay`. */
export function windowDays(start, lastDay) {
  const count = Math.max(1, Math.min(WINDOW_DAYS, daysBetween(start, lastDay) + 1));
  return Array.from({ length: count }, (_, i) => addDays(start, i));
}

/** "Tue Dec 22" */
export function shortDay(ymd) {
  const labels = dayLabels(ymd);
  return `${labels.dow} ${labels.monthDay}`;
}

const PERIODS = [
  { name: "morning", label: "Morning", until: 12 * 60 },
  { name: "afternoon", label: "Afternoon", until: 17 * 60 },
  { name: "evening", label: "Evening", until: 24 * 60 },
];

/**
 * The date strip of one window and the free times of the chosen day.
 *
 * options: {clock, today, lastDay, windowStart, days: [{date, status}] from the API, slots (one
 * per time to show), nextAvailable (a slot or null), selectedDate, selectedStart, timeLabel(slot)
 * (the button's accessible name), onTime(slot), onDate(day), onWindow(start, day) (load another
 * window; `day` is a date to select there, or null), jumpHref(day) (a real link for "next
 * available", or null for a button), phone, emptyText}.
 */
export function slotPicker(options) {
  const { clock, today, lastDay, windowStart } = options;
  const dates = windowDays(windowStart, lastDay);
  const status = new Map((options.days || []).map((d) => [String(d.date), d.status]));
  const byDay = new Map(dates.map((day) => [day, []]));
  for (const slot of options.slots) byDay.get(clock.localDate(slot.start))?.push(slot);
  const hasFree = options.slots.length > 0;
  let selected = options.selectedDate;
  if (!byDay.get(selected)?.length) selected = dates.find((day) => byDay.get(day).length) || null;

  const root = h("div", { class: "slot-picker", "data-testid": "slot-picker" });
  const first = dates[0];
  const last = dates[dates.length - 1];
  const previous = first > today ? addDays(first, -WEEK) : null;
  const next = last < lastDay ? addDays(first, WEEK) : null;
  const range = `${dayLabels(first).monthDay} – ${dayLabels(last).monthDay}`;
  root.append(
    h(
      "div",
      { class: "week-nav" },
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          "data-testid": "previous-week",
          disabled: !previous,
          onclick: () => previous && options.onWindow(previous < today ? today : previous, null),
        },
        "← Previous week",
      ),
      h("h3", { class: "week-range", id: "week-range", "data-testid": "week-range" }, range),
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          "data-testid": "next-week",
          disabled: !next,
          onclick: () => next && options.onWindow(next, null),
        },
        "Next week →",
      ),
    ),
  );

  const timesArea = h("div", { "data-testid": "times-area", class: "times-area" });
  const dateButtons = [];
  const showDay = (day) => {
    selected = day;
    for (const button of dateButtons) {
      button.setAttribute("aria-pressed", String(button.dataset.date === day));
    }
    timesArea.replaceChildren(...timesFor(day, byDay.get(day) || [], options));
  };
  const dateList = h(
    "ul",
    { class: "dates", "aria-labelledby": "week-range" },
    dates.map((day) => {
      const labels = dayLabels(day);
      const count = byDay.get(day).length;
      const kind = count ? "open" : status.get(day) === "closed" ? "closed" : "full";
      const note = count ? `${count} free` : kind === "closed" ? "Closed" : "Full";
      const button = h(
        "button",
        {
          type: "button",
          class: `date-button ${kind}`,
          "data-testid": "date",
          "data-date": day,
          "data-status": kind,
          "aria-pressed": "false",
          // The visible words are the name ("Thu Dec 3, 4 free"), so voice control matches it.
          disabled: count === 0,
          onclick: () => {
            showDay(day);
            options.onDate(day);
            bringIntoView(timesArea);
          },
        },
        h("span", { class: "dow" }, labels.dow),
        " ",
        h("span", { class: "day" }, labels.monthDay),
        h("span", { class: "visually-hidden" }, ", "),
        h("span", { class: "note" }, note),
      );
      dateButtons.push(button);
      return h("li", {}, button);
    }),
  );
  root.append(dateList);

  if (!hasFree) {
    const nextSlot = options.nextAvailable;
    const nextDay = nextSlot ? clock.localDate(nextSlot.start) : null;
    if (nextDay && nextDay <= lastDay) {
      const jump = (event) => {
        if (event) event.preventDefault();
        options.onWindow(windowFor(today, nextDay, lastDay), nextDay);
      };
      const href = options.jumpHref ? options.jumpHref(nextDay) : null;
      const link = href
        ? h("a", { href, onclick: jump, "data-testid": "next-available" }, shortDay(nextDay))
        : h(
            "button",
            { type: "button", class: "link", onclick: () => jump(), "data-testid": "next-available" },
            shortDay(nextDay),
          );
      root.append(
        h(
          "div",
          { class: "message info next-available", "data-testid": "no-free-here", role: "status" },
          h("p", {}, "No free times on these dates."),
          h("p", { class: "next-line" }, "Next available: ", link, ` (${clock.timeWithZone(nextSlot.start)})`),
        ),
      );
    } else {
      root.append(
        h(
          "div",
          { class: "message warning", "data-testid": "no-free-here", role: "status" },
          h("p", {}, options.emptyText || "No free times on these dates, nor after them."),
          options.phone ? h("p", {}, "Call us: ", telLink(options.phone)) : null,
        ),
      );
    }
  } else {
    root.append(timesArea);
    showDay(selected);
  }
  return { node: root, selected };
}

function timesFor(day, list, options) {
  const { clock } = options;
  const labels = dayLabels(day);
  const nodes = [
    // The zone per day: a window can cross a daylight-saving change.
    h(
      "h3",
      { id: "times-title", tabindex: "-1" },
      `Free times on ${labels.long}${list.length ? ` (${clock.zoneName(list[0].start)})` : ""}`,
    ),
  ];
  if (!list.length) {
    nodes.push(h("p", {}, "No free times on this day. Please choose another date."));
    return nodes;
  }
  let from = 0;
  for (const period of PERIODS) {
    const inPeriod = list.filter((slot) => {
      const minutes = clock.localMinutes(slot.start);
      return minutes >= from && minutes < period.until;
    });
    from = period.until;
    if (!inPeriod.length) continue;
    const id = `times-${period.name}`;
    nodes.push(
      h(
        "div",
        { class: "time-group", "data-testid": "time-group", "data-period": period.name },
        h("h4", { id }, period.label),
        h(
          "ul",
          { class: "times", "aria-labelledby": `${id} times-title` },
          inPeriod.map((slot) =>
            h(
              "li",
              {},
              h(
                "button",
                {
                  type: "button",
                  class: "time-button",
                  "data-testid": "time",
                  "data-start": slot.start,
                  "aria-pressed": String(slot.start === options.selectedStart),
                  "aria-label": options.timeLabel(slot),
                  onclick: () => options.onTime(slot),
                },
                clock.time(slot.start),
              ),
            ),
          ),
        ),
      ),
    );
  }
  return nodes;
}

/** Scroll a node into view when it is mostly off screen (a phone, after tapping a date). */
export function bringIntoView(node) {
  requestAnimationFrame(() => {
    const box = node.getBoundingClientRect();
    const height = window.innerHeight || document.documentElement.clientHeight;
    if (box.top >= 0 && box.top <= height * 0.6) return;
    const reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    node.scrollIntoView({ block: "start", behavior: reduce ? "auto" : "smooth" });
  });
}

// ---------------------------------------------------------------- add to calendar
const icsUrls = new Map(); // "id|start|end" -> object URL, so a re-render does not fetch again

async function fetchIcs(appointmentId, token) {
  const controller = new AbortController();
  const configured = Number(globalThis.BOOKING_REQUEST_TIMEOUT_MS);
  const timer = setTimeout(() => controller.abort(), configured > 0 ? configured : 15000);
  try {
    const response = await fetch(`/api/booking/${encodeURIComponent(appointmentId)}/calendar.ics`, {
      headers: { "X-Manage-Token": token, Accept: "text/calendar" },
      signal: controller.signal,
      cache: "no-store",
      credentials: "same-origin",
    });
    if (!response.ok) throw new ApiError("http", { status: response.status });
    return await response.blob();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(controller.signal.aborted ? "timeout" : "network");
  } finally {
    clearTimeout(timer);
  }
}

/** 20261202T160000Z */
function utcStamp(iso) {
  return new Date(iso).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/**
 * A Google Calendar "add event" link. It carries what, when and where, and how to reach the
 * business; never the manage link (it would end up in someone else's calendar service).
 */
export function googleCalendarUrl(appointment, parts, business, clock) {
  const services = parts.map((p) => p.service_name).join(" + ");
  const lines = parts.map(
    (p) => `${p.service_name} with ${p.provider_name}, ${clock.range(p.start, p.end)}`,
  );
  if (business.phone) lines.push(`To change or cancel, call ${business.phone}.`);
  const query = new URLSearchParams({
    action: "TEMPLATE",
    text: `${services} at ${business.name}`,
    dates: `${utcStamp(appointment.start)}/${utcStamp(appointment.end)}`,
    details: lines.join("\n"),
    location: business.name,
    ctz: business.timezone || "",
  });
  return `https://calendar.google.com/calendar/render?${query}`;
}

/** "Add to your calendar": the .ics (fetched with the manage token) and a Google Calendar link. */
export function calendarCard({ appointment, parts, token, business, clock }) {
  const key = `${appointment.id}|${appointment.start}|${appointment.end}`;
  const status = h("p", { class: "status-line", role: "status" });
  const download = h(
    "a",
    {
      class: "button secondary",
      download: "appointment.ics",
      "data-testid": "ics-download",
      "aria-disabled": "true",
    },
    "Apple, Outlook and others (.ics)",
  );
  const ready = (url) => {
    download.href = url;
    download.removeAttribute("aria-disabled");
    status.textContent = "";
  };
  const load = async () => {
    status.textContent = "Preparing your calendar file…";
    try {
      const blob = await fetchIcs(appointment.id, token);
      const url = URL.createObjectURL(new Blob([blob], { type: "text/calendar" }));
      for (const [old, oldUrl] of icsUrls) {
        if (old.startsWith(`${appointment.id}|`)) {
          URL.revokeObjectURL(oldUrl);
          icsUrls.delete(old);
        }
      }
      icsUrls.set(key, url);
      ready(url);
    } catch {
      status.replaceChildren(
        "Could not prepare the calendar file. ",
        h("button", { type: "button", class: "link", onclick: load }, "Try again"),
      );
    }
  };
  if (icsUrls.has(key)) ready(icsUrls.get(key));
  else if (token) load();
  return h(
    "section",
    { class: "card add-to-calendar", "aria-labelledby": "calendar-title", "data-testid": "add-to-calendar" },
    h("h3", { id: "calendar-title" }, "Add to your calendar"),
    h(
      "div",
      { class: "actions" },
      download,
      h(
        "a",
        {
          class: "button secondary",
          href: googleCalendarUrl(appointment, parts, business, clock),
          target: "_blank",
          rel: "noopener noreferrer",
          "data-testid": "google-calendar",
        },
        "Google Calendar",
      ),
    ),
    status,
  );
}

// ---------------------------------------------------------------- embedding
export function isEmbedded() {
  let framed = false;
  try {
    framed = window.parent !== window;
  } catch {
    framed = true;
  }
  return framed || new URLSearchParams(location.search).get("embed") === "1";
}

/**
 * Inside another site's frame: tell the parent our height (embed.js sizes the iframe with it),
 * on load and whenever the content changes size. The height is the page's own content, so the
 * frame can shrink again after a long step.
 */
let reporting = false;

export function reportHeightWhenEmbedded() {
  if (reporting || !isEmbedded()) return;
  reporting = true;
  document.documentElement.classList.add("embedded");
  if (window.parent === window) return; // ?embed=1 opened on its own: only the look changes
  const ancestors = location.ancestorOrigins;
  // [0] is the parent; a masked origin ("null") cannot be a target, so the height (nothing
  // private) then goes to whoever framed us.
  const parent = ancestors && ancestors.length ? ancestors[0] : "";
  const target = /^https?:\/\//.test(parent) ? parent : "*";
  let last = 0;
  let queued = false;
  const post = () => {
    queued = false;
    const html = document.documentElement;
    const height = Math.ceil(Math.max(html.getBoundingClientRect().height, document.body.scrollHeight));
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: "booking:height", height }, target);
  };
  const soon = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(post);
  };
  if (document.readyState === "complete") soon();
  else window.addEventListener("load", soon);
  window.addEventListener("resize", soon);
  if (typeof ResizeObserver === "function") new ResizeObserver(soon).observe(document.body);
  soon();
}
