// Draws the loyalty-factor trend from the JSON the page embeds; the tables stay the source of truth.
(function () {
  "use strict";
  var source = document.getElementById("insights-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var colors = ["#1a62d6", "#c62828", "#2e7d32", "#b26a00", "#6f42c1", "#0f7b8a"];
  document.body.classList.add("charts-on");
  document.querySelectorAll("canvas[data-insights-chart]").forEach(function (canvas) {
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series, i) {
          var color = colors[i % colors.length];
          return { label: series.label, data: series.values, borderColor: color, backgroundColor: color, tension: 0.2 };
        }),
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { suggestedMin: 0, title: { display: true, text: data.title } } },
        plugins: { legend: { display: data.series.length > 1 } },
      },
    });
  });
})();
