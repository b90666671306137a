/* The statistics page's charts (Apache ECharts, vendored): the data is in the
   json_script tag #stats-data; nothing inline (CSP script-src 'self'). */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    var tag = document.getElementById("stats-data");
    if (!tag || typeof window.echarts === "undefined") { return; }
    var d = JSON.parse(tag.textContent);
    var charts = [];
    function chart(id, option) {
      var el = document.getElementById(id);
      if (!el) { return; }
      var c = window.echarts.init(el, null, { renderer: "canvas" });
      c.setOption(option);
      charts.push(c);
      el.setAttribute("data-rendered", "true");
    }
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
      series: [{ type: "pie", radius: "65%", data: Object.keys(d.stars).map(function (k) { return { name: k, value: d.stars[k] }; }) }]
    });
    var levels = { "5": "非常满意", "4": "满意", "3": "基本满意", "2": "不满意", "1": "非常不满意" };
    chart("chart-scores", {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["40%", "65%"], data: Object.keys(d.scores).map(function (k) { return { name: levels[k], value: d.scores[k] }; }) }]
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
