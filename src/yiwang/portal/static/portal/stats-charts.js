/* The statistics page's charts (Apache ECharts, vendored): the data is in the
   json_script tag #stats-data; the plumbing is portal/charts.js. */
window.yiwangCharts("stats-data", function (d, chart) {
  "use strict";
  // an empty share is left out: ECharts draws a pie of zeros as equal slices
  function counted(slice) { return slice.value > 0; }
  chart("chart-trend", {
    tooltip: { trigger: "axis" },
    legend: { data: ["受理件数", "办结件数", "平均办理工作日"] },
    xAxis: { type: "category", data: d.periods },
    yAxis: [{ type: "value", name: "件" }, { type: "value", name: "工作日" }],
    series: [
      { name: "受理件数", type: "bar", data: d.accepted },
      { name: "办结件数", type: "bar", data: d.completed },
      { name: "平均办理工作日", type: "line", yAxisIndex: 1, data: d.avg_workdays }
    ]
  });
  chart("chart-units", {
    tooltip: { trigger: "axis" },
    legend: { data: ["受理件数", "按时办结率"] },
    grid: { bottom: 90 },
    xAxis: { type: "category", data: d.units, axisLabel: { rotate: 30, interval: 0 } },
    yAxis: [{ type: "value", name: "件" }, { type: "value", name: "按时办结率", min: 0, max: 1 }],
    series: [
      { name: "受理件数", type: "bar", data: d.unit_accepted },
      { name: "按时办结率", type: "line", yAxisIndex: 1, data: d.unit_on_time_rate }
    ]
  });
  chart("chart-stars", {
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: "65%", data: Object.keys(d.stars).map(function (k) { return { name: k, value: d.stars[k] }; }).filter(counted) }]
  });
  var levels = { "5": "非常满意", "4": "满意", "3": "基本满意", "2": "不满意", "1": "非常不满意" };
  chart("chart-scores", {
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["40%", "65%"], data: Object.keys(d.scores).map(function (k) { return { name: levels[k], value: d.scores[k] }; }).filter(counted) }]
  });
});
