// The desk's home: its heartbeat (every 30 s, and when the tab is visible again), so the
// agent's state log knows the desk is still open; Enter on the pause's reason pauses.
(function () {
  "use strict";
  const box = document.querySelector("[data-heartbeat-url]");
  const token = document.querySelector("input[name=csrf_token]");
  if (!box || !token) return;
  const BEAT_EVERY_MS = 30000;
  function beat() {
    fetch(box.dataset.heartbeatUrl, {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token.value},
      body: "{}",
    }).catch(() => { /* offline: the next beat tries again */ });
  }
  setInterval(beat, BEAT_EVERY_MS);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") beat();
  });
  const pauseForm = document.querySelector("[data-pause-form]");
  if (pauseForm) {
    pauseForm.querySelector("select").addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); pauseForm.requestSubmit(); }
    });
  }
})();
