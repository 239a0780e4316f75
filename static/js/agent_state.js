// The agent's state on the desk's pages: its time running (mm:ss, h:mm:ss past an hour),
// a pause past its maximum marked overdue, and the change a moment of the desk answered.
// The clock counts from the server's instants, corrected for this computer's clock.
(function () {
  "use strict";
  const two = (n) => String(n).padStart(2, "0");
  function format(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return h ? `${h}:${two(m)}:${two(s % 60)}` : `${two(m)}:${two(s % 60)}`;
  }
  let skew = 0; // this computer's clock minus the server's
  function setServerNow(iso) {
    const server = Date.parse(iso || "");
    if (!isNaN(server)) skew = Date.now() - server;
  }
  function tick() {
    const now = Date.now() - skew;
    for (const box of document.querySelectorAll("[data-agent-state]")) {
      const since = Date.parse(box.dataset.since || "");
      const clock = box.querySelector("[data-running]");
      if (clock) clock.textContent = isNaN(since) ? "" : format(now - since);
      const overdue = Date.parse(box.dataset.overdueAt || "");
      box.classList.toggle("overdue", !isNaN(overdue) && now > overdue);
    }
  }
  const first = document.querySelector("[data-agent-state][data-server-now]");
  if (first) setServerNow(first.dataset.serverNow);
  tick();
  setInterval(tick, 1000);
  window.agentState = {
    show(box, data, label) {
      setServerNow(data.now);
      box.dataset.state = data.state;
      if (data.since) box.dataset.since = data.since; else delete box.dataset.since;
      box.querySelector("[data-state-label]").textContent = label;
      tick();
    },
  };
})();
