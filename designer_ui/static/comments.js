/* The record page's Comments section: lists the record's comments (GET …/comments), posts one (POST), and offers
   people to mention while typing "@name" (GET /api/users?search=), inserting "@username" and remembering the pick.
   The server decides who is told: only mentioned users who may read the record get an inbox message.
   Its author edits a comment in place (PATCH; shown as "edited") or deletes it (DELETE, after a confirm); a workspace
   admin may delete anyone's. */
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
        if (c.edited_at) {
          var edited = document.createElement('span');
          edited.setAttribute('data-testid', 'comment-edited');
          edited.title = ff.moment(c.edited_at);
          edited.textContent = ' · ' + ff.t('records.comment_edited');
          head.appendChild(edited);
        }
        var body = document.createElement('div');
        body.className = 'comment-body';
        body.textContent = c.body;
        li.appendChild(head);
        li.appendChild(body);
        var mine = config.me != null && c.author_id === config.me;
        if (mine || config.may_delete_any) li.appendChild(actions(c, li, body, mine));
        list.appendChild(li);
      });
    }

    function button(text, name) {
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'btn btn-sm';
      b.textContent = text;
      b.setAttribute('aria-label', text + ' · ' + name);
      return b;
    }

    function failed(r) {
      var err = (r.data && r.data.error) || {};
      var first = (err.errors || [])[0];
      say(ff.t('records.comment_failed', { reason: first ? first.message : (err.message || r.status) }), true);
    }

    function actions(c, li, body, mine) {
      var row = document.createElement('div');
      row.className = 'row';
      var name = c.body.length > 30 ? c.body.slice(0, 30) + '…' : c.body;
      if (mine) {
        var edit = button(ff.t('records.comment_edit'), name);
        edit.addEventListener('click', function () { editInPlace(c, li, body, row); });
        row.appendChild(edit);
      }
      var del = button(ff.t('records.comment_delete'), name);
      del.addEventListener('click', function () {
        if (!window.confirm(ff.t('records.comment_delete_confirm'))) return;
        ff.api('DELETE', config.url + '/' + c.id).then(function (r) {
          if (!r.ok) return failed(r);
          say(ff.t('records.comment_deleted'), false);
          load();
        });
      });
      row.appendChild(del);
      return row;
    }

    function editInPlace(c, li, body, row) {
      var area = document.createElement('textarea');
      area.rows = 3;
      area.maxLength = box.maxLength;
      area.value = c.body;
      area.setAttribute('aria-label', ff.t('records.comment_edit_label'));
      var save = button(ff.t('records.comment_save'), '');
      save.setAttribute('aria-label', ff.t('records.comment_save'));
      save.className = 'btn btn-sm btn-primary';
      var cancel = button(ff.t('records.comment_cancel'), '');
      cancel.setAttribute('aria-label', ff.t('records.comment_cancel'));
      var bar = document.createElement('div');
      bar.className = 'row';
      bar.appendChild(save);
      bar.appendChild(cancel);
      body.hidden = true;
      row.hidden = true;
      li.appendChild(area);
      li.appendChild(bar);
      area.focus();
      cancel.addEventListener('click', function () { load(); });
      save.addEventListener('click', function () {
        save.disabled = true;
        ff.api('PATCH', config.url + '/' + c.id, { body: area.value }).then(function (r) {
          save.disabled = false;
          if (!r.ok) return failed(r);
          say(ff.t('records.comment_saved'), false);
          load();
        });
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
