/* Timed workflow editor (智能工作流, 定时发起): a date-relative trigger (date
   field, offsets, time zone, condition from the rule builder) and one notify
   step (recipients, CC, channels, a published template). Saves drafts with
   If-Match, publishes, turns the workflow on and off, and for a chosen record
   shows the next fire times, a dry-run, and the run log.
   Config: #workflow-config (see templates/workflow_editor.html). */
(function () {
  'use strict';
  var t = function (k, p) { return window.formflow.t(k, p); };
  //: channels that post to an address the editor asks for
  var URL_CHANNELS = ['wecom', 'dingtalk', 'feishu', 'slack', 'webhook'];

  function blank(form) {
    return { key: '', label: '', form: form || '',
      trigger: { type: 'date_relative', field: '', tz: 'owner', offsets: [{ amount: 1, unit: 'days', direction: 'before', at_time: '09:00' }] },
      steps: [{ id: 'notify_owner', type: 'notify', to: [{ owner: true }], cc: [], channels: ['inbox'], template: '' }] };
  }

  document.addEventListener('alpine:init', function () {
    window.Alpine.data('workflowEditor', function () {
      var base = window.formflowRuleBuilder.mixin();
      var cfg = window.formflow.readJSON('workflow-config', {});
      var kept = {};  // channel -> the mask of its stored (secret) address, while this workflow is open
      var extra = {
        cfg: cfg, forms: cfg.forms || [], users: cfg.users || [], channels: cfg.channels || ['inbox'],
        def: blank(), loaded: false, revision: null, publishedVersion: null, enabled: false,
        conds: [{ id: 'wf', when: '' }], errors: [], status: '', statusKind: '', busy: false,
        recordId: '', due: null, dry: null, runs: [], recordError: '',

        init: function () {
          var self = this;
          this.def = blank(this.forms.length ? this.forms[0].key : '');
          if (cfg.selected) {
            window.formflow.api('GET', cfg.api_base + '/' + encodeURIComponent(cfg.selected)).then(function (r) {
              if (!r.ok) { self.fail(r, 'editor.failed'); return; }
              self.take(r.data);
              self.loadRuns();
            });
          }
        },
        take: function (data) {
          var def = data.definition;
          def.trigger = def.trigger || {};
          def.trigger.offsets = def.trigger.offsets || [];
          def.steps = def.steps && def.steps.length ? def.steps : blank().steps;
          this.def = def;
          Object.keys(kept).forEach(function (c) { delete kept[c]; });
          this.loaded = true;
          this.revision = data.draft_revision;
          this.publishedVersion = data.published_version;
          this.enabled = !!data.enabled;
          this.conds = [{ id: 'wf' + Date.now(), when: def.trigger.condition || '' }];
          this.ruleUi = {};
          var list = this.samples();
          if (!this.recordId && list.length) this.recordId = String(list[0].id);
        },
        heading: function () { return this.loaded ? (this.labelText() || this.def.key) : t('editor.new_workflow'); },
        labelText: function () { return window.formflow.label(this.def.label, ''); },
        published: function () { return !!this.publishedVersion; },
        versionText: function () {
          return this.publishedVersion ? t('editor.published_version', { n: this.publishedVersion }) : (this.loaded ? t('editor.not_published') : '');
        },
        statusClass: function () { return 'status-' + (this.statusKind || 'none'); },
        form: function () { var k = this.def.form; return this.forms.filter(function (f) { return f.key === k; })[0] || { fields: [] }; },
        dateFields: function () { return this.form().fields.filter(function (f) { return f.type === 'date' || f.type === 'datetime'; }); },
        /* the record owner is named by the form's owner field when it has one; that field is not offered twice */
        ownerField: function () { var o = this.form().owner_field; return this.form().fields.filter(function (f) { return f.id === o; })[0] || null; },
        ownerLabel: function () {
          var f = this.ownerField();
          return f ? t('editor.person_record_owner_field', { field: f.label }) : t('editor.person_record_owner_creator');
        },
        userFields: function () {
          var o = this.form().owner_field;
          return this.form().fields.filter(function (f) { return f.type === 'user' && f.id !== o; });
        },
        userFieldLabel: function (f) { return t('editor.person_user_field', { field: f.label }); },
        templatesFor: function () { var k = this.def.form; return (cfg.templates || []).filter(function (tp) { return tp.form === k; }); },
        samples: function () { return (cfg.samples || {})[this.def.form] || []; },
        step: function () { return this.def.steps[0]; },

        /* rule builder hooks: the trigger condition is the one "rule" */
        rulesList: function () { return this.conds; },
        fieldsForRules: function () { return this.form().fields; },
        condOf: function () { return this.conds[0]; },
        touch: function () {},
        changed: function () {
          if (this.conds[0].when) this.def.trigger.condition = this.conds[0].when; else delete this.def.trigger.condition;
          this.dirty();
        },
        dirty: function () { this.status = t('editor.unsaved'); this.statusKind = 'warn'; },

        setTop: function (k, v) { this.def[k] = v; this.dirty(); },
        setForm: function (v) {
          this.def.form = v;
          this.def.trigger.field = '';
          this.conds = [{ id: 'wf' + Date.now(), when: '' }];
          this.ruleUi = {};
          delete this.def.trigger.condition;
          this.recordId = '';
          this.dirty();
        },
        setTrigger: function (k, v) { this.def.trigger[k] = v; this.dirty(); },
        addOffset: function () { this.def.trigger.offsets.push({ amount: 1, unit: 'hours', direction: 'before' }); this.dirty(); },
        removeOffset: function (oi) { this.def.trigger.offsets.splice(oi, 1); this.dirty(); },
        setOffset: function (oi, k, v) {
          var o = this.def.trigger.offsets[oi];
          if (k === 'amount') o.amount = v === '' ? 0 : Number(v);
          else if (k === 'at_time') { if (v) o.at_time = v.slice(0, 5); else delete o.at_time; }
          else o[k] = v;
          this.dirty();
        },
        people: function (list) { var s = this.step(); s[list] = s[list] || []; return s[list]; },
        hasPerson: function (list, kind, value) { return this.people(list).some(function (p) { return p[kind] === value; }); },
        togglePerson: function (list, kind, value) {
          var l = this.people(list);
          var i = -1;
          l.forEach(function (p, j) { if (p[kind] === value) i = j; });
          if (i >= 0) l.splice(i, 1); else { var p = {}; p[kind] = value; l.push(p); }
          this.dirty();
        },
        isNamed: function (list, id) { return this.people(list).some(function (p) { return p.users && p.users.indexOf(id) >= 0; }); },
        setNamed: function (list, select) {
          var ids = Array.prototype.filter.call(select.options, function (o) { return o.selected; }).map(function (o) { return Number(o.value); });
          var l = this.people(list).filter(function (p) { return !p.users; });
          if (ids.length) l.push({ users: ids });
          this.step()[list] = l;
          this.dirty();
        },
        hasChannel: function (c) { return (this.step().channels || []).indexOf(c) >= 0; },
        toggleChannel: function (c) {
          var s = this.step();
          s.channels = s.channels || [];
          var i = s.channels.indexOf(c);
          if (i >= 0) s.channels.splice(i, 1); else s.channels.push(c);
          this.dirty();
        },
        channelLabel: function (c) { return t('editor.' + 'channel_' + c) === 'editor.channel_' + c ? c : t('editor.' + 'channel_' + c); },
        urlChannels: function () { var self = this; return URL_CHANNELS.filter(function (c) { return self.hasChannel(c); }); },
        channelUrlLabel: function (c) { return t('editor.channel_url', { channel: this.channelLabel(c) }); },
        // a robot address is a secret: the API shows {secret: true, set: true, hint} and keeps it when that mask is sent back
        isSecret: function (v) { return !!(v && typeof v === 'object' && v.secret === true); },
        keptUrl: function (c) {  // the stored address's mask, remembered outside Alpine's reactive state
          var cc = this.step().channel_config || {};
          if (cc[c] && this.isSecret(cc[c].url)) kept[c] = cc[c].url;
          return kept[c] || null;
        },
        channelUrl: function (c) { var cc = this.step().channel_config || {}; var v = cc[c] && cc[c].url; return this.isSecret(v) ? '' : (v || ''); },
        channelUrlHint: function (c) { var k = this.keptUrl(c); return k ? t('editor.secret_set', { hint: k.hint || '••••' }) : ''; },
        setChannelUrl: function (c, v) {
          var s = this.step();
          var kept = this.keptUrl(c);
          s.channel_config = s.channel_config || {};
          var next = Object.assign({}, s.channel_config[c] || {});  // a signing secret beside the address stays as it is
          next.url = (v === '' && kept) ? kept : v;  // emptied again: keep the stored address
          s.channel_config[c] = next;
          this.dirty();
        },
        setStep: function (k, v) { this.step()[k] = v; this.dirty(); },
        setEnabled: function (on) {
          var self = this;
          window.formflow.api('POST', cfg.api_base + '/' + encodeURIComponent(this.def.key) + '/' + (on ? 'enable' : 'disable'), {}).then(function (r) {
            if (!r.ok) { self.fail(r, 'editor.failed'); return; }
            self.enabled = !!r.data.enabled;
            self.status = t(self.enabled ? 'editor.turned_on' : 'editor.turned_off');
            self.statusKind = 'ok';
          });
        },

        /* errors: [{path: "/trigger/offsets/1/at_time", message}] shown where they point */
        fail: function (r, fallbackKey) {
          var err = (r.data && r.data.error) || {};
          var items = err.errors || [];
          this.errors = (items.length ? items : [{ path: '', message: err.message || t(fallbackKey) }])
            .map(function (e, i) { return { key: i, path: e.path || '', message: e.message || '', position: e.position }; });
          this.setRuleErrors(this.errors.map(function (e) {
            return { normPath: /^\/trigger\/condition/.test(e.path) ? 'rules.0' : '', message: e.message, position: e.position };
          }));
          this.status = err.message || t(fallbackKey);
          this.statusKind = 'error';
        },
        placed: function (path) {
          return /^\/trigger\/(field|offsets|condition)/.test(path) || /^\/steps\/0\/(to|template|channel)/.test(path);
        },
        errorsAt: function (prefix, exact) {
          return this.errors.filter(function (e) {
            if (exact) return e.path === prefix;
            return e.path === prefix || e.path.indexOf(prefix + '/') === 0 || (prefix.slice(-8) === '/channel' && e.path.indexOf(prefix) === 0);
          }).map(function (e) { return { key: e.key, text: e.message }; });
        },
        generalErrors: function () {
          var self = this;
          return this.errors.filter(function (e) { return !self.placed(e.path); })
            .map(function (e) { return { key: e.key, text: (e.path ? e.path + ': ' : '') + e.message }; });
        },
        payload: function () {
          var def = window.formflow.clone(this.def);
          if (!def.label) delete def.label;
          var s = def.steps[0];
          if (s && s.type === 'notify') {
            if (!s.template) delete s.template;
            if (s.cc && !s.cc.length) delete s.cc;
          }
          return def;
        },
        save: function () {
          var self = this;
          this.busy = true;
          var req = this.loaded
            ? window.formflow.api('PUT', cfg.api_base + '/' + encodeURIComponent(this.def.key) + '/draft', this.payload(), { 'If-Match': '"' + this.revision + '"' })
            : window.formflow.api('POST', cfg.api_base, this.payload());
          return req.then(function (r) {
            self.busy = false;
            if (r.status === 412) { self.status = t('editor.stale'); self.statusKind = 'error'; return false; }
            if (!r.ok) { self.fail(r, 'designer.save_failed'); return false; }
            self.errors = [];
            self.ruleErrors = {};
            if (!self.loaded) { window.location.assign('?key=' + encodeURIComponent(r.data.key)); return true; }
            self.revision = r.data.draft_revision;
            self.status = t('designer.saved_at');
            self.statusKind = 'ok';
            return true;
          });
        },
        publish: function () {
          var self = this;
          return this.save().then(function (ok) {
            if (!ok) return false;
            self.busy = true;
            return window.formflow.api('POST', cfg.api_base + '/' + encodeURIComponent(self.def.key) + '/publish', {}).then(function (r) {
              self.busy = false;
              if (!r.ok) { self.fail(r, 'designer.publish_failed'); return false; }
              self.publishedVersion = r.data.version;
              return window.formflow.api('GET', cfg.api_base + '/' + encodeURIComponent(self.def.key)).then(function (g) {
                if (g.ok) self.enabled = !!g.data.enabled;
                self.status = t('designer.published') + ' · v' + r.data.version;
                self.statusKind = 'ok';
                return true;
              });
            });
          });
        },

        /* ---- one record: next fire times, dry-run; the run log ---- */
        setRecord: function (v) { this.recordId = v; this.due = null; this.dry = null; },
        isRecord: function (id) { return String(id) === String(this.recordId); },
        /* an instant in the reader's zone (or the given one), as the server shows dates */
        localTime: function (iso, zone) {
          if (!iso) return '';
          var opts = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone || cfg.timezone || undefined };
          try { return new Date(iso).toLocaleString(window.formflow.locale(), opts); } catch (e) { return iso; }
        },
        zoneNote: function () { return cfg.timezone ? t('editor.times_in', { tz: cfg.timezone }) : ''; },
        loadDue: function () {
          var self = this;
          this.recordError = '';
          window.formflow.api('GET', cfg.api_base + '/' + encodeURIComponent(this.def.key) + '/due?record_id=' + encodeURIComponent(this.recordId)).then(function (r) {
            if (!r.ok) { self.recordError = (r.data && r.data.error && r.data.error.message) || t('editor.failed'); return; }
            self.due = r.data.items || [];
          });
        },
        dryRun: function () {
          var self = this;
          this.recordError = '';
          window.formflow.api('POST', cfg.api_base + '/' + encodeURIComponent(this.def.key) + '/dry-run', { record_id: Number(this.recordId) }).then(function (r) {
            if (!r.ok) { self.recordError = (r.data && r.data.error && r.data.error.message) || t('editor.failed'); return; }
            self.dry = r.data;
          });
        },
        dryTitle: function () { return this.dry ? t(this.dry.will_fire ? 'editor.will_fire' : 'editor.will_not_fire') : ''; },
        dryReasons: function () {
          var self = this;
          if (!this.dry) return [];
          var out = (this.dry.reasons || []).slice();
          (this.dry.occurrences || []).forEach(function (o) {
            out.push((o.slot || o.occurrence || '') + ' → ' + self.localTime(o.fire_at, o.tz) + (o.tz ? ' (' + o.tz + ')' : '') + (o.status ? ' · ' + o.status : '') + (o.reason ? ' · ' + o.reason : ''));
          });
          return out;
        },
        loadRuns: function () {
          var self = this;
          if (!this.loaded) return;
          window.formflow.api('GET', cfg.api_base + '/' + encodeURIComponent(this.def.key) + '/runs').then(function (r) {
            if (r.ok) self.runs = r.data.items || [];
          });
        }
      };
      Object.keys(extra).forEach(function (k) { base[k] = extra[k]; });
      return base;
    });
  });
})();
