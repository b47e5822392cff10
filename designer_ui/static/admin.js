/* The admin screens: a confirmation before forms marked data-confirm (reset a password, revoke a token, update from a
   template), the delete buttons of forms marked data-type-to-confirm asking once more, and the copy buttons of a
   password or token shown once. The pages work without this script: the server checks the typed key itself. */
(function () {
  'use strict';
  var t = function (key) { return window.formflow ? window.formflow.t(key) : key; };

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form || !form.getAttribute) return;
    var text = form.getAttribute('data-confirm');
    if (text && !window.confirm(text)) { event.preventDefault(); return; }
    var key = form.getAttribute('data-type-to-confirm');
    var typed = form.querySelector('input[name="confirm"]');
    // a typed key that matches: one last question (the server refuses a wrong key at the field by itself)
    if (key && typed && typed.value === key && !window.confirm(t('admin.confirm_delete'))) event.preventDefault();
  });

  // a print button (the public link's QR code): the policy runs no inline onclick
  document.addEventListener('click', function (event) {
    if (event.target.closest && event.target.closest('[data-print]')) window.print();
  });

  // "New app": the key is made from the name as it is typed (English, else pinyin; the server picks one free in the
  // workspace) and shown in its box, until the admin types a key of their own
  Array.prototype.forEach.call(document.querySelectorAll('form[data-key-from-name]'), function (form) {
    var key = form.querySelector('input[name="key"]');
    var en = form.querySelector('input[name="label_en"]');
    var zh = form.querySelector('input[name="label_zh"]');
    if (!key || !en || !zh) return;
    var own = !!key.value, timer = null, asked = 0;
    key.addEventListener('input', function () { own = !!key.value; });
    var follow = function () {
      if (own) return;
      var label = { en: en.value, 'zh-CN': zh.value };
      clearTimeout(timer);
      if (!en.value.trim() && !zh.value.trim()) { key.value = ''; return; }
      timer = setTimeout(function () {
        var mine = ++asked;
        window.formflow.api('POST', '/api/app-key', { label: label }).then(function (r) {
          if (mine === asked && !own && r.ok && r.data && r.data.key) key.value = r.data.key;
        });
      }, 250);
    };
    en.addEventListener('input', follow);
    zh.addEventListener('input', follow);
  });

  // the copy buttons of a value shown once (common.js)
  window.formflow.copyButtons();
})();
