/* The public ranking page's charts (Apache ECharts, vendored): the month's ten best
   scores as bars and their trend over the published months as lines. The data and
   the translated labels are in the json_script tag #ranking-data; the plumbing is
   portal/charts.js. */
window.yiwangCharts("ranking-data", function (d, chart) {
  "use strict";
  var names = d.names.slice().reverse();
  var scores = d.scores.slice().reverse();
  chart("chart-ranking", {
    tooltip: { trigger: "axis" },
    grid: { left: 8, right: 40, containLabel: true },
    xAxis: { type: "value", name: d.labels.score, min: 0, max: 100 },
    yAxis: { type: "category", data: names, axisLabel: { interval: 0, width: 170, overflow: "truncate" } },
    series: [{ name: d.labels.score, type: "bar", data: scores, label: { show: true, position: "right" } }]
  });
  chart("chart-ranking-trend", {
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", bottom: 0 },
    grid: { bottom: 60, containLabel: true },
    xAxis: { type: "category", data: d.months },
    yAxis: { type: "value", name: d.labels.score, scale: true },
    series: d.trends.map(function (t) { return { name: t.name, type: "line", connectNulls: false, data: t.scores }; })
  });
});
