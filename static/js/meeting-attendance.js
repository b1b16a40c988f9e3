// The live attendance of a meeting page: the element with data-poll-url is refreshed from that URL every
// data-poll-seconds seconds (its aria-live region announces the change). Stops while the tab is hidden.
(function () {
  "use strict";
  document.querySelectorAll("[data-poll-url]").forEach(function (region) {
    var url = region.getAttribute("data-poll-url");
    var seconds = parseInt(region.getAttribute("data-poll-seconds"), 10) || 5;
    function refresh() {
      if (document.hidden) { return; }
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html !== null && html.trim() !== region.innerHTML.trim()) { region.innerHTML = html; }
        })
        .catch(function () { /* the next round tries again */ });
    }
    window.setInterval(refresh, seconds * 1000);
  });
})();
