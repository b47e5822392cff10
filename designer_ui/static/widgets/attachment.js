/* Attachment widget (form.input "file"): a file input; the chosen files are uploaded at once to the field's upload URL
   (host.uploadFiles, where the field's size and type limits apply) and the value is the attachment id, or their ids
   with options.multiple. A refused upload is shown at the field. Registered as window.formflowWidgets.attachment. */
(function () {
  'use strict';
  var widgets = window.formflowWidgets = window.formflowWidgets || {};

  widgets.attachment = {
    mount: function (el, host) {
      var f = host.field, many = !!(f.options && f.options.multiple);
      var box = window.formflowWidgets.input.control(document.createElement('input'), host, 'disabled');
      box.type = 'file';
      box.multiple = many;
      box.addEventListener('change', function () {
        if (!box.files || !box.files.length) return;
        host.uploadFiles(box.files).then(function (ids) {
          host.set(many ? ids : (ids[0] === undefined ? null : ids[0]));
        }, function (message) { host.fail(message); });
      });
      el.appendChild(box);
    }
  };
})();
