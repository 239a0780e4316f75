// Tables that sort by a column when its header is clicked (or Enter/Space on it):
// numbers by the cell's data-sort value, text by the language's order. The header says
// how the table is sorted (aria-sort) for screen readers. No framework.
// QualificaSortable.state(root) / .init(root, state): a part of the page refreshed in
// place (static/js/board_campaign.js) keeps the order its reader chose.
(function () {
  "use strict";
  const lang = document.documentElement.lang || "it";
  const collator = new Intl.Collator(lang, {numeric: true, sensitivity: "base"});

  function value(row, index) {
    const cell = row.cells[index];
    if (!cell) return "";
    return cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
  }

  function compare(a, b) {
    const x = parseFloat(a), y = parseFloat(b);
    const numbers = a !== "" && b !== "" && !isNaN(x) && !isNaN(y);
    if (numbers) return x - y;
    if (a === "" || b === "") return (a === "") - (b === "");  // no figure: last
    return collator.compare(a, b);
  }

  function sortBy(table, headers, index, ascending) {
    headers.forEach((other) => other.removeAttribute("aria-sort"));
    headers[index].setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    rows.sort((r1, r2) => compare(value(r1, index), value(r2, index)) * (ascending ? 1 : -1));
    rows.forEach((row) => body.appendChild(row));
  }

  function tables(root) {
    return Array.from(root.querySelectorAll("table.sortable"));
  }

  function init(root, state) {
    tables(root).forEach((table, position) => {
      const headers = table.tHead ? Array.from(table.tHead.rows[0].cells) : [];
      headers.forEach((th, index) => {
        if (!th.textContent.trim()) return;
        const button = document.createElement("button");
        button.type = "button";
        button.className = "sort";
        button.textContent = th.textContent;
        th.textContent = "";
        th.appendChild(button);
        button.addEventListener("click", () => {
          sortBy(table, headers, index, th.getAttribute("aria-sort") !== "ascending");
        });
      });
      const kept = (state || []).find((s) => s.position === position);
      if (kept && headers[kept.index]) sortBy(table, headers, kept.index, kept.ascending);
    });
  }

  function state(root) {
    const found = [];
    tables(root).forEach((table, position) => {
      const headers = table.tHead ? Array.from(table.tHead.rows[0].cells) : [];
      const index = headers.findIndex((th) => th.hasAttribute("aria-sort"));
      if (index >= 0) {
        found.push({position, index, ascending: headers[index].getAttribute("aria-sort") === "ascending"});
      }
    });
    return found;
  }

  window.QualificaSortable = {init, state};
  init(document, []);
})();
