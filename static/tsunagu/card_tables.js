// On a phone, a table's rows become cards: each cell is shown under its column's heading
// instead of squeezing eight columns into 390 pixels. The headings are copied from <thead>
// into each cell's data-label (the CSS in tsunagu.css shows them below 576px). A table that
// must stay a grid (calendars, statistics) says so with class="table-grid" and scrolls instead.
(function () {
  "use strict";
  function label(table) {
    if (table.dataset.cards || table.classList.contains("table-grid")) { return; }
    var head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) { return; }
    var names = [];
    Array.prototype.forEach.call(head.cells, function (cell) {
      for (var i = 0; i < (cell.colSpan || 1); i++) { names.push(cell.textContent.trim()); }
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (!cell.hasAttribute("data-label") && names[column]) {
            cell.setAttribute("data-label", names[column]);
          }
          column += cell.colSpan || 1;
        });
      });
    });
    table.dataset.cards = "1";
    table.classList.add("table-cards");
  }
  function all(root) {
    (root || document).querySelectorAll("main table.table").forEach(label);
  }
  document.addEventListener("DOMContentLoaded", function () { all(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    event.target.querySelectorAll("table.table").forEach(function (t) {
      delete t.dataset.cards;
      label(t);
    });
    var table = event.target.closest && event.target.closest("table.table");
    if (table) { delete table.dataset.cards; label(table); }
  });
})();
