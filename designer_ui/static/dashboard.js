/* Draws the dashboard's charts with the vendored Chart.js from the #ff-dashboard data block.
   The server already rendered every figure as an HTML table; this adds the pictures.
   Each drawn canvas gets data-values / data-labels (the numbers it shows) and data-rendered; a click on a bar or
   slice opens its records (chart.drills[i], also a link in the data table for keyboards and screen readers).
   window.formflowDashboard.draw(canvas, chart) draws one chart (the builder's live preview). */
(function () {
  'use strict';

  var COLORS = ['#3b6fd8', '#f0883e', '#2da44e', '#bf3989', '#8250df', '#1b7c83', '#d4a72c', '#cf222e', '#57606a', '#0969da'];
  var TARGET_COLOR = '#cf222e';

  function readCharts() {
    var el = document.getElementById('ff-dashboard');
    if (!el) return [];
    try { return JSON.parse(el.textContent || '[]') || []; } catch (e) { return []; }
  }

  function mark(canvas, labels, values, target) {
    canvas.setAttribute('data-labels', JSON.stringify(labels));
    canvas.setAttribute('data-values', JSON.stringify(values));
    if (target !== null && target !== undefined) canvas.setAttribute('data-target', String(target));
    canvas.setAttribute('data-rendered', '1');
  }

  /* A click on a bar or slice opens the record list filtered to exactly that group's records (the server's drill URL). */
  function drillTo(chart, elements) {
    if (!elements || !elements.length) return;
    var url = (chart.drills || [])[elements[0].index];
    if (url) window.location.assign(url);
  }

  function grouped(canvas, chart) {
    var labels = chart.labels || [];
    var values = (chart.values || []).map(function (v) { return v === null ? 0 : v; });
    var type = chart.type;
    var config;
    if (type === 'pie') {
      config = { type: 'pie', data: { labels: labels, datasets: [{ data: values, backgroundColor: labels.map(function (_, i) { return COLORS[i % COLORS.length]; }) }] },
                 options: { maintainAspectRatio: false, animation: false, plugins: { legend: { position: 'right' } } } };
    } else if (type === 'funnel') {
      config = { type: 'bar', data: { labels: labels, datasets: [{ label: chart.title, data: values, backgroundColor: COLORS[0] }] },
                 options: { indexAxis: 'y', maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } } } };
    } else {
      var datasets = [{ label: chart.title, data: values, backgroundColor: COLORS[0], borderColor: COLORS[0], type: type === 'line' ? 'line' : 'bar' }];
      if (chart.target !== null && chart.target !== undefined) {
        datasets.push({ label: chart.target_label || 'Target', data: labels.map(function () { return chart.target; }), type: 'line',
                        borderColor: TARGET_COLOR, backgroundColor: TARGET_COLOR, borderDash: [6, 4], pointRadius: 0 });
      }
      config = { type: 'bar', data: { labels: labels, datasets: datasets },
                 options: { maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true } },
                            plugins: { legend: { display: datasets.length > 1 } } } };
    }
    config.options.onClick = function (evt, elements) { drillTo(chart, elements); };
    config.options.onHover = function (evt, elements) { canvas.style.cursor = elements.length && (chart.drills || [])[elements[0].index] ? 'pointer' : 'default'; };
    canvas._ffChart = new window.Chart(canvas, config);
    mark(canvas, labels, values, chart.target);
  }

  function gauge(canvas, chart) {
    var value = chart.value || 0;
    var rest = Math.max((chart.target || 0) - value, 0);
    canvas._ffChart = new window.Chart(canvas, {
      type: 'doughnut',
      data: { labels: [chart.title, chart.target_label || 'Target'], datasets: [{ data: [value, rest], backgroundColor: [COLORS[2], '#e5e7eb'] }] },
      options: { rotation: -90, circumference: 180, cutout: '70%', maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } } }
    });
    mark(canvas, [chart.title], [value], chart.target);
  }

  function draw() {
    if (!window.Chart) return;
    readCharts().forEach(function (chart) {
      if (chart.error) return;
      var canvas = document.querySelector('[data-chart="' + chart.key + '"] canvas');
      if (!canvas) return;
      if (chart.labels) grouped(canvas, chart);
      else if (chart.type === 'gauge') gauge(canvas, chart);
    });
    var grid = document.querySelector('[data-testid="dashboard"]');
    if (grid) grid.setAttribute('data-drawn', '1');
  }

  window.formflowDashboard = { draw: function (canvas, chart) {
    if (!window.Chart) return;
    if (canvas._ffChart) canvas._ffChart.destroy();
    if (chart.labels) grouped(canvas, chart); else if (chart.type === 'gauge') gauge(canvas, chart);
  } };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw);
  else draw();
}());
