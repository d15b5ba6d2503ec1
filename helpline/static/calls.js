// Live call list: reload every minute while the tab is visible. No inline script (strict CSP).
"use strict";
(function () {
  var PERIOD_MS = 60000;
  window.setInterval(function () {
    if (document.visibilityState === "visible") {
      window.location.reload();
    }
  }, PERIOD_MS);
})();
