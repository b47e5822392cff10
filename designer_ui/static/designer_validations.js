/* The designer's submit validations (提交校验), in the Rules tab under the field rules: each validation has a name, an
   optional "only when" condition, the condition a submit must meet, the field its message shows at (picked by label,
   the key beside) and the message in English and Chinese. Conditions are rule expressions, checked by the server on
   save and publish; its refusals (/validations/<i>/<part>) show under the part at fault.
   A mixin of 'formDesigner' (window.formflowDesignerPanels). */
(function () {
  'use strict';

  function textIn(value, loc) {
    if (value && typeof value === 'object') return value[loc] || '';
    return loc === 'en' ? (value || '') : '';
  }
  function partPath(vi, part) { return 'validations.' + vi + '.' + part; }

  function validationsPanel() {
    return {
      validationsList: function () { return (this.def && this.def.validations) || []; },
      hasValidations: function () { return this.validationsList().length > 0; },
      addValidation: function () {
        this.touch();
        var list = this.def.validations = this.def.validations || [];
        var n = list.length + 1, id = 'v' + n;
        while (list.some(function (v) { return v.id === id; })) { n += 1; id = 'v' + n; }
        list.push({ id: id, condition: '', fields: [], message: { en: '', 'zh-CN': '' } });
        this.changed();
      },
      removeValidation: function (vi) {
        this.touch();
        this.def.validations.splice(vi, 1);
        if (!this.def.validations.length) delete this.def.validations;
        this.errors = this.errors.filter(function (e) { return e.normPath.indexOf('validations.') !== 0; });
        this.changed();
      },
      validationText: function (v, key, loc) { return textIn(v[key], loc); },
      /* a name or message per language; an empty name is left out (the schema wants none rather than an empty one) */
      setValidationText: function (vi, key, loc, value) {
        var v = this.def.validations[vi];
        this.touch('validation:' + vi + ':' + key + ':' + loc);
        var texts = v[key] && typeof v[key] === 'object' ? v[key] : (v[key] ? { en: v[key] } : {});
        texts[loc] = value;
        if (key === 'name' && !Object.keys(texts).some(function (k) { return texts[k]; })) delete v.name; else v[key] = texts;
        this.clearValidationErrors(vi, key);
        this.changed();
      },
      validationExpr: function (v, key) { return v[key] || ''; },
      setValidationExpr: function (vi, key, value) {
        var v = this.def.validations[vi];
        this.touch('validation:' + vi + ':' + key);
        if (key === 'when' && !value.trim()) delete v.when; else v[key] = value;
        this.clearValidationErrors(vi, key);
        this.changed();
      },
      validationField: function (v) { return (v.fields || [])[0] || ''; },
      setValidationField: function (vi, value) {
        this.touch('validation:' + vi + ':fields');
        this.def.validations[vi].fields = value ? [value] : [];
        this.clearValidationErrors(vi, 'fields');
        this.changed();
      },
      validationFieldOptions: function () {
        return this.fieldsForRules().map(function (f) { return { id: f.id, text: f.label + ' · ' + f.name }; });
      },
      validationDomId: function (vi, part) { return 'validation-' + vi + '-' + part; },
      validationError: function (vi, part) {
        var p = partPath(vi, part);
        return this.errors.filter(function (e) { return e.normPath === p || e.normPath.indexOf(p + '.') === 0; })
          .map(function (e) { return typeof e.position === 'number' ? e.message + ' (@' + e.position + ')' : e.message; }).join(' ');
      },
      clearValidationErrors: function (vi, part) {
        var p = partPath(vi, part);
        this.errors = this.errors.filter(function (e) { return !(e.normPath === p || e.normPath.indexOf(p + '.') === 0); });
      }
    };
  }

  (window.formflowDesignerPanels = window.formflowDesignerPanels || []).push(validationsPanel);
})();
