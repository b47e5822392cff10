/* Shared browser helpers: translations from the #ff-i18n data block, a JSON
   fetch wrapper that sends the CSRF token, and label resolution.
   Loaded on every page before the component scripts and before Alpine. */
(function () {
  'use strict';

  function readJSON(id, fallback) {
    var el = document.getElementById(id);
    if (!el) return fallback;
    try { return JSON.parse(el.textContent || 'null') || fallback; } catch (e) { return fallback; }
  }

  var messages = null;
  function t(key, params) {
    if (messages === null) messages = readJSON('ff-i18n', {});
    var text = Object.prototype.hasOwnProperty.call(messages, key) ? messages[key] : key;
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

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  }

  /* fetch JSON; resolves {ok, status, data} and never throws for HTTP errors. */
  function api(method, url, body, headers) {
    var opts = {
      method: method,
      credentials: 'same-origin',
      headers: { 'Accept': 'application/json', 'X-CSRFToken': csrfToken() }
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

  window.formflow = { t: t, label: label, api: api, readJSON: readJSON, clone: clone, locale: locale, csrfToken: csrfToken };

  // the server shows dates in the reader's zone; without a saved one it uses the browser's
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf('formflow_tz=' + encodeURIComponent(zone)) < 0) {
      document.cookie = 'formflow_tz=' + encodeURIComponent(zone) + '; path=/; max-age=31536000; samesite=lax';
    }
  } catch (e) { /* no Intl: the workspace zone applies */ }
})();
