// Draws the charts of the usage report from the figures the page embeds (json_script "report-charts").
(function () {
  var data = JSON.parse(document.getElementById("report-charts").textContent);
  var brand = "#1f4e79", accent = "#c55a11";
  function bars(id, labels, datasets, horizontal) {
    var canvas = document.getElementById(id);
    if (!canvas || !window.Chart) { return; }
    if (horizontal) {  // one bar a line, whatever the number of agencies or units
      canvas.parentNode.style.height = (60 + (16 + 10 * datasets.length) * Math.max(labels.length, 1)) + "px";
    }
    new window.Chart(canvas, {
      type: "bar",
      data: {labels: labels, datasets: datasets},
      options: {
        indexAxis: horizontal ? "y" : "x", responsive: true, animation: false,
        maintainAspectRatio: !horizontal,
        plugins: {legend: {display: datasets.length > 1}},
        scales: horizontal ? {x: {min: 0, max: 100}} : {y: {beginAtZero: true, ticks: {precision: 0}}}
      }
    });
  }
  bars("chart-months", data.months.labels, [
    {label: data.months.issuedLabel, data: data.months.issued, backgroundColor: brand},
    {label: data.months.receivedLabel, data: data.months.received, backgroundColor: accent}
  ], false);
  bars("chart-agencies", data.agencies.labels, [
    {label: data.agencies.label, data: data.agencies.values, backgroundColor: brand}
  ], true);
  bars("chart-units", data.units.labels, [
    {label: data.units.label, data: data.units.values, backgroundColor: accent}
  ], true);
  if (data.evaluation) {
    var colours = ["#1f4e79", "#c55a11", "#548235", "#7f6000"];
    bars("chart-evaluation", data.evaluation.labels, data.evaluation.datasets.map(function (set, n) {
      return {label: set.label, data: set.values, backgroundColor: colours[n % colours.length]};
    }), true);
  }
})();
