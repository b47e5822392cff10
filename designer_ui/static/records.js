/* Record list ('recordList'): columns chooser, filter row, sort by header,
   search box, pagination and a CSV export link that carries the same query.
   Settings come from the JSON data block #records-config:
     {app, form, api_base, definition, per_page, record_url ("/…/records/{id}"), export_url, list_url}
   Query sent to GET {list_url} (default {api_base}/records):
     search=<text>&page=<n>&per_page=<n>&sort=<field id | -field id>&filter.<field id>=<value>
   Expected answer: {items: [{id, data, display?}], total, page, per_page}
   (a bare list is accepted too). `display` may map field id -> text for
   references and users. The chosen columns are remembered per form in localStorage. */
(function () {
  'use strict';

  var t = function (k, p) { return window.formflow.t(k, p); };
  var label = function (v, f) { return window.formflow.label(v, f); };
  //: Wait this long after the last keystroke before searching.
  var SEARCH_DEBOUNCE_MS = 300;
  var DEFAULT_COLUMNS = 6;

  function recordList() {
    return {
      cfg: {},
      fields: [],
      columns: [],         // visible field ids
      items: [],
      total: 0,
      page: 1,
      perPage: 20,
      search: '',
      sort: '',
      filters: {},
      loading: false,
      error: '',
      showColumns: false,
      timer: null,

      init: function () {
        this.cfg = window.formflow.readJSON('records-config', {});
        this.cfg.api_base = this.cfg.api_base || ('/api/apps/' + this.cfg.app + '/forms/' + this.cfg.form);
        var def = this.cfg.definition || { fields: [] };
        this.fields = (def.fields || []).filter(function (f) { return !f.deleted && !window.formflow.typeCan(f, 'stores_rows'); });
        this.perPage = this.cfg.per_page || 20;
        var saved = null;
        try { saved = JSON.parse(window.localStorage.getItem(this.storageKey()) || 'null'); } catch (e) { saved = null; }
        var ids = this.fields.map(function (f) { return f.id; });
        // the first column is the record's title already: by default its field is not a column again
        var titleField = (def.settings || {}).title_field;
        var offered = ids.filter(function (id) { return id !== titleField; });
        this.columns = Array.isArray(saved) ? saved.filter(function (id) { return ids.indexOf(id) >= 0; }) : offered.slice(0, DEFAULT_COLUMNS);
        this.fetch();
      },
      storageKey: function () { return 'formflow.columns.' + this.cfg.app + '.' + this.cfg.form; },

      /* ---- query ---- */
      query: function (withPage) {
        var q = [], self = this;
        if (this.search) q.push('search=' + encodeURIComponent(this.search));
        if (this.sort) q.push('sort=' + encodeURIComponent(this.sort));
        Object.keys(this.filters).forEach(function (id) {
          if (self.filters[id] !== '' && self.filters[id] !== null) q.push('filter.' + encodeURIComponent(id) + '=' + encodeURIComponent(self.filters[id]));
        });
        var where = new URLSearchParams(window.location.search).get('where');  // a dashboard drill-down: {match, filters} as JSON
        if (where) q.push('where=' + encodeURIComponent(where));
        if (withPage) { q.push('page=' + this.page); q.push('per_page=' + this.perPage); }
        return q.join('&');
      },
      fetch: function () {
        var self = this;
        this.loading = true;
        window.formflow.api('GET', (this.cfg.list_url || (this.cfg.api_base + '/records')) + '?' + this.query(true)).then(function (r) {
          self.loading = false;
          if (!r.ok) { self.error = (r.data && r.data.error && r.data.error.message) || t('common.error'); self.items = []; return; }
          self.error = '';
          var d = r.data;
          self.items = Array.isArray(d) ? d : (d.items || d.records || []);
          self.total = Array.isArray(d) ? d.length : (d.total !== undefined ? d.total : self.items.length);
        });
      },
      exportUrl: function () {
        var base = this.cfg.export_url || (this.cfg.api_base + '/records/export.csv');
        var q = this.query(false);
        return q ? base + (base.indexOf('?') >= 0 ? '&' : '?') + q : base;
      },
      setSearch: function (v) {
        var self = this;
        this.search = v;
        clearTimeout(this.timer);
        this.timer = setTimeout(function () { self.page = 1; self.fetch(); }, SEARCH_DEBOUNCE_MS);
      },
      setFilter: function (id, v) {
        var self = this;
        this.filters[id] = v;
        clearTimeout(this.timer);
        this.timer = setTimeout(function () { self.page = 1; self.fetch(); }, SEARCH_DEBOUNCE_MS);
      },
      filterLabel: function (f) { return t('records.filter') + ': ' + this.fieldLabel(f); },
      filterVal: function (f) { var v = this.filters[f.id]; return v === undefined ? '' : v; },

      /* ---- sort ---- */
      sortable: function (f) { return f.sortable !== false; },
      toggleSort: function (f) {
        this.sort = this.sort === f.id ? '-' + f.id : (this.sort === '-' + f.id ? '' : f.id);
        this.page = 1;
        this.fetch();
      },
      ariaSort: function (f) { return this.sort === f.id ? 'ascending' : (this.sort === '-' + f.id ? 'descending' : 'none'); },
      sortMark: function (f) { return this.sort === f.id ? '▲' : (this.sort === '-' + f.id ? '▼' : '↕'); },
      sortLabel: function (f) { return t('records.sort_by', { column: this.fieldLabel(f) }); },

      /* ---- columns ---- */
      visibleFields: function () {
        var self = this;
        return this.columns.map(function (id) { return self.fields.filter(function (f) { return f.id === id; })[0]; }).filter(Boolean);
      },
      isColumn: function (f) { return this.columns.indexOf(f.id) >= 0; },
      toggleColumn: function (f, on) {
        var ids = this.fields.map(function (x) { return x.id; });
        var next = this.columns.filter(function (id) { return id !== f.id; });
        if (on) next.push(f.id);
        next.sort(function (a, b) { return ids.indexOf(a) - ids.indexOf(b); });
        this.columns = next;
        try { window.localStorage.setItem(this.storageKey(), JSON.stringify(next)); } catch (e) { /* private mode */ }
      },
      toggleColumnsMenu: function () { this.showColumns = !this.showColumns; },
      closeColumnsMenu: function () { this.showColumns = false; },
      columnsExpanded: function () { return this.showColumns ? 'true' : 'false'; },
      colId: function (f) { return 'col-' + f.id; },

      /* ---- cells ---- */
      fieldLabel: function (f) { return label(f.label, f.name || f.id); },
      choiceText: function (f, v) {
        var c = ((f.options && f.options.choices) || []).filter(function (x) { return x.value === v; })[0];
        return c ? label(c.label, v) : v;
      },
      cell: function (rec, f) {
        if (rec.display && rec.display[f.id] !== undefined && rec.display[f.id] !== null) return String(rec.display[f.id]);
        var v = (rec.data || {})[f.id];
        if (v === null || v === undefined || v === '') return '';
        var self = this;
        var shown = window.formflow.fieldType(f).form.cell_text;  // how the field's type shows a value in a list
        if (shown === 'yes_no') return v ? t('common.yes') : t('common.no');
        if (shown === 'choice') return this.choiceText(f, v);
        if (shown === 'choices' && Array.isArray(v)) return v.map(function (x) { return self.choiceText(f, x); }).join(', ');
        if (shown === 'moment') return window.formflow.moment(v);
        if (Array.isArray(v)) return v.join(', ');
        if (typeof v === 'object') return JSON.stringify(v);
        return String(v);
      },
      cellClass: function (f) { return window.formflow.fieldType(f).form.numeric_cell ? 'num' : ''; },
      recordUrl: function (rec) { return (this.cfg.record_url || '#{id}').replace('{id}', rec.id); },
      recordTitle: function (rec) { return rec.title || ('#' + rec.id); },

      /* ---- pages ---- */
      pages: function () { return Math.max(1, Math.ceil(this.total / this.perPage)); },
      pageText: function () { return t('records.page', { page: this.page, pages: this.pages() }); },
      totalText: function () { return t('records.total', { total: this.total }); },
      noPrev: function () { return this.page <= 1; },
      noNext: function () { return this.page >= this.pages(); },
      prev: function () { if (this.page > 1) { this.page -= 1; this.fetch(); } },
      next: function () { if (this.page < this.pages()) { this.page += 1; this.fetch(); } },
      isEmpty: function () { return !this.loading && !this.error && this.items.length === 0; }
    };
  }

  document.addEventListener('alpine:init', function () {
    window.Alpine.data('recordList', recordList);
  });
})();
