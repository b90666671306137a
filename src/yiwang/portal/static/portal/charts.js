/* The plumbing every chart page shares (Apache ECharts, vendored): wait for the page,
   read the data of a json_script tag, draw each chart into its element (marked
   data-rendered for the tests), resize them with the window. Nothing inline (CSP
   script-src 'self'). A page calls window.yiwangCharts(tagId, function (data, chart) {
   chart(elementId, option); ... }). */
(function () {
  "use strict";
  window.yiwangCharts = function (tagId, draw) {
    function start() {
      var tag = document.getElementById(tagId);
      if (!tag || typeof window.echarts === "undefined") { return; }
      var charts = [];
      draw(JSON.parse(tag.textContent), function chart(id, option) {
        var el = document.getElementById(id);
        if (!el) { return; }
        var c = window.echarts.init(el, null, { renderer: "canvas" });
        c.setOption(option);
        charts.push(c);
        el.setAttribute("data-rendered", "true");
      });
      window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    }
    if (document.readyState !== "loading") { start(); } else { document.addEventListener("DOMContentLoaded", start); }
  };
})();
