// Draws the reports page's charts with Chart.js (vendored), fed by the /api/v1/stats
// endpoints named in each canvas's data-source. Colours follow the light or dark theme and
// change with it; clicking a bar opens the entries behind it. No inline script (CSP).
(function () {
  "use strict";

  var PALETTE = ["#4f46e5", "#0891b2", "#16a34a", "#ea580c", "#db2777", "#7c3aed", "#ca8a04", "#0d9488"];
  var charts = [];

  function isDark() {
    return document.documentElement.classList.contains("dark");
  }

  function themeColours() {
    return isDark()
      ? { text: "#cbd5e1", grid: "rgba(148, 163, 184, 0.2)" }
      : { text: "#334155", grid: "rgba(100, 116, 139, 0.2)" };
  }

  function hours(minutes) {
    return Math.round((minutes / 60) * 100) / 100;
  }

  function daysBetween(from, to) {
    var days = [];
    var d = new Date(from + "T00:00:00Z");
    var end = new Date(to + "T00:00:00Z");
    while (d <= end) {
      days.push(d.toISOString().slice(0, 10));
      d.setUTCDate(d.getUTCDate() + 1);
    }
    return days;
  }

  // Each kind turns an API answer into a chart: labels, datasets and, per bar, the URL of
  // the entries behind it (or null).
  var KINDS = {
    "per-day": function (data) {
      var days = daysBetween(data.range.from, data.range.to);
      var people = {};
      var order = [];
      data.items.forEach(function (item) {
        if (!people[item.key]) {
          people[item.key] = { label: item.label, values: {}, urls: {} };
          order.push(item.key);
        }
        people[item.key].values[item.day] = hours(item.minutes);
        people[item.key].urls[item.day] = item.entries_url;
      });
      return {
        type: "bar",
        labels: days,
        stacked: true,
        yTitle: "hours",
        datasets: order.map(function (key, i) {
          var p = people[key];
          return {
            label: p.label,
            data: days.map(function (d) { return p.values[d] || 0; }),
            urls: days.map(function (d) { return p.urls[d] || null; }),
            backgroundColor: PALETTE[i % PALETTE.length],
          };
        }),
      };
    },
    "top-users": function (data) {
      return {
        type: "bar",
        horizontal: true,
        labels: data.items.map(function (i) { return i.display_name; }),
        yTitle: "hours",
        datasets: [{
          label: "Hours",
          data: data.items.map(function (i) { return hours(i.minutes); }),
          urls: data.items.map(function (i) { return i.entries_url; }),
          backgroundColor: PALETTE[0],
        }],
      };
    },
    "cycle-time": function (data) {
      var labels = data.items.map(function (i) { return i.status.replace("_", " "); });
      return {
        type: "bar",
        labels: labels,
        yTitle: "hours",
        datasets: [
          { label: "Mean", data: data.items.map(function (i) { return i.mean_hours; }), backgroundColor: PALETTE[0] },
          { label: "Median", data: data.items.map(function (i) { return i.median_hours; }), backgroundColor: PALETTE[1] },
        ],
      };
    },
    accuracy: function (data) {
      var rows = data.items.concat(data.overall ? [data.overall] : []);
      return {
        type: "bar",
        labels: rows.map(function (i) { return i.display_name; }),
        yTitle: "actual ÷ estimate",
        datasets: [{
          label: "Median ratio",
          data: rows.map(function (i) { return i.median_ratio; }),
          backgroundColor: PALETTE[2],
        }],
      };
    },
    throughput: function (data) {
      return {
        type: "bar",
        labels: data.items.map(function (i) { return i.week; }),
        yTitle: "tasks finished",
        datasets: [{
          label: "Finished",
          data: data.items.map(function (i) { return i.finished; }),
          backgroundColor: PALETTE[3],
        }],
      };
    },
  };

  function options(spec) {
    var c = themeColours();
    var valueAxis = { stacked: !!spec.stacked, beginAtZero: true, ticks: { color: c.text }, grid: { color: c.grid }, title: { display: true, text: spec.yTitle, color: c.text } };
    var categoryAxis = { stacked: !!spec.stacked, ticks: { color: c.text }, grid: { color: c.grid } };
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: spec.horizontal ? "y" : "x",
      plugins: { legend: { labels: { color: c.text } } },
      scales: spec.horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
      onClick: function (event, elements, chart) {
        if (!elements.length) return;
        var hit = elements[0];
        var urls = chart.data.datasets[hit.datasetIndex].urls;
        if (urls && urls[hit.index]) window.location.assign(urls[hit.index]);
      },
    };
  }

  function draw(canvas) {
    var kind = KINDS[canvas.getAttribute("data-chart")];
    if (!kind || !window.Chart) return;
    fetch(canvas.getAttribute("data-source"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        var spec = kind(data);
        var chart = new window.Chart(canvas, {
          type: spec.type,
          data: { labels: spec.labels, datasets: spec.datasets },
          options: options(spec),
        });
        chart.$spec = spec;
        charts.push(chart);
        canvas.setAttribute("data-rendered", String(spec.datasets.length));
      })
      .catch(function () {
        canvas.setAttribute("data-rendered", "error");
      });
  }

  function recolour() {
    charts.forEach(function (chart) {
      chart.options = options(chart.$spec);
      chart.update();
    });
    document.documentElement.setAttribute("data-charts-theme", isDark() ? "dark" : "light");
  }

  function start() {
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i++) draw(canvases[i]);
    document.documentElement.setAttribute("data-charts-theme", isDark() ? "dark" : "light");
    new MutationObserver(recolour).observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
