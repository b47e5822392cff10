/* The user picker: a combobox that searches users on the server as you type (GET /api/users?search=&page=, 50 a page,
   by name, user name or e-mail), a listbox of matches with "More users" for the next page, and the chosen users as a
   list of hidden inputs, each with a Remove button. Keyboard: Down/Up move through the matches, Enter picks, Escape
   closes. Every place a person picks users uses it, whatever the size of the workspace:
   - server-rendered forms (admin screens, the dashboard's owner filter): the markup of _user_picker.html, mounted on load;
   - script-built editors (workflow recipients, automation values, dashboard chart filters):
     formflow.userPicker.create({id, label, name, single, chosen: [{id, name}], query, onChange(users)}) -> element, the same
     markup with the texts of the browser catalogue (picker.*); onChange gets the chosen [{id, name}] after each change.
   data-single: one user at most (picking another replaces them). data-query (create's query): more of the search's
   query string, e.g. "app=crm&form=customer&field=owner" for the value of a member field: only the people it may hold. */
(function () {
  'use strict';
  var ff = window.formflow;
  //: wait this long after the last key before asking the server (milliseconds)
  var TYPING_PAUSE = 200;

  function mount(root, opts) {
    if (root.hasAttribute('data-picker-mounted')) return root;
    root.setAttribute('data-picker-mounted', '');
    var onChange = (opts && opts.onChange) || function () {};
    var input = root.querySelector('[data-picker-input]');
    var listbox = root.querySelector('[data-picker-options]');
    var chosen = root.querySelector('[data-picker-chosen]');
    var status = root.querySelector('[data-picker-status]');
    var name = root.getAttribute('data-name');
    var single = root.hasAttribute('data-single');
    var what = root.getAttribute('data-label') || '';
    var state = { query: '', page: 0, pages: 0, items: [], active: -1, asked: 0, timer: null };
    // the texts come with the markup, in the page's language (data-t-<key>, {name}-style placeholders)
    function t(key, params) {
      var text = root.getAttribute('data-t-' + key.replace('picker.', '')) || key;
      return text.replace(/\{(\w+)\}/g, function (m, k) { return params && k in params ? String(params[k]) : m; });
    }

    function chosenUsers() {
      return Array.prototype.map.call(chosen.querySelectorAll('li[data-user-id]'), function (li) {
        var span = li.querySelector('span');
        return { id: Number(li.getAttribute('data-user-id')), name: span ? span.textContent : '' };
      });
    }

    function chosenIds() {
      return Array.prototype.map.call(chosen.querySelectorAll('input[type="hidden"]'), function (i) { return i.value; })
        .filter(function (v) { return v !== ''; });
    }

    function removeButton(display) {
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'btn btn-sm chip-remove';
      b.setAttribute('data-picker-remove', '');
      b.setAttribute('aria-label', t('picker.remove', { name: display, what: what }));
      b.textContent = '×';
      return b;
    }

    function choose(user) {
      if (chosenIds().indexOf(String(user.id)) >= 0) { say(t('picker.already', { name: user.display_name })); return; }
      if (single) chosen.innerHTML = '';
      var li = document.createElement('li');
      li.className = 'chip';
      li.setAttribute('data-user-id', user.id);
      var hidden = document.createElement('input');
      hidden.type = 'hidden'; hidden.name = name; hidden.value = user.id;
      var span = document.createElement('span');
      span.textContent = user.display_name;
      li.appendChild(hidden); li.appendChild(span); li.appendChild(removeButton(user.display_name));
      chosen.appendChild(li);
      say(t('picker.added', { name: user.display_name, what: what }));
      input.value = '';
      close();
      onChange(chosenUsers());
    }

    function say(text) { if (status) status.textContent = text; }

    function close() {
      listbox.hidden = true;
      listbox.innerHTML = '';
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
      state.active = -1;
    }

    function optionText(u) {
      var parts = [u.display_name, u.username];
      if (u.email) parts.push(u.email);
      return parts.join(' · ') + (u.is_active === false ? ' (' + t('picker.inactive') + ')' : '');
    }

    function render() {
      listbox.innerHTML = '';
      var taken = chosenIds();
      state.items.forEach(function (u, i) {
        var li = document.createElement('li');
        li.id = root.id + '-opt-' + i;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', i === state.active ? 'true' : 'false');
        if (taken.indexOf(String(u.id)) >= 0) li.setAttribute('aria-disabled', 'true');
        li.textContent = optionText(u);
        li.addEventListener('mousedown', function (e) { e.preventDefault(); pick(i); });
        listbox.appendChild(li);
      });
      if (state.page < state.pages) {
        var more = document.createElement('li');
        var i = state.items.length;
        more.id = root.id + '-opt-' + i;
        more.setAttribute('role', 'option');
        more.setAttribute('aria-selected', i === state.active ? 'true' : 'false');
        more.className = 'picker-more';
        more.textContent = t('picker.more');
        more.addEventListener('mousedown', function (e) { e.preventDefault(); pick(i); });
        listbox.appendChild(more);
      }
      var open = listbox.children.length > 0;
      listbox.hidden = !open;
      input.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (state.active >= 0 && listbox.children[state.active]) {
        input.setAttribute('aria-activedescendant', listbox.children[state.active].id);
        listbox.children[state.active].scrollIntoView({ block: 'nearest' });
      } else {
        input.removeAttribute('aria-activedescendant');
      }
    }

    function pick(i) {
      if (i === state.items.length) { load(state.query, state.page + 1); return; }
      var u = state.items[i];
      if (u) choose(u);
    }

    function load(query, page) {
      var asked = ++state.asked;
      var url = '/api/users?page=' + page + (query ? '&search=' + encodeURIComponent(query) : '') +
        (root.getAttribute('data-query') ? '&' + root.getAttribute('data-query') : '');
      ff.api('GET', url).then(function (r) {
        if (asked !== state.asked) return;  // a later question is on its way: its answer counts
        if (!r.ok) { say(t('picker.failed')); return; }
        state.query = query;
        state.items = page > 1 ? state.items.concat(r.data.items) : r.data.items;
        state.page = r.data.page; state.pages = r.data.pages;
        if (page > 1) state.active = Math.min(state.active, state.items.length - 1);
        render();
        say(r.data.total ? t('picker.found', { shown: state.items.length, total: r.data.total }) : t('picker.none'));
      });
    }

    input.addEventListener('input', function () {
      clearTimeout(state.timer);
      var query = input.value.trim();
      state.active = -1;
      state.timer = setTimeout(function () { load(query, 1); }, TYPING_PAUSE);
    });
    input.addEventListener('blur', function () { setTimeout(close, 150); });
    input.addEventListener('keydown', function (e) {
      var count = listbox.hidden ? 0 : listbox.children.length;
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        if (!count) { load(input.value.trim(), 1); return; }
        state.active = (state.active + 1) % count; render();
      } else if (e.key === 'ArrowUp') {
        e.preventDefault();
        if (count) { state.active = (state.active - 1 + count) % count; render(); }
      } else if (e.key === 'Enter') {
        if (count) e.preventDefault();  // never submit the form from the search box
        if (count && state.active >= 0) pick(state.active);
        else if (count === 1 || (count && state.items.length === 1)) pick(0);
      } else if (e.key === 'Escape') {
        if (count) { e.preventDefault(); close(); }
      }
    });
    chosen.addEventListener('click', function (e) {
      var b = e.target.closest ? e.target.closest('[data-picker-remove]') : null;
      if (!b) return;
      var li = b.closest('li');
      var gone = li.querySelector('span') ? li.querySelector('span').textContent : '';
      li.remove();  // a form without the name means "nobody" (the server reads a missing manager as none)
      say(t('picker.removed', { name: gone, what: what }));
      input.focus();
      onChange(chosenUsers());
    });
    return root;
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]); });
    if (text) e.textContent = text;
    return e;
  }

  //: the texts the markup carries (data-t-<name>: its catalogue key, written out in full so
  //: tests/core/test_client_messages.py finds and checks each), {what} filled with the picker's label
  var MARKUP_TEXTS = { added: 'picker.added', removed: 'picker.removed', already: 'picker.already', more: 'picker.more',
                       none: 'picker.none', failed: 'picker.failed', inactive: 'picker.inactive', remove: 'picker.remove' };

  /* The markup of _user_picker.html built here (for editors drawn by scripts), mounted. */
  function create(opts) {
    var id = opts.id, what = opts.label || '';
    var root = el('div', { 'class': 'field user-picker', id: id, 'data-user-picker': '', 'data-name': opts.name || id, 'data-label': what });
    if (opts.single) root.setAttribute('data-single', '');
    if (opts.query) root.setAttribute('data-query', opts.query);  // a member field's picker: app=&form=&field= (its people only)
    Object.keys(MARKUP_TEXTS).forEach(function (k) {
      root.setAttribute('data-t-' + k, ff.t(MARKUP_TEXTS[k], { what: what }));  // {name} stays for the picked one
    });
    root.setAttribute('data-t-found', ff.t('picker.found'));
    root.appendChild(el('label', { 'for': id + '-input' }, what));
    var list = el('ul', { 'class': 'chips', 'data-picker-chosen': '', 'aria-label': ff.t('picker.chosen', { what: what }), 'data-testid': id + '-chosen' });
    (opts.chosen || []).forEach(function (u) {
      var li = el('li', { 'class': 'chip', 'data-user-id': u.id });
      li.appendChild(el('input', { type: 'hidden', name: opts.name || id, value: u.id }));
      var name = u.name || ('#' + u.id);
      li.appendChild(el('span', {}, name));
      li.appendChild(el('button', { type: 'button', 'class': 'btn btn-sm chip-remove', 'data-picker-remove': '',
                                    'aria-label': ff.t('picker.remove', { name: name, what: what }) }, '×'));
      list.appendChild(li);
    });
    root.appendChild(list);
    var box = el('div', { 'class': 'picker-box' });
    box.appendChild(el('input', { id: id + '-input', type: 'text', role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false',
                                  'aria-controls': id + '-options', autocomplete: 'off', maxlength: '100', placeholder: ff.t('picker.placeholder'),
                                  'data-picker-input': '', 'aria-describedby': id + '-help' }));
    var options = el('ul', { id: id + '-options', role: 'listbox', 'class': 'picker-options', 'aria-label': ff.t('picker.matches', { what: what }),
                             'data-picker-options': '' });
    options.hidden = true;
    box.appendChild(options);
    root.appendChild(box);
    root.appendChild(el('p', { 'class': 'help small muted', id: id + '-help' }, opts.help || ff.t('picker.help')));
    root.appendChild(el('p', { 'class': 'small muted picker-status', role: 'status', 'data-picker-status': '' }));
    return mount(root, opts);
  }

  ff.userPicker = { mount: mount, create: create };
  Array.prototype.forEach.call(document.querySelectorAll('[data-user-picker]'), function (root) { mount(root); });
})();
