// The public form came back with mistakes: move the focus to the summary at its top, so a
// screen reader reads it first and a keyboard user tabs on to its links (WCAG 3.3.1).
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
