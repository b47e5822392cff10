/* Notification template editor: subject and body with a variable picker, a
   live preview with a real record (each pause in typing saves the draft
   revision and renders it through …/preview, so what is shown is what the
   server compiled), errors at line and column, and the review lifecycle
   (submit / withdraw / approve / reject with comment / publish) with the
   four-eyes rule spelled out. A print template (purpose "print") is edited the
   same way: its title (an English and a 中文 input: one text, or {en, zh-CN},
   the reader's printed) and its document in the print markup, the display.*
   variables offered too, and the preview is the PDF itself (…/print-preview).
   A notification's subject and body may be written per reader language
   (content kind "default.zh-CN" over "default"): one tab per language, the
   preview rendered for that language, a language's text removable.
   Config: #template-config. */
(function () {
  'use strict';
  var t = function (k, p) { return window.formflow.t(k, p); };
  //: quiet time after the last keystroke before the draft is saved and previewed
  var PREVIEW_DELAY_MS = 500;
  //: the languages a text may be written for beside the default (engine.i18n.LOCALES, the reader languages)
  var LANGUAGES = ['zh-CN', 'en'];
  // catalogue keys written out in full, so tests/core/test_client_messages.py finds and checks each: a value's name through a table
  //: a language's name ('': the default text, for any reader)
  var LANG_NAMES = { '': 'editor.lang_default', 'zh-CN': 'editor.lang_name_zh_cn', en: 'editor.lang_name_en' };
  //: a template's state (engine.notifications.lifecycle.TemplateState; superseded: a published one replaced since)
  var STATE_NAMES = { draft: 'editor.state_draft', submitted: 'editor.state_submitted', approved: 'editor.state_approved',
                      rejected: 'editor.state_rejected', published: 'editor.state_published', superseded: 'editor.state_superseded' };
  //: what a review action says when it is done
  var DONE_NAMES = { submit: 'editor.done_submit', withdraw: 'editor.done_withdraw', approve: 'editor.done_approve',
                     reject: 'editor.done_reject', publish: 'editor.done_publish' };
  /* a value's name from its table (the value itself when the table has none) */
  function named(table, value) { return Object.prototype.hasOwnProperty.call(table, value) ? t(table[value]) : String(value); }
  var kindOf = function (lang) { return lang ? 'default.' + lang : 'default'; };
  var blank = function () { return { subject: '', body: '' }; };

  document.addEventListener('alpine:init', function () {
    window.Alpine.data('templateEditor', function () {
      var cfg = window.formflow.readJSON('template-config', {});
      return {
        cfg: cfg, forms: cfg.forms || [], tpl: null, key: '', labelValue: '', form: '', subject: '', body: '',
        lastPart: 'body', errors: [], status: '', statusKind: '', comment: '', recordId: '',
        previewSubject: '', previewBody: '', previewError: '', previewSample: false, sentText: '', timer: null, saving: null,
        purpose: cfg.new_purpose === 'print' ? 'print' : 'notification', pdfUrl: '', pageChoice: {},
        /* a print template's title as stored: a text or {en, zh-CN}; each title input edits its language */
        title: '',
        /* the language tab shown ('' = the default text) and the texts of every tab: {kind: {subject, body}} */
        lang: '', parts: { 'default': blank() }, languages: LANGUAGES,

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
          this.labelValue = data.label || '';  // the name per language as stored: each input edits its own
          this.purpose = data.purpose || 'notification';
          var content = data.content || {}, parts = {};
          if (this.isPrint()) {
            var d = content.print || {};
            parts['default'] = { subject: '', body: d.html || '' };
            this.title = d.subject || '';
            this.lang = '';
          } else {
            [''].concat(LANGUAGES).forEach(function (lang) {
              var c = content[kindOf(lang)] || {};
              parts[kindOf(lang)] = { subject: c.subject || '', body: c.body || '' };
            });
          }
          this.parts = parts;
          this.show();
          var list = this.samples();
          if (!this.recordId && list.length) this.recordId = String(list[0].id);
        },
        heading: function () { return this.tpl ? window.formflow.label(this.labelValue, this.tpl.key) : t('editor.new_template'); },
        stateText: function () { return this.tpl ? named(STATE_NAMES, this.tpl.status || this.tpl.state) : ''; },
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
        labelIn: function (loc) { return window.formflow.textIn(this.labelValue, loc); },
        setLabel: function (loc, v) { this.labelValue = window.formflow.withText(this.labelValue, loc, v); this.schedule(); },
        titleIn: function (loc) { return window.formflow.textIn(this.title, loc); },
        setTitle: function (loc, v) { this.title = window.formflow.withText(this.title, loc, v); this.lastPart = 'title.' + loc; this.schedule(); },
        /* a print title's errors: its language's (/content/print/subject/zh-CN), a title for every reader's under English */
        titleErrors: function (loc) {
          return this.errors.filter(function (e) { return e.kind === 'print' && e.part === 'subject' && (e.lang || 'en') === loc; });
        },
        setForm: function (v) { this.form = v; this.recordId = ''; this.schedule(); },
        setComment: function (v) { this.comment = v; },
        /* a print template's page (paper, orientation): the choice made here, else the saved one, else A4 portrait */
        page: function (part) {
          var saved = ((this.tpl && this.tpl.content && this.tpl.content.print) || {})[part];
          return this.pageChoice[part] || saved || { paper: 'A4', orientation: 'portrait' }[part];
        },
        setPage: function (part, v) { this.pageChoice[part] = v; this.schedule(); },
        focusPart: function (part) { this.lastPart = part; },
        partInput: function (part) {
          return { subject: 'tpl-subject', 'title.en': 'tpl-title-en', 'title.zh-CN': 'tpl-title-zh' }[part] || 'tpl-body';
        },
        setPart: function (part, v) { this[part] = v; this.stash(); this.lastPart = part; this.schedule(); },
        /* language tabs */
        show: function () {
          var p = this.parts[kindOf(this.lang)] || blank();
          this.subject = p.subject;
          this.body = p.body;
        },
        stash: function () { this.parts[kindOf(this.lang)] = { subject: this.subject, body: this.body }; },
        langName: function (lang) { return named(LANG_NAMES, lang || ''); },
        isLang: function (lang) { return this.lang === lang; },
        tabs: function () { return [''].concat(LANGUAGES); },
        tabId: function (lang) { return 'tpl-tab-' + (lang || 'default'); },
        tabTestId: function (lang) { return 'lang-tab-' + (lang || 'default'); },
        tabSelected: function (lang) { return this.lang === lang ? 'true' : 'false'; },
        tabIndex: function (lang) { return this.lang === lang ? 0 : -1; },
        panelRole: function () { return this.isPrint() ? null : 'tabpanel'; },
        panelLabel: function () { return this.isPrint() ? null : this.tabId(this.lang); },
        removeText: function () { return t('editor.lang_remove', { language: this.langName(this.lang) }); },
        previewTitle: function () { return t('editor.preview_in', { language: this.langName(this.lang) }); },
        pickLanguage: function (lang) {
          if (this.lang === lang) return;
          this.stash();
          this.lang = lang;
          this.show();
          this.refreshPreview();
        },
        /* arrow keys move between the tabs (the tablist pattern) */
        stepLanguage: function (step) {
          var all = [''].concat(LANGUAGES);
          var next = all[(all.indexOf(this.lang) + step + all.length) % all.length];
          this.pickLanguage(next);
          var tab = document.getElementById(this.tabId(next));
          if (tab) tab.focus();
        },
        hasLanguage: function (lang) {
          var p = this.parts[kindOf(lang)];
          return !!(lang && p && (p.subject || p.body));
        },
        languageHelp: function () {
          return this.lang ? t('editor.lang_help', { language: this.langName(this.lang) }) : t('editor.lang_default_help');
        },
        removeLanguage: function () {
          var self = this, lang = this.lang;
          if (!lang) return;
          this.parts[kindOf(lang)] = blank();
          this.show();
          if (!this.tpl) return;
          this.save().then(function (ok) {
            if (!ok) return;
            self.status = t('editor.lang_removed', { language: self.langName(lang) });
            self.statusKind = 'ok';
          });
        },
        tabHasErrors: function (lang) {
          var kind = kindOf(lang);
          return this.errors.some(function (e) { return e.kind === kind; });
        },
        setRecord: function (v) { this.recordId = v; this.refreshPreview(); },
        isRecord: function (id) { return String(id) === String(this.recordId); },
        insertVariable: function (path) {
          var part = this.lastPart || 'body';
          if (/^title\./.test(part) !== this.isPrint() && part !== 'body') part = 'body';  // a box of the other kind is hidden
          var el = document.getElementById(this.partInput(part));
          var text = '{{ ' + path + ' }}';
          var loc = part.indexOf('title.') === 0 ? part.slice(6) : null;
          var value = loc ? this.titleIn(loc) : this[part];
          var at = el && typeof el.selectionStart === 'number' && document.activeElement !== document.body ? el.selectionStart : value.length;
          var end = el && typeof el.selectionEnd === 'number' ? el.selectionEnd : at;
          if (at > value.length) at = end = value.length;
          var next = value.slice(0, at) + text + value.slice(end);
          if (loc) this.title = window.formflow.withText(this.title, loc, next); else this[part] = next;
          if (el) {
            el.value = next;
            el.focus();
            el.setSelectionRange(at + text.length, at + text.length);
          }
          this.schedule();
        },
        content: function () {
          if (this.isPrint()) {
            var p = { html: this.body };
            if (this.title) p.subject = this.title;
            p.paper = this.page('paper');
            p.orientation = this.page('orientation');
            return { print: p };
          }
          this.stash();
          var mine = [''].concat(LANGUAGES).map(kindOf), parts = this.parts;
          // the parts this editor does not show (channel overrides such as email or inbox.zh-CN) are kept
          var out = {}, kept = (this.tpl && this.tpl.content) || {};
          Object.keys(kept).forEach(function (kind) { if (mine.indexOf(kind) < 0 && kind !== 'print') out[kind] = kept[kind]; });
          mine.forEach(function (kind) {
            var p = parts[kind] || blank(), d = {};
            if (kind === 'default' || p.body) d.body = p.body;
            if (p.subject) d.subject = p.subject;
            if (kind === 'default' || p.subject || p.body) out[kind] = d;  // an empty language is no language part
          });
          return out;
        },

        /* errors: [{path: "/content/default.zh-CN/body", line, column, message}]: each names its language part */
        fail: function (r, fallbackKey) {
          var self = this;
          var err = (r.data && r.data.error) || {};
          var items = err.errors || [];
          this.errors = (items.length ? items : [{ path: '', message: err.message || t(fallbackKey) }]).map(function (e, i) {
            var where = e.line ? t('editor.at_line', { line: e.line, column: e.column || 1 }) + ' ' : '';
            var m = /^\/content\/([a-z]+)(?:\.([A-Za-z-]+))?(?:\/([a-z]+))?/.exec(e.path || '');
            var text = where + (e.message || '');
            if (m && m[2] && m[1] === 'default') text = t('editor.lang_error', { language: self.langName(m[2]), message: text });
            var lang = /^\/content\/print\/subject\/([A-Za-z-]+)/.exec(e.path || '');  // a print title's language
            return { key: i, path: e.path || '', kind: m ? m[1] + (m[2] ? '.' + m[2] : '') : '', part: m && m[3], lang: lang && lang[1], text: text };
          });
          this.status = err.message || t(fallbackKey);
          this.statusKind = 'error';
        },
        /* a part's errors under its box when its tab is shown; the other tabs' errors (named by language) above */
        errorsFor: function (part) {
          var shown = this.isPrint() ? 'print' : kindOf(this.lang);
          return this.errors.filter(function (e) {
            var at = e.part === 'html' ? 'body' : e.part;  // a print document's markup is edited in the body box
            var here = e.kind === shown && at;
            return part ? here && at === part : !here;
          });
        },
        create: function () {
          var self = this;
          var body = { key: this.key, form: this.form, label: this.labelValue || this.key, content: this.content(), purpose: this.purpose };
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
          var body = { label: this.labelValue || this.tpl.key, form: this.form, content: this.content() };
          var sent = JSON.stringify(body);
          return window.formflow.api('PATCH', cfg.api_base + '/' + encodeURIComponent(this.tpl.key), body).then(function (r) {
            if (!r.ok) { self.fail(r, 'editor.failed'); return false; }
            self.errors = [];
            var changed = JSON.stringify({ label: self.labelValue || self.tpl.key, form: self.form, content: self.content() }) !== sent;
            self.stash();
            var keep = { parts: JSON.parse(JSON.stringify(self.parts)), label: self.labelValue, title: self.title };
            self.take(r.data);
            if (changed) { self.parts = keep.parts; self.show(); self.labelValue = keep.label; self.title = keep.title; return true; }
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
          var body = { revision: this.tpl.revision, language: this.lang || 'default' };
          if (this.recordId) body.record_id = Number(this.recordId);
          window.formflow.api('POST', cfg.api_base + '/' + encodeURIComponent(this.tpl.key) + '/preview', body).then(function (r) {
            if (!r.ok) { self.previewError = (r.data && r.data.error && r.data.error.message) || t('editor.failed'); return; }
            self.previewError = '';
            self.previewSample = !!r.data.sample;  // no record yet: the server rendered each field's sample value
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
              self.status = named(DONE_NAMES, action);
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
