// "Copy as text" on the stand-up page: copies the stand-up's Markdown (the readonly
// textarea's text) and says so. A separate file: the CSP forbids inline script.
(function () {
  "use strict";

  function say(text) {
    var status = document.querySelector("[data-standup-copied]");
    if (status) status.textContent = text;
  }

  function copyBySelection(area) {
    area.focus();
    area.select();
    var done = false;
    try {
      done = document.execCommand("copy");
    } catch (e) {
      done = false;
    }
    say(done ? "Copied as Markdown." : "Select the Markdown below and copy it.");
  }

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest("[data-copy-standup]");
    if (!button) return;
    var area = document.querySelector("[data-standup-text]");
    if (!area) return;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(area.value).then(
        function () {
          say("Copied as Markdown.");
        },
        function () {
          copyBySelection(area);
        }
      );
    } else {
      copyBySelection(area);
    }
  });
})();
