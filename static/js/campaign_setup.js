// The campaign pages' small helpers, none of which the pages need to work: without this
// script the forms offer blank rows to fill and number fields to reorder.
// - [data-add-row=X] adds one more row to [data-rows=X] (a calling window, a closed date,
//   an outcome), numbered after the last, blank;
// - [data-move=up|down] moves an outcome row and renumbers the order fields.
(function () {
  "use strict";

  function rows(container) {
    return Array.from(container.querySelectorAll(":scope > [data-row]"));
  }

  function renumber(element, index) {
    // FieldList names: "hours-mon-2-start", "outcomes-3-code": the first -N- is the row.
    for (const node of element.querySelectorAll("[name], [id], label[for]")) {
      for (const attribute of ["name", "id", "for", "aria-describedby"]) {
        const value = node.getAttribute(attribute);
        if (value) node.setAttribute(attribute, value.replace(/-\d+-/, "-" + index + "-"));
      }
    }
    for (const label of element.querySelectorAll("label.visually-hidden")) {
      label.textContent = label.textContent.replace(/\d+/, String(index + 1));
    }
  }

  function blank(row) {
    for (const input of row.querySelectorAll("input, select")) {
      if (input.type === "checkbox") input.checked = false;
      else if (input.tagName === "SELECT") input.selectedIndex = 0;
      else input.value = "";
      input.removeAttribute("aria-invalid");
    }
    for (const node of row.querySelectorAll(".errors, legend code")) node.remove();
    for (const node of row.querySelectorAll(".has-error")) node.classList.remove("has-error");
  }

  function renumberPositions(container) {
    rows(container).forEach(function (row, n) {
      const position = row.querySelector("input[name$='-position']");
      if (position) position.value = String(n + 1);
      const legend = row.querySelector("legend");
      if (legend && legend.firstChild) {
        legend.firstChild.textContent = legend.firstChild.textContent.replace(/\d+/, String(n + 1));
      }
    });
  }

  for (const button of document.querySelectorAll("[data-add-row]")) {
    const container = document.querySelector(`[data-rows="${button.dataset.addRow}"]`);
    if (!container) continue;
    button.hidden = false;
    button.addEventListener("click", function () {
      const existing = rows(container);
      const last = existing[existing.length - 1];
      const row = last.cloneNode(true);
      renumber(row, existing.length);
      blank(row);
      container.insertBefore(row, button);
      renumberPositions(container);
      const first = row.querySelector("input[name$='-code']") ||
        row.querySelector("input:not([type=hidden]):not([type=checkbox]), select");
      if (first) first.focus();
    });
  }

  for (const button of document.querySelectorAll("[data-move]")) {
    button.hidden = false;
    button.addEventListener("click", function () {
      const row = button.closest("[data-row]");
      const container = row.parentElement;
      if (button.dataset.move === "up" && row.previousElementSibling) {
        container.insertBefore(row, row.previousElementSibling);
      } else if (button.dataset.move === "down" && row.nextElementSibling &&
                 row.nextElementSibling.hasAttribute("data-row")) {
        container.insertBefore(row.nextElementSibling, row);
      }
      renumberPositions(container);
      button.focus();
    });
  }
})();
