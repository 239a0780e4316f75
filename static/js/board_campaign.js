// A campaign's board page refreshes its figures by itself: every few seconds it asks for
// the parts the server rendered once for all open boards, and puts them in place,
// keeping the order each table was sorted in. No framework; if a request fails the
// figures stay and the next one tries again. The floor, callbacks and forms are left
// alone: a supervisor may be typing in them.
(function () {
  "use strict";
  const hint = document.querySelector("[data-figures-url]");
  if (!hint) return;
  const every = 1000 * Number(hint.dataset.refresh || 5);
  const asOf = document.querySelector("[data-figures-as-of]");
  // The data says when in UTC (ISO 8601); the page shows the time where the centre is.
  const lang = document.documentElement.lang || "it";
  const clock = asOf && new Intl.DateTimeFormat(lang, {hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZone: asOf.dataset.timeZone});

  async function refresh() {
    try {
      if (!document.hidden) {
        const response = await fetch(hint.dataset.figuresUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}});
        if (response.ok) {
          const data = await response.json();
          for (const part of document.querySelectorAll("[data-figures-part]")) {
            const html = data[part.dataset.figuresPart];
            if (typeof html !== "string") continue;
            const sorted = window.QualificaSortable ? window.QualificaSortable.state(part) : [];
            part.innerHTML = html;  // rendered and escaped by the server's templates
            if (window.QualificaSortable) window.QualificaSortable.init(part, sorted);
          }
          if (asOf) {
            asOf.dateTime = data.as_of;
            asOf.textContent = clock.format(new Date(data.as_of));
          }
        }
      }
    } catch (e) { /* the network hiccuped: try again */ }
    window.setTimeout(refresh, every);
  }
  window.setTimeout(refresh, every);
})();
