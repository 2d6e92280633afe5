// Runs in <head> before the first paint so a dark page never flashes white: the saved
// choice wins, otherwise the system preference decides.
(function () {
  "use strict";
  var saved = null;
  try {
    saved = window.localStorage.getItem("sprintsync-theme");
  } catch (e) {
    saved = null; // storage can be disabled; fall back to the system preference
  }
  var dark = saved ? saved === "dark" : window.matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.classList.toggle("dark", dark);
})();
