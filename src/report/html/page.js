// Script errors are recorded on the root element, so a headless browser test can see them.
(function () {
  var root = document.documentElement;
  window.addEventListener("error", function (e) {
    var seen = root.getAttribute("data-js-errors");
    root.setAttribute("data-js-errors", (seen ? seen + " | " : "") + (e.message || "error"));
  });
  // Click a column heading to sort by it (numbers by their data-sort value); footer rows stay.
  function sortBy(th) {
    var table = th.closest("table"), body = table.tBodies[0];
    var column = Array.prototype.indexOf.call(th.parentNode.children, th);
    var asc = !th.classList.contains("sorted-asc");
    Array.prototype.forEach.call(th.parentNode.children, function (h) { h.classList.remove("sorted-asc", "sorted-desc"); });
    th.classList.add(asc ? "sorted-asc" : "sorted-desc");
    var key = function (row) {
      var cell = row.children[column];
      if (!cell) return "";
      var n = cell.getAttribute("data-sort");
      return n !== null ? parseFloat(n) : cell.textContent.trim().toLowerCase();
    };
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      var c = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y));
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  window.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable th").forEach(function (th) {
      th.addEventListener("click", function () { sortBy(th); });
    });
  });
  // Each chart's drawn size, for tests and for anyone inspecting the page.
  window.addEventListener("load", function () {
    document.querySelectorAll("svg.chart").forEach(function (svg) {
      var box = svg.getBoundingClientRect();
      svg.setAttribute("data-width", Math.round(box.width));
      svg.setAttribute("data-height", Math.round(box.height));
    });
    root.setAttribute("data-charts-measured", document.querySelectorAll("svg.chart").length);
  });
})();
