// The segment builder's live count: as filters change, ask the server for the count and
// the plan, and show them; without JavaScript the "Count" button does the same.
(function () {
  "use strict";
  const form = document.getElementById("segment-form");
  if (!form) return;
  const show = (id, value) => {
    const el = document.getElementById(id);
    if (el && value !== null && value !== undefined) el.textContent = Number(value).toLocaleString();
  };
  let timer = null;
  let asked = 0;
  async function refresh() {
    const ticket = ++asked;
    const query = new URLSearchParams(new FormData(form)).toString();
    try {
      const response = await fetch(form.dataset.count + "?" + query, {credentials: "same-origin", headers: {"Accept": "application/json"}});
      if (!response.ok || ticket !== asked) return;  // a newer answer is on its way
      const data = await response.json();
      show("plan-matching", data.matching);
      show("plan-salespeople", data.salespeople);
      show("plan-needed", data.qualified_needed);
      show("plan-to-call", data.to_call);
      const coverage = document.getElementById("plan-coverage");
      if (coverage) {
        coverage.textContent = data.coverage === null ? ""
          : coverage.dataset.template.replace("{share}", Math.round(data.coverage * 100) + " %");
      }
      history.replaceState(null, "", "?" + query);
    } catch (e) { /* offline for a moment: the Count button still works */ }
  }
  form.addEventListener("change", () => { window.clearTimeout(timer); timer = window.setTimeout(refresh, 250); });
  form.addEventListener("input", () => { window.clearTimeout(timer); timer = window.setTimeout(refresh, 400); });
})();
