/* Rating widget (field type "rating", engine/fields/rating.py): a row of star radio buttons, 1..options.max.
   Registered as window.formflowWidgets.rating; formfill.js mounts it with a host ({field, get, set, readonly, t, ...}). */
(function () {
  'use strict';
  var widgets = window.formflowWidgets = window.formflowWidgets || {};

  widgets.rating = {
    mount: function (el, host) {
      var f = host.field, max = (f.options && f.options.max) || 5;
      var group = document.createElement('div');
      group.className = 'rating';
      group.setAttribute('role', 'radiogroup');
      group.setAttribute('aria-labelledby', host.labelId);
      group.setAttribute('aria-describedby', host.describedBy);
      group.setAttribute('data-testid', 'input-' + f.id);
      var buttons = [];
      function paint() {
        var v = host.get() || 0;
        buttons.forEach(function (b, i) {
          var on = i < v;
          b.firstChild.textContent = on ? '★' : '☆';  // the glyph is decoration: the name says which star
          b.setAttribute('aria-checked', i + 1 === v ? 'true' : 'false');
          b.tabIndex = (v ? i + 1 === v : i === 0) ? 0 : -1;
          b.classList.toggle('on', on);
        });
      }
      function choose(n, byKey) {
        if (host.readonly()) return;
        // clicking the current star again clears the rating; Space / Enter on it keeps it (a radio stays checked)
        host.set(n === host.get() && !byKey ? null : n);
        paint();
      }
      for (var i = 1; i <= max; i++) {
        var b = document.createElement('button');
        b.type = 'button';
        b.className = 'star';
        b.setAttribute('role', 'radio');
        var glyph = document.createElement('span');
        glyph.setAttribute('aria-hidden', 'true');
        b.appendChild(glyph);
        b.setAttribute('aria-label', host.t('fill.rating.star', { n: i, max: max }));
        b.addEventListener('click', function (n, e) { choose(n, e.detail === 0); }.bind(null, i));
        b.addEventListener('keydown', function (e) {
          var v = host.get() || 0;
          if (e.key === 'ArrowRight' || e.key === 'ArrowUp') { e.preventDefault(); choose(Math.min(max, v + 1)); buttons[(host.get() || 1) - 1].focus(); }
          else if (e.key === 'ArrowLeft' || e.key === 'ArrowDown') { e.preventDefault(); if (v > 1) choose(v - 1); buttons[Math.max(0, (host.get() || 1) - 1)].focus(); }
        });
        buttons.push(b);
        group.appendChild(b);
      }
      el.appendChild(group);
      paint();
    }
  };
})();
