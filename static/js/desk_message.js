// The supervisor's line on the desk: shown as the heartbeat brings it (desk_home.js, and
// the call screen's lease renewal in desk.js), hidden once the agent clicks "Read", which
// the next heartbeat tells the server (sent at once).
(function () {
  "use strict";
  const line = document.querySelector("[data-floor-message]");
  let unsent = null; // the id of a line read, for the next heartbeat
  let beatNow = null; // the page's heartbeat, to send it at once
  window.deskMessage = {
    show(message) {
      if (!line) return;
      if (!message || String(message.id) === String(unsent)) {
        line.hidden = true;
        delete line.dataset.messageId;
        return;
      }
      line.dataset.messageId = message.id;
      line.querySelector("[data-message-from]").textContent = message.from;
      line.querySelector("[data-message-text]").textContent = message.text;
      line.hidden = false;
    },
    // The body of the next heartbeat: the line read, if any.
    body() {
      return unsent === null ? {} : {read_message: Number(unsent)};
    },
    sent(body) {
      if (body.read_message !== undefined && String(body.read_message) === String(unsent)) unsent = null;
    },
    onBeat(beat) { beatNow = beat; },
  };
  if (!line) return;
  line.querySelector("[data-message-read]").addEventListener("click", () => {
    unsent = line.dataset.messageId || null;
    line.hidden = true;
    if (beatNow) beatNow();
  });
})();
