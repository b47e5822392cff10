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
})();
