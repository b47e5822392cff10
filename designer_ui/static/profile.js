/* The profile page: a copy button for a new API token, and a confirmation before forms marked data-confirm
   (revoking a token, signing out everywhere: data-confirm-checked is the text when the checkbox named by
   data-confirm-checkbox is ticked). The page works without this script; the forms then post unconfirmed. */
(function () {
  'use strict';
  var t = function (key) { return window.formflow ? window.formflow.t(key) : key; };

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute || !form.hasAttribute('data-confirm')) return;
    var text = form.getAttribute('data-confirm');
    var box = form.getAttribute('data-confirm-checkbox') && document.getElementById(form.getAttribute('data-confirm-checkbox'));
    if (box && box.checked && form.getAttribute('data-confirm-checked')) text = form.getAttribute('data-confirm-checked');
    if (!window.confirm(text)) event.preventDefault();
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
