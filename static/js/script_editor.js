// The call script editor: line numbers kept beside the text as it changes, and a problem's
// "line, column" link puts the cursor there. Without this file the page still works: the
// numbers are those of the text as it was sent.
(function () {
  "use strict";
  const box = document.querySelector("[data-editor]");
  if (!box) return;
  const text = box.querySelector("textarea");
  const gutter = box.querySelector("[data-gutter]");
  let shown = 0;

  function lineCount() {
    return text.value.split("\n").length;
  }

  function renumber() {
    const lines = lineCount();
    if (lines !== shown) {
      const numbers = [];
      for (let n = 1; n <= lines; n += 1) numbers.push(n);
      gutter.textContent = numbers.join("\n") + "\n";
      shown = lines;
    }
    // The text grows with its lines, so the box scrolls both columns together.
    text.rows = lines + 3;
  }

  function offsetOf(line, column) {
    const lines = text.value.split("\n");
    let offset = 0;
    for (let n = 0; n < Math.min(line - 1, lines.length); n += 1) offset += lines[n].length + 1;
    const own = lines[Math.min(line, lines.length) - 1] || "";
    return {start: offset + Math.min(Math.max(column - 1, 0), own.length), end: offset + own.length};
  }

  function goTo(line, column) {
    const where = offsetOf(line, column);
    text.focus();
    text.setSelectionRange(where.start, where.end);
    const height = parseFloat(getComputedStyle(text).lineHeight) || 20;
    box.scrollTop = Math.max(0, (line - 4) * height);
  }

  text.addEventListener("input", renumber);
  for (const link of document.querySelectorAll("a[data-line]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      goTo(Number(link.dataset.line), Number(link.dataset.column));
    });
  }
  renumber();
})();
