// Dashboard charts (ECharts, served by the platform). Data comes from the page's json_script.
(function () {
  var el = document.getElementById("dashboard-charts");
  if (!el || !window.echarts) return;
  var data = JSON.parse(el.textContent);
  var palette = ["#c8161e", "#e8743b", "#f2b134", "#5b8e7d", "#3f6ea8", "#8c5fa8", "#7a7a7a", "#b35c5c", "#4fa3a5", "#d4a373"];
  var charts = [];
  function pie(node, title, series) {
    return {
      color: palette, title: { text: title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      series: [{ type: "pie", radius: ["38%", "66%"], top: 24, data: series, label: { formatter: "{b}\n{c}" } }]
    };
  }
  document.querySelectorAll(".dj-chart").forEach(function (node) {
    var key = node.dataset.chart, title = data.titles[key], option;
    if (key === "age") {
      option = {
        color: palette, title: { text: title, left: "center", textStyle: { fontSize: 14 } }, tooltip: { trigger: "axis" },
        grid: { left: 40, right: 10, top: 40, bottom: 30 },
        xAxis: { type: "category", data: data.age.labels }, yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: data.age.values, barMaxWidth: 36 }]
      };
    } else {
      option = pie(node, title, data[key]);
    }
    var chart = echarts.init(node);
    chart.setOption(option);
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
