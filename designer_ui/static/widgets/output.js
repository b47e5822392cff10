/* Output widget (form.input "auto": a value the engine sets, a serial number or a computed / rolled-up one): shown,
   never typed; a numbered type that has no number yet says it gets one on save; a value the field names among its
   choices (a formula's segment code) shows that choice's label, as the record page does. Registered as
   window.formflowWidgets.output. */
(function () {
  'use strict';
  var widgets = window.formflowWidgets = window.formflowWidgets || {};

  widgets.output = {
    /* a derived value in a grid: the server's text (engine.services.display reads a roll-up as the field it rolls up:
       a date in the reader's zone, an amount with its currency) */
    cell: function (value, f, shown) {
      if (shown !== null && shown !== undefined) return shown;
      return typeof value === 'number' ? value.toLocaleString(window.formflow.locale()) : String(value);  // a column's total
    },
    mount: function (el, host) {
      var out = document.createElement('output'), numbered = window.formflow.typeCan(host.field, 'numbered');
      out.className = 'input mono muted';
      out.id = host.id;
      out.setAttribute('data-testid', host.testId);
      host.effect(function () {
        var v = host.get(), named = host.fieldChoices().filter(function (c) { return c.value === v; })[0];
        out.textContent = named ? named.label
          : v !== null && v !== undefined && v !== '' ? String(v) : (numbered ? host.t('fill.serial_on_save') : (host.whyNot() || '—'));
      });
      el.appendChild(out);
    }
  };
})();
