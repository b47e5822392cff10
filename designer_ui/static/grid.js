/* Records grid (Tabulator 6, vendored): remote paging / sorting through GET {api}/records/table (the read gate),
   inline editing through PATCH {api}/records/<id> with If-Match (a refusal is shown on the cell, the value reverted),
   selection with bulk edit, delete and restore (the "Deleted" view), column move / resize / freeze, a totals row for
   measurable fields, the filter builder (filterbuilder.js: field -> operator -> value, AND / OR) and saved views ({api}/views).
   Cells, editors and operators come from each field's type facts, sent in #grid-config (designer_ui.grid_views). */
(function () {
  'use strict';

  var ff = window.formflow;
  // every catalogue key written out in full, so tests/core/test_client_messages.py finds and checks each
  var t = function (k, p) { return ff.t(k, p); };
  var cfg = ff.readJSON('grid-config', {});
  var $ = function (id) { return document.getElementById(id); };
  // exact: the person asked to count every match ("count exactly"); until then a total past the server's limit is an
  // estimate (said "about", or "more than" for a lower bound) and the pager keeps a next page while rows follow
  // names: people picked in an Owner cell or a filter, or named by a saved view, by id, so they read by name
  var state = { where: null, deleted: false, search: '', views: [], names: {}, reverting: false, exact: false };
  var table = null;

  function has(col, cap) { return (col.capabilities || []).indexOf(cap) >= 0; }
  function colLabel(col) { return ff.label(col.label, col.id); }
  function choices(col) { return (col.options && col.options.choices) || []; }
  function choiceLabel(col, v) {
    var c = choices(col).filter(function (x) { return x.value === v; })[0];
    return c ? ff.label(c.label, v) : v;
  }
  function reason(r) {
    if (r.status === 412) return t('records.grid.cell_stale');
    var e = (r.data && r.data.error) || {};
    var first = (e.errors || [])[0];
    return (first && first.message) || e.message || ff.t('common.error');
  }
  function say(text, isError) {
    var box = $('grid-status');
    box.hidden = !text;
    box.textContent = text || '';
    box.className = 'alert ' + (isError ? 'alert-error' : 'alert-ok');
  }

  /* ---- cells and editors from the type facts ---- */
  function editorOf(col) {
    if (col.engine_set || col.read_only || has(col, 'derived') || has(col, 'holds_attachments') || has(col, 'stores_rows')) return null;
    if (has(col, 'has_choices') && col.value_kind === 'string') {
      var values = {};
      choices(col).forEach(function (c) { values[c.value] = ff.label(c.label, c.value); });
      return { editor: 'list', params: { values: values } };
    }
    if (has(col, 'is_user')) return { editor: personEditor(col), params: {} };
    if (has(col, 'is_reference') || col.value_kind === 'array' || col.value_kind === 'datetime') return null;
    if (col.value_kind === 'number' || col.value_kind === 'integer') return { editor: 'number', params: {} };
    if (col.value_kind === 'boolean') return { editor: 'tickCross', params: {} };
    if (col.value_kind === 'date') return { editor: 'date', params: { format: 'yyyy-MM-dd' } };
    if (col.value_kind === 'string') return { editor: 'input', params: {} };
    return null;
  }
  function userName(id) { return state.names[id] || ''; }
  /* a saved view's people (its filters name them by id) named by GET /api/users/names, however many people the
     workspace has, before its conditions are shown */
  function namePeople(conditions) {
    return ff.filterBuilder.namePeople(conditions, {
      fieldOf: function (id) { return cfg.columns.filter(function (x) { return x.id === id; })[0]; },
      named: function (id) { return !!userName(id); },
      remember: function (id, name) { state.names[id] = name; } });
  }
  /* an Owner-like cell is edited with the user picker (userpicker.js): it searches the server as one types, so any
     person of the workspace can be chosen, by keyboard (Down, Enter; Escape cancels) or pointer; it is named by the
     column and the record ("Owner of Acme Ltd") */
  var editorCount = 0;
  /* a member field limited to roles or teams (options.limit): the picker asks for its people only */
  function peopleOf(col) {
    var keys = /\/api\/apps\/([^/]+)\/forms\/([^/]+)/.exec(cfg.api);
    if (!keys || !(col.options && col.options.limit)) return '';
    return 'app=' + encodeURIComponent(keys[1]) + '&form=' + encodeURIComponent(keys[2]) + '&field=' + encodeURIComponent(col.id);
  }
  function personEditor(col) {
    return function (cell, onRendered, success, cancel) {
      var now = cell.getValue(), title = cell.getRow().getData()._title, done = false;
      var chosen = now === null || now === undefined || now === '' ? [] : [{ id: Number(now), name: userName(now) || ('#' + now) }];
      var picker = ff.userPicker.create({ id: 'grid-cell-person-' + (++editorCount), single: true, chosen: chosen, query: peopleOf(col),
                                          label: t('records.grid.cell_person', { field: colLabel(col), title: title }),
                                          onChange: function (users) {
                                            if (done || !users.length) return;
                                            state.names[users[0].id] = users[0].name;
                                            finish(function () { success(users[0].id); });
                                          } });
      // the picker floats over the grid (a cell clips what it holds); the cell keeps the current name meanwhile
      var pop = document.createElement('div');
      pop.className = 'card grid-cell-popup';
      pop.appendChild(picker);
      var shown = document.createElement('span');
      shown.textContent = now ? userName(now) : '';
      var input = picker.querySelector('[data-picker-input]');
      function finish(then) {
        if (done) return;
        done = true;
        pop.remove();
        then();
        var el = cell.getElement();
        if (el && el.focus) el.focus();
      }
      pop.addEventListener('keydown', function (e) {
        e.stopPropagation();  // Tabulator's own keys must not act on the cell while one picks
        if (e.key === 'Escape' && input.getAttribute('aria-expanded') !== 'true') { e.preventDefault(); finish(cancel); }
      });
      pop.addEventListener('focusout', function () {
        setTimeout(function () { if (!pop.contains(document.activeElement)) finish(cancel); }, 200);
      });
      onRendered(function () {
        var r = cell.getElement().getBoundingClientRect();
        document.body.appendChild(pop);
        var width = Math.min(pop.offsetWidth, document.documentElement.clientWidth - 16);
        pop.style.left = Math.max(8, Math.min(r.left, document.documentElement.clientWidth - width - 8)) + window.scrollX + 'px';
        pop.style.top = r.bottom + window.scrollY + 'px';
        input.focus();
      });
      return shown;
    };
  }
  /* Enter or F2 on a focused cell edits it (a double click does the same): the grid is usable from the keyboard */
  function editFromKeyboard(e) {
    if ((e.key !== 'Enter' && e.key !== 'F2') || !e.target.classList || !e.target.classList.contains('tabulator-cell')) return;
    var rowEl = e.target.closest('.tabulator-row'), field = e.target.getAttribute('tabulator-field');
    var row = table.getRows().filter(function (r) { return r.getElement() === rowEl; })[0];
    var c = row && field ? row.getCell(field) : null;
    if (c && c.getColumn().getDefinition().editor) { e.preventDefault(); c.edit(); }
  }
  /* a cell as people read it, drawn by the field type's widget module (widgets/*.js cell(value, field, server text,
     ctx)): a choice's label in its colour, a moment in the reader's zone and language, an amount with its currency;
     the server's display text where the type has no cell of its own. Always a node: a text is never read as HTML. */
  function cellNode(col, row, value) {
    var v = value !== undefined ? value : row['v_' + col.id];
    if (v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length)) return document.createTextNode('');
    var shown = value === undefined && row._display ? row._display[col.id] : undefined, widget = ff.widgetOf(col), out;
    if (widget && widget.cell) out = widget.cell(v, col, shown === undefined || shown === null ? null : String(shown), { userName: userName });
    if (out === undefined || out === null) out = cellText(col, row, shown, v);
    return typeof out === 'string' ? document.createTextNode(out) : out;
  }
  function cellText(col, row, shown, v) {
    if (shown !== undefined && shown !== null) return String(shown);
    if (has(col, 'has_choices')) return Array.isArray(v) ? v.map(function (x) { return choiceLabel(col, x); }).join(', ') : choiceLabel(col, v);
    if (has(col, 'is_user') && userName(v)) return userName(v);
    if (col.value_kind === 'boolean') return v ? ff.t('common.yes') : ff.t('common.no');
    return Array.isArray(v) ? v.join(', ') : (typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  /* a row's checkbox is named by its record ("Select Acme Ltd"), the header's by what it selects (Tabulator says "Select Row") */
  function nameRowBox(row) {
    var box = row.getElement().querySelector('.tabulator-cell input[type="checkbox"]');
    if (!box) return;
    // with its number: two records may share a title, their checkboxes never a name
    box.setAttribute('aria-label', t('records.grid.select_row', { title: row.getData()._title }) + ' (#' + row.getData().id + ')');
    /* the cell is named for what it holds, so the record's title names one cell of the row only: its own */
    box.closest('.tabulator-cell').setAttribute('aria-label', t('records.grid.select_cell'));
  }
  function nameHeaderBox() {
    var box = document.querySelector('#grid .tabulator-header .tabulator-col input[type="checkbox"]');
    if (box) box.setAttribute('aria-label', t('records.grid.select_page'));
  }
  function columnsOf() {
    var cols = [{ formatter: 'rowSelection', titleFormatter: 'rowSelection', hozAlign: 'center', headerSort: false, frozen: true,
                  width: 44, resizable: false },
                { title: '#', field: 'id', frozen: true, headerSort: false, formatter: function (cell) {
                  var a = document.createElement('a');
                  a.href = cfg.record_url.replace('{id}', cell.getValue());
                  a.textContent = '#' + cell.getValue();
                  return a;
                } }];
    cfg.columns.forEach(function (col) {
      var ed = editorOf(col);
      var def = { title: colLabel(col), field: 'v_' + col.id, headerSort: true, formatter: function (cell) { return cellNode(col, cell.getRow().getData()); },
                  headerTooltip: colLabel(col) };
      if (ed) { def.editor = ed.editor; def.editorParams = ed.params; }
      if (col.measurable) {
        def.bottomCalc = 'sum'; def.hozAlign = 'right';
        def.bottomCalcFormatter = function (c) {  // the total as the column's own cells read (grouped, with the currency)
          var box = document.createElement('span'), sum = c.getValue();
          box.textContent = t('records.grid.total') + ' ';
          box.appendChild(typeof sum === 'number' ? cellNode(col, {}, sum) : document.createTextNode(String(sum === undefined ? '' : sum)));
          return box;
        };
      }
      cols.push(def);
    });
    return cols;
  }

  /* ---- loading ---- */
  function tableUrl(params) {
    var q = ['page=' + params.page, 'per_page=' + params.size];
    var sort = (params.sort || []).map(function (s) { return (s.dir === 'desc' ? '-' : '') + s.field.replace(/^v_/, ''); });
    if (sort.length) q.push('sort=' + encodeURIComponent(sort.join(',')));
    if (state.search) q.push('search=' + encodeURIComponent(state.search));
    if (state.where) q.push('where=' + encodeURIComponent(JSON.stringify(state.where)));
    if (state.deleted) q.push('deleted=1');
    if (state.exact) q.push('exact=1');
    return cfg.api + '/records/table?' + q.join('&');
  }
  // the first page, asked for while Tabulator builds itself (load() takes it when it asks for that same URL)
  var firstPage = null;
  var PAGE_SIZE = 20;
  function load(url, config, params) {
    var wanted = tableUrl(params);
    var answer = firstPage && firstPage.url === wanted ? firstPage.answer : ff.api('GET', wanted);
    firstPage = null;
    return answer.then(function (r) {
      if (!r.ok) { say(reason(r), true); return { last_page: 1, data: [] }; }
      var d = r.data;
      $('grid-total').textContent = totalText(d);
      $('grid-count-exact').hidden = !d.total_is_estimate;
      // no rows: the table holder does not scroll (an empty scroll box no keyboard reaches); an empty form, nothing
      // narrowing it, says "No records yet" with "New record" (#empty-state) above the headers
      var none = !d.items.length && params.page === 1;
      $('grid').classList.toggle('grid-empty', none);
      var bare = none && !state.where && !state.search && !state.deleted;
      $('empty-state').hidden = !bare;
      $('grid').classList.toggle('grid-bare', bare);  // "No records yet" says it: not "No records match." as well
      var pages = d.total === null ? params.page + (d.has_more ? 1 : 0) : Math.max(1, Math.ceil(d.total / params.size));
      if (d.total_is_estimate) pages = Math.max(pages, params.page + (d.has_more ? 1 : 0));  // an estimate never ends the paging
      return { last_page: pages, data: d.items.map(function (it) {
        var row = { id: it.id, version: it.version, _title: it.title || ('#' + it.id), _display: it.display || {} };
        Object.keys(it.data || {}).forEach(function (k) { row['v_' + k] = it.data[k]; });
        return row;
      }) };
    });
  }
  function reload() { if (table) table.setData(); }
  /* the total as people read it: exact, "about 12,000" (an estimate, two figures kept), "more than 10,000" (a lower bound) */
  function totalText(d) {
    if (d.total === null || d.total === undefined) return '';
    var fmt = function (n) { return n.toLocaleString(document.documentElement.lang || undefined); };
    if (d.total_is_lower_bound) return ff.t('records.total_more', { total: fmt(d.total - 1) });
    if (!d.total_is_estimate) return ff.t('records.total', { total: fmt(d.total) });
    var step = Math.pow(10, Math.max(0, Math.floor(Math.log10(d.total)) - 1));
    return ff.t('records.total_about', { total: fmt(Math.round(d.total / step) * step) });
  }
  /* another question (filter, search, deleted view): counted as usual again until the person asks */
  function requery() { state.exact = false; reload(); }
  function countExactly() {
    state.exact = true;
    $('grid-total').textContent = t('records.grid.counting');
    var page = table.getPage() || 1;
    table.setData().then(function () { if (page > 1) table.setPage(page); });
  }

  /* ---- inline editing ---- */
  function edited(cell) {
    if (state.reverting) return;
    var row = cell.getRow(), data = row.getData(), fid = cell.getField().slice(2), body = { data: {} };
    var value = cell.getValue();
    var col = cfg.columns.filter(function (c) { return c.id === fid; })[0];
    if (col && has(col, 'is_user') && value !== null && value !== '') value = Number(value);
    body.data[fid] = value === '' ? null : value;
    var el = cell.getElement(), disp = data._display || {}, shownBefore = disp[fid];
    delete disp[fid];  // the server's text was the old value's: the cell reads the new value (a person by name) at once
    if (shownBefore !== undefined) el.replaceChildren(cellNode(col, data));
    ff.api('PATCH', cfg.api + '/records/' + data.id, body, { 'If-Match': '"' + data.version + '"' }).then(function (r) {
      if (r.ok) {
        el.classList.remove('cell-refused');
        el.removeAttribute('title');
        row.update({ version: r.data.version, _display: disp });
        say('');
        return;
      }
      var why = reason(r);
      if (shownBefore !== undefined) disp[fid] = shownBefore;
      state.reverting = true;
      cell.restoreOldValue();
      state.reverting = false;
      var again = cell.getElement();
      again.classList.add('cell-refused');
      again.setAttribute('title', why);
      say(t('records.grid.cell_refused', { reason: why }), true);
    });
  }

  /* ---- selection and bulk actions ---- */
  function selected() { return table ? table.getSelectedData() : []; }
  function selectionChanged() {
    var n = selected().length;
    $('grid-selected').textContent = n ? t('records.grid.selected', { count: n }) : '';
    $('grid-delete').disabled = !n || state.deleted;
    $('grid-restore').disabled = !n || !state.deleted;
    $('grid-bulk-apply').disabled = !n || state.deleted;
  }
  function each(rows, call, doneKey) {
    return Promise.all(rows.map(call)).then(function (results) {
      var bad = results.filter(function (r) { return !r.ok; });
      var ok = results.length - bad.length;
      say(bad.length ? t('records.grid.bulk_failed', { count: bad.length, reason: reason(bad[0]) }) : t(doneKey, { count: ok }), bad.length > 0);
      reload();
    });
  }
  function bulkDelete() {
    var rows = selected();
    if (!rows.length || !window.confirm(t('records.grid.confirm_delete', { count: rows.length }))) return;
    each(rows, function (row) { return ff.api('DELETE', cfg.api + '/records/' + row.id, undefined, { 'If-Match': '"' + row.version + '"' }); }, 'records.grid.deleted_done');
  }
  function bulkRestore() {
    each(selected(), function (row) { return ff.api('POST', cfg.api + '/records/' + row.id + '/restore'); }, 'records.grid.restored_done');
  }
  function bulkColumn() { var id = $('grid-bulk-field').value; return cfg.columns.filter(function (c) { return c.id === id; })[0]; }
  function bulkValueControl() {
    var col = bulkColumn(), old = $('grid-bulk-value'), el;
    var person = !!col && has(col, 'is_user');
    if (person) {  // a person: the searchable user picker (userpicker.js, the server's pages), whatever the workspace's size
      el = ff.userPicker.create({ id: 'grid-bulk-value', label: t('records.grid.bulk_value'), single: true });
    } else if (col && has(col, 'has_choices')) {
      el = document.createElement('select');
      choices(col).forEach(function (c) { var op = document.createElement('option'); op.value = c.value; op.textContent = ff.label(c.label, c.value); el.appendChild(op); });
    } else {
      el = document.createElement('input');
    }
    el.id = 'grid-bulk-value';
    $('grid-bulk-value-label').hidden = person;  // the picker brings its own label
    old.replaceWith(el);
  }
  function bulkRaw() {
    var el = $('grid-bulk-value');
    if (!el.hasAttribute('data-user-picker')) return el.value;
    var chosen = el.querySelector('input[type="hidden"]');
    return chosen ? chosen.value : '';
  }
  function bulkApply() {
    var col = bulkColumn();
    if (!col) return;
    var raw = bulkRaw();
    var value = (has(col, 'is_user') || col.value_kind === 'number' || col.value_kind === 'integer') && raw !== '' ? Number(raw) : raw;
    each(selected(), function (row) {
      var body = { data: {} };
      body.data[col.id] = value === '' ? null : value;
      return ff.api('PATCH', cfg.api + '/records/' + row.id, body, { 'If-Match': '"' + row.version + '"' });
    }, 'records.grid.bulk_done');
  }
  function setDeleted(on) {
    state.deleted = on;
    $('grid-deleted').setAttribute('aria-pressed', on ? 'true' : 'false');
    $('grid-restore').hidden = !on;
    $('grid-delete').hidden = on;
    requery();
    selectionChanged();
  }

  /* ---- filter builder (filterbuilder.js, shared with the boards) ---- */
  function option(sel, value, text) { var o = document.createElement('option'); o.value = value; o.textContent = text; sel.appendChild(o); return o; }
  var filters = null;
  function addCondition(initial) { return filters.add(initial); }
  function readConditions() { return filters.read(); }
  function applyFilters() {
    var conds = readConditions();
    state.where = conds.length ? { match: $('grid-match').value, filters: conds } : null;
    applyGroup();
    requery();
  }
  function applyGroup() {
    var g = $('grid-group').value;
    table.setGroupBy(g ? 'v_' + g : false);
  }

  /* ---- saved views ---- */
  function currentDefinition() {
    var cols = table.getColumns().filter(function (c) { return c.isVisible() && /^v_/.test(c.getField() || ''); })
      .map(function (c) { return c.getField().slice(2); });
    var sort = table.getSorters().map(function (s) { return { field: s.field.replace(/^v_/, ''), dir: s.dir }; });
    return { type: 'grid', filters: readConditions(), match: $('grid-match').value, sort: sort,
             group_by: $('grid-group').value || null, columns: cols, search: state.search, page_size: Number($('grid-page-size').value) };
  }
  function loadViews(pick) {
    return ff.api('GET', cfg.api + '/views').then(function (r) {
      if (!r.ok) return;
      state.views = r.data.items;
      var sel = $('grid-view');
      sel.querySelectorAll('option[data-view]').forEach(function (o) { o.remove(); });
      state.views.forEach(function (v) { option(sel, v.id, ff.label(v.name, '#' + v.id)).setAttribute('data-view', '1'); });  // the reader's language
      var chosen = pick !== undefined ? pick : r.data.default_id;
      var board = state.views.filter(function (v) { return v.id === chosen && v.definition.type && v.definition.type !== 'grid'; })[0];
      if (board && pick === undefined) chosen = null;  // a role's default kanban or calendar opens on its own page, not here
      if (chosen) { sel.value = String(chosen); openView(chosen); }
    });
  }
  function openView(id) {
    var view = state.views.filter(function (v) { return String(v.id) === String(id); })[0];
    if (view && view.definition.type && view.definition.type !== 'grid') {  // a board view opens its board (board_views)
      window.location.href = cfg.list_url.replace(/\/records$/, '/' + view.definition.type) + '?view=' + view.id;
      return;
    }
    $('grid-set-default').hidden = !view || !view.shared_roles.length;
    filters.clear();
    if (!view) { state.where = null; $('grid-group').value = ''; applyGroup(); reload(); return; }
    var d = view.definition;
    namePeople(d.filters).then(function () { filters.set(d.filters); });
    $('grid-match').value = d.match || 'all';
    $('grid-group').value = d.group_by || '';
    if (d.columns && d.columns.length) {
      table.getColumns().forEach(function (c) {
        var f = (c.getField() || '');
        if (/^v_/.test(f)) { if (d.columns.indexOf(f.slice(2)) >= 0) c.show(); else c.hide(); }
      });
    }
    table.setSort((d.sort || []).map(function (s) { return { column: 'v_' + s.field, dir: s.dir }; }));
    state.where = (d.filters || []).length ? { match: d.match || 'all', filters: d.filters } : null;
    applyGroup();
    reload();
  }
  function saveView(e) {
    e.preventDefault();
    var shared = Array.prototype.map.call(document.querySelectorAll('#grid-save-form input[name=share]:checked'), function (x) { return x.value; });
    var body = { name: typedName('grid'), shared_roles: shared, definition: currentDefinition() };
    ff.api('POST', cfg.api + '/views', body).then(function (r) {
      if (!r.ok) { say(reason(r), true); return; }
      say(t('records.grid.view_saved', { name: ff.label(r.data.name) }));
      $('grid-save-form').hidden = true;
      loadViews(r.data.id);
    });
  }
  /* the name typed in the English and 中文 inputs: a text when only English is given, else {en, zh-CN} (common.js withText) */
  function typedName(prefix) {
    return ff.withText(ff.withText('', 'en', $(prefix + '-view-name').value.trim()), 'zh-CN', $(prefix + '-view-name-zh').value.trim());
  }
  function setDefault() {
    var view = state.views.filter(function (v) { return String(v.id) === $('grid-view').value; })[0];
    if (!view) return;
    var role = view.shared_roles[0];
    ff.api('POST', cfg.api + '/views/' + view.id + '/default', { role: role }).then(function (r) { say(r.ok ? t('records.grid.default_set') : reason(r), !r.ok); });
  }

  /* ---- columns shown (the chooser follows moves and saved views) ---- */
  function columnChooser() {
    var box = $('grid-column-list'), shown = table.getColumns().filter(function (c) { return /^v_/.test(c.getField() || ''); });
    box.innerHTML = '';
    shown.forEach(function (c, i) {
      var name = c.getDefinition().title, row = document.createElement('div'), lab = document.createElement('label'), cb = document.createElement('input');
      row.className = 'grid-column-row';
      lab.className = 'check';
      cb.type = 'checkbox'; cb.checked = c.isVisible();
      cb.addEventListener('change', function () { if (cb.checked) c.show(); else c.hide(); });
      lab.appendChild(cb);
      lab.appendChild(document.createTextNode(' ' + name));
      row.appendChild(lab);
      // a column moves by keyboard too (dragging its header does the same): each button named by its column
      [['records.grid.column_up', -1, '↑'], ['records.grid.column_down', 1, '↓']].forEach(function (m) {
        var b = document.createElement('button'), other = shown[i + m[1]];
        b.type = 'button'; b.className = 'btn btn-sm btn-ghost'; b.textContent = m[2];
        b.setAttribute('aria-label', t(m[0], { name: name }));
        b.disabled = !other;
        b.addEventListener('click', function () {
          c.move(other, m[1] > 0);
          columnChooser();
          var again = $('grid-column-list').querySelector('[aria-label="' + b.getAttribute('aria-label').replace(/"/g, '\\"') + '"]');
          if (again && !again.disabled) again.focus();
        });
        row.appendChild(b);
      });
      box.appendChild(row);
    });
  }

  /* Tabulator's own words (the pager's buttons and their titles, loading) in the reader's language */
  function pagerTexts() {
    return {
      data: { loading: t('records.grid.loading'), error: t('records.grid.load_failed') },
      pagination: { first: t('records.grid.pager.first'), first_title: t('records.grid.pager.first_title'),
                    prev: t('records.grid.pager.prev'), prev_title: t('records.grid.pager.prev_title'),
                    next: t('records.grid.pager.next'), next_title: t('records.grid.pager.next_title'),
                    last: t('records.grid.pager.last'), last_title: t('records.grid.pager.last_title'),
                    page_title: t('records.grid.pager.page_title'), page_size: t('records.grid.page_size') }
    };
  }

  /* ---- start ---- */
  function start() {
    var groupSel = $('grid-group'), bulkSel = $('grid-bulk-field');
    filters = ff.filterBuilder({ list: $('grid-conditions'), columns: cfg.columns, users: function () { return []; },
                                 userName: userName });
    cfg.columns.forEach(function (c) {
      if (c.groupable && (has(c, 'has_choices') || has(c, 'is_user'))) option(groupSel, c.id, colLabel(c));
      if (editorOf(c)) option(bulkSel, c.id, colLabel(c));
    });
    table = new window.Tabulator('#grid', {
      columns: columnsOf(), index: 'id', layout: 'fitData', movableColumns: true, selectableRows: true,
      pagination: true, paginationMode: 'remote', sortMode: 'remote', paginationSize: PAGE_SIZE, ajaxURL: cfg.api + '/records/table',
      ajaxRequestFunc: load, columnCalcs: 'both', headerSortClickElement: 'header', columnHeaderSortMulti: true,
      groupHeader: function (value, count) { return (value === undefined || value === null ? '—' : value) + ' (' + count + ')'; },
      placeholder: ff.t('records.empty'), editTriggerEvent: 'dblclick', paginationElement: $('grid-pages'),
      rowFormatter: nameRowBox, locale: 'formflow', langs: { formflow: pagerTexts() }
    });
    table.on('cellEdited', edited);
    table.on('rowSelectionChanged', selectionChanged);
    table.on('columnMoved', columnChooser);
    $('grid').addEventListener('keydown', editFromKeyboard);
    $('grid-columns').addEventListener('toggle', columnChooser);
    table.on('tableBuilt', function () {
      // the grid role owns only rows: the scroll box is not a tab stop of its own (the grid is), the pager lives outside
      var holder = document.querySelector('#grid .tabulator-tableholder');
      if (holder) holder.removeAttribute('tabindex');
      $('grid').setAttribute('tabindex', '0');
      nameHeaderBox();
      loadViews();
    });
    $('grid-page-size').addEventListener('change', function (e) { table.setPageSize(Number(e.target.value)); });
    $('grid-jump').addEventListener('change', function (e) { var n = Number(e.target.value); if (n >= 1) table.setPage(Math.min(n, table.getPageMax() || n)); });
    var timer = null;
    $('grid-search').addEventListener('input', function (e) { clearTimeout(timer); timer = setTimeout(function () { state.search = e.target.value; requery(); }, 300); });
    $('grid-count-exact').addEventListener('click', countExactly);
    $('grid-deleted').addEventListener('click', function () { setDeleted(!state.deleted); });
    $('grid-delete').addEventListener('click', bulkDelete);
    $('grid-restore').addEventListener('click', bulkRestore);
    $('grid-bulk-apply').addEventListener('click', bulkApply);
    bulkSel.addEventListener('change', bulkValueControl);
    $('grid-add-condition').addEventListener('click', function () { addCondition(); });
    $('grid-apply').addEventListener('click', applyFilters);
    $('grid-clear').addEventListener('click', function () { filters.clear(); applyFilters(); });
    $('grid-save-view').addEventListener('click', function () { $('grid-save-form').hidden = false; $('grid-view-name').focus(); });
    $('grid-save-form').addEventListener('submit', saveView);
    $('grid-view').addEventListener('change', function (e) { openView(e.target.value); });
    $('grid-set-default').addEventListener('click', setDefault);
    document.addEventListener('keydown', function (e) {
      if (e.key !== 'Escape') return;
      $('grid-save-form').hidden = true;
      $('grid-columns').open = false;
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    // the first page is asked for at once (cells show the server's display text); people are searched on the server
    // by the pickers and a saved view's people named by id (namePeople), never read as one list of the workspace
    var url = tableUrl({ page: 1, size: PAGE_SIZE, sort: [] });
    firstPage = { url: url, answer: ff.api('GET', url) };
    start();
    bulkValueControl();
  });
})();
