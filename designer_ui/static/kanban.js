/* The kanban board (SortableJS, vendored): a lane per value of the chosen field and one for no value. A choice field's
   lanes are its choices (no value last). A person field's lanes (the type says is_user) are the people who may be
   chosen in it, so a card can be dragged to a colleague who holds none yet: "No <field>" first (the cards to hand
   out), then the reader's own lane, the people holding cards (most first), then everyone else the field's user picker
   offers, by name — a page of people at a time (…/records/lanes, each lane counted through the read gate), with
   "Show more people" for the next page and "Find a person" to narrow the lanes by name. Each lane reads its own cards through the read gate
   ({field eq value}): PER_LANE at a time, newest first, its header saying how many the lane holds in all (a choice
   field's counts come in one request, …/records/counts), and "Show more" reads the next ones after the last shown (id
   below it: moves in and out of a lane neither skip nor repeat a card). When the grouped count was cut at its cap
   (``truncated``) the board says so. A lane's cards scroll inside it, so a card can be dropped anywhere on a long lane
   (on a card, between two, on its header or its "Show more"). Dropping a card in another lane — or picking the lane in
   the card's "Move to" select, for the keyboard — writes that one field through the records API with If-Match; a
   refusal (a rule, a validation, a read-only field, a stale version) puts the card back where it was and says why. */
(function () {
  'use strict';

  var ff = window.formflow, B = ff.boards, t = ff.t;  // keys in full: tests/core/test_client_messages.py checks them
  var PER_LANE = 20;  // cards a lane reads at a time
  var $ = function (id) { return document.getElementById(id); };
  var sortables = [];

  // the lanes drawn, by their data-lane number (a lane added by "Show more people" takes the next number)
  var current = [];
  // a person board: the next page of people to read, and the name the people are narrowed to
  var people = { field: null, page: 0, more: false, query: '', left: 0 };
  function choiceLanes(f) {
    var out = [];
    ((f.options && f.options.choices) || []).forEach(function (c) {
      out.push({ value: c.value, label: ff.label(c.label, c.value), color: c.color });
    });
    out.push({ value: null, label: t('records.board.empty_lane') });
    return out;
  }
  function personLane(x) {
    B.remember(x.value, x.label);  // cards and the filter name these people too
    return { value: x.value, label: x.label, count: x.count, me: x.me, active: x.active };
  }
  function laneFilter(lane) {
    return lane.value === null ? { field: B.state.field, op: 'empty' } : { field: B.state.field, op: 'eq', value: lane.value };
  }

  function countText(ul) { return t('records.board.lane_count', { count: Number(ul.getAttribute('data-total')) }); }
  function setTotal(ul, delta) {
    ul.setAttribute('data-total', Number(ul.getAttribute('data-total')) + delta);
    ul.parentNode.querySelector('.kanban-count').textContent = countText(ul);
  }

  function moveOption(lane, i) {
    var o = document.createElement('option');
    o.value = String(i); o.textContent = lane.label;
    return o;
  }
  function cardOf(item, f) {
    var li = B.card(item);
    li.setAttribute('data-version', item.version);
    li.setAttribute('data-title', B.titleOf(item));
    if (f.read_only) return li;
    var sel = document.createElement('select');
    sel.className = 'kanban-move';
    sel.setAttribute('aria-label', t('records.board.move_to', { title: B.titleOf(item) }) + ' (#' + item.id + ')');  // titles may repeat
    current.forEach(function (lane, i) { sel.appendChild(moveOption(lane, i)); });
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
    var lane = current[Number(to.getAttribute('data-lane'))];
    var title = li.getAttribute('data-title');
    li.classList.remove('card-refused');
    var old = li.querySelector('.card-error');
    if (old) old.remove();
    B.write(li.getAttribute('data-record'), li.getAttribute('data-version'), B.state.field, lane.value).then(function (r) {
      if (r.ok) {
        li.setAttribute('data-version', r.data.version);
        setTotal(from, -1); setTotal(to, 1);
        syncSelect(li);
        B.say(t('records.board.moved', { title: title, lane: lane.label }));
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
      B.say(t('records.board.move_refused', { title: title, reason: why }), true);
    });
  }

  function loadLane(ul, lane, f) {
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
        var li = cardOf(item, f);
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
    if (!f || !B.has(f, 'is_user')) { current = f ? choiceLanes(f) : []; draw(f); countLanes(f); return; }
    if (people.field !== f.id) people.query = '';  // "Find a person" narrows one field's lanes, not the next one's
    people.field = f.id;
    people.page = 1;
    B.personLanes(f.id, 1, people.query).then(function (r) {
      if (asked !== B.state.field) return;
      if (!r.ok) { B.say(B.reason(r), true); return; }
      current = [{ value: null, label: t('records.board.no_person', { field: B.fieldLabel(f) }), count: r.data.empty }]
        .concat(r.data.lanes.map(personLane));
      draw(f);
      morePeople(r.data);
    });
  }
  /* one lane's section: its header (name, "you", count), its cards, its "Show more" */
  function laneSection(lane, i, f) {
    var section = document.createElement('section');
    section.className = 'kanban-lane';
    section.setAttribute('aria-labelledby', 'lane-' + i);
    var head = document.createElement('header');
    head.className = 'kanban-lane-head';
    var h = document.createElement('h2');
    h.id = 'lane-' + i;
    h.className = 'kanban-lane-title';
    h.textContent = lane.label;
    head.appendChild(h);
    if (lane.me || lane.active === false) {
      var tag = document.createElement('span');
      tag.className = 'kanban-lane-tag small';
      tag.textContent = t(lane.me ? 'records.board.lane_you' : 'records.board.lane_inactive');
      head.appendChild(tag);
    }
    var count = document.createElement('span');
    count.className = 'kanban-count muted small';
    count.setAttribute('aria-live', 'polite');
    head.appendChild(count);
    var ul = document.createElement('ul');
    ul.className = 'kanban-cards';
    ul.setAttribute('data-lane', String(i));
    ul.setAttribute('data-value', lane.value === null ? '' : String(lane.value));
    ul.setAttribute('data-total', '0');
    ul.setAttribute('aria-labelledby', 'lane-' + i);
    var more = document.createElement('button');
    more.type = 'button'; more.className = 'btn btn-sm kanban-more'; more.hidden = true; more.textContent = t('records.board.lane_more');
    more.setAttribute('aria-label', t('records.board.lane_more_in', { lane: lane.label }));  // one "Show more" per lane: named by it
    section.appendChild(head); section.appendChild(ul); section.appendChild(more);
    if (!f.read_only) {
      sortables.push(window.Sortable.create(ul, {
        group: 'kanban', animation: 120, forceFallback: true, fallbackTolerance: 3, filter: 'select, a', preventOnFilter: false,
        emptyInsertThreshold: 24, onEnd: ended
      }));
    }
    more.addEventListener('click', loadLane.bind(null, ul, lane, f));
    if (lane.count !== undefined) showCount(ul, lane.count);
    return section;
  }
  function draw(f) {
    var board = $('kanban');
    sortables.forEach(function (s) { s.destroy(); });
    sortables = [];
    board.innerHTML = '';
    note(false);
    if (!f) return;
    current.forEach(function (lane, i) {
      var section = laneSection(lane, i, f);
      board.appendChild(section);
      loadLane(section.querySelector('.kanban-cards'), lane, f);
    });
    if (B.has(f, 'is_user')) board.appendChild(peopleTools(f));
  }

  /* ---- a person board's people: "Show more people" (the next page of lanes) and "Find a person" (narrow by name) ---- */
  function peopleTools(f) {
    var box = document.createElement('div');
    box.className = 'kanban-people';
    box.id = 'kanban-people';
    var label = document.createElement('label');
    label.setAttribute('for', 'kanban-find-person');
    label.textContent = t('records.board.find_person');
    var find = document.createElement('input');
    find.type = 'search'; find.id = 'kanban-find-person'; find.value = people.query; find.maxLength = 100;
    find.addEventListener('keydown', function (e) {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      people.query = find.value.trim();
      render();
    });
    var more = document.createElement('button');
    more.type = 'button'; more.className = 'btn btn-sm'; more.id = 'kanban-more-people'; more.hidden = true;
    more.addEventListener('click', function () { showMorePeople(f, more); });
    var none = document.createElement('p');
    none.className = 'muted small'; none.id = 'kanban-no-people'; none.hidden = true;
    none.textContent = t('records.board.no_people_found', { name: people.query });
    box.appendChild(label); box.appendChild(find); box.appendChild(more); box.appendChild(none);
    return box;
  }
  function morePeople(data) {
    var more = $('kanban-more-people'), none = $('kanban-no-people');
    if (!more) return;
    people.more = data.has_more;
    people.left = Math.max(0, data.people - data.page * data.per_page);
    more.hidden = !data.has_more;
    more.textContent = t('records.board.more_people', { count: people.left });
    none.hidden = !(people.query && data.people === 0);
    note(data.truncated, data);
  }
  function showMorePeople(f, button) {
    var asked = B.state.field;
    button.disabled = true;
    B.personLanes(f.id, people.page + 1, people.query).then(function (r) {
      button.disabled = false;
      if (asked !== B.state.field) return;
      if (!r.ok) { B.say(B.reason(r), true); return; }
      people.page = r.data.page;
      var board = $('kanban'), tools = $('kanban-people'), first = null;
      r.data.lanes.map(personLane).forEach(function (lane) {
        if (current.some(function (x) { return x.value === lane.value; })) return;
        var i = current.length;
        current.push(lane);
        var section = laneSection(lane, i, f);
        board.insertBefore(section, tools);
        first = first || section;
        loadLane(section.querySelector('.kanban-cards'), lane, f);
        // every card may move to the new lane too
        Array.prototype.forEach.call(board.querySelectorAll('.kanban-move'), function (sel) { sel.appendChild(moveOption(lane, i)); });
      });
      morePeople(r.data);
      if (first) {
        first.scrollIntoView({ block: 'nearest', inline: 'start' });
        B.say(t('records.board.people_shown', { count: current.length - 1 }));
      }
    });
  }

  /* the grouped count was cut at its cap: the board says so in the reader's language (never loses lanes silently) */
  function note(truncated, data) {
    var box = $('kanban-note');
    if (!box) return;
    box.hidden = !truncated;
    box.textContent = truncated ? t('records.board.lanes_truncated', { max: data.max_groups || 500 }) : '';
  }

  /* a choice field's lanes: every count in one request (…/records/counts: one grouped count through the read gate) */
  function countLanes(f) {
    var asked = B.state.field;
    if (!f) return;
    B.counts(f.id).then(function (r) {
      if (asked !== B.state.field) return;
      if (!r.ok) { B.say(B.reason(r), true); return; }
      Array.prototype.forEach.call(document.querySelectorAll('#kanban .kanban-cards'), function (ul) {
        var value = ul.getAttribute('data-value');
        showCount(ul, value === '' ? r.data.empty : (r.data.counts[value] || 0));
      });
      note(r.data.truncated, r.data);
    });
  }
  function showCount(ul, n) {
    var known = n !== null && n !== undefined;
    ul.setAttribute('data-total', known ? n : 0);
    ul.setAttribute('data-counted', known ? 'yes' : 'no');
    ul.parentNode.querySelector('.kanban-count').textContent = known ? countText(ul) : t('records.board.lane_count_unknown');
  }

  document.addEventListener('DOMContentLoaded', function () { B.start({ fits: 'lanes', render: render }); });
})();
