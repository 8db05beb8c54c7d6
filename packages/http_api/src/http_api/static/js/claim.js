// The page a waitlist offer's text links to, /waitlist/claim/{offer_id}#token=...: one tap books
// the offered time. The token stays in the URL fragment (browsers never send it) and goes to the
// API in the POST body. Whoever claims first gets the time; the others hear so, with other times,
// and stay on the waitlist.

import { api, ApiError, describeError } from "./api.js";
import { businessClock } from "./time.js";
import { appointmentFacts, focus, h, messageBox, telLink } from "./dom.js";

const app = document.getElementById("app");
const offerId = Number(location.pathname.split("/").filter(Boolean)[2]);
const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";

async function start() {
  let business = null;
  try {
    business = await api("/api/business");
    document.getElementById("business-name").textContent = business.name;
    document.getElementById("header-phone").replaceChildren(telLink(business.phone));
  } catch {
    /* the page still works without the business details */
  }
  if (!offerId || !token) {
    show(messageBox("error", "This link is not complete", "Please open the link from the text message again."));
    return;
  }
  const button = h("button", { type: "button", class: "primary", "data-testid": "claim" }, "Book this time");
  button.addEventListener("click", () => claim(button, business));
  show(
    h("h1", { tabindex: "-1", id: "title" }, "A time opened up for you"),
    h("p", {}, "The time in your text message is yours if you book it before anyone else on the waitlist."),
    button,
  );
}

async function claim(button, business) {
  button.disabled = true;
  button.textContent = "Booking…";
  try {
    const result = await api("/api/waitlist/claim", {
      method: "POST",
      body: { offer_id: offerId, token },
    });
    const clock = businessClock(business ? business.timezone : "America/Chicago");
    const link = `/booking/${encodeURIComponent(result.appointment.id)}#token=${encodeURIComponent(result.manage_token)}`;
    show(
      h("h1", { tabindex: "-1", id: "title" }, "You're booked!"),
      h("div", { class: "card", "data-testid": "confirmation" }, h("dl", { class: "summary" }, appointmentFacts(result.appointment, clock, "claimed"))),
      h("p", {}, h("a", { href: link }, "View or change your appointment")),
    );
  } catch (error) {
    button.disabled = false;
    button.textContent = "Book this time";
    const text = error instanceof ApiError ? describeError(error) : String(error);
    const title =
      error.code === "slot_unavailable"
        ? "Someone else booked this time first"
        : error.code === "offer_expired"
          ? "This offer has expired"
          : "We could not book it";
    const note =
      error.code === "slot_unavailable" || error.code === "offer_expired"
        ? " You are still on the waitlist: we will text you if another time opens."
        : "";
    app.prepend(messageBox("error", title, text + note));
    focus(app.firstChild);
  }
}

function show(...nodes) {
  app.replaceChildren(...nodes);
  const title = document.getElementById("title");
  if (title) focus(title);
}

start();
