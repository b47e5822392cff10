/* Shared browser helpers: translations from the #ff-i18n data block, a JSON
   fetch wrapper that sends the CSRF token, label resolution, the copy buttons
   of a value shown once, and the field types' facts and widget registry.
   Loaded on every page before the component scripts and before Alpine. */
(function () {
  'use strict';

  function readJSON(id, fallback) {
    var el = document.getElementById(id);
    if (!el) return fallback;
    try { return JSON.parse(el.textContent || 'null') || fallback; } catch (e) { return fallback; }
  }

  var messages = null;
  var has = function (key) { return Object.prototype.hasOwnProperty.call(messages, key); };
  /* ngettext: a text given a numeric count reads in the locale's plural form ('1 record', '2 records') when the
     catalogue has its plural entry ('<key>.plural'), as the server's gettext does */
  function pluralKey(key, params) {
    var count = params && params.count;
    if (typeof count !== 'number' || !has(key + '.plural')) return key;
    var form = count === 1 ? 'one' : 'other';
    try { form = new Intl.PluralRules(locale()).select(count); } catch (e) { /* keep the English rule */ }
    return form === 'one' ? key : key + '.plural';
  }
  function t(key, params) {
    if (messages === null) messages = readJSON('ff-i18n', {});
    key = pluralKey(key, params);
    var text = has(key) ? messages[key] : key;
    if (params) {
      text = text.replace(/\{(\w+)\}/g, function (m, name) {
        return Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : m;
      });
    }
    return text;
  }

  function locale() {
    return document.documentElement.getAttribute('lang') || 'en';
  }

  /* A definition label: plain string or {"en": .., "zh-CN": ..}. */
  function label(value, fallback) {
    if (value && typeof value === 'object') {
      return value[locale()] || value.en || value['zh-CN'] || fallback || '';
    }
    return value || fallback || '';
  }

  /* One language's text of a name that may be given per language; a plain text is the English one (as the server reads it). */
  function textIn(value, loc) {
    if (value && typeof value === 'object') return value[loc] || '';
    return loc === 'en' ? (value || '') : '';
  }

  /* The name with one language's text set (typed in an editor's per-language input); an emptied language is dropped,
     and an English-only name stays the plain text it always was. */
  function withText(value, loc, text) {
    var out = (value && typeof value === 'object') ? Object.assign({}, value) : (value ? { en: value } : {});
    if (text) out[loc] = text; else delete out[loc];
    var langs = Object.keys(out);
    return !langs.length ? '' : (langs.length === 1 && langs[0] === 'en') ? out.en : out;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  }

  /* fetch JSON; resolves {ok, status, data} and never throws for HTTP errors. */
  function api(method, url, body, headers) {
    var opts = {
      method: method,
      credentials: 'same-origin',
      // the server words its refusals in the page's language (<html lang>), whatever the browser's own preference
      headers: { 'Accept': 'application/json', 'Accept-Language': locale(), 'X-CSRFToken': csrfToken() }
    };
    Object.keys(headers || {}).forEach(function (k) { opts.headers[k] = headers[k]; });
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (resp) {
      return resp.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = { error: { code: 'bad_response', message: text.slice(0, 300) } }; }
        return { ok: resp.ok, status: resp.status, data: data };
      });
    }, function (err) {
      return { ok: false, status: 0, data: { error: { code: 'network', message: String(err) } } };
    });
  }

  function clone(value) {
    return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  }

  /* Copy buttons: a click on [data-copy="ID"] selects the input #ID and copies its value; the outcome is said in
     [data-copy-status="ID"] (a polite live region). Falls back to execCommand where the clipboard API is missing. */
  var copyBound = false;
  function copyButtons() {
    if (copyBound) return;
    copyBound = true;
    function say(targetId, text) {
      var status = document.querySelector('[data-copy-status="' + targetId + '"]');
      if (status) status.textContent = text;
    }
    document.addEventListener('click', function (event) {
      var button = event.target.closest ? event.target.closest('[data-copy]') : null;
      if (!button) return;
      var id = button.getAttribute('data-copy');
      var input = document.getElementById(id);
      if (!input) return;
      input.focus();
      input.select();
      var fallback = function () {
        var ok = false;
        try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
        say(id, ok ? t('profile.copied') : t('profile.copy_failed'));
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(function () { say(id, t('profile.copied')); }, fallback);
      } else {
        fallback();
      }
    });
  }

  /* Field types as the server describes them (engine/fields, GET /api/field-types), from the page's #field-types data
     block ({type: {widget, value_kind, capabilities, form: {input, html_input, rule_operators, ...}}}) or given by a
     page (learnFieldTypes). Scripts ask the type, fieldType(f).form.input, and never test a type's name. */
  var fieldTypes = null;
  var NO_TYPE = { type: '', widget: '', value_kind: 'string', capabilities: [], filter_operators: [], form: {
    input: 'input', html_input: 'text', autocomplete: null, input_mode: null, default_precision: null, free_step: null, input_value: 'text',
    blank: null, wide: false, rule_operators: ['eq', 'ne', 'empty', 'not_empty'],
    rule_literal: 'text', cell_text: 'text', numeric_cell: false, hint_rank: null } };
  function learnFieldTypes(described) {
    if (fieldTypes === null) fieldTypes = readJSON('field-types', {});
    (Array.isArray(described) ? described : Object.keys(described || {}).map(function (k) { return described[k]; }))
      .forEach(function (d) { if (d && d.type && d.form) fieldTypes[d.type] = d; });
  }
  /* the description of a field's type (a field definition or a type name); an unknown type gets plain-text facts */
  function fieldType(fieldOrType) {
    if (fieldTypes === null) fieldTypes = readJSON('field-types', {});
    var name = fieldOrType && typeof fieldOrType === 'object' ? fieldOrType.type : fieldOrType;
    return Object.prototype.hasOwnProperty.call(fieldTypes, name) ? fieldTypes[name] : NO_TYPE;
  }
  function typeCan(fieldOrType, capability) { return fieldType(fieldOrType).capabilities.indexOf(capability) >= 0; }

  /* The widget registry: each module in static/widgets/ registers {mount(el, host)} under its widget name. */
  var widgets = window.formflowWidgets = window.formflowWidgets || {};
  function widgetOf(fieldOrType) {
    var name = fieldType(fieldOrType).widget;
    return (name && Object.prototype.hasOwnProperty.call(widgets, name) && widgets[name]) || null;
  }

  /* What a field type's widget picks from, one level at a time (GET /api/field-types/<type>/choices?parent=..):
     a Promise of [{value, label}] ([] when the server refuses). */
  function typeChoices(fieldOrType, parent) {
    var name = fieldOrType && typeof fieldOrType === 'object' ? fieldOrType.type : fieldOrType;
    if (!name) return Promise.resolve([]);
    var url = '/api/field-types/' + encodeURIComponent(name) + '/choices' + (parent ? '?parent=' + encodeURIComponent(parent) : '');
    return api('GET', url).then(function (r) { return r.ok ? (r.data.items || []) : []; });
  }

  /* the list an API answer holds: the answer itself, or its items / records / results / data */
  function itemsOf(data) {
    if (Array.isArray(data)) return data;
    if (!data) return [];
    return data.items || data.records || data.results || data.data || [];
  }

  /* A moment (ISO text) as the reader reads it: in their time zone (<html data-tz>, the server's answer for them) and
     their language; opts are Intl options (default: medium date, short time). */
  function moment(iso, opts) {
    var d = new Date(iso);
    if (!iso || isNaN(d.getTime())) return String(iso || '');
    var o = Object.assign({ dateStyle: 'medium', timeStyle: 'short' }, opts || {});
    var zone = document.documentElement.getAttribute('data-tz');
    if (zone) o.timeZone = zone;
    try { return d.toLocaleString(locale(), o); } catch (e) { delete o.timeZone; return d.toLocaleString(locale(), o); }
  }

  window.formflow = { t: t, label: label, textIn: textIn, withText: withText, api: api, readJSON: readJSON, clone: clone, locale: locale, csrfToken: csrfToken, moment: moment,
                    copyButtons: copyButtons, fieldType: fieldType, typeCan: typeCan, learnFieldTypes: learnFieldTypes,
                    widgets: widgets, widgetOf: widgetOf, typeChoices: typeChoices,
                    itemsOf: itemsOf };

  // a choice's colour (data-chip="#rrggbb" on a server-rendered chip): the policy refuses style attributes, not the CSSOM
  Array.prototype.forEach.call(document.querySelectorAll('[data-chip]'), function (el) {
    var color = el.getAttribute('data-chip');
    if (/^#[0-9a-fA-F]{6}$/.test(color)) el.style.setProperty('--chip', color);
  });

  // the server shows dates in the reader's zone; without a saved one it uses the browser's
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf('formflow_tz=' + encodeURIComponent(zone)) < 0) {
      document.cookie = 'formflow_tz=' + encodeURIComponent(zone) + '; path=/; max-age=31536000; samesite=lax';
    }
  } catch (e) { /* no Intl: the workspace zone applies */ }
})();
