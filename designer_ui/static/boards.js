/* What the record boards (kanban.js, calendar.js, gallery.js) share: the page's config (#board-config, from
   designer_ui.board_views), the board's field picker (fields whose type fits the board: lanes, calendar_kind,
   thumbnails), the card fields, the grid's filter builder (filterbuilder.js: field -> operator -> value, AND / OR), saved views of the board's type ({api}/views; a view of another type opens its own
   page), reading through GET {api}/records/table (the read gate) and writing one field through PATCH with If-Match.
   A board calls formflow.boards.start({fits: 'lanes' | 'calendar_kind' | 'thumbnails', render: fn}). */
(function () {
  'use strict';

  var ff = window.formflow;
  var cfg = ff.readJSON('board-config', {});
  var $ = function (id) { return document.getElementById(id); };
  // keys written out in full, so tests/core/test_client_messages.py finds and checks each (a view type's name: VIEW_NAMES)
  var t = ff.t;
  var VIEW_NAMES = { grid: 'records.board.grid', kanban: 'records.board.kanban', calendar: 'records.board.calendar',
                     gallery: 'records.board.gallery' };
  function viewName(type) { return t(VIEW_NAMES[type] || VIEW_NAMES.grid); }
  var state = { filters: [], match: 'all', search: '', views: [], users: [], field: null, cards: [], board: null };
  var builder = null;

  function has(f, cap) { return (f.capabilities || []).indexOf(cap) >= 0; }
  function fieldOf(id) { return cfg.fields.filter(function (f) { return f.id === id; })[0]; }
  function fieldLabel(f) { return ff.label(f.label, f.id); }
  function say(text, isError) {
    var box = $('board-status');
    box.hidden = !text;
    box.textContent = text || '';
    box.className = 'alert ' + (isError ? 'alert-error' : 'alert-ok');
  }
  function reason(r) {
    if (r.status === 412) return t('records.board.stale');
    var e = (r.data && r.data.error) || {};
    var first = (e.errors || [])[0];
    return (first && first.message) || e.message || ff.t('common.error');
  }
  /* people, by id, named by GET /api/users/names (a saved filter's people, the lanes' people: remember) */
  function remember(id, name) {
    if (!state.users.some(function (u) { return u.id === Number(id); })) state.users.push({ id: Number(id), display_name: name });
  }
  function nameFilterPeople(filters) {
    return ff.filterBuilder.namePeople(filters, { fieldOf: fieldOf, remember: remember,
                                                  named: function (id) { return userName(Number(id)) !== String(id); } });
  }
  function userName(id) {
    var u = state.users.filter(function (x) { return x.id === id; })[0];
    return u ? (u.display_name || u.username) : String(id);
  }
  function titleOf(item) { return item.title || t('records.board.untitled', { id: item.id }); }

  /* ---- reading: the board's own filters (a lane, a month) with the open view's ---- */
  function where(extra) {
    var filters = (extra || []).slice();
    if (state.filters.length) {
      var grouped = state.filters.some(function (f) { return f.filters; });
      if (state.match === 'all') filters = filters.concat(state.filters);
      else if (!grouped) filters.push({ match: 'any', filters: state.filters });
      else filters = filters.concat(state.filters);  // a view's own groups are kept as they are
    }
    return filters.length ? { match: 'all', filters: filters } : null;
  }
  function read(extra, page, perPage, sort, uncounted) {
    var q = ['page=' + (page || 1), 'per_page=' + (perPage || 50)];
    if (uncounted) q.push('count=0');  // the caller knows the total another way (a kanban's lane counts)
    var w = where(extra);
    if (w) q.push('where=' + encodeURIComponent(JSON.stringify(w)));
    if (sort) q.push('sort=' + encodeURIComponent(sort));
    if (state.search) q.push('search=' + encodeURIComponent(state.search));
    return ff.api('GET', cfg.api + '/records/table?' + q.join('&'));
  }
  /* how many records hold each value of ``fieldId`` under the board's filters and search, every value in one request
     (GET {api}/records/counts: one grouped count through the read gate) -> {counts: {value: n}, empty: n, ...} */
  function counts(fieldId) {
    var q = ['by=' + encodeURIComponent(fieldId)], w = where([]);
    if (w) q.push('where=' + encodeURIComponent(JSON.stringify(w)));
    if (state.search) q.push('search=' + encodeURIComponent(state.search));
    return ff.api('GET', cfg.api + '/records/counts?' + q.join('&'));
  }
  /* a page of a person field's lanes (GET {api}/records/lanes: the reader, the people holding records, then everyone
     the field's picker offers, each counted through the read gate), narrowed to the people matching ``people`` */
  function personLanes(fieldId, page, people) {
    var q = ['by=' + encodeURIComponent(fieldId), 'page=' + page], w = where([]);
    if (w) q.push('where=' + encodeURIComponent(JSON.stringify(w)));
    if (state.search) q.push('search=' + encodeURIComponent(state.search));
    if (people) q.push('people=' + encodeURIComponent(people));
    return ff.api('GET', cfg.api + '/records/lanes?' + q.join('&'));
  }
  /* ---- writing one field of one record (rules, permissions, validation, If-Match: the records API) ---- */
  function write(id, version, fieldId, value) {
    var body = { data: {} };
    body.data[fieldId] = value;
    return ff.api('PATCH', cfg.api + '/records/' + id, body, { 'If-Match': '"' + version + '"' });
  }

  /* ---- a card: the record's title (a link to its page) and the chosen fields as people read them ---- */
  function card(item, tag) {
    var el = document.createElement(tag || 'li');
    el.className = 'board-card';
    el.setAttribute('data-record', item.id);
    var a = document.createElement('a');
    a.href = cfg.record_url.replace('{id}', item.id);
    a.className = 'board-card-title';
    a.textContent = titleOf(item);
    var number = document.createElement('span');  // two records may share a title: the number tells their cards apart
    number.className = 'board-card-number';
    number.textContent = ' #' + item.id;
    a.appendChild(number);
    el.appendChild(a);
    var dl = document.createElement('dl');
    state.cards.forEach(function (fid) {
      var f = fieldOf(fid);
      var text = item.display && item.display[fid];
      if (!f || text === undefined || text === null || text === '') return;
      var dt = document.createElement('dt'), dd = document.createElement('dd');
      dt.textContent = fieldLabel(f);
      dd.textContent = String(text);
      dl.appendChild(dt); dl.appendChild(dd);
    });
    if (dl.children.length) el.appendChild(dl);
    return el;
  }

  /* ---- the board's field and card fields ---- */
  function fillFields() {
    var sel = $('board-field');
    sel.innerHTML = '';
    cfg.fields.filter(function (f) { return f[state.board.fits]; }).forEach(function (f) {
      var o = document.createElement('option');
      o.value = f.id; o.textContent = fieldLabel(f);
      sel.appendChild(o);
    });
    if (state.field && fieldOf(state.field) && fieldOf(state.field)[state.board.fits]) sel.value = state.field;
    state.field = sel.value;
  }
  function defaultCards() {
    return cfg.fields.filter(function (f) {
      return f.id !== state.field && f.id !== cfg.title_field && !f.engine_set && !f.thumbnails && !has(f, 'stores_rows') &&
        !has(f, 'holds_attachments');
    }).slice(0, 3).map(function (f) { return f.id; });
  }
  function fillCardFields() {
    var box = $('board-card-list');
    box.innerHTML = '';
    cfg.fields.forEach(function (f) {
      if (has(f, 'stores_rows') || has(f, 'holds_attachments')) return;
      var lab = document.createElement('label'), cb = document.createElement('input');
      lab.className = 'check';
      cb.type = 'checkbox'; cb.value = f.id; cb.checked = state.cards.indexOf(f.id) >= 0;
      cb.addEventListener('change', function () {
        state.cards = Array.prototype.filter.call(box.querySelectorAll('input:checked'), function () { return true; })
          .map(function (x) { return x.value; });
        state.board.render();
      });
      lab.appendChild(cb);
      lab.appendChild(document.createTextNode(' ' + fieldLabel(f)));
      box.appendChild(lab);
    });
  }

  /* ---- saved views (of every type; one of another type opens its page) ---- */
  function definition() {
    var d = { type: cfg.board, filters: state.filters, match: state.match, search: state.search, card_fields: state.cards };
    d[cfg.setting] = state.field;
    return d;
  }
  function openView(id) {
    var view = state.views.filter(function (v) { return String(v.id) === String(id); })[0];
    $('board-set-default').hidden = !view || !view.shared_roles.length;
    if (!view) { state.filters = []; state.match = 'all'; state.search = ''; showFilters(); state.board.render(); return; }
    var d = view.definition;
    if (d.type !== cfg.board && cfg.pages[d.type]) { window.location.href = cfg.pages[d.type] + '?view=' + view.id; return; }
    state.filters = d.filters || []; state.match = d.match || 'all'; state.search = d.search || '';
    nameFilterPeople(state.filters).then(showFilters);
    if (d[cfg.setting]) state.field = d[cfg.setting];
    if (d.card_fields && d.card_fields.length) state.cards = d.card_fields.filter(fieldOf);
    fillFields(); fillCardFields();
    state.board.render();
  }
  function loadViews() {
    return ff.api('GET', cfg.api + '/views').then(function (r) {
      if (!r.ok) return null;
      state.views = r.data.items;
      var sel = $('board-view');
      state.views.forEach(function (v) {
        var o = document.createElement('option');
        o.value = v.id; o.textContent = ff.label(v.name, '#' + v.id) + ' · ' + viewName(v.definition.type);  // the reader's language
        sel.appendChild(o);
      });
      var wanted = cfg.view || null;
      if (!wanted && !cfg.field && r.data.default_id) {  // the role's default view, when it is a view of this board
        var dv = state.views.filter(function (v) { return v.id === r.data.default_id; })[0];
        if (dv && dv.definition.type === cfg.board) wanted = dv.id;
      }
      if (wanted) sel.value = String(wanted);
      return wanted;
    });
  }
  function saveView(e) {
    e.preventDefault();
    var shared = Array.prototype.map.call(document.querySelectorAll('#board-save-form input[name=share]:checked'), function (x) { return x.value; });
    // the English and 中文 inputs: a text when only English is given, else {en, zh-CN} (common.js withText)
    var name = ff.withText(ff.withText('', 'en', $('board-view-name').value.trim()), 'zh-CN', $('board-view-name-zh').value.trim());
    ff.api('POST', cfg.api + '/views', { name: name, shared_roles: shared, definition: definition() }).then(function (r) {
      if (!r.ok) { say(reason(r), true); return; }
      say(t('records.grid.view_saved', { name: ff.label(r.data.name) }));
      $('board-save-form').hidden = true;
      state.views.push(r.data);
      var o = document.createElement('option');
      o.value = r.data.id; o.textContent = ff.label(r.data.name) + ' · ' + viewName(cfg.board);
      $('board-view').appendChild(o);
      $('board-view').value = String(r.data.id);
      $('board-set-default').hidden = !r.data.shared_roles.length;
    });
  }
  function setDefault() {
    var view = state.views.filter(function (v) { return String(v.id) === $('board-view').value; })[0];
    if (!view) return;
    ff.api('POST', cfg.api + '/views/' + view.id + '/default', { role: view.shared_roles[0] }).then(function (r) {
      say(r.ok ? t('records.grid.default_set') : reason(r), !r.ok);
    });
  }

  /* ---- the filter builder: the conditions shown are the open view's plain ones; its own groups are kept as they are ---- */
  function showFilters() {
    builder.set(state.filters);
    $('board-match').value = state.match;
    $('board-search').value = state.search;
  }
  function applyFilters() {
    var groups = state.filters.filter(function (f) { return f.filters; });
    state.filters = groups.concat(builder.read());
    state.match = $('board-match').value;
    state.search = $('board-search').value;
    state.board.render();
  }

  /* an empty form (nothing narrows the board, the reader sees no record): "No records yet" (#empty-state, with "New
     record" when the reader may add one); a filtered board that finds nothing says so itself */
  function emptyState() {
    var box = $('empty-state');
    if (!box) return;
    if (state.filters.length || state.search) { box.hidden = true; return; }
    read([], 1, 1, null, true).then(function (r) { box.hidden = !(r.ok && r.data && !r.data.items.length); });
  }

  function start(board) {
    var draw = board.render;
    board.render = function () { draw(); emptyState(); };
    state.board = board;
    state.field = cfg.field;
    fillFields();
    state.cards = defaultCards();
    fillCardFields();
    $('board-field').addEventListener('change', function (e) {
      state.field = e.target.value;
      board.render();
    });
    $('board-view').addEventListener('change', function (e) { openView(e.target.value); });
    builder = ff.filterBuilder({ list: $('board-conditions'), columns: cfg.fields, users: function () { return state.users; },
                                 userName: function (id) { var n = userName(Number(id)); return n === String(id) ? '' : n; } });
    $('board-add-condition').addEventListener('click', function () { builder.add(); });
    $('board-apply').addEventListener('click', applyFilters);
    $('board-clear').addEventListener('click', function () { builder.clear(); state.filters = []; applyFilters(); });
    $('board-search').addEventListener('keydown', function (e) { if (e.key === 'Enter') applyFilters(); });
    $('board-save-view').addEventListener('click', function () { $('board-save-form').hidden = false; $('board-view-name').focus(); });
    $('board-save-form').addEventListener('submit', saveView);
    $('board-set-default').addEventListener('click', setDefault);
    document.addEventListener('keydown', function (e) {
      if (e.key !== 'Escape') return;
      $('board-save-form').hidden = true;
      $('board-card-fields').open = false;
    });
    // no list of the workspace's users is read (a company may have thousands): the people a saved view's filters
    // name are named by id (GET /api/users/names), the filter's picker searches the server, lanes name their own
    loadViews().then(function (wanted) {
      if (wanted) openView(wanted); else board.render();
    });
  }

  ff.boards = { cfg: cfg, state: state, t: t, say: say, reason: reason, has: has, fieldOf: fieldOf, fieldLabel: fieldLabel,
                userName: userName, remember: remember, titleOf: titleOf, read: read, counts: counts, personLanes: personLanes, write: write, card: card, start: start };
})();
