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

  // the copy buttons of a value shown once (common.js)
  window.formflow.copyButtons();
})();
