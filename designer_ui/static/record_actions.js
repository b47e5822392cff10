/* The record page's Delete: the record goes (DELETE, restorable), the page says so and offers Restore in place
   (POST …/restore), which brings the record, its Edit and its Delete back. A refusal is shown in the reader's language
   as the server words it. */
(function () {
  'use strict';
  var ff = window.formflow;

  function start() {
    var del = document.getElementById('record-delete');
    if (!del) return;
    var url = del.getAttribute('data-url');
    var edit = document.getElementById('record-edit');
    var box = document.getElementById('record-deleted');
    var status = document.getElementById('record-action-status');
    var restore = document.getElementById('record-restore');

    function say(text, isError) {
      box.hidden = false;
      status.textContent = text;
      status.className = 'alert ' + (isError ? 'alert-error' : 'alert-info');
    }
    function refused(r) { return (r.data && r.data.error && r.data.error.message) || ff.t('common.error'); }
    function deleted(on) {
      del.hidden = on;
      if (edit) edit.hidden = on;
      restore.hidden = !on;
    }

    del.addEventListener('click', function () {
      if (!window.confirm(ff.t('records.grid.confirm_delete', { count: 1 }))) return;
      del.disabled = true;
      ff.api('DELETE', url).then(function (r) {
        del.disabled = false;
        if (!r.ok) { say(refused(r), true); return; }
        deleted(true);
        say(ff.t('records.grid.deleted_view'));
        restore.focus();
      });
    });
    restore.addEventListener('click', function () {
      restore.disabled = true;
      ff.api('POST', url + '/restore').then(function (r) {
        restore.disabled = false;
        if (!r.ok) { say(refused(r), true); return; }
        deleted(false);
        say(ff.t('records.grid.restored_done', { count: 1 }));
        del.focus();
      });
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
