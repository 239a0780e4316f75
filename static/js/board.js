// The supervisor board refreshes its figures by itself: every few seconds it asks for
// the data the server computed once for all open boards, and rewrites the cells. No
// framework; if a request fails the figures stay and the next one tries again.
(function () {
  "use strict";
  const table = document.querySelector("[data-board]");
  if (!table) return;
  const lang = document.documentElement.lang || "it";
  const formats = {
    percent: new Intl.NumberFormat(lang, {style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1}),
    decimal: new Intl.NumberFormat(lang, {minimumFractionDigits: 1, maximumFractionDigits: 1}),
    count: new Intl.NumberFormat(lang),
  };
  const asOf = document.querySelector("[data-board-as-of]");
  // The data says when in UTC (ISO 8601); the page shows the time where the centre is.
  const clock = asOf && new Intl.DateTimeFormat(lang, {hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZone: asOf.dataset.timeZone});
  const every = 1000 * Number(table.dataset.refresh || 5);

  function show(cell, value) {
    const format = formats[cell.dataset.kind || "count"];
    cell.textContent = (value === null || value === undefined) ? "–" : format.format(value);
  }

  async function refresh() {
    try {
      const response = await fetch(table.dataset.board, {credentials: "same-origin", headers: {"Accept": "application/json"}});
      if (response.ok) {
        const data = await response.json();
        for (const campaign of data.campaigns) {
          const row = table.querySelector(`tr[data-campaign="${campaign.id}"]`);
          if (!row) continue;  // a new campaign: shown at the next page load
          for (const cell of row.querySelectorAll("[data-field]")) show(cell, campaign[cell.dataset.field]);
        }
        if (asOf) {
          asOf.dateTime = data.as_of;
          asOf.textContent = clock.format(new Date(data.as_of));
        }
      }
    } catch (e) { /* the network hiccuped: try again */ }
    window.setTimeout(refresh, every);
  }
  window.setTimeout(refresh, every);
})();
