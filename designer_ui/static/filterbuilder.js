/* The filter builder the records grid and the boards share (grid.js, boards.js): one condition per row, field (by label)
   -> operator (the field type's filter_operators) -> value (choices by label, "me" / "my team" for people, numbers,
   dates, two inputs for "between"), and the match (all / any) chosen beside it. It reads the conditions as the
   list API's `where` ({match, filters: [{field, op, value}]}), so every page filters through the same read gate.
   Hook: a widget module (static/widgets/<name>.js, formflow.widgets[name]) may offer filterInput(host) -> element for
   its fields' value; host = {field, op, index, t, label, users, choices(parent)} (choices: what the type's widget picks
   from, by the column's type); the value is el.filterValue() when given, else el.value.
   Use: var fb = formflow.filterBuilder({list: <ol>, columns: [...], users: fn, userName: fn(id)}); fb.add(), fb.read(),
   fb.set(filters). A person's value is picked with the user picker (userpicker.js: the page loads it); a saved view's
   people are named by id first with formflow.filterBuilder.namePeople(conditions, opts) (below).
   Each row's controls are named with its number ("Field, condition 2"), so several conditions never share a name.
   Its texts are the catalogue's records.grid.*, every key written out in full (an operator's name through OP_NAMES), so
   tests/core/test_client_messages.py finds and checks each. */
(function () {
  'use strict';

  var ff = window.formflow;
  function t(key, params) { return ff.t(key, params); }
  //: an operator's name (engine.fields.base.ALL_OPERATORS)
  var OP_NAMES = { eq: 'records.grid.op.eq', ne: 'records.grid.op.ne', lt: 'records.grid.op.lt', le: 'records.grid.op.le',
                   gt: 'records.grid.op.gt', ge: 'records.grid.op.ge', 'in': 'records.grid.op.in',
                   between: 'records.grid.op.between', contains: 'records.grid.op.contains', empty: 'records.grid.op.empty',
                   not_empty: 'records.grid.op.not_empty', last_days: 'records.grid.op.last_days',
                   next_days: 'records.grid.op.next_days' };
  function opName(op) { return Object.prototype.hasOwnProperty.call(OP_NAMES, op) ? t(OP_NAMES[op]) : op; }

  function has(col, cap) { return (col.capabilities || []).indexOf(cap) >= 0; }
  function option(sel, value, text) { var o = document.createElement('option'); o.value = value; o.textContent = text; sel.appendChild(o); return o; }
  function choices(col) { return (col.options && col.options.choices) || []; }

  /* the record's own moments, filterable on every form */
  function systemColumns() {
    return [{ id: 'created_at', label: t('records.grid.created_at'), value_kind: 'datetime', capabilities: [], system: true,
              filter_operators: ['gt', 'lt', 'between', 'last_days', 'next_days'] },
            { id: 'updated_at', label: t('records.grid.updated_at'), value_kind: 'datetime', capabilities: [], system: true,
              filter_operators: ['gt', 'lt', 'between', 'last_days'] }];
  }

  function filterBuilder(opts) {
    var users = opts.users || function () { return []; };
    var cols = (opts.columns || []).filter(function (c) { return (c.filter_operators || []).length; }).concat(systemColumns());
    var list = opts.list;

    /* every control is named with its row ("Field, condition 2" / "字段（第 2 个条件）"): several conditions never share
       a name; the rows are numbered again when one is removed */
    function rowOf(el) { var li = el.closest ? el.closest('li') : null; return li && li.parentNode === list ? li : null; }
    function rowNumber(li) { var i = li ? Array.prototype.indexOf.call(list.children, li) : -1; return i < 0 ? list.children.length + 1 : i + 1; }
    function inRow(text, li) { return t('records.grid.in_condition', { name: text, n: rowNumber(li) }); }
    function named(el, text) { el.setAttribute('data-base-name', text); return el; }
    function nameRow(li) {
      li.querySelectorAll('[data-base-name]').forEach(function (el) { el.setAttribute('aria-label', inRow(el.getAttribute('data-base-name'), li)); });
      var rm = li.querySelector('.cond-remove');
      if (rm) rm.setAttribute('aria-label', t('records.grid.remove_condition_n', { n: rowNumber(li) }));
    }
    function renumber() { Array.prototype.forEach.call(list.children, nameRow); }

    function widgetInput(col, op, i) {
      var w = col.widget && ff.widgets && Object.prototype.hasOwnProperty.call(ff.widgets, col.widget) ? ff.widgets[col.widget] : null;
      if (!w || typeof w.filterInput !== 'function') return null;
      return w.filterInput({ field: col, op: op, index: i, t: ff.t, label: ff.label, users: users,
                             choices: function (parent) { return ff.typeChoices(col, parent); } });
    }
    function valueInput(col, op, i) {
      var el = widgetInput(col, op, i);
      if (el) return el;
      if (has(col, 'has_choices') && op !== 'contains') {
        el = document.createElement('select');
        choices(col).forEach(function (c) { option(el, ff.label(c.label, c.value), ff.label(c.label, c.value)); });
      } else if (has(col, 'is_user')) {
        el = personValue(col, op);
      } else {
        el = document.createElement('input');
        el.type = (op === 'last_days' || op === 'next_days' || col.value_kind === 'number' || col.value_kind === 'integer') ? 'number'
          : (col.value_kind === 'date' || col.value_kind === 'datetime' ? 'date' : 'text');
      }
      return el;
    }
    /* a person: "me", "my team" (for "in"), or "a person…", chosen with the user picker (userpicker.js), which searches
       the server as one types, so any person of the workspace can be chosen; el.filterValue() -> "$me" | "$my_team" | id */
    var pickers = 0;
    function personValue(col, op) {
      var box = document.createElement('span'), who = document.createElement('select'), picker = null;
      box.className = 'cond-person';
      option(who, '$me', t('records.grid.me'));
      if (op === 'in') option(who, '$my_team', t('records.grid.my_team'));
      option(who, '', t('records.grid.a_person'));
      named(who, t('records.grid.value'));
      box.appendChild(who);
      var id = 'cond-person-' + (++pickers);
      function showPicker(chosen) {
        if (picker) picker.remove();
        picker = null;
        if (who.value !== '') return;
        picker = ff.userPicker.create({ id: id, single: true, chosen: chosen || [],
                                        label: inRow(t('records.grid.person_for', { field: ff.label(col.label, col.id) }), rowOf(box)) });
        box.appendChild(picker);
      }
      who.addEventListener('change', function () {
        showPicker();
        if (picker) picker.querySelector('[data-picker-input]').focus();
      });
      box.filterValue = function () {
        if (who.value !== '') return who.value;
        var chosen = picker && picker.querySelector('input[type="hidden"]');
        return chosen ? Number(chosen.value) : null;
      };
      box.setFilterValue = function (v) {
        if (v === '$me' || v === '$my_team') { who.value = v; showPicker(); return; }
        who.value = '';
        var name = (opts.userName && opts.userName(v)) || '';
        if (!name) users().forEach(function (u) { if (String(u.id) === String(v)) name = u.display_name || u.username; });
        showPicker(v === null || v === undefined || v === '' ? [] : [{ id: Number(v), name: name || ('#' + v) }]);
      };
      box.setAttribute('role', 'group');
      named(box, t('records.grid.value'));  // the builder names its value controls; the box's own controls carry names
      return box;
    }
    function valueControl(li, col, op) {
      li.querySelectorAll('.cond-value').forEach(function (x) { x.remove(); });
      if (op === 'empty' || op === 'not_empty') return;
      var count = op === 'between' ? 2 : 1;
      for (var i = 0; i < count; i++) {
        var el = valueInput(col, op, i);
        el.classList.add('cond-value');
        if (!el.getAttribute('aria-labelledby')) named(el, el.getAttribute('aria-label') || (t('records.grid.value') + (count > 1 ? ' ' + (i + 1) : '')));
        li.insertBefore(el, li.querySelector('.cond-remove'));
      }
      nameRow(li);
    }
    function add(initial) {
      var li = document.createElement('li');
      var fsel = named(document.createElement('select'), t('records.grid.field'));
      var osel = named(document.createElement('select'), t('records.grid.operator'));
      fsel.className = 'cond-field'; osel.className = 'cond-op';
      cols.forEach(function (c) { option(fsel, c.id, ff.label(c.label, c.id)); });
      var rm = document.createElement('button');
      rm.type = 'button'; rm.className = 'btn btn-sm cond-remove'; rm.textContent = '×';
      rm.addEventListener('click', function () { li.remove(); renumber(); });
      li.appendChild(fsel); li.appendChild(osel); li.appendChild(rm);
      function col() { return cols.filter(function (c) { return c.id === fsel.value; })[0]; }
      function fillOps() {
        osel.innerHTML = '';
        col().filter_operators.forEach(function (op) { option(osel, op, opName(op)); });
        valueControl(li, col(), osel.value);
      }
      fsel.addEventListener('change', fillOps);
      osel.addEventListener('change', function () { valueControl(li, col(), osel.value); });
      if (initial && cols.some(function (c) { return c.id === initial.field; })) fsel.value = initial.field;
      fillOps();
      if (initial && col().filter_operators.indexOf(initial.op) >= 0) {
        osel.value = initial.op; valueControl(li, col(), initial.op);
        var vals = Array.isArray(initial.value) ? initial.value : [initial.value];
        li.querySelectorAll('.cond-value').forEach(function (el, i) {
          if (vals[i] === undefined) return;
          if (typeof el.setFilterValue === 'function') el.setFilterValue(vals[i]); else el.value = vals[i];
        });
      }
      list.appendChild(li);
      nameRow(li);
      return li;
    }
    function valueOf(el) { return typeof el.filterValue === 'function' ? el.filterValue() : el.value; }
    function read() {
      return Array.prototype.map.call(list.children, function (li) {
        var op = li.querySelector('.cond-op').value;
        var vals = Array.prototype.map.call(li.querySelectorAll('.cond-value'), valueOf);
        var value = op === 'between' ? vals : (op === 'in' && vals[0] !== '$my_team' && !Array.isArray(vals[0]) ? [vals[0]] : vals[0]);
        return { field: li.querySelector('.cond-field').value, op: op, value: value === undefined ? null : value };
      });
    }
    function clear() { list.innerHTML = ''; }
    /* a saved view's conditions (groups of their own are kept by the caller, not shown here) */
    function set(filters) { clear(); (filters || []).forEach(function (f) { if (f.field) add(f); }); }
    return { add: add, read: read, clear: clear, set: set, columns: cols };
  }

  /* a saved view's people: the values of its conditions (groups too) on a person field are ids; those the page cannot
     name yet are named by GET /api/users/names (at most 50 at once), however many people the workspace has, before the
     conditions are shown. opts: {fieldOf(id) -> the field or column, named(id) -> bool, remember(id, name)} -> Promise */
  function namePeople(conditions, opts) {
    var ids = [];
    (function walk(list) {
      (list || []).forEach(function (c) {
        if (c.filters) { walk(c.filters); return; }
        var col = opts.fieldOf(c.field);
        if (!col || !has(col, 'is_user')) return;
        (Array.isArray(c.value) ? c.value : [c.value]).forEach(function (v) {
          if (/^\d+$/.test(String(v)) && ids.indexOf(String(v)) < 0 && !opts.named(String(v))) ids.push(String(v));
        });
      });
    })(conditions);
    if (!ids.length) return Promise.resolve();
    return ff.api('GET', '/api/users/names?ids=' + ids.slice(0, 50).join(',')).then(function (r) {
      var names = (r.ok && r.data && r.data.names) || {};
      Object.keys(names).forEach(function (id) { opts.remember(id, names[id]); });
    });
  }

  filterBuilder.namePeople = namePeople;
  ff.filterBuilder = filterBuilder;
})();
