/* Sub-table widget (form.input "subtable": rows of options.fields): a table with one input per column (a switch, a
   drop-down of the column's choices or an <input> of the column type's HTML type, as each column type's facts say) and
   Add row / Remove row. A cell's text becomes a value through its column type's widget (parse), else stays text.
   Registered as window.formflowWidgets.subtable. */
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

      function cell(row, sf) {
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
          input.addEventListener('change', function () { set(row, sf, input.value); });
        } else {
          input = document.createElement('input');
          if (kind === 'switch') {
            input.type = 'checkbox';
            input.setAttribute('role', 'switch');
            input.className = 'switch';
            input.checked = v === true;
            input.addEventListener('change', function () { set(row, sf, input.checked); });
          } else {
            input.type = facts(sf).html_input || 'text';
            input.value = shown;
            input.addEventListener('input', function () { set(row, sf, input.value); });
          }
        }
        input.setAttribute('aria-label', name);
        var td = document.createElement('td');
        td.appendChild(input);
        return td;
      }
      /* a cell edit changes its row in place: the rows are not drawn again under the typing */
      function set(row, sf, text) {
        row[sf.id] = parse(sf, text, host.zone());
        host.clearError();
      }
      host.effect(function () {  // the rows: drawn again when the rows themselves change (added, removed, filled in)
        var rows = raw(host.get() || []);
        body.innerHTML = '';
        rows.forEach(function (row, i) {
          var tr = document.createElement('tr'), td = document.createElement('td'), del = document.createElement('button');
          cols.forEach(function (sf) { tr.appendChild(cell(row, sf)); });
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
