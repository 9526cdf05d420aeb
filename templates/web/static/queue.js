// The queue: one checkbox selects or clears every row of the page for a bulk action.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) { return; }
  var rows = function () { return document.querySelectorAll("#queue-table .row-check"); };
  all.addEventListener("change", function () {
    rows().forEach(function (box) { box.checked = all.checked; });
  });
  document.getElementById("queue-table").addEventListener("change", function (event) {
    if (!event.target.classList.contains("row-check")) { return; }
    var boxes = Array.prototype.slice.call(rows());
    all.checked = boxes.length > 0 && boxes.every(function (box) { return box.checked; });
  });
})();
