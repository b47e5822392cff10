/* Sub-table columns labelled in both languages (a mixin of 'formDesigner', registered in window.formflowDesignerPanels):
   each column has an English and a Chinese label box, and the generated form shows the one of the reader's language. */
(function () {
  'use strict';

  function columnsPanel() {
    return {
      columnLabel: function (sf, loc) {
        if (sf.label && typeof sf.label === 'object') return sf.label[loc] || '';
        return loc === 'en' ? (sf.label || '') : '';
      },
      columnLabelName: function (i, loc) {
        return window.formflow.t(loc === 'zh-CN' ? 'designer.column_label_zh' : 'designer.column_label_en', { n: i + 1 });
      },
      setColumnLabel: function (i, loc, value) {
        var f = this.selected();
        if (!f || !f.options || !f.options.fields || !f.options.fields[i]) return;
        this.touch('column-label:' + f.id + ':' + i + ':' + loc);
        var sf = f.options.fields[i];
        if (!sf.label || typeof sf.label !== 'object') sf.label = { en: sf.label || '' };
        sf.label[loc] = value;
        this.clearErrorsFor(f.id, 'options.fields');
        this.changed();
      }
    };
  }

  (window.formflowDesignerPanels = window.formflowDesignerPanels || []).push(columnsPanel);
})();
