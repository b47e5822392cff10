/* The designer's "fill from a linked record" editor (smart reference, 智能引用), in the property panel: the selected
   field's fetch {from, field} picked by label: a reference field of this form, then a field of the form that reference
   points at (cfg.apps: every app's forms with their fields). Empty "from" removes the fetch. The filled-in form fetches
   on pick (formfill.js) and the server on save (engine/autofill.py); a value the user sets by hand is kept.
   A mixin of 'formDesigner' (window.formflowDesignerPanels). */
(function () {
  'use strict';

  function text(label, fallback) { return window.formflow.label(label, fallback); }

  function fetchPanel() {
    return {
      /* a field the engine fills, a reference and a sub-table take no fetch; the others do once the form has a reference */
      hasFetchEditor: function () {
        var f = this.selected();
        if (!f) return false;
        var info = window.formflow.fieldType(f.type);
        if (info.engine_set || window.formflow.typeCan(f.type, 'is_reference') || window.formflow.typeCan(f.type, 'stores_rows')) return false;
        return this.fetchRefs().length > 0;
      },
      fetchRefs: function () {
        var sel = this.selected();
        return ((this.def && this.def.fields) || []).filter(function (x) {
          return x !== sel && !x.deleted && window.formflow.typeCan(x.type, 'is_reference');
        }).map(function (x) { return { id: x.id, label: text(x.label, x.id) }; });
      },
      fetchSpec: function () { var f = this.selected(); return (f && f.fetch) || {}; },
      fetchFromValue: function () { return this.fetchSpec().from || ''; },
      fetchFieldValue: function () { return this.fetchSpec().field || ''; },
      /* the fields of the form the picked reference points at (its app: options.app, empty: this app) */
      fetchTargetFields: function () {
        var ref = this.fieldById(this.fetchFromValue());
        var opts = (ref && ref.options) || {};
        if (!opts.form) return [];
        var appKey = opts.app || this.cfg.app;
        var app = (this.cfg.apps || []).filter(function (a) { return a.key === appKey; })[0];
        var form = app ? app.forms.filter(function (fm) { return fm.key === opts.form; })[0] : null;
        return ((form && form.fields) || []).map(function (x) { return { id: x.id, label: text(x.label, x.id) + ' · ' + x.id }; });
      },
      setFetchFrom: function (value) {
        var f = this.selected();
        if (!f || (this.fetchFromValue() === value)) return;
        this.touch('prop:fetch:' + f.id);
        if (value) f.fetch = { from: value, field: '' }; else delete f.fetch;
        this.clearErrorsFor(f.id, 'fetch');
        this.changed();
      },
      setFetchField: function (value) {
        var f = this.selected();
        if (!f || !f.fetch) return;
        this.touch('prop:fetch.field:' + f.id);
        f.fetch.field = value;
        this.clearErrorsFor(f.id, 'fetch');
        this.changed();
      }
    };
  }

  (window.formflowDesignerPanels = window.formflowDesignerPanels || []).push(fetchPanel);
})();
