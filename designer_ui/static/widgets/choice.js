/* Choice widget (the types with choices: form.input "select", one value from a drop-down, or "multi", a list of values
   as checkboxes). The choices offered are the field's options.choices less those a rule narrows away
   (host.fieldChoices()). Registered as window.formflowWidgets.choice. */
(function () {
  'use strict';
  var widgets = window.formflowWidgets = window.formflowWidgets || {};

  function facts(f) { return window.formflow.fieldType(f).form; }

  function option(value, text) {
    var o = document.createElement('option');
    o.value = value;
    o.textContent = text;
    return o;
  }

  function select(el, host) {
    var sel = document.createElement('select'), drawn = null;
    sel.id = host.id;
    sel.setAttribute('aria-describedby', host.describedBy);
    sel.setAttribute('data-testid', host.testId);
    host.effect(function () {
      sel.disabled = host.readonly();
      sel.required = host.required();
      sel.setAttribute('aria-invalid', host.invalid());
    });
    host.effect(function () {
      var choices = host.fieldChoices(), v = host.get(), key = JSON.stringify(choices);
      if (key !== drawn) {
        drawn = key;
        sel.innerHTML = '';
        sel.appendChild(option('', host.t('fill.choose')));
        choices.forEach(function (c) { sel.appendChild(option(c.value, c.label)); });
      }
      Array.prototype.forEach.call(sel.options, function (o, i) { o.selected = i > 0 && choices[i - 1].value === v; });
      if (!choices.some(function (c) { return c.value === v; })) sel.selectedIndex = 0;
    });
    sel.addEventListener('change', function () { host.set(sel.value === '' ? null : sel.value); });
    el.appendChild(sel);
  }

  function multi(el, host) {
    var group = document.createElement('div'), drawn = null, boxes = [];
    group.className = 'multi-options';
    group.setAttribute('role', 'group');
    group.setAttribute('aria-labelledby', host.labelId);
    group.setAttribute('data-testid', host.testId);
    host.effect(function () {
      var choices = host.fieldChoices(), key = JSON.stringify(choices);
      if (key === drawn) return;
      drawn = key;
      group.innerHTML = '';
      boxes = choices.map(function (c) {
        var lab = document.createElement('label'), box = document.createElement('input'), text = document.createElement('span');
        lab.className = 'check';
        box.type = 'checkbox';
        box.value = c.value;
        box.addEventListener('change', function () {
          var list = (host.get() || []).filter(function (x) { return x !== c.value; });
          if (box.checked) list.push(c.value);
          host.set(list);
        });
        text.textContent = c.label;
        lab.appendChild(box);
        lab.appendChild(document.createTextNode(' '));
        lab.appendChild(text);
        group.appendChild(lab);
        return { box: box, value: c.value };
      });
      paint();
    });
    function paint() {
      var v = host.get() || [], off = host.readonly();
      boxes.forEach(function (b) { b.box.checked = v.indexOf(b.value) >= 0; b.box.disabled = off; });
    }
    host.effect(paint);
    el.appendChild(group);
  }

  /* a stored value (one, or several) as the grid shows it: each choice's label as a chip in its colour */
  function cell(value, f) {
    var list = Array.isArray(value) ? value : [value], byValue = {};
    ((f.options && f.options.choices) || []).forEach(function (c) { byValue[c.value] = c; });
    var box = document.createElement('span');
    list.forEach(function (v, i) {
      var c = byValue[v], chip = document.createElement('span');
      chip.className = 'choice-chip';
      chip.textContent = c ? window.formflow.label(c.label, v) : String(v);
      // the colour through the CSSOM: the policy refuses style attributes
      if (c && /^#[0-9a-fA-F]{6}$/.test(c.color || '')) chip.style.setProperty('--chip', c.color);
      if (i) box.appendChild(document.createTextNode(' '));
      box.appendChild(chip);
    });
    return box;
  }

  widgets.choice = {
    parse: function (f, raw) { return raw === '' ? null : raw; },
    cell: cell,
    mount: function (el, host) {
      if (facts(host.field).input === 'multi') multi(el, host);
      else select(el, host);
    }
  };
})();
