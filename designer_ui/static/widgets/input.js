/* Input widget: the plain inputs of the types whose value is typed into one control (text, textarea, phone, e-mail, URL,
   number, money, yes/no): an <input type=form.html_input>, a <textarea> (form.input "textarea") or a switch
   (form.input "switch"), all from the type's facts (engine/fields FieldType.form_facts). It is also the generated
   form's fallback when a type's own module is not loaded. Registered as window.formflowWidgets.input.
   parse(field, raw) turns an input's text into the value the type takes (form.input_value: number, boolean, text). */
(function () {
  'use strict';
  var widgets = window.formflowWidgets = window.formflowWidgets || {};

  function facts(f) { return window.formflow.fieldType(f).form; }

  function parse(f, raw) {
    var how = facts(f).input_value;
    if (how === 'boolean') return !!raw;
    if (how === 'number') return raw === '' ? null : Number(raw);
    return raw === '' ? null : raw;
  }

  /* the step of a number input: options.precision, else the type's default decimals, else its free step */
  function step(f) {
    var p = f.options && f.options.precision, own = facts(f);
    if (p === undefined && own.default_precision !== null) p = own.default_precision;
    if (p === undefined || p === null) return own.free_step;
    return p === 0 ? '1' : String(Math.pow(10, -p).toFixed(p));
  }

  function attr(el, name, value) {
    if (value === null || value === undefined || value === false) el.removeAttribute(name);
    else el.setAttribute(name, value === true ? '' : String(value));
  }

  /* the attributes every control of the generated form carries: its id, help/error, test id, and the form's state */
  function control(el, host, readonlyAttr) {
    el.id = host.id;
    el.setAttribute('aria-describedby', host.describedBy);
    el.setAttribute('data-testid', host.testId);
    host.effect(function () {
      el[readonlyAttr] = host.readonly();
      if (readonlyAttr !== 'disabled') el.required = host.required();
      el.setAttribute('aria-invalid', host.invalid());
    });
    return el;
  }

  /* shows the field's value unless the control being typed into already says it */
  function showValue(el, host) {
    host.effect(function () {
      var v = host.get(), shown = v === null || v === undefined ? '' : String(v);
      if (el.value === shown) return;
      if (document.activeElement === el && JSON.stringify(parse(host.field, el.value)) === JSON.stringify(v === undefined ? null : v)) return;
      el.value = shown;
    });
  }

  /* a stored value as the grid shows it (form.cell_text): yes / no, a number grouped as the reader's language groups it,
     an amount with its currency (options.currency; the server's text when the field leaves it to the type's default) */
  function cell(value, f, shown) {
    var how = facts(f).cell_text, lang = window.formflow.locale(), n = Number(value);
    if (how === 'yes_no') return window.formflow.t(value ? 'common.yes' : 'common.no');
    if ((how !== 'number' && how !== 'money') || value === '' || isNaN(n)) return shown !== null && shown !== undefined ? shown : String(value);
    var p = f.options && f.options.precision;
    if (p === undefined || p === null) p = facts(f).default_precision;
    var opts = p === undefined || p === null ? {} : { minimumFractionDigits: p, maximumFractionDigits: p };
    var currency = how === 'money' && f.options && f.options.currency;
    if (how === 'money' && !currency && shown) return shown;
    if (currency) { opts.style = 'currency'; opts.currency = currency; opts.currencyDisplay = 'code'; }
    try { return n.toLocaleString(lang, opts); } catch (e) { return n.toLocaleString(lang); }
  }

  widgets.input = {
    parse: parse,
    cell: cell,
    control: control,
    showValue: showValue,
    mount: function (el, host) {
      var f = host.field, kind = facts(f).input, box;
      if (kind === 'switch') {
        box = control(document.createElement('input'), host, 'disabled');
        box.type = 'checkbox';
        box.setAttribute('role', 'switch');
        box.className = 'switch';
        host.effect(function () { box.checked = host.get() === true; });
        box.addEventListener('change', function () { host.set(!!box.checked); });
        var wrap = document.createElement('div');
        wrap.appendChild(box);
        el.appendChild(wrap);
        return;
      }
      box = control(document.createElement(kind === 'textarea' ? 'textarea' : 'input'), host, 'readOnly');
      if (kind !== 'textarea') {
        box.type = facts(f).html_input || 'text';
        attr(box, 'inputmode', facts(f).input_mode);
        attr(box, 'step', step(f));
      }
      attr(box, 'maxlength', (f.options && f.options.max_length) || null);
      showValue(box, host);
      box.addEventListener('input', function () { host.set(parse(f, box.value)); });
      el.appendChild(box);
    }
  };
})();
