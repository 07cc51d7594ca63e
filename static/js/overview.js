// The overview's charts: ECharts (vendored) drawing the chart specs the page passes in #overview-charts.
// Every chart's numbers are also in the table beside it; the chart only pictures them.
(function () {
  "use strict";
  var data = document.getElementById("overview-charts");
  if (!data || typeof echarts === "undefined") return;
  var specs = JSON.parse(data.textContent);
  var palette = ["#b71c1c", "#1565c0", "#2e7d32", "#f9a825", "#6a1b9a", "#00838f", "#5d4037", "#546e7a"];
  var charts = [];

  function narrow() { return window.innerWidth < 576; }

  function barOption(spec) {
    var valueAxis = { type: "value", axisLabel: { formatter: spec.percent ? "{value}%" : "{value}" } };
    if (spec.percent) { valueAxis.min = 0; valueAxis.max = 100; }
    var categoryAxis = {
      type: "category",
      data: spec.categories,
      axisLabel: { interval: 0, width: narrow() ? 84 : 140, overflow: "truncate" },
      inverse: !!spec.horizontal
    };
    var series = spec.series.map(function (s, i) {
      var out = {
        name: s.name, type: "bar", data: s.data, stack: spec.stacked ? "total" : undefined,
        itemStyle: { color: palette[i % palette.length] },
        label: { show: !spec.stacked, position: spec.horizontal ? "right" : "top",
                 formatter: spec.percent ? "{c}%" : "{c}" }
      };
      if (i === 0 && spec.lines && spec.lines.length) {
        out.markLine = {
          symbol: "none", silent: true, lineStyle: { type: "dashed", color: "#333" },
          label: { formatter: "{b} {c}%" },
          data: spec.lines.map(function (l) {
            var d = { name: l.label }; d[spec.horizontal ? "xAxis" : "yAxis"] = l.value; return d;
          })
        };
      }
      return out;
    });
    // per-bar reference lines (e.g. 90% satisfaction, 2/3 turnout) as thin markers on their own bar
    (spec.marks || []).forEach(function (m) {
      var point = spec.horizontal ? [m.value, m.index] : [m.index, m.value];
      series.push({
        name: m.label, type: "scatter", data: [point], symbol: "rect",
        symbolSize: spec.horizontal ? [3, 22] : [22, 3], itemStyle: { color: "#111" }, z: 5,
        tooltip: { formatter: m.label + " " + m.value.toFixed(1) + "%" }
      });
    });
    return {
      color: palette,
      animation: false,
      tooltip: { trigger: spec.marks && spec.marks.length ? "item" : "axis" },
      legend: spec.series.length > 1 ? { top: 0, type: "scroll" } : undefined,
      grid: { left: 8, right: 40, top: spec.series.length > 1 ? 30 : 10, bottom: 8, containLabel: true },
      xAxis: spec.horizontal ? valueAxis : categoryAxis,
      yAxis: spec.horizontal ? categoryAxis : valueAxis,
      series: series
    };
  }

  function pieOption(spec) {
    return {
      color: palette,
      animation: false,
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0, type: "scroll" },
      series: [{
        name: spec.series[0].name, type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
        label: { formatter: "{b}\n{c}" },
        data: spec.categories.map(function (c, i) { return { name: c, value: spec.series[0].data[i] }; })
      }]
    };
  }

  document.querySelectorAll(".ov-chart[data-chart]").forEach(function (el) {
    var spec = specs[el.dataset.chart];
    if (!spec) return;
    var rows = spec.type === "pie" ? 6 : spec.categories.length;
    el.style.height = Math.max(220, Math.min(420, 60 + rows * (spec.horizontal ? 34 : 18))) + "px";
    // SVG: crisp when printed, light on phones
    var chart = echarts.init(el, null, { renderer: "svg", locale: document.documentElement.lang === "en" ? "EN" : "ZH" });
    chart.setOption(spec.type === "pie" ? pieOption(spec) : barOption(spec));
    charts.push(chart);
  });

  function resize() { charts.forEach(function (c) { c.resize(); }); }
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
})();
