/* Region widget (field type "region", engine/fields/region.py): province -> city -> district as cascading selects,
   down to options.level. Each level's choices come from GET /api/field-types/region/choices?parent=<code>
   (GB/T 2260 codes; labels in English and Chinese). The value is the path of codes, e.g. ["440000", "440100", "440106"].
   The list's filter builder asks filterInput(host) for the same cascade: the value is the deepest code picked
   ("contains" 440000: anywhere in Guangdong). Registered as window.formflowWidgets.region. */
(function () {
  'use strict';
  var widgets = window.formflowWidgets = window.formflowWidgets || {};
  var LEVELS = { province: 1, city: 2, district: 3 };
  var NAMES = ['fill.region.province', 'fill.region.city', 'fill.region.district'];

  function depthOf(f) { return LEVELS[(f.options && f.options.level) || 'district'] || 3; }
  /* what the divisions inside a code start with ("440100" -> "4401"): GB/T 2260 nests codes by prefix */
  function stem(code) { return String(code).replace(/(00)+$/, ''); }

  /* One select per level in box. host: {field, t, label, choices(parent), readonly()}; pick(i, items) -> the value a
     level starts on (a stored or restored value); changed(path) after each pick. restart(pick) fills from the top again.
     name(i) -> the accessible name of level i's select. */
  function cascade(box, host, pick, changed, name) {
    var depth = depthOf(host.field), selects = [], path = [];

    function fill(i, parent, chooser) {
      var sel = selects[i];
      sel.innerHTML = '';
      var blank = document.createElement('option');
      blank.value = '';
      blank.textContent = host.t('fill.choose');
      sel.appendChild(blank);
      sel.disabled = true;
      return host.choices(parent).then(function (items) {
        var chosen = chooser ? chooser(i, items) : undefined;
        items.forEach(function (c) {
          var o = document.createElement('option');
          o.value = c.value;
          o.textContent = host.label(c.label, c.value);
          if (chosen === c.value) o.selected = true;
          sel.appendChild(o);
        });
        sel.disabled = host.readonly() || !items.length;
        sel.hidden = !items.length && i > 0;  // municipalities have no city level: their districts come next
        if (chosen !== undefined && items.some(function (c) { return c.value === chosen; })) {
          path[i] = chosen;
          if (i + 1 < depth) return fill(i + 1, chosen, chooser);
        }
      });
    }
    function onChange(i) {
      var v = selects[i].value;
      path = path.slice(0, i);
      if (v) path.push(v);
      for (var j = i + 1; j < depth; j++) { selects[j].innerHTML = ''; selects[j].disabled = true; selects[j].hidden = false; }
      changed(path.slice());
      if (v && i + 1 < depth) fill(i + 1, v, null);
    }
    for (var i = 0; i < depth; i++) {
      var sel = document.createElement('select');
      sel.setAttribute('aria-label', name(i));
      sel.addEventListener('change', onChange.bind(null, i));
      selects.push(sel);
      box.appendChild(sel);
    }
    function restart(chooser) { path = []; return fill(0, null, chooser); }
    restart(pick);
    return { selects: selects, path: function () { return path.slice(); }, restart: restart };
  }

  widgets.region = {
    mount: function (el, host) {
      var box = document.createElement('div');
      box.className = 'region-picker';
      box.setAttribute('role', 'group');
      box.setAttribute('aria-labelledby', host.labelId);
      box.setAttribute('data-testid', 'input-' + host.field.id);
      var stored = (host.get() || []).slice();
      /* each select is named by its level and its field ("Province (Site region)", "省（现场地区）"): a form with two
         regions has no two selects of one name */
      var field = host.label(host.field.label, host.field.id);
      var levels = cascade(box, host, function (i) { return stored[i]; }, function (path) { host.set(path.length ? path : null); },
                           function (i) { return host.t('fill.region.level_of', { level: host.t(NAMES[i]), field: field }); });
      levels.selects.forEach(function (sel) { sel.setAttribute('aria-describedby', host.describedBy); });
      levels.selects[0].id = host.id;
      el.appendChild(box);
    },

    /* the list filter's value: the same cascade, stopping at any level; the value is the deepest code picked */
    filterInput: function (host) {
      var box = document.createElement('span');
      box.className = 'region-picker';
      box.setAttribute('role', 'group');
      var levels = cascade(box, { field: host.field, t: host.t, label: host.label, choices: host.choices,
                                  readonly: function () { return false; } }, null, function () {},
                           function (i) { return host.t(NAMES[i]); });
      /* the filter builder names the controls of a condition with its row ("Province, condition 2": data-base-name) */
      levels.selects.forEach(function (sel) { sel.setAttribute('data-base-name', sel.getAttribute('aria-label')); });
      box.filterValue = function () { var path = levels.path(); return path.length ? path[path.length - 1] : ''; };
      box.setFilterValue = function (code) {
        levels.restart(function (i, items) {
          var hit = items.filter(function (c) { return String(code).indexOf(stem(c.value)) === 0; })[0];
          return hit ? hit.value : undefined;
        });
      };
      return box;
    }
  };
})();
