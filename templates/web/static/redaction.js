// The redaction viewer: a text selected inside one field's text fills the selection form
// with the field and the character offsets (counted in code points, as the server counts),
// and a suggestion's row highlights its place in the text. Without this script the
// per-field form (type the exact text) does the same.
(function () {
  "use strict";
  var form = document.getElementById("selection-form");
  var hint = document.getElementById("selection-hint");
  if (!form) { return; }
  if (hint) { hint.hidden = false; }

  function length(text) { return Array.from(text).length; }

  function offsetIn(field, node, offset) {
    var range = document.createRange();
    range.selectNodeContents(field);
    range.setEnd(node, offset);
    return length(range.toString());
  }

  function fieldOf(node) {
    var el = node && (node.nodeType === 1 ? node : node.parentElement);
    return el ? el.closest(".doc-text") : null;
  }

  function set(name, value) { form.elements[name].value = value; }

  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { return; }
    var range = selection.getRangeAt(0);
    var field = fieldOf(range.startContainer);
    if (!field || field !== fieldOf(range.endContainer)) { return; }
    var start = offsetIn(field, range.startContainer, range.startOffset);
    var end = offsetIn(field, range.endContainer, range.endOffset);
    var text = range.toString();
    // leave white space at either end out, as a person means the word
    var lead = length(text) - length(text.replace(/^\s+/, ""));
    var trail = length(text) - length(text.replace(/\s+$/, ""));
    start += lead; end -= trail;
    if (end <= start) { return; }
    set("system", field.dataset.system); set("table", field.dataset.table);
    set("key", field.dataset.key); set("column", field.dataset.column);
    set("start", String(start)); set("end", String(end));
    document.getElementById("selection-preview").textContent = text.trim();
    form.hidden = false;
  });

  document.querySelectorAll(".suggestion").forEach(function (row) {
    var id = row.id.replace(/^suggestion-/, "");
    var marks = document.querySelectorAll('mark[data-suggestion="' + id + '"]');
    row.addEventListener("mouseenter", function () {
      marks.forEach(function (m) { m.classList.add("focus"); });
    });
    row.addEventListener("mouseleave", function () {
      marks.forEach(function (m) { m.classList.remove("focus"); });
    });
  });
}());
