/* Sortable tables for the analytics pages (no library): click a column header to
   sort by it; click again to reverse. Cells carry data-sort (numbers) so 12,345
   and 45.6% sort as numbers; suppressed cells ("<5") sort as the smallest. */
(function () {
  "use strict";
  function value(cell) {
    var raw = cell.getAttribute("data-sort");
    if (raw === null) raw = cell.textContent.trim();
    if (raw === "") return { n: -Infinity, s: "" };
    var n = Number(raw);
    return isFinite(n) ? { n: n, s: raw } : { n: null, s: raw };
  }
  function sortTable(table, col, th) {
    var tbody = table.tBodies[0];
    if (!tbody) return;
    var rows = Array.prototype.slice.call(tbody.rows);
    if (rows.length < 2) return;
    var asc = th.getAttribute("aria-sort") !== "ascending";
    rows.sort(function (a, b) {
      var x = value(a.cells[col]), y = value(b.cells[col]);
      var r = (x.n !== null && y.n !== null) ? (x.n - y.n) : x.s.localeCompare(y.s, "ko");
      return asc ? r : -r;
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    if (!table.tHead) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      var btn = th.querySelector("button");
      if (btn) btn.addEventListener("click", function () { sortTable(table, i, th); });
    });
  });
})();
