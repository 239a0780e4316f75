// The desk's home: its heartbeat (every 30 s, and when the tab is visible again), so the
// agent's state log knows the desk is still open, and the desk learns the supervisor's
// line and a pause they forced; Alt+P (the pause's reasons, or resume) and Enter on the
// chosen reason.
(function () {
  "use strict";
  const box = document.querySelector("[data-heartbeat-url]");
  const token = document.querySelector("input[name=csrf_token]");
  if (!box || !token) return;
  const BEAT_EVERY_MS = 30000;
  const message = window.deskMessage;
  async function beat() {
    const body = message ? message.body() : {};
    try {
      const response = await fetch(box.dataset.heartbeatUrl, {
        method: "POST", credentials: "same-origin", redirect: "manual",
        headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token.value},
        body: JSON.stringify(body),
      });
      if (response.status === 401) { window.location.reload(); return; } // signed out
      if (!response.ok) return;
      const data = await response.json();
      if (message) { message.sent(body); message.show(data.message); }
      // A supervisor paused the agent (or they resumed elsewhere): the page that fits.
      if (data.state && data.state !== box.dataset.state) window.location.reload();
    } catch (e) { /* offline: the next beat tries again */ }
  }
  if (message) message.onBeat(beat);
  beat(); // at once too: a tab the browser discarded and reloads is back now, not in 30 s
  setInterval(beat, BEAT_EVERY_MS);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") beat();
  });
  // The desk's keys on this page (Alt+P): clicked, or focused for a list. A browser that
  // handled the element's accesskey already has prevented the event.
  document.addEventListener("keydown", (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
    if (!event.code.startsWith("Key")) return;
    const key = event.code.slice(3).toLowerCase();
    const own = document.querySelector(`[data-desk-key="${key}"]`);
    if (!own) return;
    event.preventDefault();
    if (own.matches("select")) own.focus(); else own.click();
  });
  const pauseForm = document.querySelector("[data-pause-form]");
  if (pauseForm) {
    pauseForm.querySelector("select").addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); pauseForm.requestSubmit(); }
    });
  }
})();
