// The spa's own website embeds the booking page with one tag (the site must be listed in
// BOOKING_EMBED_ORIGINS, or the browser refuses to show the frame):
//
//   <script src="https://booking.example.com/embed.js" data-service="2" data-provider="1"
//           async></script>
//
// It puts an iframe of the booking page (optionally on a service and provider) where the tag
// is; the page tells the frame its height (postMessage "booking:height"), so it needs no
// scrollbar of its own.
(function () {
  const script = document.currentScript;
  if (!script) return;
  const origin = new URL(script.src).origin;
  const params = new URLSearchParams({ embed: "1" });
  if (script.dataset.service) params.set("service", script.dataset.service);
  if (script.dataset.provider) params.set("provider", script.dataset.provider);
  const frame = document.createElement("iframe");
  frame.src = `${origin}/?${params}`;
  frame.title = script.dataset.title || "Book an appointment";
  frame.style.cssText = "display:block;width:100%;border:0;min-height:640px;";
  script.after(frame);
  window.addEventListener("message", (event) => {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    const data = event.data;
    if (data && data.type === "booking:height" && Number.isFinite(data.height)) {
      frame.style.height = `${Math.ceil(data.height)}px`;
    }
  });
})();
