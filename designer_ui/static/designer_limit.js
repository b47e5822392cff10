/* The designer's "Who may be chosen" editor of a member field (options.limit = {roles: [keys], teams: [keys]}), in the
   property panel: the workspace's roles and teams (cfg.people_limits, from the designer page) as two lists of check
   boxes; a person holding one of the ticked roles or in one of the ticked teams may be chosen, none ticked: anyone.
   The server refuses a key naming no role or team at /fields/<i>/options/limit/<kind>/<j> (shown under the lists).
   A mixin of 'formDesigner' (window.formflowDesignerPanels). */
(function () {
  'use strict';

  var KINDS = ['roles', 'teams'];

  function limitPanel() {
    return {
      /* the type's options.limit property (GET /api/field-types): its label and help in the reader's language */
      limitProp: function () {
        var props = window.formflow.fieldType(this.selectedType()).properties || [];
        return props.filter(function (p) { return p.kind === 'people_limit'; })[0] || { label: '', help: '' };
      },
      limitText: function () { return window.formflow.label(this.limitProp().label, ''); },
      limitHelp: function () { return window.formflow.label(this.limitProp().help, ''); },
      /* [{key, label}] of 'roles' or 'teams', in the reader's language */
      limitChoices: function (kind) {
        var all = (this.cfg.people_limits || {})[kind] || [];
        return all.map(function (x) { return { key: x.key, label: window.formflow.label(x.label, x.key) }; });
      },
      hasLimitChoices: function (kind) { return this.limitChoices(kind).length > 0; },
      noLimitChoices: function (kind) { return !this.hasLimitChoices(kind); },
      limitOf: function () {
        var f = this.selected();
        return (f && f.options && f.options.limit && typeof f.options.limit === 'object') ? f.options.limit : {};
      },
      limitHas: function (kind, key) {
        var list = this.limitOf()[kind];
        return Array.isArray(list) && list.indexOf(key) >= 0;
      },
      limitBoxId: function (kind, key) { return 'p-limit-' + kind + '-' + key; },
      setLimit: function (kind, key, on) {
        var f = this.selected();
        if (!f || KINDS.indexOf(kind) < 0 || this.limitHas(kind, key) === !!on) return;
        this.touch('prop:options.limit:' + f.id);
        f.options = f.options || {};
        var limit = {};
        KINDS.forEach(function (k) {
          var list = ((f.options.limit || {})[k] || []).filter(function (x) { return x !== key || k !== kind; });
          if (k === kind && on) list.push(key);
          if (list.length) limit[k] = list;
        });
        if (Object.keys(limit).length) f.options.limit = limit; else delete f.options.limit;
        this.clearErrorsFor(f.id, 'options.limit');
        this.changed();
      }
    };
  }

  (window.formflowDesignerPanels = window.formflowDesignerPanels || []).push(limitPanel);
})();
