/* Import screen ('importer'): upload a CSV / XLSX, match columns to fields, check the rows, import with progress.
   Settings come from the JSON data block #import-config: {api_base, fields: [{id, label, required}], records_url}.
   API (engine/api/import_routes.py), under {api_base}/imports:
     POST (multipart 'file', 'run_automations')  -> job {id, columns: [{index, header, field}], unmapped_required, resumed}
     PUT  /{id}/mapping {mapping: {"<column index>": field id}}  -> job
     POST /{id}/preview  -> job + problems [{line, state, reason, errors: [{column?, label?, message}]}] (reason, label and
                            message in the Accept-Language ff.api sends: the page's language; column is the file's own title)
     POST /{id}/commit   -> job (runs batch after batch; safe to repeat)
     GET  /{id}          -> job {counts, progress: {done, total}}, polled while the commit runs
     GET  /{id}/refused.csv?lang=<page language> */
(function () {
  'use strict';

  var t = function (k, p) { return window.formflow.t(k, p); };
  //: How often the progress is read while a commit runs.
  var POLL_MS = 400;

  function errorText(r) {
    var e = r.data && r.data.error;
    if (!e) return t('common.error');
    var first = (e.errors || e.details || [])[0];
    return e.message + (first && first.message ? ' (' + (first.path ? first.path + ': ' : '') + first.message + ')' : '');
  }

  function importer() {
    return {
      cfg: {},
      fields: [],
      job: null,
      columns: [],
      mapping: {},
      runAutomations: true,
      busy: false,
      error: '',
      resumed: false,
      checked: false,
      problems: [],
      shownLimit: 200,
      progress: { done: 0, total: 0 },
      running: false,
      done: false,
      poller: null,

      init: function () {
        this.cfg = window.formflow.readJSON('import-config', {});
        this.fields = this.cfg.fields || [];
      },
      base: function () { return this.cfg.api_base + '/imports'; },
      hasJob: function () { return this.job !== null; },
      locked: function () { return this.busy || this.running || this.done; },

      /* ---- 1. upload ---- */
      upload: function () {
        var input = document.getElementById('import-file');
        if (!input.files || !input.files.length) return;
        var body = new FormData(), self = this;
        body.append('file', input.files[0]);
        body.append('run_automations', this.runAutomations ? 'true' : 'false');
        this.busy = true;
        this.error = '';
        fetch(this.base(), { method: 'POST', body: body, credentials: 'same-origin',
          // the refusal in the page's language (<html lang>), as ff.api asks for it, not the browser's
          headers: { 'X-CSRFToken': window.formflow.csrfToken(), 'Accept': 'application/json', 'Accept-Language': window.formflow.locale() } })
          .then(function (resp) { return resp.json().then(function (d) { return { ok: resp.ok, data: d }; }); },
                function () { return { ok: false, data: null }; })  // no answer (offline): the UI's own words, not the browser's
          .then(function (r) {
            self.busy = false;
            if (!r.ok) { self.error = errorText(r); return; }
            self.setJob(r.data);
            self.resumed = !!r.data.resumed;
            self.checked = false;
            self.done = false;
            self.problems = [];
          });
      },
      setJob: function (job) {
        var self = this;
        this.job = job;
        if (job.columns) {
          this.columns = job.columns;
          this.mapping = {};
          job.columns.forEach(function (c) { if (c.field) self.mapping[String(c.index)] = c.field; });
        }
        this.progress = job.progress || this.progress;
      },

      /* ---- 2. mapping ---- */
      selectId: function (col) { return 'import-col-' + col.index; },
      selectTestId: function (col) { return 'map-' + col.index; },
      isMapped: function (col, f) { return this.mapping[String(col.index)] === f.id; },
      fieldText: function (f) { return f.label + (f.required ? ' *' : ''); },
      setField: function (col, value) {
        var key = String(col.index), self = this;
        if (value) {
          Object.keys(this.mapping).forEach(function (k) { if (self.mapping[k] === value && k !== key) delete self.mapping[k]; });
          this.mapping[key] = value;
        } else {
          delete this.mapping[key];
        }
        this.mapping = Object.assign({}, this.mapping);
        this.checked = false;
      },
      unmapped: function () {
        var used = {}, self = this;
        Object.keys(this.mapping).forEach(function (k) { used[self.mapping[k]] = true; });
        return this.fields.filter(function (f) { return f.required && !used[f.id]; });
      },
      notImported: function () {
        var self = this;
        return this.columns.filter(function (c) { return !self.mapping[String(c.index)]; });
      },
      /* a column left out, and why when its field's type is never imported (the type's reason, en / zh-CN) */
      notImportedText: function (col) { return col.reason ? col.header + ': ' + window.formflow.label(col.reason) : col.header; },
      unmappedText: function () {
        if (!this.job) return '';
        var missing = this.unmapped();
        return missing.length ? t('records.import_unmapped_required', { fields: missing.map(function (f) { return f.label; }).join(', ') }) : '';
      },
      cannotPreview: function () { return this.locked() || !this.job || Object.keys(this.mapping).length === 0; },
      preview: function () {
        var self = this, id = this.job.id;
        this.busy = true;
        this.error = '';
        window.formflow.api('PUT', this.base() + '/' + id + '/mapping', { mapping: this.mapping, run_automations: this.runAutomations })
          .then(function (r) {
            if (!r.ok) { self.busy = false; self.error = errorText(r); return null; }
            self.setJob(r.data);
            return window.formflow.api('POST', self.base() + '/' + id + '/preview');
          })
          .then(function (r) {
            if (!r) return;
            self.busy = false;
            if (!r.ok) { self.error = errorText(r); return; }
            self.setJob(r.data);
            self.problems = r.data.problems || [];
            self.checked = true;
          });
      },

      /* ---- 3. check and commit ---- */
      count: function (state) { return ((this.job && this.job.counts) || {})[state] || 0; },
      summaryText: function () {
        return t('records.import_checked', { rows: this.job ? this.job.rows : 0, valid: this.count('valid') + this.count('committed'),
          invalid: this.count('invalid'), duplicate: this.count('duplicate') });
      },
      stateText: function (p) { return t(p.state === 'duplicate' ? 'records.import_state_duplicate' : 'records.import_state_invalid'); },
      /* the row's problems as the server words them in the page's language ('邮箱：…；…'), else joined here */
      problemText: function (p) {
        if (p.reason) return p.reason;
        return (p.errors || []).map(function (e) { return (e.column || e.label ? (e.column || e.label) + ': ' : '') + e.message; }).join('; ');
      },
      moreProblems: function () { return this.problems.length >= this.shownLimit && this.count('invalid') + this.count('duplicate') > this.problems.length; },
      moreProblemsText: function () { return t('records.import_more_problems', { shown: this.problems.length }); },
      commitText: function () { return t('records.import_commit', { count: this.count('valid') }); },
      cannotCommit: function () { return this.locked() || !this.checked || this.count('valid') === 0; },
      committing: function () { return this.running || this.done; },
      progressDone: function () { return this.progress.done || 0; },
      progressTotal: function () { return Math.max(1, this.progress.total || 0); },
      progressText: function () { return t('records.import_progress', { done: this.progress.done || 0, total: this.progress.total || 0 }); },
      commit: function () {
        var self = this, id = this.job.id;
        this.running = true;
        this.error = '';
        this.poller = setInterval(function () { self.poll(); }, POLL_MS);
        window.formflow.api('POST', this.base() + '/' + id + '/commit', { run_automations: this.runAutomations }).then(function (r) {
          clearInterval(self.poller);
          self.running = false;
          if (!r.ok) { self.error = errorText(r); return; }
          self.setJob(r.data);
          self.done = true;
        });
      },
      poll: function () {
        var self = this;
        window.formflow.api('GET', this.base() + '/' + this.job.id).then(function (r) {
          if (r.ok && self.running && r.data.progress) self.progress = r.data.progress;
        });
      },
      doneText: function () { return t('records.import_done', { committed: this.count('committed'), refused: this.count('refused') + this.count('invalid') + this.count('duplicate') }); },
      /* the file in the page's language (its titles, states and reasons; the file's own titles and cells as they are) */
      refusedUrl: function () {
        return this.job ? this.base() + '/' + this.job.id + '/refused.csv?lang=' + encodeURIComponent(window.formflow.locale()) : '#';
      }
    };
  }

  document.addEventListener('alpine:init', function () {
    window.Alpine.data('importer', importer);
  });
})();
