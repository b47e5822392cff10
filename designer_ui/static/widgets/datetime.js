/* Date and date-time widget (the types whose form.input is "input" with html_input "date", or "datetime"): a date
   input, or a datetime-local input read and written in the reader's zone (host.zone(): the form's time zone, else the
   browser's) with a note naming that zone; the stored value is ISO 8601 UTC ("YYYY-MM-DDTHH:MM:SSZ").
   Registered as window.formflowWidgets.datetime; parse(field, raw, zone) is what a typed text means. */
(function () {
  'use strict';
  var widgets = window.formflowWidgets = window.formflowWidgets || {};

  function facts(f) { return window.formflow.fieldType(f).form; }
  function moment(f) { return facts(f).input_value === 'datetime'; }
  function pad(n) { return (n < 10 ? '0' : '') + n; }

  /* wall-clock parts of instant `ms` in zone `tz` (Intl), as a UTC timestamp of those parts */
  function wallMs(ms, tz) {
    var p = {};
    new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(ms)).forEach(function (x) { p[x.type] = x.value; });
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
  }

  /* ISO with offset -> value for <input type=datetime-local>, in zone `tz` (the user's; default the browser's) */
  function isoToLocalInput(iso, tz) {
    if (!iso) return '';
    var d = new Date(iso);
    if (isNaN(d.getTime())) return '';
    if (tz) {
      try { d = new Date(wallMs(d.getTime(), tz)); return d.toISOString().slice(0, 16); } catch (e) { /* unknown zone: the browser's */ }
    }
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
  }

  /* datetime-local value, wall time in zone `tz` (default the browser's) -> ISO 8601 UTC "YYYY-MM-DDTHH:MM:SSZ" */
  function localInputToIso(v, tz) {
    if (!v) return null;
    var d = new Date(v);
    if (isNaN(d.getTime())) return v;
    if (tz) {
      try {
        var wall = Date.parse(v + (v.length === 16 ? ':00' : '') + 'Z');
        var guess = wall - (wallMs(wall, tz) - wall);           // subtract the zone's offset at that moment
        guess -= wallMs(guess, tz) - wall;                       // once more, for a DST change in between
        d = new Date(guess);
      } catch (e) { /* unknown zone: the browser's */ }
    }
    return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  function parse(f, raw, zone) {
    if (moment(f)) return localInputToIso(raw, zone);
    return raw === '' ? null : raw;
  }

  /* a stored value as a list or the grid shows it: a moment through formflow.moment (the reader's zone and language), a
     day with the same medium date style (a day has no zone); the server's engine.moments writes the same patterns */
  function cell(value, f) {
    if (moment(f)) return window.formflow.moment(value);
    var d = new Date(String(value).slice(0, 10) + 'T00:00:00Z');
    return isNaN(d.getTime()) ? String(value) : d.toLocaleDateString(window.formflow.locale(), { dateStyle: 'medium', timeZone: 'UTC' });
  }

  widgets.datetime = {
    parse: parse,
    cell: cell,
    isoToLocalInput: isoToLocalInput,
    localInputToIso: localInputToIso,
    mount: function (el, host) {
      var f = host.field, base = window.formflowWidgets.input;
      var box = base.control(document.createElement('input'), host, 'readOnly');
      box.type = facts(f).html_input || 'date';
      if (!moment(f)) {  // a day: the text is the value
        base.showValue(box, host);
        box.addEventListener('input', function () { host.set(parse(f, box.value)); });
        el.appendChild(box);
        return;
      }
      host.effect(function () {
        var shown = isoToLocalInput(host.get(), host.zone());
        if (box.value !== shown) box.value = shown;
      });
      box.addEventListener('change', function () { host.set(parse(f, box.value, host.zone())); });
      var wrap = document.createElement('div'), note = document.createElement('div');
      note.className = 'help';
      note.textContent = host.t('fill.tz_note', { tz: host.zone() || 'UTC' });
      wrap.appendChild(box);
      wrap.appendChild(note);
      el.appendChild(wrap);
    }
  };
})();
