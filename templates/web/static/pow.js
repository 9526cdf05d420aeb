// Proof of work for the public form past its rate limit (see dsr/security/pow.py): find n such
// that SHA-256("<challenge>:<n>") starts with `difficulty` zero bits, then send the form.
(function () {
  "use strict";
  var form = document.getElementById("pow-form");
  if (!form || !window.crypto || !window.crypto.subtle) { return; }
  var challenge = form.querySelector("[name=pow_challenge]").value;
  var difficulty = parseInt(form.getAttribute("data-pow-difficulty"), 10);
  var status = document.getElementById("pow-status");
  var encoder = new TextEncoder();

  function zeroBits(bytes) {
    var bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { bits += 8; continue; }
      for (var b = 7; b >= 0; b--) { if (bytes[i] & (1 << b)) { return bits; } bits++; }
    }
    return bits;
  }

  function attempt(n) {
    return window.crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + n))
      .then(function (digest) { return zeroBits(new Uint8Array(digest)) >= difficulty; });
  }

  function search(start) {
    var batch = [];
    for (var n = start; n < start + 500; n++) { batch.push(attempt(n)); }
    return Promise.all(batch).then(function (found) {
      var hit = found.indexOf(true);
      return hit >= 0 ? start + hit : search(start + 500);
    });
  }

  form.addEventListener("submit", function (event) {
    var solution = form.querySelector("[name=pow_solution]");
    if (solution.value) { return; }
    event.preventDefault();
    if (status) { status.hidden = false; }
    search(0).then(function (n) { solution.value = String(n); form.submit(); });
  });
})();
