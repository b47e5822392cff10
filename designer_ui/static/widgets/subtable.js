/* Sub-table widget (form.input "subtable": rows of options.fields): a table with one input per column (a switch, a
   drop-down of the column's choices or an <input> of the column type's HTML type, as each column type's facts say) and
   Add row / Remove row. A cell's text becomes a value through its column type's widget (parse), else stays text.
   The form's row rules (window.formflowRowRules[field id], compiled by the server) run on a row as it is typed, as
   the server's effects stage does on save: a column shown only by a rule starts hidden; matched rules show, hide,
   require, lock or set its cells (a value or a formula). Registered as window.formflowWidgets.subtable. */
(function () {
  'use strict';
  var widgets = window.formflowWidgets = window.formflowWidgets || {};
  var SVG = 'http://www.w3.org/2000/svg';
  //: the icons of _icons.html this widget shows: path data on a 16 x 16 grid
  var ICONS = { close: 'M4 4l8 8M12 4l-8 8', plus: 'M8 3v10M3 8h10' };

  function facts(f) { return window.formflow.fieldType(f).form; }
  function raw(x) { return window.Alpine && window.Alpine.raw ? window.Alpine.raw(x) : x; }
  function icon(name) {
    var svg = document.createElementNS(SVG, 'svg'), path = document.createElementNS(SVG, 'path');
    [['class', 'icon-svg'], ['viewBox', '0 0 16 16'], ['fill', 'none'], ['stroke', 'currentColor'], ['stroke-width', '1.5'],
     ['stroke-linecap', 'round'], ['stroke-linejoin', 'round'], ['aria-hidden', 'true'], ['focusable', 'false']]
      .forEach(function (a) { svg.setAttribute(a[0], a[1]); });
    path.setAttribute('d', ICONS[name]);
    svg.appendChild(path);
    return svg;
  }
  function cellKind(sf) { var k = facts(sf).input; return k === 'switch' || k === 'select' ? k : 'input'; }
  /* a cell's text as its column's value: the column type's widget parses it (a number, a moment in the zone...) */
  function parse(sf, text, zone) {
    var w = window.formflow.widgetOf(sf) || widgets.input;
    return w && typeof w.parse === 'function' ? w.parse(sf, text, zone) : (text === '' ? null : text);
  }

  widgets.subtable = {
    mount: function (el, host) {
      var f = host.field, t = host.t, cols = (f.options && f.options.fields) || [];
      var wrap = document.createElement('div'), table = document.createElement('table');
      var thead = document.createElement('thead'), head = document.createElement('tr'), body = document.createElement('tbody');
      var add = document.createElement('button');
      wrap.className = 'table-wrap';
      wrap.setAttribute('data-testid', host.testId);
      table.className = 'subtable';
      cols.concat([null]).forEach(function (sf) {
        var th = document.createElement('th');
        th.setAttribute('scope', 'col');
        if (sf) th.textContent = host.label(sf.label, sf.name || sf.id);
        else { var sr = document.createElement('span'); sr.className = 'sr-only'; sr.textContent = t('common.actions'); th.appendChild(sr); }
        head.appendChild(th);
      });
      thead.appendChild(head);
      table.appendChild(thead);
      table.appendChild(body);
      add.type = 'button';
      add.className = 'btn btn-sm';
      add.appendChild(icon('plus'));
      add.appendChild(document.createTextNode(' ' + t('fill.add_row')));
      add.addEventListener('click', function () { host.set((host.get() || []).slice().concat([{}])); });
      wrap.appendChild(table);
      wrap.appendChild(add);
      el.appendChild(wrap);

      function rowRules() {
        var all = window.formflowRowRules || {};
        return Array.isArray(all[f.id]) ? all[f.id] : [];
      }
      function show(input, v) {
        if (input.type === 'checkbox') input.checked = v === true;
        else input.value = v === null || v === undefined ? '' : String(v);
      }
      /* one row through the row rules (engine/formrules.py FormRules.state): later rules win; its cells' state is
         kept on the row's inputs (the checks before sending read it) */
      function applyRowRules(row, inputs) {
        var rules = rowRules(), st = {}, values = [];
        cols.forEach(function (sf) { st[sf.id] = { visible: true, required: !!sf.required, readonly: false }; });
        Object.defineProperty(inputs, '$state', { value: st, configurable: true, enumerable: false });
        if (!rules.length) return;
        var ctx = host.ruleContext();
        rules.forEach(function (r) {
          (r.effects || []).forEach(function (e) { if (e.visible === true && st[e.field]) st[e.field].visible = false; });
        });
        rules.forEach(function (r) {
          var on = false;
          try { on = typeof r.when === 'function' && r.when(row, ctx) === true; } catch (err) { on = false; }
          if (!on) return;
          (r.effects || []).forEach(function (e) {
            var s = st[e.field];
            if (!s) return;
            ['visible', 'required', 'readonly'].forEach(function (flag) { if (typeof e[flag] === 'boolean') s[flag] = e[flag]; });
            if (typeof e.formula === 'function') {
              var v = null, sf = cols.filter(function (c) { return c.id === e.field; })[0] || {};
              try { v = host.stored(e.formula(row, ctx), sf.type); } catch (err) { v = null; }
              values.push([e.field, v]);
            } else if (Object.prototype.hasOwnProperty.call(e, 'value')) values.push([e.field, e.value]);
          });
        });
        values.forEach(function (fv) {
          row[fv[0]] = fv[1];
          if (inputs[fv[0]]) show(inputs[fv[0]], fv[1]);
        });
        cols.forEach(function (sf) {
          var input = inputs[sf.id], s = st[sf.id];
          if (!input) return;
          input.hidden = !s.visible;
          input.required = s.visible && s.required;
          input.disabled = s.readonly || host.readonly();
        });
      }

      function cell(row, sf, inputs) {
        var kind = cellKind(sf), name = host.label(sf.label, sf.name || sf.id), v = row[sf.id], input;
        var shown = v === null || v === undefined ? '' : v;
        if (kind === 'select') {
          input = document.createElement('select');
          var blank = document.createElement('option');
          blank.value = '';
          blank.textContent = t('fill.choose');
          input.appendChild(blank);
          ((sf.options && sf.options.choices) || []).forEach(function (c) {
            var o = document.createElement('option');
            o.value = c.value;
            o.textContent = host.label(c.label, c.value);
            o.selected = shown === c.value;
            input.appendChild(o);
          });
          input.addEventListener('change', function () { set(row, sf, input.value, inputs); });
        } else {
          input = document.createElement('input');
          if (kind === 'switch') {
            input.type = 'checkbox';
            input.setAttribute('role', 'switch');
            input.className = 'switch';
            input.checked = v === true;
            input.addEventListener('change', function () { set(row, sf, input.checked, inputs); });
          } else {
            input.type = facts(sf).html_input || 'text';
            input.value = shown;
            input.addEventListener('input', function () { set(row, sf, input.value, inputs); });
          }
        }
        input.setAttribute('aria-label', name);
        inputs[sf.id] = input;
        var td = document.createElement('td');
        td.appendChild(input);
        return td;
      }
      /* a cell edit changes its row in place: the rows are not drawn again under the typing */
      function set(row, sf, text, inputs) {
        row[sf.id] = parse(sf, text, host.zone());
        applyRowRules(row, inputs);
        host.clearError();
      }
      var drawn = [];  // each row's inputs, as drawn (with their $state)
      /* before the form is sent: each shown, required cell that is empty, as the server's row check words it */
      host.check(function () {
        var out = [], rows = raw(host.get() || []);
        rows.forEach(function (row, i) {
          var st = (drawn[i] && drawn[i].$state) || {};
          cols.forEach(function (sf) {
            var s = st[sf.id] || { visible: true, required: !!sf.required }, v = row[sf.id];
            if (s.visible && s.required && (v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length))) {
              out.push(t('error.row.required', { row: i + 1, column: host.label(sf.label, sf.id) }));
            }
          });
        });
        return out;
      });
      host.effect(function () {  // the rows: drawn again when the rows themselves change (added, removed, filled in)
        var rows = raw(host.get() || []);
        body.innerHTML = '';
        drawn = [];
        rows.forEach(function (row, i) {
          var tr = document.createElement('tr'), td = document.createElement('td'), del = document.createElement('button');
          var inputs = {};
          drawn.push(inputs);
          cols.forEach(function (sf) { tr.appendChild(cell(row, sf, inputs)); });
          applyRowRules(row, inputs);
          del.type = 'button';
          del.className = 'btn btn-icon btn-ghost';
          del.setAttribute('aria-label', t('fill.remove_row'));
          del.appendChild(icon('close'));
          del.addEventListener('click', function () {
            var left = (host.get() || []).slice();
            left.splice(i, 1);
            host.set(left);
          });
          td.appendChild(del);
          tr.appendChild(td);
          body.appendChild(tr);
        });
      });
      host.effect(function () { add.disabled = host.readonly(); });
    }
  };
})();
