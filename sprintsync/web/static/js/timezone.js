// Fills every `input[data-browser-zone]` with the browser's IANA time zone, so a new
// account starts in the right zone (sign-up). A separate file: the CSP forbids inline script.
(function () {
  "use strict";

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      return "";
    }
  }

  function fill() {
    var zone = browserZone();
    var fields = document.querySelectorAll("input[data-browser-zone]");
    for (var i = 0; i < fields.length; i++) {
      if (!fields[i].value) fields[i].value = zone;
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fill);
  else fill();
})();
