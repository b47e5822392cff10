/* Workflow editor: every trigger (record event, delay after an event, date
   relative with several offsets, cron over a filter; condition from the rule
   builder) and every step (notify with a template or a typed message, webhook
   with the fields it sends, set field, create / update record, branch whose
   condition comes from the rule builder and whose branch holds the steps after
   it), reorderable (buttons, and dragging with SortableJS), each dry-run
   against a picked record. Saves drafts with If-Match, publishes, turns the
   workflow on and off, and for a chosen record shows the next fire times, a
   dry-run, and the run log.
   Config: #workflow-config (see templates/workflow_editor.html). */
(function () {
  'use strict';
  var t = function (k, p) { return window.formflow.t(k, p); };
  //: channels that post to an address the editor asks for
  var URL_CHANNELS = ['wecom', 'dingtalk', 'feishu', 'slack', 'webhook'];

  /* `to`: whom a new notify step sends to, the form's default_to (its Owner / 负责人 user field, else the owner) */
  function blank(form, to) {
    return { key: '', label: '', form: form || '',
      trigger: { type: 'date_relative', field: '', tz: 'owner', offsets: [{ amount: 1, unit: 'days', direction: 'before', at_time: '09:00' }] },
      steps: [{ id: 'notify_owner', type: 'notify', to: [to || { owner: true }], cc: [], channels: ['inbox'], message: { subject: '', body: '' } }] };
  }
  //: what a new step of each kind starts with
  var STEP_KINDS = ['notify', 'webhook', 'set_field', 'create_record', 'update_record', 'condition'];
  // catalogue keys written out in full, so tests/core/test_client_messages.py finds and checks each: a value's name through a table
  //: a step kind's name (STEP_KINDS)
  var STEP_NAMES = { notify: 'editor.step_notify', webhook: 'editor.step_webhook', set_field: 'editor.step_set_field',
                     create_record: 'editor.step_create_record', update_record: 'editor.step_update_record',
                     condition: 'editor.step_condition' };
  //: a trigger type's name (in the order offered)
  var TRIGGER_NAMES = { record_event: 'editor.trigger_record_event', delay: 'editor.trigger_delay',
                        date_relative: 'editor.trigger_date_relative', schedule: 'editor.trigger_schedule' };
  //: a filter operator's name (the one-value operators a trigger filter offers)
  var OP_NAMES = { eq: 'editor.op_eq', ne: 'editor.op_ne', lt: 'editor.op_lt', le: 'editor.op_le', gt: 'editor.op_gt',
                   ge: 'editor.op_ge', contains: 'editor.op_contains', empty: 'editor.op_empty', not_empty: 'editor.op_not_empty' };
  //: a notification channel's name (engine.notifications.channels; one without a name here is shown by its own)
  var CHANNEL_NAMES = { inbox: 'editor.channel_inbox', email: 'editor.channel_email', wecom: 'editor.channel_wecom',
                        dingtalk: 'editor.channel_dingtalk', feishu: 'editor.channel_feishu', slack: 'editor.channel_slack',
                        webhook: 'editor.channel_webhook' };
  /* a value's name from its table (the value itself when the table has none) */
  function named(table, value) { return Object.prototype.hasOwnProperty.call(table, value) ? t(table[value]) : String(value); }
  function newStep(type, id, to) {
    var s = { id: id, type: type };
    if (type === 'notify') { s.to = [to || { owner: true }]; s.channels = ['inbox']; s.message = { subject: '', body: '' }; }
    if (type === 'webhook') { s.url = ''; s.fields = []; s.message = { subject: '', body: '' }; }
    if (type === 'set_field') { s.field = ''; s.value = ''; }
    if (type === 'create_record' || type === 'update_record') s.values = {};
    if (type === 'create_record') s.form = '';
    if (type === 'condition') s.if = '';
    return s;
  }
  /* the editor shows steps as one list: a branch's `then` steps follow it, then an "otherwise" row (a marker naming
     its branch) and the `else` steps (flatten on load, nest on save); a marker closes its branch's `then` */
  var OTHERWISE = 'otherwise';
  function flatten(steps) {
    var out = [];
    (steps || []).forEach(function (s) {
      var copy = Object.assign({}, s);
      var inner = copy.type === 'condition' ? (copy.then || []) : [];
      var other = copy.type === 'condition' ? copy['else'] : null;
      delete copy.then;
      delete copy['else'];
      out.push(copy);
      out = out.concat(flatten(inner));
      if (other) { out.push(otherwiseOf(copy.id)); out = out.concat(flatten(other)); }
    });
    return out;
  }
  function otherwiseOf(id) { return { id: id + '__else', type: OTHERWISE, of: id }; }
  /* walk the flat list from i: each step's JSON path; returns where this level ends (a marker of an open branch) */
  function walk(steps, i, base, open, visit) {
    var idx = 0;
    while (i < steps.length) {
      var s = steps[i];
      if (s.type === OTHERWISE) {
        if (open.indexOf(s.of) >= 0) return i;
        visit(i, null, s); i++; continue;  // a marker whose branch is gone: dropped on save
      }
      var p = base + '/' + idx;
      visit(i, p, s);
      if (s.type === 'condition') {
        var thenSteps = [];
        i = walk(steps, i + 1, p + '/then', open.concat([s.id]), function (j, q, x) { visit(j, q, x); if (q === p + '/then/' + thenSteps.length) thenSteps.push(x); });
        s.then = thenSteps;
        delete s['else'];
        if (i < steps.length && steps[i].type === OTHERWISE && steps[i].of === s.id) {
          var elseSteps = [];
          visit(i, p + '/else', steps[i]);
          i = walk(steps, i + 1, p + '/else', open, function (j, q, x) { visit(j, q, x); if (q === p + '/else/' + elseSteps.length) elseSteps.push(x); });
          s['else'] = elseSteps;
        }
        return i;  // everything after a branch belongs to it
      }
      idx++; i++;
    }
    return i;
  }
  function nest(steps) {
    var top = [];
    walk(steps, 0, '/steps', [], function (i, p, s) { if (p === '/steps/' + top.length) top.push(s); });
    return top;
  }
  function pathsOf(steps) {
    var copy = steps.map(function (s) { return Object.assign({}, s); });
    var out = [];
    walk(copy, 0, '/steps', [], function (i, p) { out[i] = p; });
    return out;
  }

  document.addEventListener('alpine:init', function () {
    window.Alpine.data('workflowEditor', function () {
      var base = window.formflowRuleBuilder.mixin();
      var cfg = window.formflow.readJSON('workflow-config', {});
      var kept = {};  // channel -> the mask of its stored (secret) address, while this workflow is open
      var extra = {
        cfg: cfg, forms: cfg.forms || [], userNames: cfg.user_names || {}, channels: cfg.channels || ['inbox'],
        def: blank(), loaded: false, revision: null, publishedVersion: null, enabled: false,
        conds: [{ id: 'wf', when: '' }], errors: [], status: '', statusKind: '', busy: false,
        recordId: '', due: null, dueAll: false, dry: null, runs: [], recordRuns: null, recordError: '',

        init: function () {
          var self = this;
          this.def = blank(this.forms.length ? this.forms[0].key : '', this.forms.length ? this.forms[0].default_to : null);
          this.syncConds();
          this.$nextTick(function () { self.sortable(); });
          if (cfg.selected) {
            window.formflow.api('GET', cfg.api_base + '/' + encodeURIComponent(cfg.selected)).then(function (r) {
              if (!r.ok) { self.fail(r, 'editor.failed'); return; }
              self.take(r.data);
              self.loadRuns();
            });
          }
        },
        /* dragging a step's handle reorders like the ↑ ↓ buttons (the DOM is put back; Alpine redraws from def.steps) */
        sortable: function () {
          var self = this;
          var list = this.$refs.steps;
          if (!list || !window.Sortable) return;
          window.Sortable.create(list, { handle: '.drag-handle', draggable: 'li', onEnd: function (ev) {
            if (ev.oldIndex === ev.newIndex) return;
            var item = ev.item;
            item.parentNode.removeChild(item);
            list.insertBefore(item, list.children[ev.oldIndex] || null);
            self.moveStep(ev.oldDraggableIndex, ev.newDraggableIndex - ev.oldDraggableIndex);
          } });
        },
        take: function (data) {
          var def = data.definition;
          def.trigger = def.trigger || {};
          def.steps = def.steps && def.steps.length ? flatten(def.steps) : blank().steps;
          this.def = def;
          Object.keys(kept).forEach(function (c) { delete kept[c]; });
          this.loaded = true;
          this.revision = data.draft_revision;
          this.publishedVersion = data.published_version;
          this.enabled = !!data.enabled;
          this.syncConds();
          this.redrawPickers();
          var list = this.samples();
          if (!this.recordId && list.length) this.recordId = String(list[0].id);
        },
        heading: function () { return this.loaded ? (this.labelText() || this.def.key) : t('editor.new_workflow'); },
        labelText: function () { return window.formflow.label(this.def.label, ''); },
        labelIn: function (loc) { return window.formflow.textIn(this.def.label, loc); },
        setLabelIn: function (loc, v) { this.def.label = window.formflow.withText(this.def.label, loc, v); this.dirty(); },
        published: function () { return !!this.publishedVersion; },
        versionText: function () {
          return this.publishedVersion ? t('editor.published_version', { n: this.publishedVersion }) : (this.loaded ? t('editor.not_published') : '');
        },
        statusClass: function () { return 'status-' + (this.statusKind || 'none'); },
        form: function () { var k = this.def.form; return this.forms.filter(function (f) { return f.key === k; })[0] || { fields: [] }; },
        dateFields: function () { return this.form().fields.filter(function (f) { return window.formflow.typeCan(f, 'is_temporal'); }); },
        /* the record owner is named by the form's owner field when it has one; that field is not offered twice */
        ownerField: function () { var o = this.form().owner_field; return this.form().fields.filter(function (f) { return f.id === o; })[0] || null; },
        ownerLabel: function () {
          var f = this.ownerField();
          return f ? t('editor.person_record_owner_field', { field: f.label }) : t('editor.person_record_owner_creator');
        },
        userFields: function () {
          var o = this.form().owner_field;
          return this.form().fields.filter(function (f) { return window.formflow.typeCan(f, 'is_user') && f.id !== o; });
        },
        userFieldLabel: function (f) { return t('editor.person_user_field', { field: f.label }); },
        templatesFor: function () { var k = this.def.form; return (cfg.templates || []).filter(function (tp) { return tp.form === k; }); },
        samples: function () { return (cfg.samples || {})[this.def.form] || []; },
        step: function (si) { return this.def.steps[si || 0]; },
        stepKinds: function () { return STEP_KINDS; },
        kindLabel: function (k) { return named(STEP_NAMES, k); },
        triggerTypes: function () { return ['record_event', 'delay', 'date_relative', 'schedule']; },
        triggerLabel: function (k) { return named(TRIGGER_NAMES, k); },
        isTrigger: function (k) { return this.def.trigger.type === k; },
        usesEvents: function () { return this.isTrigger('record_event') || this.isTrigger('delay'); },
        setTriggerType: function (v) {
          var old = this.def.trigger;
          var next = { type: v };
          if (old.condition) next.condition = old.condition;
          if (v === 'record_event' || v === 'delay') next.on = ['created'];
          if (v === 'delay') next.delay = { amount: 1, unit: 'days' };
          if (v === 'date_relative') { next.field = ''; next.tz = 'owner'; next.offsets = [{ amount: 1, unit: 'days', direction: 'before', at_time: '09:00' }]; }
          if (v === 'schedule') { next.cron = '0 9 * * 1'; next.filters = []; }
          this.def.trigger = next;
          this.dirty();
        },
        hasEvent: function (e) { return (this.def.trigger.on || []).indexOf(e) >= 0; },
        toggleEvent: function (e) {
          var on = (this.def.trigger.on || []).slice();
          var i = on.indexOf(e);
          if (i >= 0) on.splice(i, 1); else on.push(e);
          this.def.trigger.on = on;
          if (on.indexOf('field_changed') < 0) delete this.def.trigger.fields;
          this.dirty();
        },
        fieldList: function () { return this.form().fields; },
        hasWatched: function (id) { return (this.def.trigger.fields || []).indexOf(id) >= 0; },
        toggleWatched: function (id) {
          var l = (this.def.trigger.fields || []).slice();
          var i = l.indexOf(id);
          if (i >= 0) l.splice(i, 1); else l.push(id);
          if (l.length) this.def.trigger.fields = l; else delete this.def.trigger.fields;
          this.dirty();
        },
        delayPart: function (k) { return (this.def.trigger.delay || {})[k]; },
        offsetList: function () { return this.def.trigger.offsets || []; },
        secretHelp: function (si) { return this.secretHint(si, 'secret') || t('editor.signing_secret_help'); },
        /* a control of the i-th time row, named with its row ("Amount, time 2" / "数量（第 2 个时间）") */
        inTime: function (key, i) { return t('editor.in_time_row', { name: t(key), n: i + 1 }); },
        t2: function (key, id) { return t(key, { step: this.stepName(this.stepById(id)) || id }); },
        setDelay: function (k, v) { this.def.trigger.delay = this.def.trigger.delay || {}; this.def.trigger.delay[k] = k === 'amount' ? Number(v || 0) : v; this.dirty(); },
        filters: function () { return this.def.trigger.filters || []; },
        addFilter: function () { var f = this.form().fields[0]; this.def.trigger.filters = this.filters().concat([{ field: f ? f.id : '', op: 'eq', value: '' }]); this.dirty(); },
        removeFilter: function (i) { this.filters().splice(i, 1); this.dirty(); },
        setFilter: function (i, k, v) {
          var f = this.filters()[i];
          f[k] = v;
          if (k === 'field' && this.filterOps(f).indexOf(f.op) < 0) f.op = this.filterOps(f)[0];
          if (k === 'op' && (v === 'empty' || v === 'not_empty')) delete f.value;
          this.dirty();
        },
        filterOps: function (flt) {  // those of the one-value operators the field's type declares (engine/fields)
          var fld = this.form().fields.filter(function (x) { return x.id === flt.field; })[0];
          var declared = fld ? window.formflow.fieldType(fld).filter_operators : [];
          return ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'contains', 'empty', 'not_empty'].filter(function (op) { return declared.indexOf(op) >= 0; });
        },
        opLabel: function (op) { return named(OP_NAMES, op); },
        filterNeedsValue: function (f) { return f.op !== 'empty' && f.op !== 'not_empty'; },

        /* ---- the step list ---- */
        nextStepId: function (type) {
          var ids = this.def.steps.map(function (s) { return s.id; });
          var n = 1;
          while (ids.indexOf(type + '_' + n) >= 0) n++;
          return type + '_' + n;
        },
        addStep: function (type) {
          this.def.steps.push(newStep(type, this.nextStepId(type), this.form().default_to));
          this.syncConds();
          this.dirty();
        },
        removeStep: function (si) {
          var gone = this.def.steps.splice(si, 1)[0];
          /* a branch's "otherwise" row goes with it */
          if (gone.type === 'condition') this.def.steps = this.def.steps.filter(function (s) { return !(s.type === OTHERWISE && s.of === gone.id); });
          this.syncConds();
          this.dirty();
        },
        moveStep: function (si, by) {
          var to = si + by;
          if (to < 0 || to >= this.def.steps.length) return;
          var moved = this.def.steps.splice(si, 1)[0];
          this.def.steps.splice(to, 0, moved);
          this.syncConds();
          this.dirty();
          this.status = t('editor.step_moved', { step: moved.id, n: to + 1 });
        },
        stepTitle: function (s, si) {
          if (s.type === OTHERWISE) return t('editor.otherwise_title', { step: this.stepName(this.stepById(s.of)) });
          return this.stepName(s);
        },
        /* a step's own name, one input per language ("Step 2 name (English)"); an emptied name drops the label */
        stepNameIn: function (s, loc) { return window.formflow.textIn(s.label, loc); },
        stepNameLabel: function (si, loc) { return t(loc === 'en' ? 'editor.step_name_en' : 'editor.step_name_zh', { n: si + 1 }); },
        setStepName: function (si, loc, v) {
          var s = this.step(si), name = window.formflow.withText(s.label, loc, v);
          if (name) s.label = name; else delete s.label;
          this.dirty();
        },
        /* a step as people read it: its name in the reader's language, else its place and kind ("2. Notify"),
           never its internal id */
        stepName: function (s) {
          if (!s) return '';
          var si = this.def.steps.indexOf(s);
          return window.formflow.label(s.label, '') || (si + 1) + '. ' + this.kindLabel(s.type);
        },
        stepById: function (id) { return this.def.steps.filter(function (x) { return x.id === id; })[0] || null; },
        inBranch: function (si) { return this.def.steps.slice(0, si).some(function (s) { return s.type === 'condition'; }); },
        /* which branch a step runs in: '' (always), 'then' or 'else' (the innermost one) */
        branchOf: function (si) {
          var p = this.stepPath(si) || '';
          var th = p.lastIndexOf('/then/'), el = p.lastIndexOf('/else/');
          return th < 0 && el < 0 ? '' : (el > th ? 'else' : 'then');
        },
        isOtherwise: function (s) { return s.type === OTHERWISE; },
        hasOtherwise: function (si) {
          var id = this.step(si).id;
          return this.def.steps.some(function (s) { return s.type === OTHERWISE && s.of === id; });
        },
        /* an "otherwise" row for branch si, at the end: the steps moved below it run when the condition does not hold */
        addOtherwise: function (si) {
          var id = this.step(si).id;
          if (this.hasOtherwise(si)) return;
          this.def.steps.push(otherwiseOf(id));
          this.syncConds();
          this.dirty();
          this.status = t('editor.otherwise_added', { step: id });
        },
        /* conds[0]: the trigger's condition; conds[si + 1]: step si's branch condition */
        syncConds: function () {
          var stamp = Date.now();
          this.conds = [{ id: 'wf' + stamp, when: this.def.trigger.condition || '' }].concat(this.def.steps.map(function (s, i) {
            return { id: 's' + stamp + '_' + i, when: s.type === 'condition' ? (s.if || '') : '' };
          }));
          this.ruleUi = {};
        },
        isStep: function (s, k) { return s.type === k; },
        setStepValue: function (si, k, v) {
          var s = this.step(si);
          if ((v === '' || v === null) && k !== 'template') delete s[k]; else s[k] = v;
          if (k === 'template' && v) delete s.message;
          this.dirty();
        },
        usesTemplate: function (si) { return typeof this.step(si).template === 'string'; },
        setUseTemplate: function (si, on) {
          var s = this.step(si);
          if (on) { delete s.message; s.template = (this.templatesFor()[0] || {}).key || ''; } else { delete s.template; s.message = { subject: '', body: '' }; }
          this.dirty();
        },
        messagePart: function (si, part) { var m = this.step(si).message; return (m && m[part]) || ''; },
        setMessage: function (si, part, v) { var s = this.step(si); s.message = s.message || { body: '' }; s.message[part] = v; this.dirty(); },
        secretHint: function (si, key) {
          var v = this.step(si)[key];
          return this.isSecret(v) ? t('editor.secret_set', { hint: v.hint || '••••' }) : '';
        },
        stepText: function (si, key) { var v = this.step(si)[key]; return this.isSecret(v) ? '' : (v || ''); },
        setStepSecret: function (si, key, v) {
          var s = this.step(si);
          var mk = '_kept_' + key;
          if (this.isSecret(s[key])) kept[s.id + mk] = s[key];
          if (v === '' && kept[s.id + mk]) s[key] = kept[s.id + mk]; else if (v === '' && key === 'secret') delete s[key]; else s[key] = v;
          this.dirty();
        },
        sendsField: function (si, id) { return (this.step(si).fields || []).indexOf(id) >= 0; },
        toggleSendField: function (si, id) {
          var s = this.step(si);
          var l = (s.fields || []).slice();
          var i = l.indexOf(id);
          if (i >= 0) l.splice(i, 1); else l.push(id);
          s.fields = l;
          this.dirty();
        },
        /* set field / create / update record: value rows {target field: {from}|{value}|{now}} */
        formFields: function (key) { var f = this.forms.filter(function (x) { return x.key === key; })[0]; return f ? f.fields : []; },
        targetFields: function (si) { var s = this.step(si); return s.type === 'create_record' ? this.formFields(s.form) : this.fieldsForTarget(s); },
        fieldsForTarget: function (s) {
          if (s.type !== 'update_record' || !s.reference) return this.form().fields;
          var ref = this.form().fields.filter(function (f) { return f.id === s.reference; })[0];
          var target = ref && ref.options && ref.options.form;
          return target ? this.formFields(target) : this.form().fields;
        },
        referenceFields: function () { return this.form().fields.filter(function (f) { return window.formflow.typeCan(f, 'is_reference'); }); },
        valueRows: function (si) {
          var v = this.step(si).values || {};
          return Object.keys(v).map(function (k) {
            var e = v[k];
            var kind = 'from' in e ? 'from' : (e.now ? 'now' : 'value');
            return { key: k, kind: kind, value: kind === 'from' ? e.from : (kind === 'value' ? String(e.value == null ? '' : e.value) : '') };
          });
        },
        addValueRow: function (si) {
          var s = this.step(si);
          s.values = s.values || {};
          var free = this.targetFields(si).filter(function (f) { return !(f.id in s.values); })[0];
          if (free) s.values[free.id] = { value: '' };
          this.dirty();
        },
        removeValueRow: function (si, k) { delete this.step(si).values[k]; this.dirty(); },
        setValueRow: function (si, k, what, v) {
          var values = this.step(si).values;
          var e = values[k];
          if (what === 'target') { var copy = {}; Object.keys(values).forEach(function (x) { copy[x === k ? v : x] = values[x]; }); this.step(si).values = copy; }
          else if (what === 'kind') values[k] = v === 'from' ? { from: (this.form().fields[0] || {}).id } : (v === 'now' ? { now: true } : { value: '' });
          else if ('from' in e) values[k] = { from: v };
          else values[k] = { value: v };
          this.dirty();
        },
        /* ---- per-step dry-run: the draft's explanation for the picked record, this step's part ---- */
        stepDry: {},
        dryRunStep: function (si) {
          var self = this;
          var id = this.step(si).id;
          this.recordError = '';
          if (!this.recordId) { this.recordError = t('editor.pick_record'); return; }
          this.save().then(function (ok) {
            if (!ok) return;
            window.formflow.api('POST', cfg.api_base + '/' + encodeURIComponent(self.def.key) + '/dry-run', { record_id: Number(self.recordId) }).then(function (r) {
              var out = {};
              Object.keys(self.stepDry).forEach(function (k) { out[k] = self.stepDry[k]; });
              if (!r.ok) { out[id] = [(r.data && r.data.error && r.data.error.message) || t('editor.failed')]; self.stepDry = out; return; }
              var found = (r.data.steps || []).filter(function (o) { return o.step === id; });
              out[id] = found.length ? found.map(function (o) { return self.describeOutcome(o); }) : [t('editor.step_not_reached')];
              self.stepDry = out;
            });
          });
        },
        stepPath: function (si) { return pathsOf(this.def.steps)[si]; },
        stepErrors: function (si) {
          var p = this.stepPath(si);
          if (!p || this.step(si).type === OTHERWISE) return [];
          return this.errors.filter(function (e) {
            return (e.path === p || e.path.indexOf(p + '/') === 0) && e.path.indexOf(p + '/then') !== 0 && e.path.indexOf(p + '/else') !== 0;
          }).map(function (e) { var rest = e.path.slice(p.length + 1); return { key: e.key, text: (rest ? rest + ': ' : '') + e.message }; });
        },
        stepDryLines: function (si) { return this.stepDry[this.step(si).id] || []; },
        describeOutcome: function (o) {
          var bits = [];
          if (o.would) bits.push(o.would);
          if (o.messages) o.messages.forEach(function (m) { bits.push(m.channel + ' → ' + (m.to && m.to.name || '') + ': ' + (m.subject || '') + (m.body ? ' — ' + m.body : '') + (m.error ? ' (' + m.error + ')' : '')); });
          if (o.subject || o.body) bits.push((o.subject || '') + (o.body ? ' — ' + o.body : ''));
          if (o.data && o.data.record) bits.push(t('editor.sends_fields', { fields: JSON.stringify(o.data.record.fields) }));
          if (o.explanation) bits.push(o.explanation);
          if (o.error) bits.push(o.error);
          if ('holds' in o) bits.push(t(o.holds ? 'editor.branch_true' : 'editor.branch_false'));
          return bits.join(' · ') || JSON.stringify(o);
        },

        /* rule builder hooks: the "rules" are the trigger's condition and each branch step's */
        rulesList: function () { return this.conds; },
        fieldsForRules: function () { return this.form().fields; },
        condOf: function (ri) { return this.conds[ri || 0] || this.conds[0]; },  // 0: the trigger's; si + 1: step si's branch
        touch: function () {},
        changed: function () {
          var conds = this.conds;
          if (conds[0].when) this.def.trigger.condition = conds[0].when; else delete this.def.trigger.condition;
          this.def.steps.forEach(function (s, i) { if (s.type === 'condition' && conds[i + 1]) s.if = conds[i + 1].when; });
          this.dirty();
        },
        dirty: function () { this.status = t('editor.unsaved'); this.statusKind = 'warn'; },

        setTop: function (k, v) { this.def[k] = v; this.dirty(); },
        setForm: function (v) {
          /* notify steps still sending to the old form's default send to the new form's (its Owner field) */
          var was = JSON.stringify([this.form().default_to || { owner: true }]);
          this.def.form = v;
          var now = this.form().default_to || { owner: true };
          this.def.steps.forEach(function (s) { if (s.type === 'notify' && JSON.stringify(s.to) === was) s.to = [Object.assign({}, now)]; });
          this.def.trigger.field = '';
          delete this.def.trigger.condition;
          this.syncConds();
          this.recordId = '';
          this.dirty();
        },
        setTrigger: function (k, v) { this.def.trigger[k] = v; this.dirty(); },
        addOffset: function () { this.def.trigger.offsets = this.def.trigger.offsets || []; this.def.trigger.offsets.push({ amount: 1, unit: 'hours', direction: 'before' }); this.dirty(); },
        removeOffset: function (oi) { this.def.trigger.offsets.splice(oi, 1); this.dirty(); },
        setOffset: function (oi, k, v) {
          var o = this.def.trigger.offsets[oi];
          if (k === 'amount') o.amount = v === '' ? 0 : Number(v);
          else if (k === 'at_time') { if (v) o.at_time = v.slice(0, 5); else delete o.at_time; }
          else o[k] = v;
          this.dirty();
        },
        people: function (si, list) { var s = this.step(si); s[list] = s[list] || []; return s[list]; },
        hasPerson: function (si, list, kind, value) { return this.people(si, list).some(function (p) { return p[kind] === value; }); },
        togglePerson: function (si, list, kind, value) {
          var l = this.people(si, list);
          var i = -1;
          l.forEach(function (p, j) { if (p[kind] === value) i = j; });
          if (i >= 0) l.splice(i, 1); else { var p = {}; p[kind] = value; l.push(p); }
          this.dirty();
        },
        /* the named people of a step's list: the searchable user picker (userpicker.js); the box keeps which step and
           list it edits (by step id: a loaded workflow may reuse the blank one's card) and is drawn again on load */
        mountPicker: function (box, step, list, testid) {
          box.setAttribute('data-wf-picker', JSON.stringify([step.id, list, testid]));
          this.drawPicker(box);
        },
        drawPicker: function (box) {
          var self = this;
          var at = JSON.parse(box.getAttribute('data-wf-picker')), stepId = at[0], list = at[1];
          var byId = function () { return self.def.steps.filter(function (x) { return x.id === stepId; })[0]; };
          var step = byId();
          if (!step) return;
          var ids = [];
          (step[list] || []).forEach(function (p) { (p.users || []).forEach(function (id) { if (ids.indexOf(id) < 0) ids.push(id); }); });
          box.innerHTML = '';
          box.appendChild(window.formflow.userPicker.create({
            id: at[2] + '-users-' + stepId, label: t('editor.person_named'), name: list,
            chosen: ids.map(function (id) { return { id: id, name: self.userNames[id] }; }),
            onChange: function (users) {
              var s = byId();
              if (!s) return;
              var l = (s[list] || []).filter(function (p) { return !p.users; });
              users.forEach(function (u) { self.userNames[u.id] = u.name; });
              if (users.length) l.push({ users: users.map(function (u) { return u.id; }) });
              s[list] = l;
              self.dirty();
            } }));
        },
        redrawPickers: function () {
          var self = this;
          this.$nextTick(function () {
            Array.prototype.forEach.call(document.querySelectorAll('[data-wf-picker]'), function (box) { self.drawPicker(box); });
          });
        },
        hasChannel: function (si, c) { return (this.step(si).channels || []).indexOf(c) >= 0; },
        toggleChannel: function (si, c) {
          var s = this.step(si);
          s.channels = s.channels || [];
          var i = s.channels.indexOf(c);
          if (i >= 0) s.channels.splice(i, 1); else s.channels.push(c);
          this.dirty();
        },
        channelLabel: function (c) { return named(CHANNEL_NAMES, c); },
        urlChannels: function (si) { var self = this; return URL_CHANNELS.filter(function (c) { return self.hasChannel(si, c); }); },
        channelUrlLabel: function (c) { return t('editor.channel_url', { channel: this.channelLabel(c) }); },
        // a robot address is a secret: the API shows {secret: true, set: true, hint} and keeps it when that mask is sent back
        isSecret: function (v) { return !!(v && typeof v === 'object' && v.secret === true); },
        keptUrl: function (si, c) {  // the stored address's mask, remembered outside Alpine's reactive state
          var s = this.step(si);
          var cc = s.channel_config || {};
          if (cc[c] && this.isSecret(cc[c].url)) kept[s.id + '/' + c] = cc[c].url;
          return kept[s.id + '/' + c] || null;
        },
        channelUrl: function (si, c) { var cc = this.step(si).channel_config || {}; var v = cc[c] && cc[c].url; return this.isSecret(v) ? '' : (v || ''); },
        channelUrlHint: function (si, c) { var k = this.keptUrl(si, c); return k ? t('editor.secret_set', { hint: k.hint || '••••' }) : ''; },
        setChannelUrl: function (si, c, v) {
          var s = this.step(si);
          var kept = this.keptUrl(si, c);
          s.channel_config = s.channel_config || {};
          var next = Object.assign({}, s.channel_config[c] || {});  // a signing secret beside the address stays as it is
          next.url = (v === '' && kept) ? kept : v;  // emptied again: keep the stored address
          s.channel_config[c] = next;
          this.dirty();
        },

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
          return /^\/trigger\/(field|offsets|condition|cron|filters|on|delay)/.test(path) || /^\/steps\//.test(path);
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
          if (def.trigger.filters && !def.trigger.filters.length) delete def.trigger.filters;
          def.steps.forEach(function (s) {
            if (!s.template) delete s.template;
            if (s.template) delete s.message;
            if (s.message && !s.message.subject) delete s.message.subject;
            if (s.cc && !s.cc.length) delete s.cc;
            if (s.fields && !s.fields.length) delete s.fields;
          });
          def.steps = nest(def.steps);
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
        setRecord: function (v) { this.recordId = v; this.due = null; this.dry = null; this.recordRuns = null; },
        isRecord: function (id) { return String(id) === String(this.recordId); },
        /* an instant in the reader's zone (or the given one), as the server shows dates */
        localTime: function (iso, zone) {
          if (!iso) return '';
          var opts = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone || cfg.timezone || undefined };
          try { return new Date(iso).toLocaleString(window.formflow.locale(), opts); } catch (e) { return iso; }
        },
        zoneNote: function () { return cfg.timezone ? t('editor.times_in', { tz: cfg.timezone }) : ''; },
        /* with done, skipped and cancelled rows too, each with its reason ("why didn't it fire") */
        setDueAll: function (on) { this.dueAll = on; if (this.due !== null) this.loadDue(); },
        loadDue: function () {
          var self = this;
          this.recordError = '';
          window.formflow.api('GET', cfg.api_base + '/' + encodeURIComponent(this.def.key) + '/due?' + (this.dueAll ? 'status=all&' : '') + 'record_id=' + encodeURIComponent(this.recordId)).then(function (r) {
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
        /* the picked record's firings: what ran, and why something did not (skipped, failed, cancelled with a reason) */
        loadRecordRuns: function () {
          var self = this;
          this.recordError = '';
          window.formflow.api('GET', cfg.api_base + '/' + encodeURIComponent(this.def.key) + '/runs?record_id=' + encodeURIComponent(this.recordId)).then(function (r) {
            if (!r.ok) { self.recordError = (r.data && r.data.error && r.data.error.message) || t('editor.failed'); return; }
            self.recordRuns = r.data.items || [];
          });
        },
        /* a firing's reason or error, then what each step did */
        runDetail: function (r) {
          var self = this;
          var bits = r.detail ? [r.detail] : [];
          (r.steps || []).forEach(function (o) { bits.push((o.step ? o.step + ': ' : '') + self.describeOutcome(o)); });
          return bits.join(' · ');
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
