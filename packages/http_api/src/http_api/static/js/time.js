// Time display. Every time from the API carries the business offset; we format it with Intl in
// the business time zone (from GET /api/business), so the browser's own zone never matters.
// Plain calendar dates ("YYYY-MM-DD") are handled as UTC noon, which no DST rule can shift.

export function businessClock(timeZone) {
  const make = (options) => new Intl.DateTimeFormat("en-US", { timeZone, ...options });
  const timeFmt = make({ hour: "numeric", minute: "2-digit" });
  const timeZoneFmt = make({ hour: "numeric", minute: "2-digit", timeZoneName: "short" });
  const longDateFmt = make({ weekday: "long", month: "long", day: "numeric", year: "numeric" });
  const shortDateFmt = make({ weekday: "short", month: "short", day: "numeric" });
  const partsFmt = make({
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  const parts = (iso) => {
    const out = {};
    for (const p of partsFmt.formatToParts(new Date(iso))) out[p.type] = p.value;
    return out;
  };
  const zoneName = (iso) =>
    timeZoneFmt.formatToParts(new Date(iso)).find((p) => p.type === "timeZoneName")?.value || "";
  return {
    timeZone,
    /** "10:00 AM" */
    time: (iso) => timeFmt.format(new Date(iso)),
    /** "10:00 AM CST" */
    timeWithZone: (iso) => timeZoneFmt.format(new Date(iso)),
    /** "CST" or "CDT" at that instant */
    zoneName,
    /** "Friday, November 27, 2026" */
    longDate: (iso) => longDateFmt.format(new Date(iso)),
    /** "Fri, Nov 27" */
    shortDate: (iso) => shortDateFmt.format(new Date(iso)),
    /** "10:00 – 10:30 AM CST" */
    range: (startIso, endIso) =>
      `${timeFmt.format(new Date(startIso))} – ${timeZoneFmt.format(new Date(endIso))}`,
    /** Business-local calendar date "2026-11-27" of an instant. */
    localDate: (iso) => {
      const p = parts(iso);
      return `${p.year}-${p.month}-${p.day}`;
    },
    /** Minutes since business-local midnight. */
    localMinutes: (iso) => {
      const p = parts(iso);
      return Number(p.hour) * 60 + Number(p.minute);
    },
    /** "Fri, Nov 27 · 10:00 AM CST" */
    when: (iso) => `${shortDateFmt.format(new Date(iso))} · ${timeZoneFmt.format(new Date(iso))}`,
  };
}

function utcNoon(ymd) {
  const [y, m, d] = ymd.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d, 12));
}

export function isDate(value) {
  return typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value) && !isNaN(utcNoon(value));
}

export function addDays(ymd, days) {
  const date = utcNoon(ymd);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** Days from a to b (b - a). */
export function daysBetween(a, b) {
  return Math.round((utcNoon(b) - utcNoon(a)) / 86400000);
}

/** Weekday with Monday = 0, as the API counts. */
export function weekday(ymd) {
  return (utcNoon(ymd).getUTCDay() + 6) % 7;
}

export function mondayOf(ymd) {
  return addDays(ymd, -weekday(ymd));
}

const dayFormats = {
  dow: new Intl.DateTimeFormat("en-US", { timeZone: "UTC", weekday: "short" }),
  monthDay: new Intl.DateTimeFormat("en-US", { timeZone: "UTC", month: "short", day: "numeric" }),
  long: new Intl.DateTimeFormat("en-US", {
    timeZone: "UTC",
    weekday: "long",
    month: "long",
    day: "numeric",
  }),
  short: new Intl.DateTimeFormat("en-US", {
    timeZone: "UTC",
    weekday: "short",
    month: "short",
    day: "numeric",
  }),
};

/** Labels for a plain date: {dow: "Fri", monthDay: "Nov 27", long: "Friday, November 27", short} */
export function dayLabels(ymd) {
  const date = utcNoon(ymd);
  return {
    dow: dayFormats.dow.format(date),
    monthDay: dayFormats.monthDay.format(date),
    long: dayFormats.long.format(date),
    short: dayFormats.short.format(date),
  };
}

/** The business-local date of the API's `now` (it carries the business offset). */
export function todayFrom(nowIso) {
  return String(nowIso).slice(0, 10);
}

export function formatPrice(cents) {
  if (!cents) return "Free";
  const dollars = cents / 100;
  return new Intl.NumberFormat("en-US", {
    style: "currency",
    currency: "USD",
    maximumFractionDigits: Number.isInteger(dollars) ? 0 : 2,
  }).format(dollars);
}

export function formatDuration(minutes) {
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}
