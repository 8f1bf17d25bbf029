// lockprof's HTML report: sortable tables and the embedded JSON report as a download. Inline in
// the page, no network. Errors are shown on the page (see the head's collector).
"use strict";
(function () {
  function value(cell) {
    var v = cell.getAttribute("data-v");
    return v === null ? cell.textContent : parseFloat(v);
  }
  function sortBy(table, th, index) {
    var body = table.tBodies[0];
    var descending = th.getAttribute("aria-sort") !== "descending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a.cells[index]), y = value(b.cells[index]);
      var order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(th.parentNode.cells, function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.title = "sort";
      th.addEventListener("click", function () { sortBy(table, th, index); });
    });
  });
  var data = document.getElementById("lockprof-report");
  var link = document.getElementById("report-json");
  if (data && link) {
    var blob = new Blob([data.textContent], { type: "application/json" });
    link.href = URL.createObjectURL(blob);
    link.hidden = false;
  }
  // Say on the page that it loaded: the browser test reads this from the DOM.
  document.documentElement.setAttribute("data-loaded", "1");
})();
