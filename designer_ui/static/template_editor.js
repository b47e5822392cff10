/* Notification template editor: subject and body with a variable picker, a
   live preview with a real record (each pause in typing saves the draft
   revision and renders it through …/preview, so what is shown is what the
   server compiled), errors at line and column, and the review lifecycle
   (submit / withdraw / approve / reject with comment / publish) with the
   four-eyes rule spelled out. A print template (purpose "print") is edited the
   same way: its title and its document in the print markup, the display.*
   variables offered too, and the preview is the PDF itself (…/print-preview).
   Config: #template-config. */
(function () {
  'use strict';
  var t = function (k, p) { return window.formflow.t(k, p); };
  //: quiet time after the last keystroke before the draft is saved and previewed
  var PREVIEW_DELAY_MS = 500;

  document.addEventListener('alpine:init', function () {
    window.Alpine.data('templateEditor', function () {
      var cfg = window.formflow.readJSON('template-config', {});
      return {
        cfg: cfg, forms: cfg.forms || [], tpl: null, key: '', labelText: '', form: '', subject: '', body: '',
        lastPart: 'body', errors: [], status: '', statusKind: '', comment: '', recordId: '',
        previewSubject: '', previewBody: '', previewError: '', sentText: '', timer: null, saving: null,
        purpose: cfg.new_purpose === 'print' ? 'print' : 'notification', pdfUrl: '',

        init: function () {
          var self = this;
          this.form = this.forms.length ? this.forms[0].key : '';
          if (cfg.selected) {
            window.formflow.api('GET', cfg.api_base + '/' + encodeURIComponent(cfg.selected)).then(function (r) {
              if (r.ok) { self.take(r.data); self.refreshPreview(); } else self.fail(r, 'editor.failed');
            });
          }
        },
        take: function (data) {
          this.tpl = data;
          this.key = data.key;
          this.form = data.form;
          this.labelText = window.formflow.label(data.label, data.key);
          this.purpose = data.purpose || 'notification';
          var d = (data.content && data.content[this.isPrint() ? 'print' : 'default']) || {};
          this.subject = d.subject || '';
          this.body = (this.isPrint() ? d.html : d.body) || '';
          var list = this.samples();
          if (!this.recordId && list.length) this.recordId = String(list[0].id);
        },
        heading: function () { return this.tpl ? this.labelText || this.tpl.key : t('editor.new_template'); },
        stateText: function () { return this.tpl ? t('editor.' + 'state_' + (this.tpl.status || this.tpl.state)) : ''; },
        revisionText: function () {
          if (!this.tpl) return '';
          var s = t('editor.revision_n', { n: this.tpl.revision });
          return this.tpl.published_revision ? s + ' · ' + t('editor.live_revision', { n: this.tpl.published_revision }) : s;
        },
        editable: function () { return !this.tpl || this.can('edit'); },
        can: function (action) { return !!(this.tpl && (this.tpl.allowed_actions || []).indexOf(action) >= 0); },
        who: function (id) { return (cfg.users || {})[id] || ('#' + id); },
        /* four eyes: whoever submitted or last edited a revision can't review it */
        ownRevision: function () {
          var me = cfg.user_id;
          return !!(this.tpl && me && (this.tpl.submitted_by === me || this.tpl.updated_by === me));
        },
        fourEyesText: function () {
          if (!this.tpl) return '';
          var s = this.tpl.state;
          if (s === 'submitted') {
            var by = t('editor.submitted_by', { name: this.who(this.tpl.submitted_by) });
            return by + ' ' + (this.ownRevision() ? t('editor.four_eyes_own') : t('editor.four_eyes_you_review'));
          }
          if (s === 'approved') return t('editor.approved_by', { name: this.who(this.tpl.reviewed_by) });
          if (s === 'rejected') return t('editor.rejected_by', { name: this.who(this.tpl.reviewed_by) });
          if (s === 'published') return t('editor.published_by', { name: this.who(this.tpl.published_by) });
          return t('editor.four_eyes_rule');
        },
        reviewComment: function () { return this.tpl && this.tpl.review_comment ? t('editor.comment_was', { text: this.tpl.review_comment }) : ''; },
        statusClass: function () { return 'status-' + (this.statusKind || 'none'); },
        isPrint: function () { return this.purpose === 'print'; },
        setPurpose: function (v) { this.purpose = v === 'print' ? 'print' : 'notification'; },
        variables: function () {
          var own = (cfg.variables || {})[this.form] || [];
          return this.isPrint() ? ((cfg.print_variables || {})[this.form] || []).concat(own) : own;
        },
        samples: function () { return (cfg.samples || {})[this.form] || []; },

        setKey: function (v) { this.key = v; },
        setLabel: function (v) { this.labelText = v; this.schedule(); },
        setForm: function (v) { this.form = v; this.recordId = ''; this.schedule(); },
        setComment: function (v) { this.comment = v; },
        focusPart: function (part) { this.lastPart = part; },
        setPart: function (part, v) { this[part] = v; this.lastPart = part; this.schedule(); },
        setRecord: function (v) { this.recordId = v; this.refreshPreview(); },
        isRecord: function (id) { return String(id) === String(this.recordId); },
        insertVariable: function (path) {
          var part = this.lastPart || 'body';
          var el = document.getElementById(part === 'subject' ? 'tpl-subject' : 'tpl-body');
          var text = '{{ ' + path + ' }}';
          var value = this[part];
          var at = el && typeof el.selectionStart === 'number' && document.activeElement !== document.body ? el.selectionStart : value.length;
          var end = el && typeof el.selectionEnd === 'number' ? el.selectionEnd : at;
          if (at > value.length) at = end = value.length;
          this[part] = value.slice(0, at) + text + value.slice(end);
          if (el) {
            el.value = this[part];
            el.focus();
            el.setSelectionRange(at + text.length, at + text.length);
          }
          this.schedule();
        },
        content: function () {
          if (this.isPrint()) {
            var p = { html: this.body };
            if (this.subject) p.subject = this.subject;
            return { print: p };
          }
          var d = { body: this.body };
          if (this.subject) d.subject = this.subject;
          // the parts this editor does not show (channel overrides, texts per language such as default.zh-CN) are kept
          var out = {}, kept = (this.tpl && this.tpl.content) || {};
          Object.keys(kept).forEach(function (kind) { if (kind !== 'default' && kind !== 'print') out[kind] = kept[kind]; });
          out['default'] = d;
          return out;
        },

        /* errors: [{path: "/content/default/body", line, column, message}] */
        fail: function (r, fallbackKey) {
          var err = (r.data && r.data.error) || {};
          var items = err.errors || [];
          this.errors = (items.length ? items : [{ path: '', message: err.message || t(fallbackKey) }]).map(function (e, i) {
            var where = e.line ? t('editor.at_line', { line: e.line, column: e.column || 1 }) + ' ' : '';
            return { key: i, path: e.path || '', text: where + (e.message || '') };
          });
          this.status = err.message || t(fallbackKey);
          this.statusKind = 'error';
        },
        errorsFor: function (part) {
          return this.errors.filter(function (e) {
            var m = /^\/content\/[a-z]+\/([a-z]+)/.exec(e.path);
            var at = m && (m[1] === 'html' ? 'body' : m[1]);  // a print document's markup is edited in the body box
            return part ? at === part : !m;
          });
        },
        create: function () {
          var self = this;
          var body = { key: this.key, form: this.form, label: this.labelText || this.key, content: this.content(), purpose: this.purpose };
          window.formflow.api('POST', cfg.api_base, body).then(function (r) {
            if (!r.ok) { self.fail(r, 'editor.failed'); return; }
            self.errors = [];
            // a real page for the new template: the list on the left includes it
            window.location.assign('?key=' + encodeURIComponent(r.data.key));
          });
        },
        schedule: function () {
          var self = this;
          if (!this.tpl || !this.editable()) return;
          if (this.timer) clearTimeout(this.timer);
          this.status = t('editor.unsaved');
          this.statusKind = 'warn';
          this.timer = setTimeout(function () { self.timer = null; self.save(); }, PREVIEW_DELAY_MS);
        },
        save: function () {
          var self = this;
          if (!this.tpl) return Promise.resolve(false);
          if (this.timer) { clearTimeout(this.timer); this.timer = null; }
          var body = { label: this.labelText || this.tpl.key, form: this.form, content: this.content() };
          var sent = JSON.stringify(body);
          return window.formflow.api('PATCH', cfg.api_base + '/' + encodeURIComponent(this.tpl.key), body).then(function (r) {
            if (!r.ok) { self.fail(r, 'editor.failed'); return false; }
            self.errors = [];
            var changed = JSON.stringify({ label: self.labelText || self.tpl.key, form: self.form, content: self.content() }) !== sent;
            var keep = { subject: self.subject, body: self.body, label: self.labelText };
            self.take(r.data);
            if (changed) { self.subject = keep.subject; self.body = keep.body; self.labelText = keep.label; return true; }
            self.status = t('designer.saved_at');
            self.statusKind = 'ok';
            self.refreshPreview();
            return true;
          });
        },
        refreshPreview: function () {
          var self = this;
          if (!this.tpl) return;
          if (this.isPrint()) return this.previewPdf();
          var body = { revision: this.tpl.revision };
          if (this.recordId) body.record_id = Number(this.recordId);
          window.formflow.api('POST', cfg.api_base + '/' + encodeURIComponent(this.tpl.key) + '/preview', body).then(function (r) {
            if (!r.ok) { self.previewError = (r.data && r.data.error && r.data.error.message) || t('editor.failed'); return; }
            self.previewError = '';
            self.previewSubject = r.data.subject || '';
            self.previewBody = r.data.body || '';
          });
        },
        /* the print preview is the PDF the server lays out: fetched as a file, offered as a link */
        previewPdf: function () {
          var self = this;
          if (!this.recordId) { this.previewBody = ''; return; }
          var url = cfg.api_base + '/' + encodeURIComponent(this.tpl.key) + '/print-preview';
          fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json',
            'Accept': 'application/pdf, application/json', 'Accept-Language': window.formflow.locale(), 'X-CSRFToken': window.formflow.csrfToken() },
            body: JSON.stringify({ record_id: Number(this.recordId), revision: this.tpl.revision }) }).then(function (resp) {
            if (!resp.ok) {
              return resp.json().then(function (data) {
                self.previewError = (data && data.error && data.error.message) || t('editor.failed');
              }, function () { self.previewError = t('editor.failed'); });
            }
            return resp.blob().then(function (blob) {
              if (self.pdfUrl) URL.revokeObjectURL(self.pdfUrl);
              self.pdfUrl = URL.createObjectURL(blob);
              self.previewError = '';
              self.previewSubject = '';
              self.previewBody = t('editor.preview_pdf_ready', { size: Math.max(1, Math.round(blob.size / 1024)) });
            });
          });
        },
        act: function (action) {
          var self = this;
          var go = function () {
            var body = (action === 'approve' || action === 'reject') ? { comment: self.comment || null } : undefined;
            return window.formflow.api('POST', cfg.api_base + '/' + encodeURIComponent(self.tpl.key) + '/' + action, body).then(function (r) {
              if (!r.ok) { self.fail(r, 'editor.failed'); return; }
              self.errors = [];
              self.comment = '';
              self.take(r.data);
              self.status = t('editor.' + 'done_' + action);
              self.statusKind = 'ok';
            });
          };
          // submitting sends what is on the screen: save pending typing first
          if (action === 'submit' && this.timer) return this.save().then(function (ok) { if (ok) go(); });
          return go();
        },
        testSend: function () {
          var self = this;
          var body = { revision: this.tpl.revision };
          if (this.recordId) body.record_id = Number(this.recordId);
          window.formflow.api('POST', cfg.api_base + '/' + encodeURIComponent(this.tpl.key) + '/test-send', body).then(function (r) {
            if (!r.ok) { self.previewError = (r.data && r.data.error && r.data.error.message) || t('editor.failed'); return; }
            self.sentText = t('editor.test_sent');
          });
        }
      };
    });
  });
})();
