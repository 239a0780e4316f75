// The call script form, on the agent's desk and in a script's preview: a question or a
// section is shown only while its condition holds (branching, as app/scripting/branching.py
// decides on the server), and a fleet table takes more rows. Loaded before desk.js, which
// adds what only a real call does (drafts, lease, checks as typed, outcomes).
(function () {
  "use strict";

  function setUp(form) {
    // ---- branching: show a question or section only when its condition holds ----
    function valueOf(qid) {
      // Hidden questions are disabled: like the server, treat them as unanswered.
      const els = Array.from(form.querySelectorAll(`[name="a.${qid}"]`)).filter((e) => !e.disabled);
      if (!els.length) return null;
      const first = els[0];
      if (first.type === "checkbox") {
        return Array.from(els).filter((e) => e.checked).map((e) => e.value);
      }
      if (first.type === "radio") {
        const checked = Array.from(els).find((e) => e.checked);
        return checked ? checked.value : null;
      }
      return first.value === "" ? null : first.value;
    }

    function holds(cond) {
      if (cond.all) return cond.all.every(holds);
      if (cond.any) return cond.any.some(holds);
      const value = valueOf(cond.question);
      const values = Array.isArray(value) ? value : value === null ? [] : [value];
      if ("equals" in cond) return values.includes(String(cond.equals));
      if ("not_equals" in cond) return !values.includes(String(cond.not_equals));
      if ("in" in cond) return cond.in.map(String).some((v) => values.includes(v));
      return true;
    }

    function applyBranching() {
      // Document order: a section is decided before the questions inside it.
      for (const el of form.querySelectorAll("[data-show-if]")) {
        const parentHidden = el.parentElement.closest("[data-show-if][hidden]") !== null;
        const visible = !parentHidden && holds(JSON.parse(el.dataset.showIf));
        el.hidden = !visible;
        // Hidden answers are neither sent nor required.
        for (const input of el.querySelectorAll("input, select, textarea")) {
          input.disabled = !visible;
        }
      }
    }

    form.addEventListener("input", applyBranching);
    form.addEventListener("change", applyBranching);

    // ---- fleet table: one more row, numbered after the last ----
    for (const button of form.querySelectorAll("[data-add-row]")) {
      button.addEventListener("click", () => {
        const body = form.querySelector(`table[data-fleet="${button.dataset.addRow}"] tbody`);
        const rows = body.querySelectorAll("tr");
        if (rows.length >= 20) return;
        const last = rows[rows.length - 1];
        const row = last.cloneNode(true);
        const n = rows.length;
        for (const input of row.querySelectorAll("input, select")) {
          input.name = input.name.replace(/\.\d+\.(\w+)$/, `.${n}.$1`);
          input.setAttribute("aria-label", input.getAttribute("aria-label").replace(/\d+$/, String(n + 1)));
          input.value = "";
        }
        body.appendChild(row);
        row.querySelector("select").focus();
      });
    }

    // ---- a preview sends nothing ----
    if ("preview" in form.dataset) {
      form.addEventListener("submit", (event) => event.preventDefault());
    }

    applyBranching();
  }

  for (const form of document.querySelectorAll("form[data-script-form]")) setUp(form);
})();
