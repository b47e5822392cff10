/* The designer's formula and roll-up editors (a mixin of 'formDesigner', registered in window.formflowDesignerPanels).
   Formula: the text box with two insert pickers (the form's fields by label with the key beside, from the rule
   builder's fieldsForRules; the rule language's functions with their one-line help) and, under the box, a live check:
   POST {api}/formula-check with the draft on screen (debounced) answers the result type or the error with its
   position, and the value against a sample record (the latest record, else the defaults).
   Roll-up: the link picked by label (a reference field of another form pointing at this form, also of another app's form,
   grouped by app: sets app + form + via), the
   aggregate among those the picked field's type takes, and the field picked by label with the key beside; all from
   GET {api}/formula-sources. */
(function () {
  'use strict';

  var t = function (k, p) { return window.formflow.t(k, p); };
  //: quiet time after the last keystroke before the formula is checked (ms)
  var CHECK_DELAY = 350;

  //: result kinds the rules compiler names (engine/rules/compiler/driver.py _RESULT_NAMES), each with a message
  // (catalogue keys written out in full, so tests/core/test_client_messages.py finds and checks each)
  var KINDS = { number: 'designer.formula_kind_number', text: 'designer.formula_kind_text', boolean: 'designer.formula_kind_boolean',
                datetime: 'designer.formula_kind_datetime', duration: 'designer.formula_kind_duration',
                list: 'designer.formula_kind_list', 'null': 'designer.formula_kind_null' };
  function kindText(kind) { return Object.prototype.hasOwnProperty.call(KINDS, kind) ? t(KINDS[kind]) : kind; }
  //: a roll-up aggregate's name (engine.fields.special.ROLLUP_AGGREGATES)
  var AGGREGATE_NAMES = { count: 'designer.rollup_agg_count', sum: 'designer.rollup_agg_sum', min: 'designer.rollup_agg_min',
                          max: 'designer.rollup_agg_max', latest: 'designer.rollup_agg_latest' };
  function aggregateText(a) { return Object.prototype.hasOwnProperty.call(AGGREGATE_NAMES, a) ? t(AGGREGATE_NAMES[a]) : a; }
  function text(label, fallback) { return window.formflow.label(label, fallback); }

  function formulaPanel() {
    return {
      formulaSources: null,       // {functions, links} once loaded
      formulaCheck: null,         // {fieldId, text, answer} of the last check
      formulaTimer: null,
      formulaSeq: 0,
      formulaFunction: '',        // the function picked in the insert picker (its help shows)

      loadFormulaSources: function () {
        var self = this;
        if (this.formulaSources) return;
        this.formulaSources = { functions: [], links: [], loading: true };
        window.formflow.api('GET', this.cfg.api_base + '/formula-sources').then(function (r) {
          self.formulaSources = r.ok ? r.data : { functions: [], links: [], failed: true };
        });
      },

      /* ---- formula ---- */
      formulaFields: function () {
        var own = this.selected();
        return this.fieldsForRules().filter(function (f) { return !own || f.id !== own.id; }).map(function (f) {
          return { name: f.name, text: f.label + ' (' + f.name + ')' };
        });
      },
      formulaFunctions: function () {
        this.loadFormulaSources();
        return (this.formulaSources.functions || []).map(function (fn) {
          return { name: fn.name, insert: fn.insert, text: fn.signature + ' — ' + text(fn.help, '') };
        });
      },
      formulaFunctionHelp: function () {
        var name = this.formulaFunction;
        var fn = ((this.formulaSources && this.formulaSources.functions) || []).filter(function (x) { return x.name === name; })[0];
        return fn ? fn.signature + ' — ' + text(fn.help, '') : '';
      },
      insertIntoFormula: function (snippet) {
        if (!snippet) return;
        var box = document.getElementById('p-formula');
        var current = this.prop('options.formula') || '';
        var start = box && typeof box.selectionStart === 'number' ? box.selectionStart : current.length;
        var end = box && typeof box.selectionEnd === 'number' ? box.selectionEnd : current.length;
        var next = current.slice(0, start) + snippet + current.slice(end);
        this.setFormula(next);
        var at = start + snippet.length;
        if (box) { box.value = next; box.focus(); box.setSelectionRange(at, at); }
      },
      /* the picker inserts what was picked, then shows its prompt again (CSP Alpine: no statements in the markup) */
      insertFormulaField: function (ev) { var name = ev.target.value; ev.target.value = ''; this.insertIntoFormula(name); },
      insertFormulaFunction: function (ev) {
        var name = ev.target.value;
        ev.target.value = '';
        this.formulaFunction = name;
        var fn = (this.formulaSources.functions || []).filter(function (x) { return x.name === name; })[0];
        if (fn) this.insertIntoFormula(fn.insert);
      },
      setFormula: function (value) {
        this.setProp('options.formula', value);
        this.scheduleFormulaCheck();
      },
      /* x-effect: a formula field selected (or another one) is checked at once, as typing is */
      watchFormula: function () {
        // the result type is read too, so choosing another one checks again
        if (this.selectedId && this.hasEditor('formula') && this.prop('options.result_type') !== null) this.scheduleFormulaCheck();
      },
      scheduleFormulaCheck: function () {
        var self = this;
        if (this.formulaTimer) clearTimeout(this.formulaTimer);
        this.formulaTimer = setTimeout(function () { self.formulaTimer = null; self.runFormulaCheck(); }, CHECK_DELAY);
      },
      runFormulaCheck: function () {
        var self = this, f = this.selected();
        if (!f || !this.hasEditor('formula')) return;
        var expression = (f.options && f.options.formula) || '';
        var seq = ++this.formulaSeq;
        if (!expression.trim()) { this.formulaCheck = { fieldId: f.id, text: expression, answer: null }; return; }
        var body = { expression: expression, definition: window.formflowDesigner.forServer(this.def) };
        if (f.options && f.options.result_type) body.result_type = f.options.result_type;
        window.formflow.api('POST', this.cfg.api_base + '/formula-check', body).then(function (r) {
          if (seq !== self.formulaSeq) return;  // a later keystroke's answer is the one that counts
          var answer = r.ok ? r.data : { ok: false, error: { message: (r.data && r.data.error && r.data.error.message) || t('common.error') } };
          self.formulaCheck = { fieldId: f.id, text: expression, answer: answer };
        });
      },
      formulaAnswer: function () {
        var f = this.selected(), c = this.formulaCheck;
        if (!f || !c || c.fieldId !== f.id || !c.answer) return null;
        return c.answer;
      },
      formulaOk: function () { var a = this.formulaAnswer(); return !!(a && a.ok); },
      formulaBad: function () { var a = this.formulaAnswer(); return !!(a && !a.ok); },
      formulaTypeText: function () {
        var a = this.formulaAnswer();
        return a && a.ok ? t('designer.formula_result_type', { type: kindText(a.type) }) : '';
      },
      formulaErrorText: function () {
        var a = this.formulaAnswer();
        if (!a || a.ok) return '';
        var e = a.error || {};
        return e.column ? t('designer.formula_error_at', { line: e.line, column: e.column, message: e.message }) : (e.message || '');
      },
      formulaValueText: function () {
        var a = this.formulaAnswer();
        if (!a || !a.ok) return '';
        var sample = a.sample && a.sample.source === 'record' ? t('designer.formula_sample_record', { id: a.sample.record_id }) : t('designer.formula_sample_defaults');
        if (a.value_error) return t('designer.formula_value_none', { sample: sample, reason: a.value_error });
        var v = a.value === null || a.value === undefined ? t('designer.formula_empty') : (typeof a.value === 'object' ? JSON.stringify(a.value) : String(a.value));
        return t('designer.formula_value', { sample: sample, value: v });
      },

      /* ---- roll-up ---- */
      /* a link's value: 'app|form|via' (app empty: this app); options.app is set only for another app's form */
      rollupLinks: function () {
        this.loadFormulaSources();
        return (this.formulaSources.links || []).map(function (k) {
          return { value: (k.app || '') + '|' + k.form + '|' + k.via, app: k.app || '',
                   text: t('designer.rollup_link_text', { form: text(k.form_label, k.form), field: text(k.via_label, k.via) }) };
        });
      },
      /* the links grouped by app, this app first, each group named by the app's name in the reader's language */
      rollupLinkGroups: function () {
        var groups = [], byApp = {}, links = this.rollupLinks(), sources = (this.formulaSources && this.formulaSources.links) || [];
        links.forEach(function (l, i) {
          if (!byApp[l.app]) {
            byApp[l.app] = { key: l.app || '-', label: text(sources[i].app_label, l.app || ''), links: [] };
            groups.push(byApp[l.app]);
          }
          byApp[l.app].links.push(l);
        });
        return groups;
      },
      rollupAppOf: function (o) { return o.app && o.app !== this.cfg.app ? o.app : ''; },
      rollupLink: function () {
        var f = this.selected(), o = (f && f.options) || {}, app = this.rollupAppOf(o);
        var hit = ((this.formulaSources && this.formulaSources.links) || []).filter(function (k) {
          return (k.app || '') === app && k.form === o.form && k.via === o.via;
        })[0];
        return hit || null;
      },
      rollupLinkValue: function () { var o = (this.selected() || {}).options || {}; return o.form && o.via ? this.rollupAppOf(o) + '|' + o.form + '|' + o.via : ''; },
      setRollupLink: function (value) {
        var f = this.selected();
        if (!f) return;
        var parts = value.split('|');
        this.touch('rollup-link:' + f.id);
        f.options = f.options || {};
        if (parts[0]) f.options.app = parts[0]; else delete f.options.app;
        f.options.form = parts[1] || '';
        f.options.via = parts[2] || '';
        f.options.field = '';
        f.options.aggregate = 'count';
        this.clearErrorsFor(f.id, 'options.app');
        this.clearErrorsFor(f.id, 'options.form');
        this.clearErrorsFor(f.id, 'options.via');
        this.changed();
      },
      rollupFields: function () {
        var link = this.rollupLink();
        return link ? link.fields.map(function (x) { return { id: x.id, text: text(x.label, x.id) + ' (' + x.id + ')' }; }) : [];
      },
      rollupFieldValue: function () { return ((this.selected() || {}).options || {}).field || ''; },
      setRollupField: function (value) {
        var f = this.selected();
        if (!f) return;
        this.touch('rollup-field:' + f.id);
        f.options = f.options || {};
        f.options.field = value;
        if (this.rollupAggregates().map(function (a) { return a.value; }).indexOf(f.options.aggregate) < 0) f.options.aggregate = value ? 'latest' : 'count';
        this.clearErrorsFor(f.id, 'options.field');
        this.changed();
      },
      rollupNeedsField: function () { return this.rollupAggregateValue() !== 'count'; },
      rollupAggregates: function () {
        var link = this.rollupLink(), fid = this.rollupFieldValue();
        var field = link ? link.fields.filter(function (x) { return x.id === fid; })[0] : null;
        return ['count'].concat(field ? field.aggregates : []).map(function (a) { return { value: a, text: aggregateText(a) }; });
      },
      rollupAggregateValue: function () { return ((this.selected() || {}).options || {}).aggregate || 'count'; },
      setRollupAggregate: function (value) { this.setProp('options.aggregate', value); },
      rollupNoLinks: function () { return !!(this.formulaSources && !this.formulaSources.loading && !(this.formulaSources.links || []).length); }
    };
  }

  (window.formflowDesignerPanels = window.formflowDesignerPanels || []).push(formulaPanel);
})();
