/* Region widget (field type "region", engine/fields/region.py): province -> city -> district as cascading selects,
   down to options.level. Each level's choices come from GET /api/field-types/region/choices?parent=<code>
   (GB/T 2260 codes; labels in English and Chinese). The value is the path of codes, e.g. ["440000", "440100", "440106"].
   Registered as window.formflowWidgets.region. */
(function () {
  'use strict';
  var widgets = window.formflowWidgets = window.formflowWidgets || {};
  var LEVELS = { province: 1, city: 2, district: 3 };
  var NAMES = ['fill.region.province', 'fill.region.city', 'fill.region.district'];

  widgets.region = {
    mount: function (el, host) {
      var f = host.field, depth = LEVELS[(f.options && f.options.level) || 'district'] || 3;
      var box = document.createElement('div');
      box.className = 'region-picker';
      box.setAttribute('role', 'group');
      box.setAttribute('aria-labelledby', host.labelId);
      box.setAttribute('data-testid', 'input-' + f.id);
      var selects = [];
      var path = (host.get() || []).slice();

      function fill(i, parent) {
        var sel = selects[i];
        sel.innerHTML = '';
        var blank = document.createElement('option');
        blank.value = '';
        blank.textContent = host.t('fill.choose');
        sel.appendChild(blank);
        sel.disabled = true;
        return host.choices(parent).then(function (items) {
          items.forEach(function (c) {
            var o = document.createElement('option');
            o.value = c.value;
            o.textContent = host.label(c.label, c.value);
            if (path[i] === c.value) o.selected = true;
            sel.appendChild(o);
          });
          sel.disabled = host.readonly() || !items.length;
          sel.hidden = !items.length && i > 0;  // municipalities have no city level: their districts come next
          return items.length;
        });
      }
      function emit() {
        host.set(path.length ? path.slice() : null);
      }
      function changed(i) {
        var v = selects[i].value;
        path = path.slice(0, i);
        if (v) path.push(v);
        for (var j = i + 1; j < depth; j++) { selects[j].innerHTML = ''; selects[j].disabled = true; selects[j].hidden = false; }
        emit();
        if (v && i + 1 < depth) fill(i + 1, v);
      }
      for (var i = 0; i < depth; i++) {
        var sel = document.createElement('select');
        sel.setAttribute('aria-label', host.t(NAMES[i]));
        sel.setAttribute('aria-describedby', host.describedBy);
        if (i === 0) sel.id = host.id;
        sel.addEventListener('change', changed.bind(null, i));
        selects.push(sel);
        box.appendChild(sel);
      }
      el.appendChild(box);
      // the levels of a value already stored, one after the other
      var chain = fill(0, null);
      path.forEach(function (code, i) {
        if (i + 1 < depth) chain = chain.then(function () { return fill(i + 1, code); });
      });
    }
  };
})();
