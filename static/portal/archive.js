// The archive batch page's progress bar: polls the batch's progress (JSON) until the batch is finished, then
// reloads the page once so its table shows the final state. Wired by data-archive-progress; no inline script.
(function () {
  "use strict";
  var INTERVAL_MS = 1500;

  function fill(template, values) {
    return template.replace(/%+\((\w+)\)s/g, function (whole, name) {
      return name in values ? String(values[name]) : whole;
    });
  }

  function show(card, progress) {
    var bar = card.querySelector("[data-archive-bar]");
    var meter = card.querySelector("[role=progressbar]");
    var status = card.querySelector("[data-archive-status]");
    var counts = card.querySelector("[data-archive-counts]");
    bar.style.width = progress.percent + "%";
    bar.textContent = progress.percent + "%";
    meter.setAttribute("aria-valuenow", String(progress.percent));
    status.textContent = progress.status_label;
    if (counts && counts.getAttribute("data-template")) {
      counts.textContent = fill(counts.getAttribute("data-template"), progress);
    }
  }

  function follow(card) {
    var url = card.getAttribute("data-archive-progress");
    function poll() {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (progress) {
          if (!progress) { window.setTimeout(poll, INTERVAL_MS * 2); return; }
          show(card, progress);
          if (progress.finished) { window.location.reload(); return; }
          window.setTimeout(poll, INTERVAL_MS);
        })
        .catch(function () { window.setTimeout(poll, INTERVAL_MS * 2); });
    }
    window.setTimeout(poll, INTERVAL_MS);
  }

  function start() {
    document.querySelectorAll("[data-archive-progress]").forEach(function (card) {
      if (card.getAttribute("data-finished") !== "1") { follow(card); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
