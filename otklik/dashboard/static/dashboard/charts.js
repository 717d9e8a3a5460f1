// Draws the dashboard's charts from the JSON the page embeds; the tables stay the source of truth.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var accent = "#1a62d6";
  // Show the chart boxes before drawing, so Chart.js measures a visible canvas.
  document.body.classList.add("charts-on");

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var metric = data[canvas.dataset.chart];
    var series = metric && metric[canvas.dataset.series];
    if (!series || !series.labels.length) {
      return;
    }
    new window.Chart(canvas, {
      type: canvas.dataset.type === "line" ? "line" : "bar",
      data: {
        labels: series.labels,
        datasets: [{
          label: metric.label,
          data: series.values,
          backgroundColor: accent,
          borderColor: accent,
          tension: 0.2,
        }],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: {
          y: {
            suggestedMin: metric.min,
            suggestedMax: metric.max,
            title: { display: true, text: metric.title },
          },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              // The answer count says how much a point can be trusted.
              afterLabel: function (item) {
                return "n = " + series.counts[item.dataIndex];
              },
            },
          },
        },
      },
    });
  });
})();
