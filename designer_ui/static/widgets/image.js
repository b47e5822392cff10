/* Image widget (field type "image", engine/fields/image.py): pick pictures, upload them to this field, and show the
   thumbnails the server made (GET /api/attachments/<id>/thumbnail). Registered as window.formflowWidgets.image. */
(function () {
  'use strict';
  var widgets = window.formflowWidgets = window.formflowWidgets || {};

  widgets.image = {
    mount: function (el, host) {
      var f = host.field, many = !!(f.options && f.options.multiple);
      var input = document.createElement('input');
      input.type = 'file';
      input.accept = 'image/*';
      input.multiple = many;
      input.id = host.id;
      input.disabled = host.readonly();
      input.setAttribute('aria-describedby', host.describedBy);
      input.setAttribute('data-testid', 'input-' + f.id);
      var shelf = document.createElement('div');
      shelf.className = 'thumbs';
      shelf.setAttribute('data-testid', 'thumbs-' + f.id);
      function show() {
        shelf.innerHTML = '';
        [].concat(host.get() || []).forEach(function (id, i) {
          var img = document.createElement('img');
          img.src = host.attachmentUrl(id) + '/thumbnail';
          img.alt = host.t('fill.image.thumbnail', { n: i + 1 });
          img.className = 'thumb';
          shelf.appendChild(img);
        });
      }
      input.addEventListener('change', function () {
        var files = [].slice.call(input.files || []);
        if (!files.length) return;
        Promise.all(files.map(function (file) { return host.upload(file, file.name); })).then(function (ids) {
          host.set(many ? [].concat(host.get() || [], ids) : ids[0]);
          show();
        }, function (message) { host.fail(message); });
      });
      el.appendChild(input);
      el.appendChild(shelf);
      show();
    }
  };
})();
