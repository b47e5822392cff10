/* Picker widget (form.input "ref": the types whose value is the id of another form's record or of a person, one or,
   with options.multiple, several). A search box (an ARIA combobox) looks records up as you type, through the record
   table of options.form (of options.app when set) or, for people (capability is_user), the users list; the chosen ones show as chips.
   Referenced records seen feed the rules' load_reference (host.remember). Registered as window.formflowWidgets.picker. */
(function () {
  'use strict';
  var widgets = window.formflowWidgets = window.formflowWidgets || {};

  //: Wait this long after the last keystroke before searching.
  var SEARCH_DEBOUNCE_MS = 250;
  //: Close the list this long after the box loses focus (a click on a match lands first).
  var CLOSE_AFTER_MS = 150;

  /* 0 exact, 1 prefix, 2 contains, 3 other (case-insensitive): the order matches are listed in */
  function matchRank(title, q) {
    var a = String(title || '').toLowerCase(), b = String(q || '').trim().toLowerCase();
    if (!b) return 3;
    return a === b ? 0 : (a.indexOf(b) === 0 ? 1 : (a.indexOf(b) >= 0 ? 2 : 3));
  }

  function recordTitle(rec) {
    if (!rec) return '';
    return rec.title || rec.display_name || rec.name || (typeof rec.display === 'string' ? rec.display : '') || (rec.data && (rec.data.name || rec.data.title)) || ('#' + rec.id);
  }

  function make(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function show(e, on) { e.style.display = on ? '' : 'none'; }

  widgets.picker = {
    /* a linked record or person in a grid: the server's title / name, else (a person just picked inline) ctx.userName */
    cell: function (value, f, shown, ctx) {
      if (shown !== null && shown !== undefined && shown !== '') return shown;
      var ids = Array.isArray(value) ? value : [value];
      return ids.map(function (id) { return (ctx && ctx.userName && ctx.userName(id)) || ('#' + id); }).join(', ');
    },
    mount: function (el, host) {
      var f = host.field, cfg = host.config, ff = window.formflow;
      var many = !!(f.options && f.options.multiple), target = (f.options && f.options.form) || '';
      // options.app: a form of another app (its own read rights apply); rules read its records as 'app/form'
      var targetApp = (f.options && f.options.app) || cfg.app, store = (f.options && f.options.app) ? targetApp + '/' + target : target;
      var people = ff.typeCan(f, 'is_user'), records = ff.typeCan(f, 'is_reference');
      var listId = 'ff-' + f.id + '-list', timer = null;
      var r = { query: '', results: [], open: false, active: -1 };

      var wrap = make('div', 'ref-picker'), chips = make('div', 'chips'), box = make('input'), list = make('ul', 'ref-results');
      box.type = 'search';
      box.id = host.id;
      box.setAttribute('role', 'combobox');
      box.setAttribute('aria-autocomplete', 'list');
      box.setAttribute('aria-controls', listId);
      box.setAttribute('placeholder', host.t('fill.search_reference'));
      box.setAttribute('aria-describedby', host.describedBy);
      box.setAttribute('data-testid', host.testId);
      list.setAttribute('role', 'listbox');
      list.id = listId;
      wrap.appendChild(chips);
      wrap.appendChild(box);
      wrap.appendChild(list);
      el.appendChild(wrap);

      function optionId(i) { return 'ff-' + f.id + '-opt-' + i; }
      function draw() {
        box.setAttribute('aria-expanded', r.open ? 'true' : 'false');
        if (r.open && r.active >= 0) box.setAttribute('aria-activedescendant', optionId(r.active));
        else box.removeAttribute('aria-activedescendant');
        if (box.value !== r.query) box.value = r.query;
        list.innerHTML = '';
        r.results.forEach(function (item, i) {
          var li = make('li');
          li.setAttribute('role', 'option');
          li.id = optionId(i);
          li.setAttribute('aria-selected', r.active === i ? 'true' : 'false');
          li.appendChild(make('span', '', item.title));
          li.appendChild(document.createTextNode(' '));
          var second = make('span', 'muted small', item.second);
          show(second, !!item.second);
          li.appendChild(second);
          li.addEventListener('mousedown', function (e) { e.preventDefault(); pick(item); });
          list.appendChild(li);
        });
        var none = make('li', 'muted', host.t('fill.no_results'));
        show(none, r.open && !r.results.length);
        list.appendChild(none);
        show(list, r.open);
      }
      function url(q) {
        if (people) return (cfg.users_url || '/api/users') + '?search=' + encodeURIComponent(q) + limitedTo();
        return '/api/apps/' + encodeURIComponent(targetApp) + '/forms/' + encodeURIComponent(target) +
          '/records/table?per_page=20&search=' + encodeURIComponent(q);
      }
      /* a member field limited to roles or teams (options.limit): the server lists only the people it may hold */
      function limitedTo() {
        if (!(f.options && f.options.limit) || !cfg.app || !cfg.form) return '';
        return '&app=' + encodeURIComponent(cfg.app) + '&form=' + encodeURIComponent(cfg.form) + '&field=' + encodeURIComponent(f.id);
      }
      function search(q) {
        r.query = q;
        clearTimeout(timer);
        if (!q.trim()) { r.results = []; r.open = false; draw(); return; }
        timer = setTimeout(function () {
          ff.api('GET', url(q)).then(function (resp) {
            if (r.query !== q) return;  // a newer search is on its way
            var second = (cfg.ref_second || {})[f.id];
            r.results = window.formflow.itemsOf(resp.data).slice(0, 20).map(function (rec, i) {
              if (rec.data && records) host.remember(store, rec.id, rec.data);
              var extra = second ? ((rec.display || {})[second] || (rec.data || {})[second]) : '';
              return { id: rec.id, title: recordTitle(rec), second: extra === null || extra === undefined ? '' : String(extra), i: i };
            }).sort(function (a, b) { return (matchRank(a.title, q) - matchRank(b.title, q)) || (a.i - b.i); });
            r.open = true;
            r.active = r.results.length ? 0 : -1;
            draw();
          });
        }, SEARCH_DEBOUNCE_MS);
      }
      function chosen() { return host.titles().slice(); }
      function pick(item) {
        var picked = chosen();
        if (many) {
          if (!picked.some(function (x) { return x.id === item.id; })) picked.push(item);
        } else {
          picked = [item];
        }
        r.query = ''; r.results = []; r.open = false;
        draw();
        host.set(many ? picked.map(function (x) { return x.id; }) : item.id, picked);
      }
      function remove(item) {
        var left = chosen().filter(function (x) { return x.id !== item.id; });
        host.set(many ? left.map(function (x) { return x.id; }) : null, left);
      }

      box.addEventListener('input', function () { search(box.value); });
      box.addEventListener('keydown', function (e) {
        if (e.key === 'ArrowDown') { e.preventDefault(); if (r.results.length) { r.open = true; r.active = Math.min(r.active + 1, r.results.length - 1); } }
        else if (e.key === 'ArrowUp') { e.preventDefault(); r.active = Math.max(r.active - 1, 0); }
        else if (e.key === 'Enter') { if (r.open && r.active >= 0) { e.preventDefault(); pick(r.results[r.active]); return; } }
        else if (e.key === 'Escape') { r.open = false; }
        else return;
        draw();
      });
      box.addEventListener('blur', function () { setTimeout(function () { r.open = false; draw(); }, CLOSE_AFTER_MS); });

      host.effect(function () {
        box.readOnly = host.readonly();
        box.setAttribute('aria-invalid', host.invalid());
      });
      host.effect(function () {  // the chips: the titles of what the value holds
        var picked = host.titles();
        chips.innerHTML = '';
        picked.forEach(function (item) {
          var chip = make('span', 'chip'), x = make('button', '', '×');
          chip.appendChild(make('span', '', item.title));
          x.type = 'button';
          x.setAttribute('aria-label', host.t('fill.clear'));
          x.addEventListener('click', function () { remove(item); });
          chip.appendChild(x);
          chips.appendChild(chip);
        });
        show(chips, picked.length > 0);
      });
      draw();
    }
  };
})();
