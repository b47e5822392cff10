/* Team widget (field type "team", engine/fields/team.py): the workspace's teams (departments) as a select, or as
   checkboxes when options.multiple. Choices come from GET /api/field-types/team/choices. The list's filter builder
   asks filterInput(host) for the same select (a team by its name; the value is its id). Registered as
   window.formflowWidgets.team. */
(function () {
  'use strict';
  var widgets = window.formflowWidgets = window.formflowWidgets || {};

  /* a select of the teams by name, a blank choice first; chosen: the id selected */
  function teamSelect(items, chosen, host) {
    var sel = document.createElement('select');
    var blank = document.createElement('option');
    blank.value = '';
    blank.textContent = host.t('fill.choose');
    sel.appendChild(blank);
    items.forEach(function (c) {
      var o = document.createElement('option');
      o.value = String(c.value);
      o.textContent = host.label(c.label, String(c.value));
      o.selected = chosen === c.value;
      sel.appendChild(o);
    });
    return sel;
  }

  widgets.team = {
    mount: function (el, host) {
      var f = host.field, many = !!(f.options && f.options.multiple);
      host.choices(null).then(function (items) {
        if (!many) {
          var sel = teamSelect(items, host.get(), host);
          sel.id = host.id;
          sel.setAttribute('aria-describedby', host.describedBy);
          sel.setAttribute('data-testid', 'input-' + f.id);
          sel.disabled = host.readonly();
          sel.addEventListener('change', function () { host.set(sel.value ? Number(sel.value) : null); });
          el.appendChild(sel);
          return;
        }
        var group = document.createElement('div');
        group.className = 'multi-options';
        group.setAttribute('role', 'group');
        group.setAttribute('aria-labelledby', host.labelId);
        group.setAttribute('data-testid', 'input-' + f.id);
        items.forEach(function (c) {
          var lab = document.createElement('label');
          lab.className = 'check';
          var box = document.createElement('input');
          box.type = 'checkbox';
          box.checked = (host.get() || []).indexOf(c.value) >= 0;
          box.disabled = host.readonly();
          box.addEventListener('change', function () {
            var list = (host.get() || []).filter(function (x) { return x !== c.value; });
            if (box.checked) list.push(c.value);
            host.set(list.length ? list : null);
          });
          lab.appendChild(box);
          lab.appendChild(document.createTextNode(' ' + host.label(c.label, String(c.value))));
          group.appendChild(lab);
        });
        el.appendChild(group);
      });
    },

    /* the list filter's value: one team picked by name (for "is one of" too); the teams fill in when they arrive */
    filterInput: function (host) {
      var wanted = null;
      var sel = teamSelect([], null, host);
      host.choices(null).then(function (items) {
        var filled = teamSelect(items, wanted, host);
        sel.innerHTML = '';
        while (filled.firstChild) sel.appendChild(filled.firstChild);
        if (wanted !== null) sel.value = String(wanted);
      });
      sel.filterValue = function () { return sel.value ? Number(sel.value) : null; };
      sel.setFilterValue = function (id) { wanted = Number(id); sel.value = String(id); };
      return sel;
    }
  };
})();
