// A job's progress bar: polls the job's status every second and reloads the page when
// the job ends (the page then shows its report or its failure). No framework.
(function () {
  "use strict";
  const box = document.querySelector("[data-job]");
  if (!box) return;
  const bar = box.querySelector("progress");
  const text = box.querySelector("#progress-text");
  const steps = JSON.parse(text.dataset.steps || "{}");
  const format = (n) => (n === null || n === undefined) ? "…" : Number(n).toLocaleString();

  async function poll() {
    let data = null;
    try {
      const response = await fetch(box.dataset.job, {credentials: "same-origin", headers: {"Accept": "application/json"}});
      if (response.ok) data = await response.json();
    } catch (e) { /* the network hiccuped: try again */ }
    if (data) {
      if (data.status === "finished" || data.status === "failed") {
        window.location.reload();
        return;
      }
      bar.value = data.percent;
      bar.textContent = data.percent + " %";
      if (data.status === "running") {
        text.textContent = text.dataset.template
          .replace("{done}", format(data.progress))
          .replace("{total}", format(data.total))
          .replace("{step}", steps[data.message] || data.message || "");
      }
    }
    window.setTimeout(poll, 1000);
  }
  window.setTimeout(poll, 500);
})();
