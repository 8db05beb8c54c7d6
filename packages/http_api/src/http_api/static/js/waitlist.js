// The page a "you're on the waitlist" text links to, /waitlist/{entry_id}#token=...: leave the
// waitlist with one tap (the token stays in the URL fragment and goes to the API in the body).

import { api, ApiError, describeError } from "./api.js";
import { focus, h, messageBox, telLink } from "./dom.js";

const app = document.getElementById("app");
const entryId = Number(location.pathname.split("/").filter(Boolean)[1]);
const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";

async function start() {
  try {
    const business = await api("/api/business");
    document.getElementById("business-name").textContent = business.name;
    document.getElementById("header-phone").replaceChildren(telLink(business.phone));
  } catch {
    /* the page still works without the business details */
  }
  if (!entryId || !token) {
    app.replaceChildren(messageBox("error", "This link is not complete", "Please open the link from the text message again."));
    return;
  }
  const button = h("button", { type: "button", class: "secondary", "data-testid": "leave" }, "Leave the waitlist");
  button.addEventListener("click", () => leave(button));
  app.replaceChildren(
    h("h1", { tabindex: "-1", id: "title" }, "You're on the waitlist"),
    h("p", {}, "We will text you when a time that suits you opens up. You can leave the waitlist at any time."),
    button,
  );
  focus(document.getElementById("title"));
}

async function leave(button) {
  button.disabled = true;
  try {
    await api(`/api/waitlist/${entryId}/leave`, { method: "POST", body: { manage_token: token } });
    app.replaceChildren(
      h("h1", { tabindex: "-1", id: "title" }, "You have left the waitlist"),
      h("p", { "data-testid": "left" }, "We will not text you about new times any more."),
    );
    focus(document.getElementById("title"));
  } catch (error) {
    button.disabled = false;
    const text = error instanceof ApiError ? describeError(error) : String(error);
    app.prepend(messageBox("error", "We could not take you off the waitlist", text));
  }
}

start();
