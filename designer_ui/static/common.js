/* Shared browser helpers: translations from the #ff-i18n data block, a JSON
   fetch wrapper that sends the CSRF token, label resolution and the copy buttons
   of a value shown once.
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

  window.formflow = { t: t, label: label, api: api, readJSON: readJSON, clone: clone, locale: locale, csrfToken: csrfToken,
                    copyButtons: copyButtons };

  // the server shows dates in the reader's zone; without a saved one it uses the browser's
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf('formflow_tz=' + encodeURIComponent(zone)) < 0) {
      document.cookie = 'formflow_tz=' + encodeURIComponent(zone) + '; path=/; max-age=31536000; samesite=lax';
    }
  } catch (e) { /* no Intl: the workspace zone applies */ }
})();
