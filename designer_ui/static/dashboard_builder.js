/* The dashboard builder: one card per chart (form, chart type, group-by field or date bucket, measure, one filter,
   period, target), reordered by drag (SortableJS, on the handle) or by the Up / Down buttons, previewed live through
   POST {preview_url} (the same checks, read gate and figures as a saved dashboard; nothing stored) and saved through
   the dashboards API (POST new / PUT with If-Match). A refusal's errors are shown at the control whose data-path
   matches the error's path (or the closest one), with aria-invalid and aria-describedby.
   Settings: #ff-dash-builder {app, forms, definition, revision, save_url, preview_url, view_url, user_names {id: name} of
   the people its filters name}. */
(function () {
  'use strict';

  var t = function (k, p) { return window.formflow.t(k, p); };
  var label = function (v, f) { return window.formflow.label(v, f); };
  //: Wait this long after the last change before previewing.
  var PREVIEW_DEBOUNCE_MS = 400;
  // keys written out in full, so tests/core/test_client_messages.py finds and checks each: a value's name through a table
  //: a chart type's name (in the order offered)
  var TYPE_NAMES = { bar: 'dash.type.bar', line: 'dash.type.line', pie: 'dash.type.pie', funnel: 'dash.type.funnel',
                     table: 'dash.type.table', number: 'dash.type.number', gauge: 'dash.type.gauge' };
  var TYPES = ['bar', 'line', 'pie', 'funnel', 'table', 'number', 'gauge'];
  var SINGLE = { number: true, gauge: true };
  var BUCKETS = ['day', 'week', 'month', 'year'];
  //: a date bucket's name ('': none)
  var BUCKET_NAMES = { '': 'dash.bucket.none', day: 'dash.bucket.day', week: 'dash.bucket.week', month: 'dash.bucket.month',
                       year: 'dash.bucket.year' };
  //: a measure's name
  var MEASURE_NAMES = { count: 'dash.measure.count', sum: 'dash.measure.sum', avg: 'dash.measure.avg' };
  var RANGES = ['this_week', 'this_month', 'this_year', 'last_days'];
  //: a period's name ('': all time)
  var PERIOD_NAMES = { '': 'dash.period.all', this_week: 'dash.period.this_week', this_month: 'dash.period.this_month',
                       this_year: 'dash.period.this_year', last_days: 'dash.period.last_days' };
  //: the filter operators this builder edits with one value box; a field offers those of them its type declares
  var ONE_VALUE_OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'contains', 'empty', 'not_empty'];
  //: an operator's name
  var OP_NAMES = { eq: 'dash.op.eq', ne: 'dash.op.ne', lt: 'dash.op.lt', le: 'dash.op.le', gt: 'dash.op.gt', ge: 'dash.op.ge',
                   contains: 'dash.op.contains', empty: 'dash.op.empty', not_empty: 'dash.op.not_empty' };
  //: the system columns' operators (they have no field type)
  var SYSTEM_OPS = ['eq', 'ne', 'contains', 'empty', 'not_empty'];
  var SYSTEM = [{ id: 'created_at', labelKey: 'dash.created_at', kind: 'timestamp', groupable: true, dated: true },
                { id: 'updated_at', labelKey: 'dash.updated_at', kind: 'timestamp', groupable: true, dated: true },
                { id: 'owner_id', labelKey: 'dash.owner_id', kind: 'person', groupable: true, dated: false }];
  /* a value's name from its table (the value itself when the table has none) */
  function named(table, value) { return Object.prototype.hasOwnProperty.call(table, value) ? t(table[value]) : String(value); }

  var cfg, charts, root, list, timer = null, seq = 0;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function form(key) { return cfg.forms.filter(function (f) { return f.key === key; })[0] || { fields: [] }; }
  function fields(chart) { return form(chart.form).fields.concat(SYSTEM.map(function (s) { return Object.assign({ label: t(s.labelKey) }, s); })); }
  function field(chart, id) { return fields(chart).filter(function (f) { return f.id === id; })[0]; }
  function filterOps(f) {
    var declared = (f && f.filter_operators) || SYSTEM_OPS;
    return ONE_VALUE_OPS.filter(function (op) { return declared.indexOf(op) >= 0; });
  }

  function newKey() {
    var used = charts.map(function (c) { return c.key; });
    do { seq += 1; } while (used.indexOf('chart_' + seq) >= 0);
    return 'chart_' + seq;
  }

  function addChart() {
    var f = cfg.forms[0] || { key: '', fields: [] };
    var group = f.fields.filter(function (x) { return x.groupable && x.kind === 'choice'; })[0] || f.fields.filter(function (x) { return x.groupable; })[0];
    var chart = { key: newKey(), type: 'bar', title: t('dash.chart_n', { n: charts.length + 1 }), form: f.key,
                  group_by: group ? { field: group.id } : { field: 'created_at', bucket: 'month' }, aggregate: { op: 'count' } };
    charts.push(chart);
    render();
    var inputs = list.querySelectorAll('[data-role="title"]');
    if (inputs.length) inputs[inputs.length - 1].focus();
    schedule();
  }

  function option(value, text, selected) { return el('option', { value: value, selected: selected, text: text }); }

  function control(id, text, input, path) {
    input.id = id;
    if (path) input.setAttribute('data-path', path);
    return el('div', { 'class': 'field' }, [el('label', { 'for': id, text: text }), input]);
  }

  function select(values, current, textOf, role) {
    var s = el('select', { 'data-role': role });
    values.forEach(function (v) { s.appendChild(option(v, textOf(v), String(v) === String(current))); });
    return s;
  }

  /* a filter comparing a person (the owner, a user field) with one value: the value is a user picked with the
     searchable user picker (userpicker.js, the server's pages), never a typed id */
  function picksPerson(chart, flt) {
    return !!flt.field && (flt.op === 'eq' || flt.op === 'ne') && (field(chart, flt.field) || {}).kind === 'person';
  }
  function personValue(chart, id, path) {
    var raw = chart.filters[0].value;
    var value = typeof raw === 'number' ? raw : (/^\d+$/.test(String(raw || '')) ? Number(raw) : null);
    var names = cfg.user_names = cfg.user_names || {};
    var picker = window.formflow.userPicker.create({
      id: id, label: t('dash.filter_value'), single: true, help: t('dash.filter_user_help'),
      chosen: value === null ? [] : [{ id: value, name: names[value] }],
      onChange: function (users) {
        if (users.length) names[users[0].id] = users[0].name;
        chart.filters[0].value = users.length ? users[0].id : '';
        schedule();
      } });
    picker.setAttribute('data-path', path);
    return picker;
  }

  function card(chart, i) {
    var n = i + 1, p = '/charts/' + i, id = 'dc' + i + '-';
    var single = !!SINGLE[chart.type];
    var all = fields(chart);
    var g = chart.group_by || {};
    var gf = field(chart, g.field);
    var agg = chart.aggregate || { op: 'count' };
    var flt = (chart.filters || [])[0] || {};
    var per = chart.period || {};
    var numbers = all.filter(function (f) { return f.kind === 'number'; });
    var grid = el('div', { 'class': 'dash-edit-grid' }, [
      control(id + 'title', t('dash.title_en'), el('input', { type: 'text', maxlength: '200', value: window.formflow.textIn(chart.title, 'en'), 'data-role': 'title' }), p + '/title'),
      control(id + 'title-zh', t('dash.title_zh'), el('input', { type: 'text', maxlength: '200', lang: 'zh-CN', value: window.formflow.textIn(chart.title, 'zh-CN'), 'data-role': 'title_zh' }), p + '/title'),
      control(id + 'form', t('dash.form'), select(cfg.forms.map(function (f) { return f.key; }), chart.form,
                                                  function (k) { return label(form(k).label, k); }, 'form'), p + '/form'),
      control(id + 'type', t('dash.type'), select(TYPES, chart.type, function (x) { return named(TYPE_NAMES, x); }, 'type'), p + '/type'),
      single ? null : control(id + 'group', t('dash.group_by'), select(all.filter(function (f) { return f.groupable; }).map(function (f) { return f.id; }),
                                                                        g.field, function (x) { return label(field(chart, x).label, x); }, 'group'), p + '/group_by/field'),
      single ? null : control(id + 'bucket', t('dash.bucket'), select([''].concat(BUCKETS), g.bucket || '',
                                                                       function (x) { return named(BUCKET_NAMES, x); }, 'bucket'), p + '/group_by/bucket'),
      control(id + 'op', t('dash.measure'), select(['count', 'sum', 'avg'], agg.op, function (x) { return named(MEASURE_NAMES, x); }, 'op'), p + '/aggregate/op'),
      agg.op === 'count' ? null : control(id + 'measure', t('dash.measure_field'), select(numbers.map(function (f) { return f.id; }), agg.field,
                                                                                           function (x) { return label(field(chart, x).label, x); }, 'measure'), p + '/aggregate/field'),
      control(id + 'ffield', t('dash.filter_field'), select([''].concat(all.map(function (f) { return f.id; })), flt.field || '',
                                                             function (x) { return x ? label(field(chart, x).label, x) : t('dash.none'); }, 'ffield'), p + '/filters/0/field'),
      flt.field ? control(id + 'fop', t('dash.filter_op'), select(filterOps(field(chart, flt.field)), flt.op || 'eq', function (x) { return named(OP_NAMES, x); }, 'fop'), p + '/filters/0/op') : null,
      flt.field && ['empty', 'not_empty'].indexOf(flt.op) < 0 && !picksPerson(chart, flt) ? control(id + 'fvalue', t('dash.filter_value'),
        el('input', { type: 'text', maxlength: '200', value: flt.value === undefined || flt.value === null ? '' : String(flt.value), 'data-role': 'fvalue' }), p + '/filters/0/value') : null,
      picksPerson(chart, flt) ? personValue(chart, id + 'fvalue', p + '/filters/0/value') : null,
      control(id + 'period', t('dash.period'), select([''].concat(RANGES), per.range || '', function (x) { return named(PERIOD_NAMES, x); }, 'period'), p + '/period/range'),
      per.range ? control(id + 'pfield', t('dash.period_field'), select(all.filter(function (f) { return f.dated; }).map(function (f) { return f.id; }), per.field,
                                                                         function (x) { return label(field(chart, x).label, x); }, 'pfield'), p + '/period/field') : null,
      per.range === 'last_days' ? control(id + 'days', t('dash.days'), el('input', { type: 'number', min: '1', max: '3660', inputmode: 'numeric', value: per.days || '', 'data-role': 'days' }), p + '/period/days') : null,
      chart.type === 'pie' || chart.type === 'funnel' ? null : control(id + 'target', t('dash.target'),
        el('input', { type: 'number', min: '0', step: 'any', inputmode: 'decimal', value: chart.target ? chart.target.value : '', 'data-role': 'target' }), p + '/target/value')
    ]);
    var heading = el('h3', { id: id + 'h', text: t('dash.chart_n', { n: n }) });
    var tools = el('div', { 'class': 'dash-edit-tools' }, [
      el('button', { type: 'button', 'class': 'btn btn-sm btn-ghost dash-drag', 'aria-label': t('dash.drag', { n: n }), title: t('dash.drag', { n: n }), text: '⠿' }),
      el('button', { type: 'button', 'class': 'btn btn-sm btn-ghost', 'data-act': 'up', 'aria-label': t('dash.move_up', { n: n }), disabled: i === 0, text: '↑' }),
      el('button', { type: 'button', 'class': 'btn btn-sm btn-ghost', 'data-act': 'down', 'aria-label': t('dash.move_down', { n: n }), disabled: i === charts.length - 1, text: '↓' }),
      el('button', { type: 'button', 'class': 'btn btn-sm btn-ghost', 'data-act': 'remove', 'aria-label': t('dash.remove', { n: n }), text: '✕' })]);
    var preview = el('div', { 'class': 'dash-preview', 'data-testid': 'preview-' + i }, [
      el('p', { 'class': 'small muted', 'data-role': 'pstatus', 'aria-live': 'polite' }),
      el('div', { 'class': 'dash-canvas' }, [el('canvas', { role: 'img', 'aria-label': t('dash.preview_of', { n: n }), 'data-testid': 'preview-canvas-' + i })])]);
    var section = el('section', { 'class': 'card dash-edit-card', role: 'group', 'aria-labelledby': id + 'h', 'data-path': p, 'data-index': String(i) },
                     [el('div', { 'class': 'dash-edit-bar' }, [heading, tools]), grid, preview]);
    return el('li', { 'data-index': String(i) }, [section]);
  }

  function render() {
    list.innerHTML = '';
    charts.forEach(function (c, i) { list.appendChild(card(c, i)); });
  }

  /* a control changed: update that chart's definition (re-render when the set of controls changes) */
  function changed(e) {
    var target = e.target, role = target.getAttribute('data-role');
    var section = target.closest('[data-index]');
    if (!role || !section) return;
    var i = Number(section.getAttribute('data-index')), c = charts[i], v = target.value, again = e.type === 'change';
    if (role === 'title' || role === 'title_zh') { c.title = window.formflow.withText(c.title, role === 'title' ? 'en' : 'zh-CN', v); again = false; }
    else if (role === 'form') { c.form = v; var f = fields(c).filter(function (x) { return x.groupable; })[0]; c.group_by = f ? { field: f.id } : undefined;
                                delete c.filters; delete c.period; c.aggregate = { op: 'count' }; }
    else if (role === 'type') { c.type = v; if (SINGLE[v]) delete c.group_by; else if (!c.group_by) c.group_by = { field: 'created_at', bucket: 'month' };
                                if (v === 'pie' || v === 'funnel') delete c.target; }
    else if (role === 'group') { var k = (field(c, v) || {}).kind; c.group_by = { field: v };
                                 if (k === 'timestamp' || k === 'datetime') c.group_by.bucket = 'month'; }
    else if (role === 'bucket') { if (v) c.group_by.bucket = v; else delete c.group_by.bucket; }
    else if (role === 'op') { c.aggregate = v === 'count' ? { op: 'count' } : { op: v, field: (c.aggregate || {}).field ||
                              (fields(c).filter(function (x) { return x.kind === 'number'; })[0] || {}).id }; }
    else if (role === 'measure') { c.aggregate.field = v; }
    else if (role === 'ffield') {
      if (!v) { delete c.filters; return; }
      var was = (c.filters || [])[0] || {}, ops = filterOps(field(c, v));
      c.filters = [{ field: v, op: ops.indexOf(was.op) >= 0 ? was.op : ops[0], value: was.value || '' }];
    }
    else if (role === 'fop') { c.filters[0].op = v; if (v === 'empty' || v === 'not_empty') delete c.filters[0].value; }
    else if (role === 'fvalue') { c.filters[0].value = v; again = false; }
    else if (role === 'period') { if (v) c.period = { field: (c.period || {}).field || 'created_at', range: v, days: v === 'last_days' ? (c.period || {}).days || 30 : undefined };
                                  else delete c.period; if (c.period && c.period.days === undefined) delete c.period.days; }
    else if (role === 'pfield') { c.period.field = v; }
    else if (role === 'days') { c.period.days = v === '' ? undefined : Number(v); again = false; }
    else if (role === 'target') { if (v === '') delete c.target; else c.target = { value: Number(v) }; again = false; }
    if (again && e.type === 'change') { var id = target.id; render(); var back = document.getElementById(id); if (back) back.focus(); }
    schedule();
  }

  function move(from, to) {
    if (to < 0 || to >= charts.length) return;
    charts.splice(to, 0, charts.splice(from, 1)[0]);
    render();
    schedule();
  }

  function clicked(e) {
    var b = e.target.closest('button[data-act]');
    if (!b) return;
    var i = Number(b.closest('[data-index]').getAttribute('data-index')), act = b.getAttribute('data-act');
    if (act === 'remove') { charts.splice(i, 1); render(); schedule(); document.getElementById('dash-add').focus(); return; }
    var to = act === 'up' ? i - 1 : i + 1;
    move(i, to);
    var again = list.querySelector('[data-index="' + to + '"] button[data-act="' + act + '"]');
    if (again && !again.disabled) again.focus(); else { var h = document.getElementById('dc' + to + '-title'); if (h) h.focus(); }
  }

  function definition() {
    var key = document.getElementById('dash-key').value.trim();
    var old = cfg.definition || {};
    var name = window.formflow.withText(old.label, 'en', document.getElementById('dash-label').value.trim());
    name = window.formflow.withText(name, 'zh-CN', document.getElementById('dash-label-zh').value.trim());
    var out = Object.assign({}, old, { key: key, label: name, charts: charts });
    return JSON.parse(JSON.stringify(out));
  }

  /* ---- errors at their controls ---- */
  function clearErrors() {
    root.querySelectorAll('.field-error-msg').forEach(function (n) { n.remove(); });
    root.querySelectorAll('[aria-invalid]').forEach(function (n) { n.removeAttribute('aria-invalid'); n.removeAttribute('aria-describedby'); });
    var key = document.getElementById('dash-key'); key.setAttribute('aria-describedby', 'dash-key-help');
    var alert = document.querySelector('[data-testid="dash-error"]'); alert.hidden = true; alert.textContent = '';
  }

  function placeFor(path) {
    var nodes = Array.prototype.slice.call(root.querySelectorAll('[data-path]'));
    var exact = nodes.filter(function (n) { return n.getAttribute('data-path') === path; })[0];
    if (exact) return exact;
    var below = nodes.filter(function (n) { return n.getAttribute('data-path').indexOf(path + '/') === 0 && /^(INPUT|SELECT)$/.test(n.tagName); })[0];
    if (below) return below;
    var best = null;
    nodes.forEach(function (n) { var dp = n.getAttribute('data-path'); if (path.indexOf(dp + '/') === 0 && (!best || dp.length > best.getAttribute('data-path').length)) best = n; });
    return best;
  }

  function showErrors(errors, heading) {
    var alert = document.querySelector('[data-testid="dash-error"]'), first = null, loose = [];
    (errors || []).forEach(function (err, j) {
      var at = placeFor(err.path || '/');
      if (!at || at.id === 'dash-charts' && !charts.length) { loose.push(err.message); return; }
      var msg = el('p', { 'class': 'error field-error-msg', id: 'dash-err-' + j, text: err.message });
      if (/^(INPUT|SELECT)$/.test(at.tagName)) {
        at.setAttribute('aria-invalid', 'true');
        at.setAttribute('aria-describedby', ((at.getAttribute('aria-describedby') || '') + ' dash-err-' + j).trim());
        at.parentNode.appendChild(msg);
        if (!first) first = at;
      } else { at.insertBefore(msg, at.firstChild.nextSibling); loose.push(err.message); }
    });
    if (heading) { alert.textContent = heading + (loose.length ? ' ' + loose.join(' ') : ''); alert.hidden = false; }
    return first;
  }

  /* ---- live preview ---- */
  function schedule() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(preview, PREVIEW_DEBOUNCE_MS);
  }

  function preview() {
    timer = null;
    var def = definition();
    if (!def.charts.length) return;
    def.key = def.key || 'preview';
    def.label = def.label || 'preview';
    root.setAttribute('data-previewing', '1');
    window.formflow.api('POST', cfg.preview_url, { definition: def }).then(function (r) {
      root.removeAttribute('data-previewing');
      if (JSON.stringify(def.charts) !== JSON.stringify(charts)) return;  // changed meanwhile: the next preview draws
      clearErrors();
      if (!r.ok) { showErrors(((r.data || {}).error || {}).errors || [{ path: '/', message: ((r.data || {}).error || {}).message }]); return; }
      r.data.charts.forEach(function (c, i) {
        var box = list.querySelector('[data-testid="preview-' + i + '"]');
        if (!box) return;
        var status = box.querySelector('[data-role="pstatus"]');
        status.textContent = c.error ? c.error.message : t('dash.preview_records', { count: c.count || 0 });
        var view = { key: c.key, type: c.type, title: label(c.title), target: (c.target || {}).value };
        if (c.groups) { view.labels = c.groups.map(function (g) { return label(g.label); }); view.values = c.groups.map(function (g) { return g.value; }); }
        else view.value = c.value;
        if (!c.error && window.formflowDashboard) window.formflowDashboard.draw(box.querySelector('canvas'), view);
      });
      root.setAttribute('data-previewed', String(Date.now()));
    });
  }

  function save(e) {
    e.preventDefault();
    var def = definition(), btn = document.getElementById('dash-save');
    clearErrors();
    if (!def.charts.length) { showErrors([{ path: '/charts', message: t('dash.no_charts') }], t('dash.not_saved')); document.getElementById('dash-add').focus(); return; }
    btn.disabled = true; btn.textContent = t('dash.saving');
    var headers = cfg.revision ? { 'If-Match': '"' + cfg.revision + '"' } : {};
    window.formflow.api(cfg.revision ? 'PUT' : 'POST', cfg.save_url, def, headers).then(function (r) {
      btn.disabled = false; btn.textContent = t('dash.save');
      if (r.ok) { window.location.assign(cfg.view_url.replace('__key__', encodeURIComponent(r.data.key))); return; }
      var err = (r.data || {}).error || {};
      var first = showErrors(err.errors && err.errors.length ? err.errors : [{ path: '/', message: err.message }], t('dash.not_saved'));
      (first || document.querySelector('[data-testid="dash-error"]')).focus();
    });
  }

  function init() {
    root = document.getElementById('dash-builder');
    if (!root) return;
    cfg = window.formflow.readJSON('ff-dash-builder', {});
    list = document.getElementById('dash-charts');
    var def = cfg.definition || {};
    charts = JSON.parse(JSON.stringify(def.charts || []));
    document.getElementById('dash-label').value = window.formflow.textIn(def.label, 'en');
    document.getElementById('dash-label-zh').value = window.formflow.textIn(def.label, 'zh-CN');
    document.querySelector('[data-testid="dash-error"]').setAttribute('tabindex', '-1');
    list.addEventListener('change', changed);
    list.addEventListener('input', changed);
    list.addEventListener('click', clicked);
    document.getElementById('dash-add').addEventListener('click', addChart);
    root.addEventListener('submit', save);
    if (window.Sortable) {
      window.Sortable.create(list, { handle: '.dash-drag', animation: 150, ghostClass: 'dash-ghost',
                                      onEnd: function (ev) { if (ev.oldIndex !== ev.newIndex) move(ev.oldIndex, ev.newIndex); } });
    }
    render();
    if (charts.length) schedule();
    root.setAttribute('data-ready', '1');
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
}());
