/* Automation editor (自动操作): the form draft's `automations` list edited as
   trigger -> condition (rule builder) -> action with a field-mapping table.
   Saves the whole draft (PUT …/draft with If-Match), publishes (refusals land
   on the automation, row or mapping they name) and dry-runs the automations as
   on screen (unsaved draft) on a record picked from the records list API
   (GET …/records?search=, the caller's read gate), as if submitted now
   (POST …/dry-run {record_id, as_submitted, definition}).
   Config: #automation-config (see templates/automation_editor.html). */
(function () {
  'use strict';
  var t = function (k, p) { return window.formflow.t(k, p); };
  var SOURCES = ['$id', '$owner', '$user'];
  // catalogue keys written out in full, so tests/core/test_client_messages.py finds and checks each
  //: a built-in source's name (in SOURCES)
  var SOURCE_NAMES = { $id: 'editor.source_id', $owner: 'editor.source_owner', $user: 'editor.source_user' };
  /* how well a field's type names a record in the picker (its form.hint_rank; null: it does not) */
  function hintRank(f) { return window.formflow.fieldType(f).form.hint_rank; }

  function newAutomation(n) {
    return { id: 'auto_' + n, name: '', enabled: true, trigger: { on: 'create_or_update', when: '' },
      action: { type: 'create_record', form: '', map: [] } };
  }

  /* "/automations/0/action/map/1/from" or "automations.0.action" -> ["0", "/action/map/1/from"] */
  function splitPath(path) {
    var p = String(path || '').replace(/^\//, '').split(/[/.]/);
    if (p[0] !== 'automations' || p.length < 2) return null;
    return { index: Number(p[1]), rest: '/' + p.slice(2).join('/') };
  }

  document.addEventListener('alpine:init', function () {
    window.Alpine.data('automationEditor', function () {
      var base = window.formflowRuleBuilder.mixin();
      var cfg = window.formflow.readJSON('automation-config', {});
      base.cfg = cfg;
      base.def = cfg.definition || {};
      base.revision = cfg.draft_revision;
      base.fields = cfg.fields || [];
      base.forms = cfg.forms || [];
      base.autos = [];
      base.conds = [];
      base.busy = false;
      base.status = '';
      base.statusKind = '';
      base.errors = [];
      base.dryQuery = '';
      base.dryRecords = [];
      base.dryRecord = '';
      base.dryResult = null;
      base.dryError = '';

      base.init = function () {
        this.def.automations = this.def.automations || [];
        this.autos = this.def.automations;
        this.autos.forEach(function (a) { a.trigger = a.trigger || { on: 'create_or_update' }; a.action = a.action || { type: 'create_record', map: [] }; a.action.map = a.action.map || []; });
        this.resetConds();
        this.findRecords('');
      };
      base.resetConds = function () {
        this.conds = this.autos.map(function (a, i) { return { id: 'c' + i + '-' + Date.now(), when: a.trigger.when || '' }; });
        this.ruleUi = {};
        this.ruleErrors = {};
      };
      /* rule builder mixin hooks: each automation's condition is one "rule" */
      base.rulesList = function () { return this.conds; };
      base.fieldsForRules = function () { return this.fields; };
      base.condOf = function (ai) { return this.conds[ai] || { id: 'none', when: '' }; };
      base.touch = function () {};
      base.changed = function () {
        var self = this;
        this.conds.forEach(function (c, i) {
          if (!self.autos[i]) return;
          if (c.when) self.autos[i].trigger.when = c.when; else delete self.autos[i].trigger.when;
        });
        this.status = t('editor.unsaved');
        this.statusKind = 'warn';
      };

      /* a control of the i-th fill rule, named with its row ("Target field, rule 2" / "目标字段（第 2 条）") */
      base.inRule = function (key, i) { return t('editor.in_rule_row', { name: t(key), n: i + 1 }); };
      base.autoTitle = function (auto, ai) { return window.formflow.label(auto.name, '') || t('editor.automation_n', { n: ai + 1 }); };
      base.nameIn = function (auto, loc) { return window.formflow.textIn(auto.name, loc); };
      base.addAutomation = function () {
        var n = this.autos.length + 1;
        var ids = this.autos.map(function (a) { return a.id; });
        while (ids.indexOf('auto_' + n) >= 0) n += 1;
        this.autos.push(newAutomation(n));
        this.conds.push({ id: 'c' + (n - 1) + '-' + Date.now(), when: '' });
        this.changed();
      };
      base.removeAutomation = function (ai) { this.autos.splice(ai, 1); this.conds.splice(ai, 1); this.ruleUi = {}; this.ruleErrors = {}; this.changed(); };
      base.setEnabled = function (ai, on) { this.autos[ai].enabled = !!on; this.changed(); };
      base.setName = function (ai, loc, v) { this.autos[ai].name = window.formflow.withText(this.autos[ai].name, loc, v); this.changed(); };
      base.setOn = function (ai, v) {
        this.autos[ai].trigger.on = v;
        if (v !== 'field_changed') delete this.autos[ai].trigger.fields;
        this.changed();
      };
      base.watches = function (ai, name) { return (this.autos[ai].trigger.fields || []).indexOf(name) >= 0; };
      base.toggleWatch = function (ai, name) {
        var list = this.autos[ai].trigger.fields || [];
        var i = list.indexOf(name);
        if (i >= 0) list.splice(i, 1); else list.push(name);
        this.autos[ai].trigger.fields = list;
        this.changed();
      };
      base.setActionType = function (ai, v) {
        var a = this.autos[ai].action;
        a.type = v;
        if (v !== 'create_record') delete a.form;
        if (v !== 'update_record') delete a.reference;
        this.changed();
      };
      base.setTargetForm = function (ai, v) { this.autos[ai].action.form = v; this.changed(); };
      base.setReference = function (ai, v) { this.autos[ai].action.reference = v; this.changed(); };
      base.referenceFields = function () { return this.fields.filter(function (f) { return window.formflow.typeCan(f, 'is_reference'); }); };
      /* map rows name target fields by id: this form's (set_field), the target form's, or the referenced form's */
      base.targetFields = function (ai) {
        var a = this.autos[ai].action;
        if (a.type === 'set_field') return this.fields;
        var key = a.form;
        if (a.type === 'update_record') {
          var ref = this.fields.filter(function (f) { return f.id === a.reference; })[0];
          key = ref ? ref.form : '';
        }
        var f = this.forms.filter(function (x) { return x.key === key; })[0];
        return f ? f.fields : [];
      };
      base.sourceChoices = function () {
        var out = this.fields.map(function (f) { return { value: f.id, label: f.label }; });
        SOURCES.forEach(function (s) { out.push({ value: s, label: t(SOURCE_NAMES[s]) }); });
        return out;
      };
      /* a value for a user field is a person picked with the searchable user picker (userpicker.js), not a typed id */
      base.userNames = cfg.user_names || {};
      base.picksUser = function (ai, m) {
        if (this.mapKind(m) !== 'value') return false;
        var f = this.targetFields(ai).filter(function (x) { return x.id === m.field; })[0];
        return !!f && window.formflow.typeCan(f, 'is_user');
      };
      base.mountUserValue = function (box, ai, mi, m) {
        var self = this;
        var id = typeof m.value === 'number' ? m.value : null;
        box.appendChild(window.formflow.userPicker.create({
          id: 'a-user-' + ai + '-' + mi, label: t('editor.value_user'), single: true, help: t('editor.value_user_help'),
          chosen: id === null ? [] : [{ id: id, name: this.userNames[id] }],
          onChange: function (users) {
            if (users.length) { self.userNames[users[0].id] = users[0].name; m.value = users[0].id; } else delete m.value;
            self.changed();
          } }));
      };
      base.mapOf = function (ai) { return this.autos[ai].action.map || []; };
      base.mapKind = function (m) {
        if ('from' in m) return 'from';
        if ('formula' in m) return 'formula';
        if ('template' in m) return 'template';
        return 'value';
      };
      base.mapText = function (m) {
        var k = this.mapKind(m);
        if (k === 'value') return typeof m.value === 'string' ? m.value : JSON.stringify(m.value === undefined ? '' : m.value);
        return m[k] || '';
      };
      base.addMapping = function (ai) {
        var a = this.autos[ai].action;
        a.map = a.map || [];
        a.map.push({ field: '', from: '' });
        this.changed();
      };
      base.removeMapping = function (ai, mi) { this.autos[ai].action.map.splice(mi, 1); this.changed(); };
      base.setMapField = function (ai, mi, v) { this.autos[ai].action.map[mi].field = v; this.changed(); };
      base.setMapKind = function (ai, mi, kind) {
        var m = this.autos[ai].action.map[mi];
        var entry = { field: m.field };
        entry[kind] = kind === 'from' ? '' : this.mapText(m);
        this.autos[ai].action.map.splice(mi, 1, entry);
        this.changed();
      };
      base.setMapValue = function (ai, mi, v) {
        var m = this.autos[ai].action.map[mi];
        var k = this.mapKind(m);
        if (k === 'value') {
          var parsed = v;
          try { parsed = JSON.parse(v); } catch (e) { parsed = v; }  // numbers, true/false stay typed; anything else is text
          m.value = parsed;
        } else m[k] = v;
        this.changed();
      };

      /* ---- errors in place ---- */
      base.takeErrors = function (r, fallbackKey) {
        var err = (r.data && r.data.error) || {};
        var items = err.errors || [];
        this.errors = items.map(function (e, i) { return { key: i, path: e.path || '', message: e.message || '', position: e.position }; });
        if (!items.length) this.errors = [{ key: 0, path: '', message: err.message || t(fallbackKey) }];
        // trigger conditions: the rule builder puts them on the row (position) or under the expression
        this.setRuleErrors(this.errors.map(function (e) {
          var s = splitPath(e.path);
          return { normPath: s && /^\/trigger\/when/.test(s.rest) ? 'rules.' + s.index : '', message: e.message, position: e.position };
        }));
        this.status = err.message || t(fallbackKey);
        this.statusKind = 'error';
      };
      base.errorsAt = function (ai, prefix, exact) {
        return this.errors.filter(function (e) {
          var s = splitPath(e.path);
          if (!s || s.index !== ai || /^\/trigger\/when/.test(s.rest)) return false;
          if (exact) return s.rest === prefix || (s.rest.indexOf(prefix + '/') === 0 && !/^\/action\/map\/\d/.test(s.rest));
          return s.rest === prefix || s.rest.indexOf(prefix + '/') === 0;
        }).map(function (e) { return { key: e.key, text: e.message }; });
      };
      base.generalErrors = function () {
        return this.errors.filter(function (e) { return !splitPath(e.path); })
          .map(function (e) { return { key: e.key, text: (e.path ? e.path + ': ' : '') + e.message }; });
      };
      base.statusClass = function () { return 'status-' + (this.statusKind || 'none'); };

      /* ---- save / publish ---- */
      base.payload = function () {
        var def = window.formflow.clone(this.def);
        (def.automations || []).forEach(function (a) {
          if (!a.name) delete a.name;
          if (a.trigger && !a.trigger.when) delete a.trigger.when;
          if (a.trigger && a.trigger.fields && !a.trigger.fields.length) delete a.trigger.fields;
          if (a.action && !a.action.form) delete a.action.form;
          if (a.action && !a.action.reference) delete a.action.reference;
        });
        return def;
      };
      base.save = function () {
        var self = this;
        this.busy = true;
        var headers = this.revision === null || this.revision === undefined ? {} : { 'If-Match': '"' + this.revision + '"' };
        return window.formflow.api('PUT', cfg.api_base + '/draft', this.payload(), headers).then(function (r) {
          self.busy = false;
          if (r.status === 412) { self.errors = []; self.status = t('editor.stale'); self.statusKind = 'error'; return false; }
          if (!r.ok) { self.takeErrors(r, 'designer.save_failed'); return false; }
          if (r.data && r.data.draft_revision !== undefined) self.revision = r.data.draft_revision;
          self.errors = [];
          self.ruleErrors = {};
          self.status = t('designer.saved_at');
          self.statusKind = 'ok';
          return true;
        });
      };
      base.publish = function () {
        var self = this;
        return this.save().then(function (saved) {
          if (!saved) return false;
          self.busy = true;
          return window.formflow.api('POST', cfg.api_base + '/publish', {}).then(function (r) {
            self.busy = false;
            if (!r.ok) { self.takeErrors(r, 'designer.publish_failed'); return false; }
            self.status = t('designer.published') + (r.data && r.data.version ? ' · v' + r.data.version : '');
            self.statusKind = 'ok';
            return true;
          });
        });
      };

      /* ---- dry-run (the draft on screen, on a picked record) ---- */
      base.recordLabel = function (r) {
        var data = r.data || {};
        var texts = this.fields.filter(function (f) { return typeof data[f.id] === 'string' && data[f.id] && hintRank(f) !== null; });
        texts.sort(function (a, b) { return hintRank(a) - hintRank(b); });
        var named = texts[0];
        return '#' + r.id + (named ? ' · ' + data[named.id] : '');
      };
      base.isDryRecord = function (r) { return String(r.id) === String(this.dryRecord); };
      base.setDryRecord = function (v) { this.dryRecord = v; };
      base.findRecords = function (q) {
        var self = this;
        this.dryQuery = q || '';
        var url = cfg.api_base + '/records?page_size=20' + (this.dryQuery ? '&search=' + encodeURIComponent(this.dryQuery) : '');
        return window.formflow.api('GET', url).then(function (r) {
          if (!r.ok) { self.dryRecords = []; self.dryRecord = ''; return; }
          self.dryRecords = (r.data.items || []).map(function (x) { return { id: x.id, label: self.recordLabel(x) }; });
          var still = self.dryRecords.some(function (x) { return String(x.id) === String(self.dryRecord); });
          if (!still) self.dryRecord = self.dryRecords.length ? String(self.dryRecords[0].id) : '';
        });
      };
      base.dryRun = function () {
        var self = this;
        if (!this.dryRecord) { this.dryResult = null; this.dryError = t('editor.dry_pick_first'); return; }
        this.dryError = '';
        var body = { record_id: Number(this.dryRecord), as_submitted: true, definition: this.payload() };
        window.formflow.api('POST', cfg.api_base + '/dry-run', body).then(function (r) {
          if (!r.ok) {
            self.dryResult = null;
            var err = (r.data && r.data.error) || {};
            var items = (err.errors || []).map(function (e) { return (e.path ? e.path + ': ' : '') + e.message; });
            self.dryError = (err.message || t('editor.failed')) + (items.length ? ' — ' + items.join('; ') : '');
            if (r.status === 422 && err.errors && err.errors.length) self.takeErrors(r, 'editor.failed');  // shown in place too
            return;
          }
          self.dryResult = r.data;
          if (r.data.errors && r.data.errors.length) {
            self.dryError = r.data.errors.map(function (e) { return (e.label || e.field_id || e.path || '') + ': ' + e.message; }).join('; ');
          }
        });
      };
      // what a triggered automation would do, one sentence per plan mode (the mode is a code, never shown as is)
      var DRY_WOULD = { create: 'editor.dry_would_create', update: 'editor.dry_would_update',
        skip: 'editor.dry_would_skip', set: 'editor.dry_would_set' };
      base.dryItems = function () {
        var res = this.dryResult;
        if (!res) return [];
        var autos = res.automations || [];
        if (!autos.length) return [{ key: 'none', title: t('editor.dry_nothing'), text: '', values: '' }];
        return autos.map(function (a, i) {
          var plan = a.plan || a.result || a;
          var title = window.formflow.label(a.name, a.id || ('#' + (i + 1))) + ': ';
          if (!a.triggered) return { key: i, title: title + t('editor.dry_not_triggered'), text: a.why || '', values: '' };
          var mode = plan.mode || a.mode || a.action || '';
          var form = plan.form || a.form || '';
          return { key: i, title: title + t(DRY_WOULD[mode] || 'editor.dry_would', { form: form }), text: '',
            values: JSON.stringify(plan.values || a.values || {}, null, 2) };
        });
      };
      return base;
    });
  });
})();
