// The agent desk: autosaved drafts, lease renewal, branching, validation as typed,
// the call's moments (dial, answered, hang up), one-click-safe outcomes and keyboard
// shortcuts. No framework; served from /static.
(function () {
  "use strict";
  const form = document.getElementById("call-form");
  if (!form) return;

  const csrf = form.querySelector("input[name=csrf_token]").value;
  const status = document.getElementById("draft-status");
  const messages = JSON.parse(document.getElementById("desk-messages").textContent);
  const SAVE_DELAY_MS = 800;
  let submitted = false; // an outcome is on its way: no more drafts from this page
  const LEASE_EVERY_MS = 30000;

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(body),
      redirect: "manual",
    });
    let data = null;
    try { data = await response.json(); } catch (e) { /* not JSON */ }
    // Only a JSON answer counts: a redirect or an HTML page means the save did not happen.
    const ok = response.ok && data !== null && response.type !== "opaqueredirect";
    return {ok: ok, status: response.status, data: data || {}};
  }

  // ---- answers as the server stores them in a draft: field name -> value or list ----
  function fields() {
    const out = {};
    for (const el of form.elements) {
      if (!el.name || !el.name.startsWith("a.") || el.disabled) continue;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) {
        if (el.type === "checkbox" && !(el.name in out)) out[el.name] = [];
        continue;
      }
      if (el.type === "checkbox") {
        (out[el.name] = out[el.name] || []).push(el.value);
      } else {
        out[el.name] = el.value;
      }
    }
    const notes = form.querySelector("[name=notes]");
    return {fields: out, notes: notes ? notes.value : ""};
  }

  // Branching (which questions show) and the fleet table's rows: call_script.js, loaded
  // before this file, so its listeners run first and hidden answers are already disabled.

  // ---- draft autosave (debounced), so a crash or a reload loses nothing ----
  let timer = null;
  let saving = Promise.resolve();
  function scheduleSave() {
    clearTimeout(timer);
    timer = setTimeout(saveDraft, SAVE_DELAY_MS);
  }
  function saveDraft() {
    clearTimeout(timer);
    if (submitted) return saving;
    saving = saving.then(async () => {
      try {
        status.textContent = messages.unsaved;
        const r = await post(form.dataset.draftUrl, fields());
        status.textContent = r.ok ? messages.saved : (r.data.error || messages.notSaved);
        status.classList.toggle("warn", !r.ok);
      } catch (e) {
        status.textContent = messages.offline;
        status.classList.add("warn");
        timer = setTimeout(saveDraft, 5000); // retry until the network is back
      }
    });
    return saving;
  }

  // ---- lease: renewed every 30 s and whenever the tab is visible again ----
  // The renewal is the desk's heartbeat: it brings the supervisor's line and the
  // agent's state (a supervisor may have paused them while they previewed the account).
  const line = window.deskMessage;
  async function renewLease() {
    if (submitted) return;
    const body = line ? line.body() : {};
    try {
      const r = await post(form.dataset.leaseUrl, body);
      if (!r.ok) {
        status.textContent = r.data.error || messages.lost;
        status.classList.add("warn");
        return;
      }
      if (line) { line.sent(body); line.show(r.data.message); }
      if (r.data.state && stateBox && window.agentState && r.data.state !== stateBox.dataset.state) {
        window.agentState.show(stateBox, r.data, messages.states[r.data.state] || r.data.state);
      }
    } catch (e) { /* offline: the next tick tries again */ }
  }
  if (line) line.onBeat(renewLease);
  const leaseTimer = setInterval(renewLease, LEASE_EVERY_MS);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") renewLease();
    else saveDraft();
  });
  window.addEventListener("pagehide", () => {
    // Last chance: send the draft even while the page unloads. Not after an outcome was
    // sent: that request carries every answer, and a late draft would race its redirect.
    if (submitted) return;
    const body = new Blob([JSON.stringify(fields())], {type: "application/json"});
    clearTimeout(timer);
    fetch(form.dataset.draftUrl, {method: "POST", keepalive: true, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf},
      body: body});
  });

  // ---- validation as typed (phone, e-mail, VAT), by the server's own rules ----
  const checkTimers = new Map();
  async function check(input) {
    const box = document.getElementById(`${input.id}-error`);
    if (!box || submitted) return;
    const r = await post(form.dataset.validateUrl, {question: input.dataset.question, value: input.value});
    box.textContent = r.ok ? (r.data.error || "") : "";
    input.setAttribute("aria-invalid", r.ok && r.data.error ? "true" : "false");
    if (r.ok && r.data.normalised && input.value && !r.data.error) input.title = r.data.normalised;
  }

  // ---- the call's moments: dial (the phone link, Alt+T), answered, hang up (Alt+F) ----
  // Each is posted as it happens; the answer is the state the desk shows, its clock
  // running (agent_state.js). The phone link still opens the softphone.
  const stateBox = document.getElementById("agent-state");
  let moments = Promise.resolve();
  function sendMoment(url) {
    if (submitted || !url) return moments;
    moments = moments.then(async () => {
      try {
        const r = await post(url, {});
        if (r.ok && stateBox && window.agentState) {
          window.agentState.show(stateBox, r.data, messages.states[r.data.state] || r.data.state);
        } else if (!r.ok) {
          status.textContent = r.data.error || messages.notSaved;
          status.classList.add("warn");
        }
      } catch (e) {
        status.textContent = messages.offline;
        status.classList.add("warn");
      }
    });
    return moments;
  }
  for (const el of document.querySelectorAll("[data-moment]")) {
    el.addEventListener("click", () => { sendMoment(el.dataset.url); });
  }
  // The first answer typed while dialling means someone answered.
  const answerButton = document.querySelector("[data-moment=answer]");
  let answering = false;
  function typedWhileDialling() {
    if (answering || !stateBox || stateBox.dataset.state !== "dialling" || !answerButton) return;
    answering = true;
    sendMoment(answerButton.dataset.url).then(() => { answering = false; });
  }

  form.addEventListener("input", (event) => {
    if (submitted) return;
    typedWhileDialling();
    scheduleSave();
    const input = event.target;
    if (input.dataset && input.dataset.validate) {
      clearTimeout(checkTimers.get(input));
      checkTimers.set(input, setTimeout(() => check(input), 500));
    }
  });
  form.addEventListener("change", () => { if (!submitted) scheduleSave(); });

  // Once the outcome is sent, the call is closing: a check or a draft due later would
  // reach a closed call (409). Every pending timer is cancelled.
  function stopTimers() {
    clearTimeout(timer);
    for (const pending of checkTimers.values()) clearTimeout(pending);
    checkTimers.clear();
    clearInterval(leaseTimer);
  }

  // ---- outcomes: one submission, whatever the clicks ----
  form.addEventListener("submit", (event) => {
    if (submitted) { event.preventDefault(); return; }
    submitted = true;
    stopTimers();
    for (const b of form.querySelectorAll("button[name=outcome]")) b.setAttribute("aria-disabled", "true");
    status.textContent = messages.sending;
  });

  // ---- keyboard: Alt+letter records the outcome whose key it is ----
  // Handled here rather than with accesskey, whose modifier differs between browsers.
  // event.code names the physical key, so Option+letter on a Mac works too.
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && event.target.matches("input, textarea, select")) {
      event.target.blur(); // then Alt+letter works even where Alt types characters
      return;
    }
    if (!event.altKey || event.ctrlKey || event.metaKey || !event.code.startsWith("Key")) return;
    const key = event.code.slice(3).toLowerCase();
    // On a Mac, Option+letter types a character (é, €…): inside a text field it is typing.
    const typing = event.target.matches("input[type=text], input[type=tel], input[type=email], textarea");
    if (typing && event.key.length === 1 && event.key.toLowerCase() !== key) return;
    const button = form.querySelector(`button[name=outcome][data-key="${key}"]`);
    if (button) {
      event.preventDefault();
      button.click();
      return;
    }
    // The desk's own keys (dial, hang up, pause after this call): clicked, or focused for
    // a list. A browser that handled the element's accesskey already has prevented this.
    if (event.defaultPrevented) return;
    const own = Array.from(document.querySelectorAll(`[data-desk-key="${key}"]`))
      .find((el) => el.offsetParent !== null);
    if (!own) return;
    event.preventDefault();
    if (own.matches("select")) own.focus(); else own.click();
  });

  // ---- copy the number ----
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(button.dataset.copy);
        button.textContent = messages.copied;
      } catch (e) {
        window.prompt(messages.copyPrompt, button.dataset.copy);
      }
    });
  }

  // Start where the agent works: the first answer to correct, or the first question.
  const first = form.querySelector("[aria-invalid=true]:not([disabled])")
    || form.querySelector(".script-section input:not([type=hidden]):not([disabled]), .script-section select:not([disabled])");
  if (first) first.focus();
})();
