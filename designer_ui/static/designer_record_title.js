/* The designer's "names the record" checkbox in the property panel: the form's settings.title_field, the field whose
   text is the record's title in pickers, lists, related tables and messages (engine/services/titles.py; without one,
   the first text-like field names it, a serial number included). Fields that link to other records never name one.
   A mixin of 'formDesigner' (window.formflowDesignerPanels). */
(function () {
  'use strict';

  var LINKING = ['is_reference', 'is_user', 'holds_attachments', 'stores_rows'];

  function recordTitlePanel() {
    return {
      canNameRecord: function () {
        var f = this.selected();
        return !!f && !LINKING.some(function (c) { return window.formflow.typeCan(f.type, c); });
      },
      namesRecord: function () {
        var f = this.selected();
        return !!f && !!this.def.settings && this.def.settings.title_field === f.id;
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
