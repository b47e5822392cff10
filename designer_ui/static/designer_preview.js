/* The designer's Preview tab (a mixin of 'formDesigner', registered in window.formflowDesignerPanels): the real
   generated form in a frame. The definition on screen (saved or not) is posted into the frame
   (POST /apps/<app>/forms/<form>/preview, designer_ui/preview_views.py), which answers form_fill.html running the
   draft's compiled rules and computed fields with sample values: the frame is the form as people will fill it in,
   at desktop width or a phone's 390 px. Entering the tab, or Refresh, posts the current state again. */
(function () {
  'use strict';

  function previewPanel() {
    return {
      previewShown: '',  // the definition (JSON) the frame shows now

      /* x-effect on the preview panel: runs again when the tab changes; posts only on entering it */
      previewOnTab: function () {
        var on = this.tab === 'preview', self = this;
        if (on) setTimeout(function () { self.refreshPreview(false); }, 0);  // outside the effect: the definition is not a dependency
      },
      refreshPreview: function (force) {
        var form = document.querySelector('[data-preview-form]');
        if (!form || !this.def) return;
        var text = JSON.stringify(window.formflowDesigner.forServer(this.def));
        if (!force && text === this.previewShown) return;
        this.previewShown = text;
        form.querySelector('[name="definition"]').value = text;
        form.submit();
      },
      refreshPreviewNow: function () { this.refreshPreview(true); },
      previewAction: function () { return '/apps/' + encodeURIComponent(this.cfg.app) + '/forms/' + encodeURIComponent(this.cfg.form) + '/preview'; },
      livePreviewClass: function () { return 'preview-frame live ' + this.previewMode; }
    };
  }

  (window.formflowDesignerPanels = window.formflowDesignerPanels || []).push(previewPanel);
})();
