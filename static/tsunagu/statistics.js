// Draws the stacked bar chart of the statistics page from the data the server put in
// <script type="application/json" id="statistics-chart-data"> (no inline script: strict CSP).
(function () {
  "use strict";

  // Distinguishable colours, also for the common kinds of colour blindness (Okabe-Ito).
  var COLOURS = {
    phone: "#0072B2",
    walk_in: "#E69F00",
    home_visit: "#009E73",
    email: "#CC79A7",
    letter: "#56B4E9",
    agency: "#D55E00",
    web: "#F0E442",
    other: "#999999"
  };

  function draw() {
    var canvas = document.getElementById("statistics-chart");
    var source = document.getElementById("statistics-chart-data");
    if (!canvas || !source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var datasets = data.datasets.map(function (set) {
      return {
        label: set.label,
        data: set.data,
        backgroundColor: COLOURS[set.code] || "#666666",
        stack: "consultations"
      };
    });
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        animation: false,
        plugins: { legend: { position: "bottom" } },
        scales: {
          x: { stacked: true },
          y: {
            stacked: true,
            beginAtZero: true,
            ticks: { precision: 0 },
            title: { display: true, text: data.yLabel }
          }
        }
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
