/* "Used by" while renaming (a mixin of 'formDesigner', registered in window.formflowDesignerPanels): once the selected
   field's label or key changes, the places that use the field as saved (rules, validations, automations, templates,
   workflows, dashboards, permissions: POST {api}/field-usage, engine/services/field_usage.py) are listed under the
   key with links, so the admin sees what the rename touches before saving. */
(function () {
  'use strict';

  //: wait this long after the last keystroke of a rename before asking which places use the field
  var RENAME_USAGE_DEBOUNCE_MS = 300;

  function signature(f) { return JSON.stringify([f.label, f.name, f.id]); }

  function usagePanel() {
    return {
      renameWatch: null,  // {field, id: the key as saved, start: label/key when selected, items, asked}

      /* x-effect in the properties pane: runs again when the selection, its label or its key change */
      renameUsageEffect: function () {
        var f = this.selected();
        if (!f) { this.renameWatch = null; return; }
        var sig = signature(f), w = this.renameWatch, self = this;
        if (!w || w.field !== f) { this.renameWatch = { field: f, id: f.id, start: sig, items: [], asked: false }; return; }
        if (sig === w.start || w.asked) return;
        w.asked = true;  // the places using the saved key don't change while typing: ask once per selection
        clearTimeout(this.renameUsageTimer);
        this.renameUsageTimer = setTimeout(function () {
          window.formflow.api('POST', self.cfg.api_base + '/field-usage', { field: w.id }).then(function (r) {
            if (self.renameWatch === w) w.items = (r.ok && r.data && r.data.items) || [];
          });
        }, RENAME_USAGE_DEBOUNCE_MS);
      },
      renameUsage: function () { return this.renameWatch ? this.renameWatch.items : []; },
      hasRenameUsage: function () { return this.renameUsage().length > 0; },
      renameUsageTitle: function () {
        var f = this.selected();
        return f ? window.formflow.t('designer.rename_used_by', { field: this.fieldTitle(f), key: this.renameWatch ? this.renameWatch.id : f.id }) : '';
      }
    };
  }

  (window.formflowDesignerPanels = window.formflowDesignerPanels || []).push(usagePanel);
})();
