/* The record page's Comments section: lists the record's comments (GET …/comments), posts one (POST), and offers
   people to mention while typing "@name" (GET /api/users?search=), inserting "@username" and remembering the pick.
   The server decides who is told: only mentioned users who may read the record get an inbox message. */
(function () {
  'use strict';
  var ff = window.formflow;
  var MENTION_AT_CARET = /(^|[^\w@.])@([\w.\-]*)$/;

  function start() {
    var config = ff.readJSON('comment-config', null);
    var form = document.getElementById('comment-form');
    if (!config || !form) return;
    var list = document.getElementById('comment-list');
    var box = document.getElementById('comment-body');
    var people = document.getElementById('comment-people');
    var status = document.getElementById('comment-status');
    var picked = {};      // username -> user id chosen in the picker
    var options = [];     // users offered now
    var active = -1;
    var searchSeq = 0;

    function say(text, isError) {
      status.textContent = text;
      status.className = 'small' + (isError ? ' alert alert-error' : '');
    }

    function render(items) {
      list.textContent = '';
      if (!items.length) {
        var none = document.createElement('li');
        none.className = 'muted';
        none.textContent = ff.t('records.comment_none');
        list.appendChild(none);
        return;
      }
      items.forEach(function (c) {
        var li = document.createElement('li');
        li.setAttribute('data-testid', 'comment');
        var head = document.createElement('div');
        head.className = 'small muted';
        var when = document.createElement('time');
        when.dateTime = c.created_at;
        when.textContent = ff.moment(c.created_at);
        head.appendChild(document.createTextNode((c.author_name || '') + ' · '));
        head.appendChild(when);
        var body = document.createElement('div');
        body.className = 'comment-body';
        body.textContent = c.body;
        li.appendChild(head);
        li.appendChild(body);
        list.appendChild(li);
      });
    }

    function load() {
      return ff.api('GET', config.url).then(function (r) {
        if (r.ok) render(r.data.items || []);
        else say(ff.t('records.comment_failed', { reason: (r.data && r.data.error && r.data.error.message) || r.status }), true);
      });
    }

    function close() {
      people.hidden = true;
      people.textContent = '';
      options = [];
      active = -1;
      box.removeAttribute('aria-activedescendant');
    }

    function highlight(i) {
      active = i;
      Array.prototype.forEach.call(people.children, function (li, k) { li.setAttribute('aria-selected', k === i ? 'true' : 'false'); });
      if (i >= 0) box.setAttribute('aria-activedescendant', 'comment-person-' + i);
      else box.removeAttribute('aria-activedescendant');
    }

    function choose(user) {
      var caret = box.selectionStart;
      var before = box.value.slice(0, caret);
      var m = MENTION_AT_CARET.exec(before);
      if (!m) return close();
      var start = caret - m[2].length - 1;
      var insert = '@' + user.username + ' ';
      box.value = box.value.slice(0, start) + insert + box.value.slice(caret);
      box.selectionStart = box.selectionEnd = start + insert.length;
      picked[user.username.toLowerCase()] = user.id;
      close();
      box.focus();
    }

    function offer(users) {
      people.textContent = '';
      options = users;
      if (!users.length) return close();
      users.forEach(function (u, i) {
        var li = document.createElement('li');
        li.id = 'comment-person-' + i;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        li.textContent = (u.display_name || u.name || u.username) + ' ';
        var handle = document.createElement('span');
        handle.className = 'muted small';
        handle.textContent = '@' + u.username;
        li.appendChild(handle);
        li.addEventListener('mousedown', function (event) { event.preventDefault(); choose(u); });
        people.appendChild(li);
      });
      people.hidden = false;
      highlight(0);
    }

    box.addEventListener('input', function () {
      var m = MENTION_AT_CARET.exec(box.value.slice(0, box.selectionStart));
      if (!m) return close();
      var seq = ++searchSeq;
      ff.api('GET', config.users_url + '?search=' + encodeURIComponent(m[2])).then(function (r) {
        if (seq !== searchSeq) return;  // a later keystroke asked again
        offer(r.ok ? (r.data.items || []).slice(0, 8) : []);
      });
    });
    box.addEventListener('keydown', function (event) {
      if (people.hidden || !options.length) return;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        var n = options.length;
        highlight((active + (event.key === 'ArrowDown' ? 1 : n - 1)) % n);
      } else if ((event.key === 'Enter' || event.key === 'Tab') && active >= 0) {
        event.preventDefault();
        choose(options[active]);
      } else if (event.key === 'Escape') {
        event.preventDefault();
        close();
      }
    });
    box.addEventListener('blur', function () { window.setTimeout(close, 0); });

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var text = box.value;
      // a picked person counts while their @username is still in the text
      var mentions = Object.keys(picked).filter(function (name) { return text.toLowerCase().indexOf('@' + name) >= 0; })
        .map(function (name) { return picked[name]; });
      var button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      ff.api('POST', config.url, { body: text, mentions: mentions }).then(function (r) {
        button.disabled = false;
        if (!r.ok) {
          var err = (r.data && r.data.error) || {};
          var first = (err.errors || [])[0];
          say(ff.t('records.comment_failed', { reason: first ? first.message : (err.message || r.status) }), true);
          return;
        }
        box.value = '';
        picked = {};
        var told = (r.data.mentions || []).map(function (m) { return m.name; });
        say(told.length ? ff.t('records.comment_told', { names: told.join(', ') }) : ff.t('records.comment_posted'), false);
        load();
      });
    });
    load();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}());
