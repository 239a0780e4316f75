// The supervisor's floor refreshes itself: every few seconds it asks for the rows the
// server rendered from the floor it reads once for all viewers, and puts them in place;
// between two refreshes each state's time runs on. No framework; if a request fails the
// rows stay and the next one tries again.
(function () {
  "use strict";
  const table = document.querySelector("[data-floor]");
  if (!table) return;
  const body = table.querySelector("[data-floor-rows]");
  const every = 1000 * Number(table.dataset.refresh || 3);
  const asOf = document.querySelector("[data-floor-as-of]");
  const lang = document.documentElement.lang || "it";
  // The data says when in UTC (ISO 8601); the page shows the time where the centre is.
  const clock = asOf && new Intl.DateTimeFormat(lang, {hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZone: asOf.dataset.timeZone});
  const two = (n) => String(n).padStart(2, "0");
  let skew = 0; // this computer's clock minus the server's
  function setServerNow(iso) {
    const server = Date.parse(iso || "");
    if (!isNaN(server)) skew = Date.now() - server;
  }
  function format(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return h ? `${h}:${two(m)}:${two(s % 60)}` : `${two(m)}:${two(s % 60)}`;
  }
  function tick() {
    const now = Date.now() - skew;
    for (const time of body.querySelectorAll("time[data-since]")) {
      const since = Date.parse(time.dataset.since);
      if (!isNaN(since)) time.textContent = format(now - since);
    }
  }

  async function refresh() {
    try {
      if (!document.hidden) {
        const response = await fetch(table.dataset.floor, {credentials: "same-origin", headers: {"Accept": "application/json"}});
        if (response.status === 401) { window.location.reload(); return; }
        if (response.ok) {
          const data = await response.json();
          setServerNow(data.now);
          body.innerHTML = data.rows;  // rendered and escaped by the server's template
          tick();
          if (asOf) {
            asOf.dateTime = data.as_of;
            asOf.textContent = clock.format(new Date(data.as_of));
          }
        }
      }
    } catch (e) { /* the network hiccuped: try again */ }
    window.setTimeout(refresh, every);
  }
  setServerNow(table.dataset.serverNow);
  tick();
  window.setInterval(tick, 1000);
  window.setTimeout(refresh, every);
})();
