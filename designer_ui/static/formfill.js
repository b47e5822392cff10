/* Generated form ('formFill'): renders a published form definition, applies
   the form's compiled rules live, and submits a record.
   Inputs (all data, no inline code):
     #form-def     the published definition (docs/definitions.md)
     #form-config  {app, form, api_base, submit_url?, record_url?, values?}
     window.formflowRules  compiled rules from the server's rules.js (never eval'd here):
                   [{id, when: function (values, ctx) -> bool, effects: [{field, visible, required, readonly, options, value}]}]
                   `values` is keyed by field id; `ctx` comes from FormflowRules.context() of
                   engine/rules/runtime.js when loaded ({now, tz, user_id, load_reference}).
                   Referenced records seen in the reference picker feed ctx.load_reference.
   Submit: POST {api_base}/records {"data": {...}}; a 422 error envelope
   {error: {errors: [{path, field_id, message}]}} is shown at each field and
   nothing typed is lost. Hidden values are dropped unless settings.hidden_values == "keep". */
(function () {
  'use strict';

  var t = function (k, p) { return window.formflow.t(k, p); };
  var label = function (v, f) { return window.formflow.label(v, f); };

  //: Wait this long after the last keystroke before searching references.
  var SEARCH_DEBOUNCE_MS = 250;
  //: After a successful submit, show the confirmation this long before opening the record (settings.after_submit "record").
  var OPEN_RECORD_AFTER_MS = 1200;
  //: what the form knows of a field's type: its facts from the server (engine/fields FieldType.form_facts)
  function facts(f) { return window.formflow.fieldType(f).form; }
  function isAuto(f) { return facts(f).input === 'auto'; }  // the engine fills it
  /* an input's text as the value the field's type takes (facts(f).input_value) */
  function typedValue(f, raw, zone) {
    var how = facts(f).input_value;
    if (how === 'boolean') return !!raw;
    if (how === 'number') return raw === '' ? null : Number(raw);
    if (how === 'datetime') return localInputToIso(raw, zone);
    return raw === '' ? null : raw;
  }

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

  function recordsFrom(data) {
    if (Array.isArray(data)) return data;
    if (!data) return [];
    return data.items || data.records || data.results || data.data || [];
  }

  /* a formula's result as the stored value of a field of result type `kind` (as engine.autofill.stored does) */
  function stored(v, kind) {
    if (v === null || v === undefined) return null;
    if (v instanceof Date) return kind === 'date' ? v.toISOString().slice(0, 10) : v.toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (typeof v === 'number') return isFinite(v) ? v : null;
    if (typeof v === 'object' && typeof v.toNumber === 'function') return v.toNumber();
    return v;
  }

  /* a fresh idempotency key per form load: a repeated submit of the same load returns the first record */
  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    var a = new Uint8Array(16);
    window.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return (b < 16 ? '0' : '') + b.toString(16); }).join('');
  }

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

  function formFill() {
    return {
      def: { fields: [], layout: { sections: [] } },
      cfg: {},
      values: {},
      state: {},           // field id -> {visible, required, readonly, choices}
      errors: {},          // field id -> [message]
      formErrors: [],
      submitting: false,
      result: null,
      refs: {},            // field id -> {query, results, open, selected: [{id, title}], active}
      refCache: {},        // "<form key>:<id>" -> record data, for rules that read referenced records
      timers: {},
      explicit: {},        // field id -> true once the user set it: a fetch never overwrites it
      fetched: {},         // field id -> the value the last fetch put there
      idemKey: '',         // this load's Idempotency-Key
      tz: '',

      init: function () {
        this.def = window.formflow.readJSON('form-def', this.def);
        this.def.fields = this.def.fields || [];
        this.cfg = window.formflow.readJSON('form-config', {});
        this.cfg.api_base = this.cfg.api_base || ('/api/apps/' + this.cfg.app + '/forms/' + this.cfg.form);
        try { this.tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) { this.tz = ''; }
        this.idemKey = newKey();
        this.loadValues();
      },
      /* the values a load starts from: the record (edit) or the defaults the server resolved (new; never "$now") */
      loadValues: function () {
        var initial = this.cfg.values || {};
        var self = this;
        this.explicit = {};
        this.fetched = {};
        this.liveFields().forEach(function (f) {
          var v = initial[f.id];
          var blank = facts(f).blank;
          if (Array.isArray(blank)) v = Array.isArray(v) ? JSON.parse(JSON.stringify(v)) : [];
          else if (blank === false) v = v === true;
          else if (v === undefined) v = null;
          self.values[f.id] = v;
          if (self.isRefType(f)) {
            self.refs[f.id] = { query: '', results: [], open: false, selected: ((self.cfg.ref_titles || {})[f.id] || []).slice(), active: -1 };
          }
        });
        this.applyRules();
      },

      /* ---- structure ---- */
      liveFields: function () { return this.def.fields.filter(function (f) { return !f.deleted; }); },
      field: function (id) { return this.def.fields.filter(function (f) { return f.id === id; })[0] || null; },
      sections: function () {
        var secs = (this.def.layout && this.def.layout.sections) || [];
        if (!secs.length) return [{ id: 'main', label: '', columns: 1, fields: this.liveFields().map(function (f) { return f.id; }) }];
        return secs;
      },
      sectionFields: function (s) {
        var self = this;
        return (s.fields || []).map(function (id) { return self.field(id); }).filter(function (f) { return f && !f.deleted; });
      },
      sectionLabel: function (s) { return label(s.label, ''); },
      gridClass: function (s) { return 'form-grid cols-' + (s.columns || 1); },
      formTitle: function () { return label(this.def.label, this.def.key); },
      fieldLabel: function (f) { return label(f.label, f.name || f.id); },
      helpText: function (f) { return label(f.help, ''); },
      inputId: function (f) { return 'ff-' + f.id; },
      helpId: function (f) { return 'ff-' + f.id + '-help'; },
      errorId: function (f) { return 'ff-' + f.id + '-error'; },
      describedBy: function (f) { return this.helpId(f) + ' ' + this.errorId(f); },
      fieldClass: function (f) {
        return 'field' + (facts(f).wide ? ' wide' : '') + (this.hasError(f.id) ? ' has-error' : '');
      },
      fieldTestId: function (f) { return 'input-' + f.id; },
      wrapTestId: function (f) { return 'fill-' + f.id; },

      /* which input a field gets */
      kind: function (f) {
        var input = facts(f).input;
        if (input === 'widget') return this.widgetOf(f) ? 'widget' : 'input';  // its module is not loaded: a text box
        return input;
      },
      is: function (f, k) { return this.kind(f) === k; },
      isRefType: function (f) { return facts(f).input === 'ref'; },
      inputType: function (f) { return facts(f).html_input; },
      inputMode: function (f) { return facts(f).input_mode; },
      step: function (f) {
        var p = f.options && f.options.precision, own = facts(f);
        if (p === undefined && own.default_precision !== null) p = own.default_precision;
        if (p === undefined || p === null) return own.free_step;
        return p === 0 ? '1' : String(Math.pow(10, -p).toFixed(p));
      },
      maxLength: function (f) { return (f.options && f.options.max_length) || null; },
      autoText: function (f) {
        var v = this.values[f.id];
        if (v !== null && v !== undefined && v !== '') return String(v);
        if (window.formflow.typeCan(f, 'numbered')) return t('fill.serial_on_save');
        return '—';
      },
      zone: function () { return this.cfg.timezone || this.tz || ''; },
      tzNote: function () { return t('fill.tz_note', { tz: this.zone() || 'UTC' }); },

      /* ---- state from rules ---- */
      st: function (f) { return this.state[f.id] || { visible: true, required: !!f.required, readonly: false }; },
      isVisible: function (f) { return this.st(f).visible; },
      isRequired: function (f) { return this.st(f).required; },
      isReadonly: function (f) { return this.st(f).readonly || isAuto(f); },
      choices: function (f) {
        var all = ((f.options && f.options.choices) || []).map(function (c) { return { value: c.value, label: label(c.label, c.value) }; });
        var allowed = this.st(f).choices;
        return allowed ? all.filter(function (c) { return allowed.indexOf(c.value) >= 0; }) : all;
      },
      /* compiled rules read values by field id: values["next_follow_up"] */
      rulesData: function () {
        var data = {};
        var self = this;
        this.liveFields().forEach(function (f) { data[f.id] = self.outValue(f); });
        return data;
      },
      /* the context the compiled rules expect (engine/rules/runtime.js: FormflowRules.context) */
      ruleContext: function () {
        var self = this;
        var opts = { now: new Date(), tz: this.cfg.timezone || this.tz || 'UTC', user_id: this.cfg.user_id === undefined ? null : this.cfg.user_id,
          load_reference: function (form, id) { return self.refCache[form + ':' + id] || null; } };
        var rt = window.FormflowRules;
        return rt && typeof rt.context === 'function' ? rt.context(opts) : opts;
      },
      ruleMatches: function (rule, data, ctx) {
        try {
          var fn = typeof rule.when === 'function' ? rule.when : rule.test;
          return typeof fn === 'function' ? fn(data, ctx) === true : false;
        } catch (e) {
          return false;  // a rule that cannot run on incomplete input does not apply
        }
      },
      applyRules: function () {
        var rules = Array.isArray(window.formflowRules) ? window.formflowRules : [];
        var next = {};
        var self = this;
        this.liveFields().forEach(function (f) { next[f.id] = { visible: true, required: !!f.required, readonly: false, choices: null }; });
        // a field some rule shows is hidden until a rule shows it (show/hide rules, 超级显隐)
        rules.forEach(function (r) {
          (r.effects || []).forEach(function (e) { if (e.visible === true && next[e.field]) next[e.field].visible = false; });
        });
        var data = this.rulesData();
        var ctx = rules.length ? this.ruleContext() : null;
        var setValues = [];
        rules.forEach(function (r) {
          if (!self.ruleMatches(r, data, ctx)) return;
          (r.effects || []).forEach(function (e) {
            var s = next[e.field];
            if (!s) return;
            if (typeof e.visible === 'boolean') s.visible = e.visible;
            if (typeof e.required === 'boolean') s.required = e.required;
            if (typeof e.readonly === 'boolean') s.readonly = e.readonly;
            if (Array.isArray(e.options)) s.choices = e.options;
            if (Object.prototype.hasOwnProperty.call(e, 'value')) setValues.push(e);
          });
        });
        Object.keys(next).forEach(function (id) { if (!next[id].visible) next[id].required = false; });
        this.state = next;
        setValues.forEach(function (e) {
          if (JSON.stringify(self.values[e.field]) !== JSON.stringify(e.value)) self.values[e.field] = e.value;
        });
        this.recompute();
      },
      /* computed fields, in field order, by the engine's compiled formulas (window.formflowComputed): what the server
         stores on save, shown as the user types */
      recompute: function () {
        var computed = Array.isArray(window.formflowComputed) ? window.formflowComputed : [];
        if (!computed.length) return;
        var data = this.rulesData(), ctx = this.ruleContext(), self = this;
        computed.forEach(function (c) {
          var v = null;
          try { v = stored(c.fn(data, ctx), c.result); } catch (e) { v = null; }  // not computable on this input yet
          data[c.field] = v;
          if (self.field(c.field) && JSON.stringify(self.values[c.field]) !== JSON.stringify(v)) self.values[c.field] = v;
        });
      },

      /* ---- values ---- */
      val: function (f) { var v = this.values[f.id]; return v === null || v === undefined ? '' : v; },
      dtVal: function (f) { return isoToLocalInput(this.values[f.id], this.zone()); },
      checked: function (f) { return this.values[f.id] === true; },
      multiChecked: function (f, value) { return (this.values[f.id] || []).indexOf(value) >= 0; },
      setValue: function (f, raw) {
        this.values[f.id] = typedValue(f, raw, this.zone());
        this.explicit[f.id] = true;
        this.clearError(f.id);
        this.applyRules();
      },
      setBool: function (f, on) { this.values[f.id] = !!on; this.explicit[f.id] = true; this.clearError(f.id); this.applyRules(); },
      toggleMulti: function (f, value, on) {
        this.explicit[f.id] = true;
        var list = (this.values[f.id] || []).filter(function (x) { return x !== value; });
        if (on) list.push(value);
        this.values[f.id] = list;
        this.clearError(f.id);
        this.applyRules();
      },
      outValue: function (f) {
        var v = this.values[f.id];
        return v === undefined ? null : v;
      },

      /* ---- reference / user picker ---- */
      ref: function (f) { return this.refs[f.id] || { query: '', results: [], open: false, selected: [], active: -1 }; },
      refUrl: function (f, q) {
        if (window.formflow.typeCan(f, 'is_user')) return (this.cfg.users_url || '/api/users') + '?search=' + encodeURIComponent(q);
        return '/api/apps/' + encodeURIComponent(this.cfg.app) + '/forms/' + encodeURIComponent((f.options && f.options.form) || '') +
          '/records/table?per_page=20&search=' + encodeURIComponent(q);
      },
      refSearch: function (f, q) {
        var r = this.ref(f), self = this;
        r.query = q;
        clearTimeout(this.timers[f.id]);
        if (!q.trim()) { r.results = []; r.open = false; return; }
        this.timers[f.id] = setTimeout(function () {
          window.formflow.api('GET', self.refUrl(f, q)).then(function (resp) {
            if (r.query !== q) return;  // a newer search is on its way
            var form = (f.options && f.options.form) || '';
            var second = (self.cfg.ref_second || {})[f.id];
            r.results = recordsFrom(resp.data).slice(0, 20).map(function (rec, i) {
              if (rec.data && window.formflow.typeCan(f, 'is_reference')) self.refCache[form + ':' + rec.id] = rec.data;
              var extra = second ? ((rec.display || {})[second] || (rec.data || {})[second]) : '';
              return { id: rec.id, title: recordTitle(rec), second: extra === null || extra === undefined ? '' : String(extra), i: i };
            }).sort(function (a, b) { return (matchRank(a.title, q) - matchRank(b.title, q)) || (a.i - b.i); });
            r.open = true;
            r.active = r.results.length ? 0 : -1;
          });
        }, SEARCH_DEBOUNCE_MS);
      },
      refResults: function (f) { return this.ref(f).results; },
      refOpen: function (f) { return this.ref(f).open; },
      refNoResults: function (f) { var r = this.ref(f); return r.open && !r.results.length; },
      refQuery: function (f) { return this.ref(f).query; },
      refListId: function (f) { return 'ff-' + f.id + '-list'; },
      refOptionId: function (f, i) { return 'ff-' + f.id + '-opt-' + i; },
      refActiveId: function (f) { var r = this.ref(f); return r.open && r.active >= 0 ? this.refOptionId(f, r.active) : null; },
      refIsActive: function (f, i) { return this.ref(f).active === i ? 'true' : 'false'; },
      refExpanded: function (f) { return this.ref(f).open ? 'true' : 'false'; },
      multiple: function (f) { return !!(f.options && f.options.multiple); },
      refChosen: function (f) { return this.ref(f).selected; },
      refPick: function (f, item) {
        var r = this.ref(f);
        if (this.multiple(f)) {
          if (!r.selected.some(function (x) { return x.id === item.id; })) r.selected.push(item);
          this.values[f.id] = r.selected.map(function (x) { return x.id; });
        } else {
          r.selected = [item];
          this.values[f.id] = item.id;
        }
        this.explicit[f.id] = true;
        r.query = ''; r.results = []; r.open = false;
        this.clearError(f.id);
        this.applyRules();
        this.fetchFrom(f);
      },
      refRemove: function (f, item) {
        var r = this.ref(f);
        r.selected = r.selected.filter(function (x) { return x.id !== item.id; });
        this.values[f.id] = this.multiple(f) ? r.selected.map(function (x) { return x.id; }) : null;
        this.explicit[f.id] = true;
        this.applyRules();
        this.fetchFrom(f);
      },

      /* ---- fetched values: filled as soon as a reference is picked, through the API (the read gate) ---- */
      fetchedBy: function (f) {
        return this.liveFields().filter(function (x) { return x.fetch && x.fetch.from === f.id; });
      },
      /* a fetch may fill a field the user has not set, or one still holding what the last fetch put there */
      mayFill: function (fid) {
        var v = this.values[fid];
        if (v === null || v === undefined || v === '') return true;
        if (Object.prototype.hasOwnProperty.call(this.fetched, fid) && JSON.stringify(this.fetched[fid]) === JSON.stringify(v)) return true;
        return !this.explicit[fid];
      },
      fill: function (fid, value, titles) {
        if (!this.mayFill(fid)) return;
        this.values[fid] = value === undefined ? null : value;
        this.fetched[fid] = this.values[fid];
        if (this.refs[fid]) this.refs[fid].selected = (titles || []).slice();
        this.explicit[fid] = false;
      },
      fetchFrom: function (f) {
        var deps = this.fetchedBy(f), self = this, ref = this.values[f.id];
        if (!deps.length || !window.formflow.typeCan(f, 'is_reference') || this.multiple(f)) return;
        if (ref === null || ref === undefined) {  // no record: what it filled in goes with it
          deps.forEach(function (d) { self.fill(d.id, null, []); });
          this.applyRules();
          return;
        }
        if (!this.cfg.fetch_url) return;
        var url = this.cfg.fetch_url + '?field=' + encodeURIComponent(f.id) + '&id=' + encodeURIComponent(ref);
        window.formflow.api('GET', url).then(function (resp) {
          if (!resp.ok || self.values[f.id] !== ref) return;  // refused, or another record was picked meanwhile
          var values = (resp.data && resp.data.values) || {}, titles = (resp.data && resp.data.titles) || {};
          Object.keys(values).forEach(function (fid) { if (self.field(fid)) self.fill(fid, values[fid], titles[fid]); });
          self.applyRules();
        });
      },
      refKey: function (f, e) {
        var r = this.ref(f);
        if (e.key === 'ArrowDown') { e.preventDefault(); if (r.results.length) { r.open = true; r.active = Math.min(r.active + 1, r.results.length - 1); } }
        else if (e.key === 'ArrowUp') { e.preventDefault(); r.active = Math.max(r.active - 1, 0); }
        else if (e.key === 'Enter') { if (r.open && r.active >= 0) { e.preventDefault(); this.refPick(f, r.results[r.active]); } }
        else if (e.key === 'Escape') { r.open = false; }
      },
      refClose: function (f) { var r = this.ref(f); var self = this; setTimeout(function () { r.open = false; }, 150); return self; },

      /* ---- sub-table ---- */
      subFields: function (f) { return (f.options && f.options.fields) || []; },
      rows: function (f) { return this.values[f.id] || []; },
      addRow: function (f) { var rows = (this.values[f.id] || []).slice(); rows.push({}); this.values[f.id] = rows; },
      removeRow: function (f, i) { var rows = (this.values[f.id] || []).slice(); rows.splice(i, 1); this.values[f.id] = rows; },
      cellVal: function (f, i, sf) { var row = this.rows(f)[i] || {}; var v = row[sf.id]; return v === null || v === undefined ? '' : v; },
      cellChecked: function (f, i, sf) { return (this.rows(f)[i] || {})[sf.id] === true; },
      setCell: function (f, i, sf, raw) {
        var row = this.rows(f)[i];
        if (!row) return;
        row[sf.id] = typedValue(sf, raw, this.zone());
        this.clearError(f.id);
      },
      cellKind: function (sf) { var k = facts(sf).input; return k === 'switch' || k === 'select' ? k : 'input'; },
      cellIs: function (sf, k) { return this.cellKind(sf) === k; },
      cellType: function (sf) { return facts(sf).html_input; },
      cellLabel: function (sf) { return label(sf.label, sf.name || sf.id); },
      cellChoices: function (sf) { return ((sf.options && sf.options.choices) || []).map(function (c) { return { value: c.value, label: label(c.label, c.value) }; }); },
      hasRows: function (f) { return this.rows(f).length > 0; },

      /* ---- attachments ---- */
      upload: function (f, input) {
        var files = input.files, self = this;
        if (!files || !files.length) return;
        var body = new FormData();
        for (var i = 0; i < files.length; i++) body.append('file', files[i]);
        var url = this.cfg.upload_url || '/api/attachments';
        url += (url.indexOf('?') >= 0 ? '&' : '?') + 'field=' + encodeURIComponent(f.id);  // the field's size limit applies
        fetch(url, { method: 'POST', body: body, credentials: 'same-origin',
          headers: { 'X-CSRFToken': window.formflow.csrfToken(), 'Accept': 'application/json' } })
          .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, data: d }; }); })
          .then(function (r) {
            if (!r.ok) { self.errors[f.id] = [(r.data && r.data.error && r.data.error.message) || t('common.error')]; return; }
            var ids = recordsFrom(r.data).map(function (a) { return a.id; });
            if (!ids.length && r.data && r.data.id !== undefined) ids = [r.data.id];
            self.values[f.id] = self.multiple(f) ? ids : (ids[0] === undefined ? null : ids[0]);
            self.clearError(f.id);
          }, function () { self.errors[f.id] = [t('common.error')]; });
      },

      /* ---- widget modules (static/widgets/<name>.js register formflow.widgets[name] = {mount(el, host)}) ---- */
      widgetOf: function (f) { return window.formflow.widgetOf(f); },
      mountWidget: function (f, el) {
        var widget = this.widgetOf(f), self = this;
        if (!widget || el.getAttribute('data-mounted')) return;
        el.setAttribute('data-mounted', '1');
        widget.mount(el, {
          field: f, id: this.inputId(f), labelId: this.inputId(f) + '-label', describedBy: this.describedBy(f), t: t, label: label,
          get: function () { return self.values[f.id]; },
          set: function (v) { self.values[f.id] = v; self.clearError(f.id); self.applyRules(); },
          readonly: function () { return self.isReadonly(f); },
          fail: function (message) { self.errors[f.id] = [message]; },
          choices: function (parent) {
            var url = '/api/field-types/' + encodeURIComponent(f.type) + '/choices' + (parent ? '?parent=' + encodeURIComponent(parent) : '');
            return window.formflow.api('GET', url).then(function (r) { return r.ok ? (r.data.items || []) : []; });
          },
          attachmentUrl: function (id) { return '/api/attachments/' + encodeURIComponent(id); },
          upload: function (blob, name) { return self.uploadBlob(f, blob, name); }
        });
      },
      /* one file to this field's upload URL -> Promise of its attachment id (rejected with the server's message) */
      uploadBlob: function (f, blob, name) {
        var body = new FormData();
        body.append('file', blob, name);
        var url = this.cfg.upload_url || '/api/attachments';
        url += (url.indexOf('?') >= 0 ? '&' : '?') + 'field=' + encodeURIComponent(f.id);
        return fetch(url, { method: 'POST', body: body, credentials: 'same-origin',
          headers: { 'X-CSRFToken': window.formflow.csrfToken(), 'Accept': 'application/json' } })
          .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, data: d }; }); })
          .then(function (r) {
            if (!r.ok) throw ((r.data && r.data.error && r.data.error.message) || t('common.error'));
            return r.data.id;
          });
      },

      /* ---- errors ---- */
      hasError: function (id) { return !!(this.errors[id] && this.errors[id].length); },
      errorText: function (f) { return (this.errors[f.id] || []).join(' '); },
      invalid: function (f) { return this.hasError(f.id) ? 'true' : 'false'; },
      clearError: function (id) {
        if (this.errors[id]) delete this.errors[id];
        // every marked field fixed: the "not saved" banner goes too
        if (this.result && !this.result.ok && !Object.keys(this.errors).length && !this.formErrors.length) this.result = null;
      },
      fieldForError: function (e) {
        if (e.field_id && this.field(e.field_id)) return e.field_id;
        var p = String(e.path || '').replace(/^\$\.?/, '').replace(/^\//, '').replace(/\[(\d+)\]/g, '.$1').replace(/\//g, '.');
        p = p.replace(/^data\./, '');
        var head = p.split('.')[0];
        var byName = this.def.fields.filter(function (f) { return f.id === head || f.name === head; })[0];
        return byName ? byName.id : null;
      },
      showErrors: function (list) {
        var errors = {}, general = [], self = this;
        (list || []).forEach(function (e) {
          var id = self.fieldForError(e);
          if (id) (errors[id] = errors[id] || []).push(e.message);
          else general.push(e.message);
        });
        this.errors = errors;
        this.formErrors = general;
        this.$nextTick(function () {
          var first = self.$root.querySelector('[aria-invalid="true"]');
          if (first) first.focus();
        });
      },
      hasFormErrors: function () { return this.formErrors.length > 0; },

      /* ---- submit ---- */
      payload: function () {
        var data = {}, self = this, keep = (this.def.settings || {}).hidden_values === 'keep';
        this.liveFields().forEach(function (f) {
          if (isAuto(f)) return;
          if (!keep && !self.isVisible(f)) {  // a hidden value is never saved
            if (self.cfg.submit_method === 'PATCH') data[f.id] = null;  // and an edit clears what was stored
            return;
          }
          data[f.id] = self.outValue(f);
        });
        return { data: data };
      },
      submit: function () {
        var self = this;
        if (this.submitting) return;
        this.submitting = true;
        this.result = null;
        var url = this.cfg.submit_url || (this.cfg.api_base + '/records');
        var editing = this.cfg.if_match !== null && this.cfg.if_match !== undefined;
        var headers = editing ? { 'If-Match': '"' + this.cfg.if_match + '"' } : { 'Idempotency-Key': this.idemKey };
        window.formflow.api(this.cfg.submit_method || 'POST', url, this.payload(), headers).then(function (r) {
          self.submitting = false;
          if (r.ok) {
            self.errors = {};
            self.formErrors = [];
            var rec = r.data || {};
            if (rec.version !== undefined && self.cfg.if_match !== null && self.cfg.if_match !== undefined) self.cfg.if_match = rec.version;
            self.result = { ok: true, id: rec.id, url: self.cfg.record_url && rec.id !== undefined ? self.cfg.record_url.replace('{id}', rec.id) : '' };
            if (self.opening()) setTimeout(function () { window.location.assign(self.result.url); }, OPEN_RECORD_AFTER_MS);
            return;
          }
          var err = (r.data && r.data.error) || {};
          self.showErrors(err.errors && err.errors.length ? err.errors : [{ path: '', message: err.message || t('common.error') }]);
          self.result = { ok: false };
        });
      },
      succeeded: function () { return !!(this.result && this.result.ok); },
      failed: function () { return !!(this.result && !this.result.ok); },
      resultUrl: function () { return this.result && this.result.url ? this.result.url : ''; },
      savedText: function () { return this.result && this.result.id !== undefined ? t('fill.saved_record', { id: this.result.id }) : t('fill.submitted'); },
      /* settings.after_submit: "record" (default) opens the saved record; "new" offers a fresh form */
      afterSubmit: function () { return ((this.def.settings || {}).after_submit) || 'record'; },
      /* an edit always goes back to its record; a new record opens as settings.after_submit says */
      opening: function () { return this.succeeded() && (this.cfg.submit_method === 'PATCH' || this.afterSubmit() === 'record') && !!this.resultUrl(); },
      /* a fresh form: the defaults again, a new load (a new idempotency key); the confirmation stays until the next edit */
      freshForm: function () {
        if (this.cfg.submit_method === 'PATCH') { if (this.resultUrl()) window.location.assign(this.resultUrl()); return; }
        this.idemKey = newKey();
        this.errors = {};
        this.formErrors = [];
        this.loadValues();
        var first = this.$root.querySelector('input, select, textarea');
        if (first) first.focus();
      }
    };
  }

  window.formflowFill = { isoToLocalInput: isoToLocalInput, localInputToIso: localInputToIso };
  document.addEventListener('alpine:init', function () {
    window.Alpine.data('formFill', formFill);
  });
})();
