/* The calendar (FullCalendar 6, vendored; its CSS is a file since the CSP refuses injected styles): records placed by
   the chosen date or date-and-time field (the type's calendar_kind: "day" events are all-day, "moment" ones timed),
   read through the read gate one visible range at a time ({field between start, end}). Dragging an event writes the
   new date or time through the records API with If-Match — the record's due events (its reminders) are planned
   again by that same write — and the planned firings are then read back ({app}/records/<id>/due) and listed. A
   refused move (a rule, a read-only field, a stale version, a timed event dropped in the all-day row or a day in a timed
   slot) goes back and says why.
   Time zone: the calendar runs in FullCalendar's 'UTC' mode fed with the reader's wall-clock times (their saved zone,
   <html data-tz>, not the browser's): a stored moment is shown as its wall time in that zone (wall()), and a dropped
   wall time is turned back into the real UTC moment (instant(), DST-safe), so 09:00 in Asia/Shanghai is stored 01:00Z. */
(function () {
  'use strict';

  var ff = window.formflow, B = ff.boards, cfg = B.cfg, t = ff.t;  // keys written out in full: tests/core/test_client_messages.py checks them
  var $ = function (id) { return document.getElementById(id); };
  var calendar = null;
  var PER_PAGE = 200, MAX_PAGES = 5;
  // white text on it reads at 6.7:1 (FullCalendar's own #3788d8 gives 3.7:1, under WCAG's 4.5:1)
  var EVENT_COLOR = '#1d4ed8';

  function pad(n) { return (n < 10 ? '0' : '') + n; }
  // FullCalendar's dates are UTC-coerced wall times (timeZone 'UTC'): their UTC fields are the reader's clock
  function day(d) { return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()); }
  function utc(ms) { return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'); }

  /* ---- the reader's zone: a real moment <-> its wall time there ---- */
  var ZONE = document.documentElement.getAttribute('data-tz') || undefined;
  var parts = null;
  try {
    parts = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
                                               hour: '2-digit', minute: '2-digit', second: '2-digit' });
  } catch (e) { ZONE = undefined; parts = new Intl.DateTimeFormat('en-US', { hourCycle: 'h23', year: 'numeric', month: '2-digit',
                                                                              day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }); }
  /* the wall time (as UTC milliseconds) the reader's clock shows at the real moment ms */
  function wallMs(ms) {
    var p = {};
    parts.formatToParts(new Date(ms)).forEach(function (x) { p[x.type] = x.value; });
    return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour) % 24, Number(p.minute), Number(p.second));
  }
  /* a stored moment (ISO with Z or an offset) as the reader's wall time, without an offset, for FullCalendar */
  function wall(iso) { return utc(wallMs(new Date(iso).getTime())).slice(0, 19); }
  /* a UTC-coerced wall time from FullCalendar -> the real moment (ISO Z): the zone's offset there, checked once for DST */
  function instant(d) {
    var w = d.getTime(), guess = w - (wallMs(w) - w);
    var again = w - (wallMs(guess) - guess);
    return utc(again);
  }
  /* a record's moment is an instant, shown as one: a short mark (POINT long), ending at the latest at the end of its own
     day, so one at 23:29 is drawn in its own day's column only, in every view (FullCalendar draws an event without an
     end an hour long, into the next day's column); the views say its start only (displayEventEnd false) */
  var POINT = 30 * 60000, DAY = 86400000;
  function pointEnd(ms) { return utc(Math.min(ms + POINT, (Math.floor(ms / DAY) + 1) * DAY)).slice(0, 19); }
  function kind() { var f = B.fieldOf(B.state.field); return f ? f.calendar_kind : null; }
  /* said as the reader reads it: a moment through formflow.moment (their zone and language), a day with the same
     Intl date style (a day has no zone) — the server's engine.moments writes the same CLDR patterns */
  function when(iso) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return ff.moment(iso);
    return new Date(iso + 'T00:00:00Z').toLocaleDateString(ff.locale(), { dateStyle: 'medium', timeZone: 'UTC' });
  }

  /* an event reads its record's title, then the card fields' values that the title does not already say (a reminder's
     title names its customer: the customer is not added again), each once */
  function eventTitle(it) {
    var title = B.titleOf(it), said = [title.toLowerCase()], extra = [];
    B.state.cards.forEach(function (c) {
      var text = it.display && it.display[c];
      text = text === undefined || text === null ? '' : String(text).trim();
      if (!text || said.some(function (s) { return s.indexOf(text.toLowerCase()) >= 0; })) return;
      said.push(text.toLowerCase());
      extra.push(text);
    });
    return extra.length ? title + ' · ' + extra.join(' · ') : title;
  }

  function events(info, success) {
    var fid = B.state.field, isDay = kind() === 'day', found = [];
    var range = isDay ? [day(info.start), day(new Date(info.end.getTime() - 1))] : [instant(info.start), instant(info.end)];
    function page(n) {  // the table answers at most PER_PAGE a page: a busy month is read in a few pages
      return B.read([{ field: fid, op: 'between', value: range }], n, PER_PAGE, fid).then(function (r) {
        if (!r.ok) { B.say(B.reason(r), true); return; }
        found = found.concat(r.data.items);
        if (r.data.has_more && n < MAX_PAGES) return page(n + 1);
      });
    }
    page(1).then(function () {
      success(found.filter(function (it) { return it.data && it.data[fid]; }).map(function (it) {
        var start = isDay ? it.data[fid] : wall(it.data[fid]);
        return { id: String(it.id), title: eventTitle(it), start: start, end: isDay ? null : pointEnd(Date.parse(start + 'Z')),
                 allDay: isDay, url: cfg.record_url.replace('{id}', it.id),
                 extendedProps: { version: it.version, name: B.titleOf(it) } };
      }));
    });
  }

  function planned(id, name) {
    ff.api('GET', cfg.app_api + '/records/' + id + '/due').then(function (r) {
      var box = $('planned'), list = $('planned-list');
      if (!r.ok) { box.hidden = true; return; }
      list.innerHTML = '';
      $('planned-record').textContent = '· ' + name;
      r.data.items.forEach(function (d) {
        var li = document.createElement('li');
        li.textContent = d.fire_at ? when(d.fire_at) : d.occurrence;
        li.setAttribute('data-fire-at', d.fire_at || '');
        list.appendChild(li);
      });
      if (!r.data.items.length) { var li = document.createElement('li'); li.textContent = t('records.board.planned_none'); list.appendChild(li); }
      box.hidden = false;
    });
  }

  /* a drop that would change what the field holds is refused and said why (the event goes back): a date-and-time field's
     event dropped in the week's all-day row would be stored at 00:00 as if all day, a date field's in a timed slot
     would get a time it cannot hold */
  function kindRefused(info, isDay) {
    if (info.event.allDay === isDay) return false;
    info.revert();
    B.say(t(isDay ? 'records.board.day_not_timed' : 'records.board.moment_not_all_day',
               { title: info.event.extendedProps.name, field: B.fieldLabel(B.fieldOf(B.state.field)) }), true);
    return true;
  }

  function dropped(info) {
    var ev = info.event, isDay = kind() === 'day', name = ev.extendedProps.name;
    if (kindRefused(info, isDay)) return;
    var value = isDay ? day(ev.start) : instant(ev.start);
    if (!isDay) ev.setEnd(pointEnd(ev.start.getTime()));  // moved late in a day, the mark still ends at that day's end
    B.write(ev.id, ev.extendedProps.version, B.state.field, value).then(function (r) {
      if (!r.ok) {
        info.revert();
        B.say(t('records.board.reschedule_refused', { title: name, reason: B.reason(r) }), true);
        return;
      }
      ev.setExtendedProp('version', r.data.version);
      B.say(t('records.board.rescheduled', { title: name, when: when(r.data.data[B.state.field] || value) }));
      planned(ev.id, name);
    });
  }

  /* the "+N more" popover as a dialog: named by its date, its close a button, focus on its first event (Escape closes) */
  function dayPopover(root) {
    new MutationObserver(function () {
      var pop = root.querySelector('.fc-popover:not([role])');
      if (!pop) return;
      pop.setAttribute('role', 'dialog');
      var title = pop.querySelector('.fc-popover-title');
      if (title && title.id) pop.setAttribute('aria-labelledby', title.id);
      var close = pop.querySelector('.fc-popover-close');
      if (close) {
        close.setAttribute('role', 'button'); close.setAttribute('tabindex', '0'); close.setAttribute('aria-label', t('common.close'));
        close.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); close.click(); } });
      }
      var first = pop.querySelector('.fc-event');
      if (first) first.focus();
    }).observe(root, { childList: true, subtree: true });
  }

  function quietIcons() {
    document.querySelectorAll('#calendar .fc-icon').forEach(function (el) { el.removeAttribute('role'); el.setAttribute('aria-hidden', 'true'); });
  }

  /* previous / next go by the view's unit (a month, a week, a day), and say so: "上个月" / "Previous month", never a
     pager's "上一页". The hint (the title) is FullCalendar's own per-view mechanism: buttonHints as a function of the unit
     it navigates by. The name is the button's text, which FullCalendar takes from buttonText for every view alike: it is
     given by setOption (before the first render, and again when a view of another unit is shown: viewUnit, below), never
     in the constructor's buttonText, whose entries FullCalendar keeps over any later setOption. Keys written in full. */
  var NAV = { month: ['records.board.prev_month', 'records.board.next_month'],
              week: ['records.board.prev_week', 'records.board.next_week'],
              day: ['records.board.prev_day', 'records.board.next_day'] };
  //: the unit each of the toolbar's views goes back and forth by (FullCalendar's navUnit for them)
  var VIEW_UNITS = { dayGridMonth: 'month', timeGridWeek: 'week', listWeek: 'week', timeGridDay: 'day', listDay: 'day' };
  var INITIAL_VIEW = 'dayGridMonth';
  function navText(unit, next) { return t((NAV[unit] || NAV.month)[next ? 1 : 0]); }
  var shownUnit = null;
  function stepsBy(unit) {
    if (unit === shownUnit) return;
    shownUnit = unit;
    calendar.setOption('buttonText', { prev: navText(unit, false), next: navText(unit, true) });  // merged over the others
  }
  function viewUnit(arg) { stepsBy(VIEW_UNITS[arg.view.type] || 'month'); }

  function render() {
    var f = B.fieldOf(B.state.field);
    if (!f) return;
    if (calendar) { calendar.setOption('editable', !f.read_only); calendar.refetchEvents(); return; }
    calendar = new window.FullCalendar.Calendar($('calendar'), {
      initialView: INITIAL_VIEW, height: 'auto', buttonIcons: false,  // the icon font is a data: URL the CSP refuses
      timeZone: 'UTC', now: function () { return wall(new Date().toISOString()); },  // wall times of the reader's zone (above)
      editable: !f.read_only, eventDurationEditable: false, dayMaxEvents: 4,
      displayEventEnd: false,  // a moment's mark ends where it is drawn to (pointEnd), not when anything ends
      headerToolbar: { left: 'prev,next today', center: 'title', right: 'dayGridMonth,timeGridWeek,listWeek' },
      // FullCalendar's own texts and week for the page's language: 'zh-cn' is the vendored locale pack of the same
      // version (vendor/fullcalendar-locales, loaded by this page only; Monday first), 'en' is built in. Every text the
      // calendar shows or names a control by comes from our catalogue (one source), over the pack's
      locale: ff.locale().toLowerCase(),
      buttonText: { today: t('records.board.today'), month: t('records.board.month'), week: t('records.board.week'),
                    day: t('records.board.day'), list: t('records.board.list') },  // prev / next: stepsBy
      buttonHints: { prev: function (text, unit) { return navText(unit, false); },
                     next: function (text, unit) { return navText(unit, true); }, today: t('records.board.today') },
      viewHint: function (text) { return t('records.board.view_hint', { view: text }); },
      navLinkHint: function (text) { return t('records.board.go_to', { day: text }); },
      moreLinkText: function (n) { return t('records.board.more_events', { count: n }); },
      moreLinkHint: function (n) { return t('records.board.more_events_hint', { count: n }); },
      noEventsText: t('records.board.empty'), allDayText: t('records.board.all_day'),  // the week view's all-day row
      weekText: t('records.board.week_short'), weekTextLong: t('records.board.week'),
      closeHint: t('common.close'), timeHint: t('records.board.time'), eventHint: t('records.board.event'),
      events: events, eventDrop: dropped,
      eventColor: EVENT_COLOR, eventTextColor: '#ffffff',
      eventDidMount: function (arg) { arg.el.setAttribute('data-record', arg.event.id); },
      // "+N more" is FullCalendar's <a> without href that opens the day's popover: a button, as it acts
      moreLinkDidMount: function (arg) {
        arg.el.setAttribute('role', 'button');
        if (!arg.el.getAttribute('aria-controls')) arg.el.removeAttribute('aria-controls');
      },
      // a day cell is named by its content (date and events), not by its date alone; the buttons' glyphs are decoration
      dayCellDidMount: function (arg) { arg.el.removeAttribute('aria-labelledby'); },
      datesSet: function (arg) { quietIcons(); viewUnit(arg); }
    });
    stepsBy(VIEW_UNITS[INITIAL_VIEW]);
    calendar.render();
    dayPopover($('calendar'));
  }

  document.addEventListener('DOMContentLoaded', function () { B.start({ fits: 'calendar_kind', render: render }); });
})();
