/* The designer's History panel (a mixin of 'formDesigner', registered in window.formflowDesignerPanels):
   GET {api}/history?locale= lists the published versions newest first, each with who published it, when, and what
   it changed against the version before (sentences in the page's language, engine/services/form_diff.py);
   POST {api}/versions/<n>/restore (If-Match: the draft revision) makes a version the draft. Nothing published
   changes until the next publish; the restore is one undo step. */
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
        this.history = { loading: true, draft: null, items: [], error: '' };
        var locale = window.formflow.locale() === 'zh-CN' ? 'zh-CN' : 'en';
        window.formflow.api('GET', this.cfg.api_base + '/history?locale=' + encodeURIComponent(locale)).then(function (r) {
          var d = r.data || {};
          if (!r.ok) { self.history = { loading: false, draft: null, items: [], error: (d.error && d.error.message) || t('common.error') }; return; }
          self.history = { loading: false, draft: d.draft, items: d.items || [], error: '' };
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
      restoreVersion: function (v) {
        var self = this;
        this.busy = true;
        return window.formflow.api('POST', this.cfg.api_base + '/versions/' + v.version + '/restore', {}, this.revisionHeaders()).then(function (r) {
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
          self.status = t('designer.history_restored', { version: v.version });
          self.statusKind = 'ok';
          self.openHistory();
          return true;
        });
      }
    };
  }

  (window.formflowDesignerPanels = window.formflowDesignerPanels || []).push(historyPanel);
})();
