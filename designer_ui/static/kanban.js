/* The kanban board (SortableJS, vendored): a lane per value of the chosen field (its choices, or — when the type says
   is_user — the people who hold records, named by the grouped counts) and one for no value. Each lane reads its own cards through the read gate
   ({field eq value}): PER_LANE at a time, newest first, its header saying how many the lane holds in all (every lane's
   count comes in one request, …/records/counts, one grouped count through the read gate), and "Show more"
   reads the next ones after the last shown (id below it: moves in and out of a lane neither skip nor repeat a card).
   A lane's cards scroll inside it, so a card can be dropped anywhere on a long lane (on a card, between two, on its
   header or its "Show more"). Dropping a card in another lane — or picking the lane in the card's "Move to" select,
   for the keyboard — writes that one field through the records API with If-Match; a refusal (a rule, a validation, a
   read-only field, a stale version) puts the card back where it was and says why. */
(function () {
  'use strict';

  var ff = window.formflow, B = ff.boards, t = B.t;
  var PER_LANE = 20;  // cards a lane reads at a time
  var $ = function (id) { return document.getElementById(id); };
  var sortables = [];

  var people = [];  // a person field's lanes: the people who hold records, from the grouped counts (peopleLanes)
  function lanes() {
    var f = B.fieldOf(B.state.field), out = [];
    if (B.has(f, 'has_choices')) {
      ((f.options && f.options.choices) || []).forEach(function (c) {
        out.push({ value: c.value, label: ff.label(c.label, c.value), color: c.color });
      });
    } else if (B.has(f, 'is_user')) {
      out = people.slice();
    }
    out.push({ value: null, label: B.has(f, 'is_user') ? t('no_person', { field: B.fieldLabel(f) }) : t('empty_lane') });
    return out;
  }
  /* a person field's lanes come from who holds records (…/records/counts names them), not from a page of the
     workspace's users: a person past any such page still has a lane. Most records first, then by name. */
  function peopleLanes(data) {
    var names = data.names || {};
    Object.keys(names).forEach(function (id) {  // cards and the filter name these people too
      if (!B.state.users.some(function (u) { return String(u.id) === id; })) B.state.users.push({ id: Number(id), display_name: names[id] });
    });
    return Object.keys(data.counts).filter(function (id) { return /^\d+$/.test(id); }).map(function (id) {
      return { value: Number(id), label: names[id] || ('#' + id), n: data.counts[id] };
    }).sort(function (a, b) { return b.n - a.n || a.label.localeCompare(b.label, ff.locale()); });
  }
  function laneFilter(lane) {
    return lane.value === null ? { field: B.state.field, op: 'empty' } : { field: B.state.field, op: 'eq', value: lane.value };
  }

  function countText(ul) { return t('lane_count', { count: Number(ul.getAttribute('data-total')) }); }
  function setTotal(ul, delta) {
    ul.setAttribute('data-total', Number(ul.getAttribute('data-total')) + delta);
    ul.parentNode.querySelector('.kanban-count').textContent = countText(ul);
  }

  function cardOf(item, lanesList, f) {
    var li = B.card(item);
    li.setAttribute('data-version', item.version);
    li.setAttribute('data-title', B.titleOf(item));
    if (f.read_only) return li;
    var sel = document.createElement('select');
    sel.className = 'kanban-move';
    sel.setAttribute('aria-label', t('move_to', { title: B.titleOf(item) }) + ' (#' + item.id + ')');  // titles may repeat
    lanesList.forEach(function (lane, i) {
      var o = document.createElement('option');
      o.value = String(i); o.textContent = lane.label;
      sel.appendChild(o);
    });
    sel.addEventListener('change', function () {
      var from = li.parentNode, to = document.querySelector('.kanban-cards[data-lane="' + sel.value + '"]');
      var oldIndex = Array.prototype.indexOf.call(from.children, li);
      to.insertBefore(li, to.firstChild);
      move(li, from, to, oldIndex);
    });
    li.appendChild(sel);
    return li;
  }
  function syncSelect(li) {
    var sel = li.querySelector('.kanban-move');
    if (sel) sel.value = li.parentNode.getAttribute('data-lane');
  }

  function move(li, from, to, oldIndex) {
    var lanesList = lanes(), lane = lanesList[Number(to.getAttribute('data-lane'))];
    var title = li.getAttribute('data-title');
    li.classList.remove('card-refused');
    var old = li.querySelector('.card-error');
    if (old) old.remove();
    B.write(li.getAttribute('data-record'), li.getAttribute('data-version'), B.state.field, lane.value).then(function (r) {
      if (r.ok) {
        li.setAttribute('data-version', r.data.version);
        setTotal(from, -1); setTotal(to, 1);
        syncSelect(li);
        B.say(t('moved', { title: title, lane: lane.label }));
        return;
      }
      var why = B.reason(r);
      from.insertBefore(li, from.children[oldIndex] || null);  // snap back where it was
      syncSelect(li);
      li.classList.add('card-refused');
      var p = document.createElement('p');
      p.className = 'card-error';
      p.textContent = why;
      li.appendChild(p);
      B.say(t('move_refused', { title: title, reason: why }), true);
    });
  }

  function loadLane(ul, lane, lanesList, f) {
    var filters = [laneFilter(lane)], after = ul.getAttribute('data-after');
    if (after) filters.push({ field: 'id', op: 'lt', value: Number(after) });  // the next cards after the last one read
    var more = ul.parentNode.querySelector('.kanban-more');
    more.disabled = true;
    return B.read(filters, 1, PER_LANE, '-id', true).then(function (r) {
      more.disabled = false;
      if (!r.ok) { B.say(B.reason(r), true); return; }
      r.data.items.forEach(function (item) {
        ul.setAttribute('data-after', item.id);
        if (ul.querySelector('[data-record="' + item.id + '"]')) return;  // dropped here already
        var li = cardOf(item, lanesList, f);
        ul.appendChild(li); syncSelect(li);
      });
      more.hidden = !r.data.has_more;
    });
  }

  /* the lane under the pointer where a drag ended (its header, its count, its "Show more": anywhere on the lane) */
  function laneAt(evt) {
    var e = evt.originalEvent, p = e && e.changedTouches ? e.changedTouches[0] : e;
    if (!p || p.clientX === undefined) return null;
    var el = document.elementFromPoint(p.clientX, p.clientY), section = el && el.closest ? el.closest('.kanban-lane') : null;
    return section ? section.querySelector('.kanban-cards') : null;
  }
  function ended(evt) {
    // SortableJS leaves the card in the last list the pointer crossed; the lane under the pointer is where it goes
    var to = laneAt(evt) || evt.to, li = evt.item;
    if (to === evt.from) {
      if (li.parentNode !== to) to.insertBefore(li, to.children[evt.oldIndex] || null);
      return;
    }
    if (li.parentNode !== to) to.insertBefore(li, to.firstChild);
    move(li, evt.from, to, evt.oldIndex);
  }

  function render() {
    var f = B.fieldOf(B.state.field), asked = B.state.field;
    if (!f || !B.has(f, 'is_user')) { draw(); return; }
    B.counts(f.id).then(function (r) {
      if (asked !== B.state.field) return;
      if (!r.ok) { B.say(B.reason(r), true); return; }
      people = peopleLanes(r.data);
      draw(r);
    });
  }
  function draw(counted) {
    var board = $('kanban'), f = B.fieldOf(B.state.field), lanesList = lanes();
    sortables.forEach(function (s) { s.destroy(); });
    sortables = [];
    board.innerHTML = '';
    if (!f) return;
    lanesList.forEach(function (lane, i) {
      var section = document.createElement('section');
      section.className = 'kanban-lane';
      section.setAttribute('aria-labelledby', 'lane-' + i);
      var head = document.createElement('header');
      head.className = 'kanban-lane-head';
      var h = document.createElement('h2');
      h.id = 'lane-' + i;
      h.className = 'kanban-lane-title';
      h.textContent = lane.label;
      var count = document.createElement('span');
      count.className = 'kanban-count muted small';
      count.setAttribute('aria-live', 'polite');
      head.appendChild(h); head.appendChild(count);
      var ul = document.createElement('ul');
      ul.className = 'kanban-cards';
      ul.setAttribute('data-lane', String(i));
      ul.setAttribute('data-value', lane.value === null ? '' : String(lane.value));
      ul.setAttribute('data-total', '0');
      ul.setAttribute('aria-labelledby', 'lane-' + i);
      var more = document.createElement('button');
      more.type = 'button'; more.className = 'btn btn-sm kanban-more'; more.hidden = true; more.textContent = t('lane_more');
      more.setAttribute('aria-label', t('lane_more_in', { lane: lane.label }));  // one "Show more" per lane: named by it
      section.appendChild(head); section.appendChild(ul); section.appendChild(more);
      board.appendChild(section);
      if (!f.read_only) {
        sortables.push(window.Sortable.create(ul, {
          group: 'kanban', animation: 120, forceFallback: true, fallbackTolerance: 3, filter: 'select, a', preventOnFilter: false,
          emptyInsertThreshold: 24, onEnd: ended
        }));
      }
      more.addEventListener('click', loadLane.bind(null, ul, lane, lanesList, f));
      loadLane(ul, lane, lanesList, f);
    });
    if (counted) showCounts(counted); else countLanes(f);
  }
  /* every lane's count in one request (…/records/counts: one grouped count through the read gate) */
  function countLanes(f) {
    var asked = B.state.field;
    B.counts(f.id).then(function (r) {
      if (asked !== B.state.field) return;
      if (!r.ok) { B.say(B.reason(r), true); return; }
      showCounts(r);
    });
  }
  function showCounts(r) {
    Array.prototype.forEach.call(document.querySelectorAll('#kanban .kanban-cards'), function (ul) {
      var value = ul.getAttribute('data-value');
      ul.setAttribute('data-total', value === '' ? r.data.empty : (r.data.counts[value] || 0));
      ul.parentNode.querySelector('.kanban-count').textContent = countText(ul);
    });
  }

  document.addEventListener('DOMContentLoaded', function () { B.start({ fits: 'lanes', render: render }); });
})();
