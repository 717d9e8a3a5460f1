// Draws the metrics page's charts: each score as a bar with its 95 % interval as a pale band behind it.
// The table beside the charts holds every figure; the charts only help the eye.
(function () {
  "use strict";
  var source = document.getElementById("metrics-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var accent = "#1a62d6";
  document.body.classList.add("charts-on");

  document.querySelectorAll("canvas[data-metric]").forEach(function (canvas) {
    var series = data[canvas.dataset.metric];
    if (!series || !series.labels.length) {
      return;
    }
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: series.labels,
        datasets: [
          { label: series.label, data: series.values, backgroundColor: accent, barPercentage: 0.4, order: 1 },
          // Floating bars [low, high]: Chart.js draws an array value as a bar between its ends.
          { label: data.interval_label, data: series.ranges, backgroundColor: "rgba(31, 111, 235, 0.18)",
            grouped: false, barPercentage: 0.9, order: 2 },
        ],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: {
          y: { suggestedMin: series.min, suggestedMax: series.max, title: { display: true, text: series.title } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              afterBody: function (items) {
                return items.length ? "n = " + series.counts[items[0].dataIndex] : "";
              },
            },
          },
        },
      },
    });
  });
})();
