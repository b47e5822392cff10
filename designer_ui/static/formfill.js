/* Generated form ('formFill'): renders a published form definition, applies
   the form's compiled rules live, and submits a record.
   Inputs (all data, no inline code):
     #form-def     the published definition (docs/definitions.md)
     #form-config  {app, form, api_base, submit_url?, record_url?, values?}
     window.formflowRules  compiled rules from the server's rules.js (never eval'd here):
                   [{id, when: function (values, ctx) -> bool, effects: [{field, visible, required, readonly, options, value}]}]
                   `values` is keyed by field id; `ctx` comes from FormflowRules.context() of
                   engine/rules/runtime.js when loaded ({now, tz, user_id, load_reference}).
                   Referenced records a picker saw feed ctx.load_reference (host.remember).
   Each field's input is its type's widget module (static/widgets/<widget>.js, named by GET /api/field-types), mounted
   with a host (mountWidget): this script knows no type; it keeps the values, the rules' state, errors and submit.
   Submit: POST {api_base}/records {"data": {...}}; a 422 error envelope
   {error: {errors: [{path, field_id, message}]}} is shown at each field and
   nothing typed is lost. Hidden values are dropped unless settings.hidden_values == "keep". */
(function () {
  'use strict';

  var t = function (k, p) { return window.formflow.t(k, p); };
  var label = function (v, f) { return window.formflow.label(v, f); };

  //: After a successful submit, show the confirmation this long before opening the record (settings.after_submit "record").
  var OPEN_RECORD_AFTER_MS = 1200;
  //: what the form knows of a field's type: its facts from the server (engine/fields FieldType.form_facts)
  function facts(f) { return window.formflow.fieldType(f).form; }
  function isAuto(f) { return facts(f).input === 'auto'; }  // the engine fills it

  /* a formula's result as the stored value of a field of result type `kind` (as engine.autofill.stored does) */
  function stored(v, kind) {
    if (v === null || v === undefined) return null;
    if (v instanceof Date) return kind === 'date' ? v.toISOString().slice(0, 10) : v.toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (typeof v === 'number') return isFinite(v) ? v : null;
    if (typeof v === 'object' && typeof v.toNumber === 'function') return v.toNumber();
    return v;
  }

  function isBlank(v) { return v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length); }

  /* what is wrong with a typed value before it is sent, in the page's language (the server checks it all again, in the
     same words): the type's own check (facts.check: an e-mail, a phone number, a web address), the field's length and
     range options */
  function valueProblems(f, v) {
    var o = f.options || {}, check = facts(f).check, out = [];
    if (typeof v === 'string') {
      var text = v.trim(), n = Array.from(text).length;
      if (check && check.pattern && text && !new RegExp(check.pattern, check.flags || '').test(text)) out.push(t(check.message));
      if (o.min_length && n && n < o.min_length) out.push(t('error.value.too_short', { min: o.min_length }));
      if (o.max_length && n > o.max_length) out.push(t('error.value.too_long', { max: o.max_length }));
    }
    if ((typeof v === 'number' || typeof v === 'string') && (o.min !== undefined || o.max !== undefined) && String(v).trim() !== '') {
      var x = Number(v);
      if (isNaN(x)) out.push(t('error.value.number'));
      else if (o.min !== undefined && o.min !== null && x < o.min) out.push(t('error.value.at_least', { limit: o.min }));
      else if (o.max !== undefined && o.max !== null && x > o.max) out.push(t('error.value.at_most', { limit: o.max }));
    }
    return out;
  }

  /* a compiled condition's outcome: true, false, or null when it cannot be evaluated on this input */
  function holds(fn, data, ctx) {
    try { var r = fn(data, ctx); return r === true ? true : r === false ? false : null; } catch (e) { return null; }
  }

  /* a fresh idempotency key per form load: a repeated submit of the same load returns the first record */
  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    var a = new Uint8Array(16);
    window.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return (b < 16 ? '0' : '') + b.toString(16); }).join('');
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
      titles: {},          // field id -> [{id, title}]: the names of the ids its value holds (a picker's chips)
      refCache: {},        // "<form key>:<id>" -> record data, for rules that read referenced records
      explicit: {},        // field id -> true once the user set it: a fetch never overwrites it
      fetched: {},         // field id -> the value the last fetch put there
      idemKey: '',         // this load's Idempotency-Key
      checkers: {},        // field id -> function () -> [message]: a widget's own checks (a sub-table's rows)
      cannot: {},          // computed field id -> why its formula can't run on these values (the reader's language)
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
          self.titles[f.id] = ((self.cfg.ref_titles || {})[f.id] || []).slice();
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

      zone: function () { return this.cfg.timezone || this.tz || ''; },

      /* ---- state from rules ---- */
      st: function (f) { return this.state[f.id] || { visible: true, required: !!f.required, readonly: false }; },
      isVisible: function (f) { return this.st(f).visible; },
      isRequired: function (f) { return this.st(f).required; },
      isReadonly: function (f) { return this.st(f).readonly || isAuto(f); },
      /* the field's choices less those a rule narrowed away */
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
            if (typeof e.formula === 'function') {  // "set the value by a formula": what the server's effects stage stores
              var v = null;
              try { v = stored(e.formula(data, ctx), (self.field(e.field) || {}).type); } catch (err) { v = null; }
              setValues.push({ field: e.field, value: v });
            } else if (Object.prototype.hasOwnProperty.call(e, 'value')) setValues.push(e);
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
          var v = null, why = '';
          try { v = stored(c.fn(data, ctx), c.result); } catch (e) {  // not computable on this input yet
            v = null;
            // an empty input is "not yet", said by the empty value itself; a division by zero, a bad value are said
            if (e && e.code && !/\.(empty_|compare_empty)/.test(e.code)) why = t('fill.cannot_compute', { reason: t(e.code, e.params) });
          }
          if (self.cannot[c.field] !== why) self.cannot[c.field] = why;
          data[c.field] = v;
          if (self.field(c.field) && JSON.stringify(self.values[c.field]) !== JSON.stringify(v)) self.values[c.field] = v;
        });
      },

      /* ---- values ---- */
      outValue: function (f) {
        var v = this.values[f.id];
        return v === undefined ? null : v;
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
        this.titles[fid] = (titles || []).slice();
        this.explicit[fid] = false;
      },
      fetchFrom: function (f) {
        var deps = this.fetchedBy(f), self = this, ref = this.values[f.id];
        if (!deps.length || !window.formflow.typeCan(f, 'is_reference') || (f.options && f.options.multiple)) return;
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
      /* ---- widgets: every field's input is its type's module (static/widgets/<widget>.js registers
         formflow.widgets[name] = {mount(el, host)}); a type whose module is not loaded gets the plain input ---- */
      mountWidget: function (f, el) {
        var widget = window.formflow.widgetOf(f) || window.formflow.widgets.input;
        if (!widget || el.getAttribute('data-mounted')) return;
        el.setAttribute('data-mounted', '1');
        widget.mount(el, this.widgetHost(f));
      },
      /* what a widget may read and do: its field's value, the rules' state, errors, the form's settings */
      widgetHost: function (f) {
        var self = this;
        return {
          field: f, id: this.inputId(f), labelId: this.inputId(f) + '-label', describedBy: this.describedBy(f),
          testId: this.fieldTestId(f), t: t, label: label, config: this.cfg,
          get: function () { return self.values[f.id]; },
          /* the user set the value (and, for ids, their names): rules run again; a picked record fills what it fetches */
          set: function (v, titles) {
            self.values[f.id] = v;
            if (titles) self.titles[f.id] = titles.slice();
            self.explicit[f.id] = true;
            self.clearError(f.id);
            self.applyRules();
            self.fetchFrom(f);
          },
          titles: function () { return self.titles[f.id] || []; },
          /* why a computed value is missing, in the page's language ('' when it is just not filled in yet) */
          whyNot: function () { return self.cannot[f.id] || ''; },
          readonly: function () { return self.isReadonly(f); },
          required: function () { return self.isRequired(f); },
          invalid: function () { return self.invalid(f); },
          fieldChoices: function () { return self.choices(f); },
          zone: function () { return self.zone(); },
          /* what the compiled rules of this field's rows read: the rules' context, and a result as a stored value */
          ruleContext: function () { return self.ruleContext(); },
          stored: function (v, kind) { return stored(v, kind); },
          fail: function (message) { self.errors[f.id] = [message]; },
          /* the widget's own checks before the form is sent: fn() -> the messages, in the page's language */
          check: function (fn) { self.checkers[f.id] = fn; },
          clearError: function () { self.clearError(f.id); },
          /* run fn now and again whenever what it reads of the form changes (Alpine's reactivity) */
          effect: function (fn) { return window.Alpine.effect(fn); },
          /* a record of `form` a picker saw: the rules' load_reference reads it */
          remember: function (form, id, data) { self.refCache[form + ':' + id] = data; },
          choices: function (parent) { return window.formflow.typeChoices(f, parent); },
          attachmentUrl: function (id) { return '/api/attachments/' + encodeURIComponent(id); },
          upload: function (blob, name) { return self.uploadFiles(f, [blob], name).then(function (ids) { return ids[0]; }); },
          uploadFiles: function (files) { return self.uploadFiles(f, files); }
        };
      },
      /* files to this field's upload URL (its limits apply) -> Promise of their attachment ids (rejected with the server's message) */
      uploadFiles: function (f, files, name) {
        var body = new FormData();
        for (var i = 0; i < files.length; i++) {
          if (name) body.append('file', files[i], name);
          else body.append('file', files[i]);
        }
        var url = this.cfg.upload_url || '/api/attachments';
        url += (url.indexOf('?') >= 0 ? '&' : '?') + 'field=' + encodeURIComponent(f.id);
        return fetch(url, { method: 'POST', body: body, credentials: 'same-origin',
          // the refusal in the page's language (<html lang>), as ff.api asks for it, not the browser's
          headers: { 'X-CSRFToken': window.formflow.csrfToken(), 'Accept': 'application/json', 'Accept-Language': window.formflow.locale() } })
          .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, data: d }; }); }, function () { throw t('common.error'); })
          .then(function (r) {
            if (!r.ok) throw ((r.data && r.data.error && r.data.error.message) || t('common.error'));
            var ids = window.formflow.itemsOf(r.data).map(function (a) { return a.id; });
            if (!ids.length && r.data && r.data.id !== undefined) ids = [r.data.id];
            return ids;
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

      /* ---- checks before sending: required, the value's shape, the widgets' own, the form's validations ---- */
      problems: function () {
        var errors = {}, general = [], self = this;
        var add = function (id, msg) { (errors[id] = errors[id] || []).push(msg); };
        this.liveFields().forEach(function (f) {
          if (isAuto(f) || !self.isVisible(f)) return;
          var v = self.outValue(f);
          if (self.isRequired(f) && facts(f).blank !== false && isBlank(v)) { add(f.id, t('error.field.required')); return; }
          if (!isBlank(v)) valueProblems(f, v).forEach(function (m) { add(f.id, m); });
          var own = self.checkers[f.id];
          if (typeof own === 'function') (own() || []).forEach(function (m) { add(f.id, m); });
        });
        this.validationProblems(errors, general);
        return { errors: errors, general: general };
      },
      /* the form's submit validations (window.formflowValidations, compiled by the server), on the values as they
         would be saved (hidden ones dropped): a condition that is false refuses with the validation's message */
      validationProblems: function (errors, general) {
        var list = Array.isArray(window.formflowValidations) ? window.formflowValidations : [];
        if (!list.length) return;
        var data = this.rulesData(), ctx = this.ruleContext(), self = this, keep = (this.def.settings || {}).hidden_values === 'keep';
        if (!keep) this.liveFields().forEach(function (f) { if (!self.isVisible(f)) data[f.id] = null; });
        list.forEach(function (v) {
          if (v.when && holds(v.when, data, ctx) !== true) return;
          if (holds(v.condition, data, ctx) !== false) return;  // true, or not computable here: the server decides
          var msg = v.message ? label(v.message, '') : t('error.rule.not_satisfied', { name: "'" + label(v.name, v.id) + "'" });
          var at = (v.fields || []).filter(function (id) { return self.field(id); });
          if (!at.length) general.push(msg);
          at.forEach(function (id) { if (!errors[id] || errors[id].indexOf(msg) < 0) (errors[id] = errors[id] || []).push(msg); });
        });
      },
      /* shows what the checks found, as a refusal from the server is shown; true when there is nothing */
      checkBeforeSend: function () {
        var found = this.problems(), self = this;
        if (!Object.keys(found.errors).length && !found.general.length) return true;
        this.errors = found.errors;
        this.formErrors = found.general;
        this.result = { ok: false };
        this.$nextTick(function () {
          var first = self.$root.querySelector('[aria-invalid="true"]');
          if (first) first.focus();
        });
        return false;
      },

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
        if (!this.checkBeforeSend()) return;
        this.submitting = true;
        this.result = null;
        // a new record's answer names it as a person reads it (title, serial): the confirmation links to it by that name
        var url = this.cfg.submit_url || (this.cfg.api_base + '/records' + (this.cfg.record_url ? '?name=1' : ''));
        var editing = this.cfg.if_match !== null && this.cfg.if_match !== undefined;
        var headers = editing ? { 'If-Match': '"' + this.cfg.if_match + '"' } : { 'Idempotency-Key': this.idemKey };
        window.formflow.api(this.cfg.submit_method || 'POST', url, this.payload(), headers).then(function (r) {
          self.submitting = false;
          if (r.ok) {
            self.errors = {};
            self.formErrors = [];
            var rec = r.data || {};
            if (rec.version !== undefined && self.cfg.if_match !== null && self.cfg.if_match !== undefined) self.cfg.if_match = rec.version;
            self.result = { ok: true, id: rec.id, title: rec.title || '', serial: rec.serial || '',
                            url: self.cfg.record_url && rec.id !== undefined ? self.cfg.record_url.replace('{id}', rec.id) : '' };
            if (self.opening()) setTimeout(function () { window.location.assign(self.result.url); }, OPEN_RECORD_AFTER_MS);
            return;
          }
          var err = (r.data && r.data.error) || {};
          // no answer, or one that is not ours (a proxy's page): say so in the page's language, not the browser's words
          var said = r.status === 0 ? t('fill.network_error') : err.code === 'bad_response' ? t('fill.bad_response') : (err.message || t('common.error'));
          self.showErrors(err.errors && err.errors.length && r.status ? err.errors : [{ path: '', message: said }]);
          self.result = { ok: false };
        });
      },
      succeeded: function () { return !!(this.result && this.result.ok); },
      failed: function () { return !!(this.result && !this.result.ok); },
      resultUrl: function () { return this.result && this.result.url ? this.result.url : ''; },
      savedText: function () { return this.resultUrl() ? t('fill.saved') : t('fill.submitted'); },
      /* the saved record as a person reads it: its name first, its serial number as the second name ("Acme Ltd ·
         KH-20261206-0001"; the title rule of engine/services/titles.py), its title alone, else "View the record" */
      savedName: function () {
        var r = this.result || {};
        return [r.title, r.serial].filter(function (s) { return !!s; }).join(' · ') || t('fill.view_record');
      },
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

  document.addEventListener('alpine:init', function () {
    window.Alpine.data('formFill', formFill);
  });
})();
