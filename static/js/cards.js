// The paper card's live warning: as the typist types, ask the server which stored accounts
// the card looks like (GET /cards/similar, the import's own matching) and list them, each
// with "open it", "edit this account instead" and "it is another company". The list is the
// same markup the check step renders without JavaScript; the boxes ticked stay ticked.
// Every value from the server is put in the page as text, never as HTML.
(function () {
  "use strict";
  const form = document.querySelector("form[data-card-form]");
  const panel = document.getElementById("similar");
  if (!form || !panel || !panel.dataset.url) return;
  const list = panel.querySelector("[data-similar-list]");
  const empty = panel.querySelector("[data-similar-empty]");
  const WATCHED = ["company_name", "legal_form", "street", "house_number", "postcode", "municipality",
    "province", "vat_number", "tax_code", "phone", "phone_2", "mobile", "email"];
  let timer = null;
  let asked = 0;

  const ticked = () => new Set(Array.from(form.querySelectorAll("input[name=another]:checked"), (box) => box.value));

  function text(tag, value, className) {
    const el = document.createElement(tag);
    el.textContent = value;
    if (className) el.className = className;
    return el;
  }

  function link(href, label, newTab) {
    const a = text("a", label);
    a.href = href;
    if (newTab) { a.target = "_blank"; a.rel = "noopener"; }
    return a;
  }

  function item(candidate, chosen) {
    const li = document.createElement("li");
    li.dataset.id = String(candidate.id);
    li.setAttribute("data-testid", "similar-account");
    const name = panel.dataset.looksLike.replace("{name}", candidate.name).replace("{place}", candidate.place || "—");
    li.append(text("p", name, "similar-name"));
    const why = text("p", "", "muted");
    if (candidate.same_vat) why.append(text("strong", panel.dataset.sameVat), " · ");
    why.append(candidate.reasons.join(", "));
    li.append(why);
    const actions = text("p", "", "similar-actions");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = "another";
    box.value = String(candidate.id);
    box.setAttribute("form", "card-form");
    box.checked = chosen.has(box.value);
    const label = document.createElement("label");
    label.append(box, " ", panel.dataset.another);
    actions.append(link(candidate.open_url, panel.dataset.open, true), " · ",
      link(candidate.edit_url, panel.dataset.edit, false), " · ", label);
    li.append(actions);
    li.classList.toggle("declared", box.checked);
    return li;
  }

  async function refresh() {
    const ticket = ++asked;
    const query = new URLSearchParams();
    for (const name of WATCHED) {
      const field = form.elements.namedItem(name);
      if (field && field.value.trim()) query.set(name, field.value);
    }
    if (panel.dataset.account) query.set("account", panel.dataset.account);
    if (!query.get("company_name")) return;
    try {
      const response = await fetch(panel.dataset.url + "?" + query.toString(),
        { credentials: "same-origin", headers: { "Accept": "application/json" } });
      if (!response.ok || ticket !== asked) return; // a newer answer is on its way
      const data = await response.json();
      if (ticket !== asked) return;
      const chosen = ticked();
      list.replaceChildren(...data.candidates.map((c) => item(c, chosen)));
      empty.hidden = data.candidates.length > 0;
      panel.dataset.state = "answered";
    } catch (e) { /* offline for a moment: the check step lists them all the same */ }
  }

  form.addEventListener("input", (event) => {
    if (!WATCHED.includes(event.target.name)) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  });
  panel.addEventListener("change", (event) => {
    if (event.target.name === "another") event.target.closest("li").classList.toggle("declared", event.target.checked);
  });
})();
