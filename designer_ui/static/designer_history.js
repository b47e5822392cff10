/* The designer's History panel (a mixin of 'formDesigner', registered in window.formflowDesignerPanels):
   GET {api}/history?locale= lists the published versions and the draft saves newest first, each with who published
   or saved it, when, and what it changed against the one before (sentences in the page's language,
   engine/services/form_diff.py); POST {api}/versions/<n>/restore or {api}/saves/<revision>/restore (If-Match: the
   draft revision) makes a version or a save the draft. Nothing published changes until the next publish; the
   restore is one undo step. */
(function () {
  'use strict';

  var t = function (k, p) { return window.formflow.t(k, p); };

  function whenText(iso) {
    return window.formflow.moment(iso);
  }

  function historyPanel() {
    return {
      history: null,  // null: closed; {loading, draft, items, error}

      openHistory: function () {
        var self = this;
        this.history = { loading: true, draft: null, items: [], saves: [], error: '' };
        var locale = window.formflow.locale() === 'zh-CN' ? 'zh-CN' : 'en';
        window.formflow.api('GET', this.cfg.api_base + '/history?locale=' + encodeURIComponent(locale)).then(function (r) {
          var d = r.data || {};
          if (!r.ok) { self.history = { loading: false, draft: null, items: [], saves: [], error: (d.error && d.error.message) || t('common.error') }; return; }
          self.history = { loading: false, draft: d.draft, items: d.items || [], saves: d.saves || [], error: '' };
          setTimeout(function () { var h = document.getElementById('history-title'); if (h) h.focus(); }, 0);  // once shown
        });
      },
      closeHistory: function () { this.history = null; },
      hasHistory: function () { return this.history !== null; },
      historyLoading: function () { return !!(this.history && this.history.loading); },
      historyError: function () { return this.history ? this.history.error : ''; },
      historyItems: function () { return this.history ? this.history.items : []; },
      historyEmpty: function () { return !!(this.history && !this.history.loading && !this.history.error && !this.history.items.length); },
      historyDraftText: function () {
        var d = this.history && this.history.draft;
        if (!d || !this.history.items.length) return '';
        return t(d.unpublished_changes ? 'designer.history_draft_changed' : 'designer.history_draft_same');
      },
      versionTitle: function (v) { return t('designer.history_version', { version: v.version }); },
      versionBy: function (v) {
        return t('designer.history_by', { name: v.published_by ? v.published_by.name : t('designer.history_someone'), when: whenText(v.published_at) });
      },
      versionLines: function (v) {
        var out = [];
        (v.changes || []).forEach(function (g) {
          out.push({ key: g.group, kind: 'group', text: g.title });
          (g.items || []).forEach(function (c, i) { out.push({ key: g.group + i, kind: 'change', text: c.text }); });
        });
        return out;
      },
      restoreLabel: function (v) { return t('designer.history_restore', { version: v.version }); },
      versionTestId: function (v) { return 'version-' + v.version; },
      historySaves: function () { return this.history ? (this.history.saves || []) : []; },
      historySavesEmpty: function () { return !!(this.history && !this.history.loading && !this.history.error && !this.historySaves().length); },
      saveTitle: function (s) { return t('designer.history_save_title', { revision: s.revision }); },
      saveBy: function (s) {
        return t('designer.history_saved_by', { name: s.saved_by ? s.saved_by.name : t('designer.history_someone'), when: whenText(s.saved_at) });
      },
      saveRestoreLabel: function (s) { return t('designer.history_save_restore', { revision: s.revision }); },
      saveTestId: function (s) { return 'save-' + s.revision; },
      restoreSave: function (s) {
        return this.restoreFrom('/saves/' + s.revision + '/restore', t('designer.history_save_restored', { revision: s.revision }));
      },
      restoreVersion: function (v) {
        return this.restoreFrom('/versions/' + v.version + '/restore', t('designer.history_restored', { version: v.version }));
      },
      restoreFrom: function (path, doneText) {
        var self = this;
        this.busy = true;
        return window.formflow.api('POST', this.cfg.api_base + path, {}, this.revisionHeaders()).then(function (r) {
          self.busy = false;
          if (!r.ok) {
            self.status = (r.data && r.data.error && r.data.error.message) || t('designer.history_restore_failed');
            self.statusKind = 'error';
            return false;
          }
          self.touch();  // one undo step back to what was on screen
          self.def = window.formflowDesigner.normalize(self.unwrap(r.data));
          self.takeRevision(r.data);
          self.ruleUi = {};
          self.errors = [];
          if (self.selectedId && !self.fieldById(self.selectedId)) self.selectedId = null;
          self.dirty = false;
          self.status = doneText;
          self.statusKind = 'ok';
          self.openHistory();
          return true;
        });
      }
    };
  }

  (window.formflowDesignerPanels = window.formflowDesignerPanels || []).push(historyPanel);
})();
