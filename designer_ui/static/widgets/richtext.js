/* Rich text widget (field type "richtext", engine/fields/richtext.py): a contenteditable box with bold, italic,
   list and link buttons. The HTML it sends is sanitized again by the server (nh3); nothing here is trusted.
   Registered as window.formflowWidgets.richtext. */
(function () {
  'use strict';
  var widgets = window.formflowWidgets = window.formflowWidgets || {};
  var TOOLS = [['bold', 'fill.richtext.bold', 'B'], ['italic', 'fill.richtext.italic', 'I'],
               ['insertUnorderedList', 'fill.richtext.bullets', '•'], ['insertOrderedList', 'fill.richtext.numbers', '#']];

  /* a toolbar button: its symbol is decoration, its name is the message */
  function toolButton(symbol, name) {
    var b = document.createElement('button'), glyph = document.createElement('span');
    b.type = 'button';
    b.className = 'btn btn-sm btn-ghost';
    b.setAttribute('aria-label', name);
    b.title = name;
    glyph.setAttribute('aria-hidden', 'true');
    glyph.textContent = symbol;
    b.appendChild(glyph);
    b.addEventListener('mousedown', function (e) { e.preventDefault(); });  // keep the selection in the box
    return b;
  }

  widgets.richtext = {
    mount: function (el, host) {
      var f = host.field;
      var bar = document.createElement('div');
      bar.className = 'richtext-tools';
      bar.setAttribute('role', 'toolbar');
      bar.setAttribute('aria-label', host.t('fill.richtext.tools'));
      var box = document.createElement('div');
      box.className = 'input richtext';
      box.id = host.id;
      box.contentEditable = host.readonly() ? 'false' : 'true';
      box.setAttribute('role', 'textbox');
      box.setAttribute('aria-multiline', 'true');
      box.setAttribute('aria-labelledby', host.labelId);
      box.setAttribute('aria-describedby', host.describedBy);
      box.setAttribute('data-testid', 'input-' + f.id);
      // the stored value is server-sanitized HTML: shown as the editor's content
      box.innerHTML = host.get() || '';
      function sync() {
        var text = box.textContent.replace(/\s+/g, '');
        host.set(text || box.querySelector('li') ? box.innerHTML : null);
      }
      TOOLS.forEach(function (tool) {
        var b = toolButton(tool[2], host.t(tool[1]));
        b.addEventListener('click', function () { box.focus(); document.execCommand(tool[0]); sync(); });
        bar.appendChild(b);
      });
      var link = toolButton('🔗', host.t('fill.richtext.link'));
      link.addEventListener('click', function () {
        var url = window.prompt(host.t('fill.richtext.link_prompt'), 'https://');
        if (url && /^(https?:|mailto:)/i.test(url)) { box.focus(); document.execCommand('createLink', false, url); sync(); }
      });
      bar.appendChild(link);
      box.addEventListener('input', sync);
      el.appendChild(bar);
      el.appendChild(box);
    }
  };
})();
