// Talking to the JSON API: every request has a timeout (no spinner forever) and every failure
// becomes an ApiError whose `kind` says what happened: "network" (no answer at all), "timeout"
// (no answer in time) or "http" (the server answered with an error status).

const DEFAULT_TIMEOUT_MS = 15000;

function timeoutMs(override) {
  // Tests shorten the timeout with an init script; real users get the default.
  const configured = Number(globalThis.BOOKING_REQUEST_TIMEOUT_MS);
  return override ?? (configured > 0 ? configured : DEFAULT_TIMEOUT_MS);
}

export class ApiError extends Error {
  constructor(kind, { status = 0, code = "", message = "", details = {}, retryAfter = null } = {}) {
    super(message || kind);
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.details = details || {};
    this.retryAfter = retryAfter;
  }

  /** True when we cannot know whether the server acted (so a retry must reuse the same key). */
  get ambiguous() {
    return this.kind !== "http" || this.status >= 500;
  }
}

/** Call the API and return the parsed JSON body, or throw an ApiError. */
export async function api(path, { method = "GET", body, headers = {}, timeout } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs(timeout));
  const requestHeaders = { Accept: "application/json", ...headers };
  if (body !== undefined) requestHeaders["Content-Type"] = "application/json";
  let response;
  let text;
  try {
    response = await fetch(path, {
      method,
      headers: requestHeaders,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
      cache: "no-store",
      credentials: "same-origin",
    });
    text = await response.text();
  } catch (error) {
    throw new ApiError(controller.signal.aborted ? "timeout" : "network", {
      message: String(error && error.message ? error.message : error),
    });
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null; // e.g. an HTML error page from a proxy
  }
  if (!response.ok) {
    const problem = (data && data.error) || {};
    throw new ApiError("http", {
      status: response.status,
      code: problem.code || `http_${response.status}`,
      message: problem.message || "",
      details: problem.details || {},
      retryAfter: response.headers.get("Retry-After"),
    });
  }
  if (data === null) {
    throw new ApiError("http", { status: response.status, code: "bad_response" });
  }
  return data;
}

/** A fresh idempotency key: random, unguessable, works without a secure context. */
export function newKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Words for a failure: {title, text, kind, code}. `phone` is the business phone (may be empty);
 * `pending` says the request was a write whose outcome we do not know after a lost answer.
 */
export function describeError(error, { phone = "", write = false } = {}) {
  const call = phone ? ` or call us at ${phone}` : "";
  const retryWrite = write
    ? " Your choices are kept: press the button again — you will not be booked twice."
    : " Your choices are kept: please try again.";
  if (!(error instanceof ApiError)) {
    return {
      kind: "bug",
      code: "",
      title: "Something went wrong on this page",
      text: `Please reload the page${call}.`,
    };
  }
  if (error.kind === "network") {
    return {
      kind: "network",
      code: "",
      title: "Connection lost",
      text:
        "We could not reach the booking system. Check your internet connection." +
        retryWrite +
        (phone ? ` You can also call us at ${phone}.` : ""),
    };
  }
  if (error.kind === "timeout") {
    return {
      kind: "timeout",
      code: "",
      title: "No answer from the booking system",
      text:
        (write
          ? "We did not hear back in time, so we cannot tell yet whether it went through."
          : "The booking system is taking too long to answer.") +
        retryWrite +
        (phone ? ` You can also call us at ${phone}.` : ""),
    };
  }
  if (error.status === 429) {
    const wait = error.retryAfter ? ` (about ${error.retryAfter} seconds)` : "";
    return {
      kind: "http",
      code: error.code,
      title: "Too many attempts",
      text: `${error.message || "Too many requests."} Please wait a moment${wait} and try again${call}.`,
    };
  }
  if (error.status >= 500) {
    return {
      kind: "server",
      code: error.code,
      title: "Something went wrong on our side",
      text:
        (error.status === 503 && error.message
          ? error.message
          : `The booking system had a problem (error ${error.status}).`) +
        retryWrite +
        (phone ? ` You can also call us at ${phone}.` : ""),
    };
  }
  return {
    kind: "http",
    code: error.code,
    title: titleFor(error),
    text: error.message || `The request was refused (error ${error.status}).`,
  };
}

function titleFor(error) {
  switch (error.code) {
    case "slot_unavailable":
      return "This time slot was just taken";
    case "past_time":
    case "too_soon":
    case "invalid_time":
    case "beyond_horizon":
    case "outside_working_hours":
    case "provider_unavailable":
      return "That time cannot be booked";
    case "client_overlap":
      return "You already have an appointment at that time";
    case "booking_limit_reached":
      return "Booking limit reached";
    case "too_late_to_change":
      return "Too late to change online";
    case "validation_error":
      return "Please check your details";
    case "not_found":
      return "Not found";
    case "unauthorized":
      return "Not signed in";
    default:
      return "That did not work";
  }
}
