/* The designer's "names the record" checkbox in the property panel: the form's settings.title_field, the field whose
   text is the record's title in pickers, lists, related tables and messages (engine/services/titles.py). Without one,
   a name a person types names it (a field whose type titles records: a required one first, in form order), a serial
   number (a type the engine numbers) only when no name is filled in; defaultTitleId() is that rule, and the field it
   picks says so under the checkbox. Fields that link to other records never name one.
   A mixin of 'formDesigner' (window.formflowDesignerPanels). */
(function () {
  'use strict';

  var LINKING = ['is_reference', 'is_user', 'holds_attachments', 'stores_rows'];

  function canName(f) {
    return !!f && !f.deleted && !LINKING.some(function (c) { return window.formflow.typeCan(f.type, c); });
  }

  function recordTitlePanel() {
    return {
      canNameRecord: function () { return canName(this.selected()); },
      namesRecord: function () {
        var f = this.selected();
        return !!f && !!this.def.settings && this.def.settings.title_field === f.id;
      },
      /* the field that names a record when none is chosen (the server's title_fields order, first of them) */
      defaultTitleId: function () {
        var ranked = (this.def.fields || []).map(function (f, i) { return { f: f, i: i }; }).filter(function (x) {
          return canName(x.f) && window.formflow.typeCan(x.f.type, 'titles_record');
        });
        ranked.sort(function (a, b) {
          var an = window.formflow.typeCan(a.f.type, 'numbered') ? 1 : 0, bn = window.formflow.typeCan(b.f.type, 'numbered') ? 1 : 0;
          return (an - bn) || ((a.f.required ? 0 : 1) - (b.f.required ? 0 : 1)) || (a.i - b.i);
        });
        return ranked.length ? ranked[0].f.id : null;
      },
      namesByDefault: function () {
        var f = this.selected();
        return !!f && !(this.def.settings && this.def.settings.title_field) && this.defaultTitleId() === f.id;
      },
      setNamesRecord: function (on) {
        var f = this.selected();
        if (!f) return;
        this.touch('settings:title_field');
        this.def.settings = this.def.settings || {};
        if (on) this.def.settings.title_field = f.id;
        else if (this.def.settings.title_field === f.id) delete this.def.settings.title_field;
        this.changed();
      }
    };
  }

  (window.formflowDesignerPanels = window.formflowDesignerPanels || []).push(recordTitlePanel);
})();
