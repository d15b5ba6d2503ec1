// Live call list: reload every minute while the tab is visible. No inline script (strict CSP).
// The reload says it is one (refresh=auto): it must not count as the officer's activity, or an
// unattended screen would keep the session alive past the idle timeout.
"use strict";
(function () {
  var PERIOD_MS = 60000;
  window.setInterval(function () {
    if (document.visibilityState === "visible") {
      var url = new URL(window.location.href);
      url.searchParams.set("refresh", "auto");
      window.location.replace(url.toString());
    }
  }, PERIOD_MS);
})();
