/* Signature widget (field type "signature", engine/fields/signature.py): draw with mouse, pen or finger on a canvas
   (the vendored signature_pad), then "Use this signature" uploads the drawing as a PNG attachment of this field and
   keeps its id. "Clear" starts again. Registered as window.formflowWidgets.signature. */
(function () {
  'use strict';
  var widgets = window.formflowWidgets = window.formflowWidgets || {};
  var here = document.currentScript && document.currentScript.src;
  //: the vendored library, beside this module's folder
  var LIBRARY = here ? here.slice(0, here.lastIndexOf('/widgets/')) + '/vendor/signature_pad/signature_pad.umd.min.js' : '';

  function library() {
    if (window.SignaturePad) return Promise.resolve(window.SignaturePad);
    return new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = LIBRARY;
      s.onload = function () { resolve(window.SignaturePad); };
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  function dataUrlToBlob(url) {
    var bytes = atob(url.split(',')[1]), out = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) out[i] = bytes.charCodeAt(i);
    return new Blob([out], { type: 'image/png' });
  }

  widgets.signature = {
    mount: function (el, host) {
      var f = host.field;
      var canvas = document.createElement('canvas');
      canvas.width = 480;
      canvas.height = 160;
      canvas.className = 'signature-pad';
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', host.t('fill.signature.pad'));
      canvas.setAttribute('data-testid', 'input-' + f.id);
      var status = document.createElement('div');
      status.className = 'help';
      status.setAttribute('role', 'status');
      var actions = document.createElement('div');
      actions.className = 'signature-actions';
      function button(key, onClick) {
        var b = document.createElement('button');
        b.type = 'button';
        b.className = 'btn btn-sm';
        b.textContent = host.t(key);
        b.disabled = host.readonly();
        b.addEventListener('click', onClick);
        actions.appendChild(b);
        return b;
      }
      el.appendChild(canvas);
      el.appendChild(actions);
      el.appendChild(status);
      if (host.get()) status.textContent = host.t('fill.signature.saved');
      library().then(function (SignaturePad) {
        var pad = new SignaturePad(canvas);
        if (host.readonly()) pad.off();
        pad.addEventListener('beginStroke', function () { status.textContent = host.t('fill.signature.unsaved'); });
        button('fill.signature.clear', function () { pad.clear(); host.set(null); status.textContent = ''; });
        button('fill.signature.use', function () {
          if (pad.isEmpty()) { host.fail(host.t('fill.signature.empty')); return; }
          host.upload(dataUrlToBlob(pad.toDataURL('image/png')), 'signature.png').then(function (id) {
            host.set(id);
            status.textContent = host.t('fill.signature.saved');
          }, function (message) { host.fail(message); });
        });
      }, function () { host.fail(host.t('common.error')); });
    }
  };
})();
