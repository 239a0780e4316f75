// The review queues (doubts one at a time, duplicate pairs): one plain key per decision,
// and the next item swapped in without reloading the page. Without this script the same
// forms and links work as they are (a form, then the next item's page).
//
// An element answers to a key by its data-review-key attribute (the keys are in
// app/workspace/keys.py; the page lists them). Keys never fire while the reviewer types in
// a field: there, Esc leaves the field. A form or link marked data-review is sent with
// fetch; its answer (the next item's page, after the server's redirect) replaces <main>.
(() => {
  "use strict";
  let busy = false;

  const typing = (el) =>
    el instanceof Element &&
    el.matches("input:not([type=checkbox]):not([type=radio]):not([type=submit]):not([type=button]), textarea, select, [contenteditable]");

  function settle() {
    // Focus where the reviewer continues: a refused correction, else the page itself.
    const main = document.querySelector("main");
    const refused = main.querySelector("[aria-invalid=true]");
    if (refused) { refused.focus(); refused.select(); } else main.focus({ preventScroll: true });
  }

  async function swap(response) {
    const type = response.headers.get("Content-Type") || "";
    if (!type.startsWith("text/html")) throw new Error(`unexpected answer: ${type}`);
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const main = page.querySelector("main");
    if (!main) throw new Error("no <main> in the answer");
    document.querySelector("main").replaceWith(document.adoptNode(main));
    document.title = page.title;
    history.replaceState(null, "", response.url);
    settle();
  }

  async function send(url, init, fallback) {
    if (busy) return;
    busy = true;
    document.documentElement.setAttribute("aria-busy", "true");
    try {
      await swap(await fetch(url, { credentials: "same-origin", ...init }));
    } catch (error) {
      fallback(); // the plain way: a full page load, which shows any error itself
    } finally {
      busy = false;
      document.documentElement.removeAttribute("aria-busy");
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("form[data-review]")) return;
    event.preventDefault();
    const submitter = event.submitter;
    const body = new FormData(form, submitter);
    send(form.action, { method: "POST", body }, () => {
      delete form.dataset.review;
      form.requestSubmit(submitter);
    });
  });

  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element && event.target.closest("a[data-review]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    send(link.href, {}, () => window.location.assign(link.href));
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.key.length !== 1) return;
    const key = event.key.toLowerCase();
    const target = Array.from(document.querySelectorAll(`[data-review-key="${CSS.escape(key)}"]`))
      .find((el) => el.getClientRects().length > 0 && !el.disabled);
    if (!target) return;
    event.preventDefault();
    if (busy) return; // one decision at a time: the next item is on its way
    if (typing(target)) { target.focus(); target.select(); } else target.click();
  });
})();
