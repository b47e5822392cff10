/* Form designer: one Alpine component ('formDesigner') editing a form
   definition (docs/definitions.md). Loads the draft from
   GET  {api}/draft, saves with PUT {api}/draft, publishes with POST {api}/publish,
   compares with GET {api}/diff, where {api} = /api/apps/<app>/forms/<form>.
   Every change goes through touch() -> mutate -> changed(), which keeps an undo
   history of snapshots. Server errors ({path, field_id, message}) are mapped
   onto field cards and property inputs; nothing the user typed is thrown away.
   The page gives its settings in the JSON data block #designer-config:
   {app, form, api_base, forms: [{key, label}], definition?, field_types}; field_types is what
   GET /api/field-types answers: each type's glyph, default options, default-value input, sub-table use
   and designer properties, from which the property panel is built. */
(function () {
  'use strict';

  var t = function (k, p) { return window.formflow.t(k, p); };
  // catalogue keys written out in full, so tests/core/test_client_messages.py finds and checks each: a value's name through
  // a table (a field type's type.* name comes from the type itself)
  //: the kind of a place that uses a field (engine.services.field_usage)
  var USAGE_NAMES = { field: 'designer.usage.field', rule: 'designer.usage.rule', validation: 'designer.usage.validation',
                      automation: 'designer.usage.automation', permission: 'designer.usage.permission',
                      settings: 'designer.usage.settings', template: 'designer.usage.template',
                      workflow: 'designer.usage.workflow', dashboard: 'designer.usage.dashboard' };
  //: a button's name for an item ({name}: the item's), by the action the page asks for
  var ACTION_NAMES = { delete_section: 'designer.delete_section', duplicate_field: 'designer.duplicate_field',
                       delete_field: 'designer.delete_field', remove_column: 'designer.remove_column',
                       delete_rule: 'designer.delete_rule', remove_effect: 'designer.remove_effect' };
  //: a choice row's controls ({n}: the row's number)
  var CHOICE_NAMES = { value: 'designer.choice_value', label_en: 'designer.choice_label_en',
                       label_zh: 'designer.choice_label_zh', remove: 'designer.choice_remove' };
  /* a value's name from its table (the value itself when the table has none) */
  function named(table, value, params) {
    return Object.prototype.hasOwnProperty.call(table, value) ? t(table[value], params) : String(value);
  }

  //: How many undo steps are kept (the brief asks for at least 50).
  var MAX_UNDO = 200;
  //: Typing into the same input within this many ms is one undo step.
  var COALESCE_MS = 800;

  //: the field types as GET /api/field-types describes them (filled from the page config at init), by name
  var FIELD_TYPES = [];
  var TYPES = {};
  var NO_TYPE = { type: '', glyph: '?', properties: [], default_options: {}, default_input: null, in_subtable: false };
  function typeInfo(ty) { return TYPES[ty] || NO_TYPE; }
  function learnTypes(list) {
    FIELD_TYPES.length = 0;
    (list || []).forEach(function (d) { FIELD_TYPES.push(d); TYPES[d.type] = d; });
    window.formflow.learnFieldTypes(list);  // the preview and the rule builder ask formflow.fieldType
  }
  //: property kinds the panel renders itself; the others (choices, subfields, formula) have their own editor
  var SIMPLE_KINDS = { int: 1, number: 1, text: 1, code: 1, bool: 1, select: 1, form: 1, app: 1 };
  var SET_MODES = { int: 'int', number: 'num', bool: 'bool' };

  /* "fields[3].options.format", "/fields/3/options/format", "$.fields.3.label" -> "fields.3.options.format" */
  /* position of `item` among the field cards of list `el` (the cards before it), wherever it came from */
  function cardIndex(el, item) {
    var n = 0;
    for (var node = item.previousElementSibling; node; node = node.previousElementSibling) {
      if (node.classList.contains('field-card') && node !== item) n += 1;
    }
    return el.contains(item) ? n : -1;
  }

  function normPath(path) {
    if (Array.isArray(path)) return path.join('.');
    return String(path || '').replace(/^\$\.?/, '').replace(/^\//, '').replace(/\[(\d+)\]/g, '.$1')
      .replace(/\//g, '.').replace(/\['([^']+)'\]/g, '.$1').replace(/^\./, '');
  }

  function getPath(obj, path) {
    var parts = path.split('.');
    for (var i = 0; i < parts.length; i++) {
      if (obj === null || obj === undefined) return undefined;
      obj = obj[parts[i]];
    }
    return obj;
  }

  function setPath(obj, path, value) {
    var parts = path.split('.');
    for (var i = 0; i < parts.length - 1; i++) {
      if (obj[parts[i]] === null || typeof obj[parts[i]] !== 'object') obj[parts[i]] = {};
      obj = obj[parts[i]];
    }
    var last = parts[parts.length - 1];
    if (value === undefined) delete obj[last]; else obj[last] = value;
  }

  function coerce(value, kind) {
    if (kind === 'bool') return !!value;
    if (value === '' || value === null || value === undefined) return undefined;
    if (kind === 'int') { var n = parseInt(value, 10); return isNaN(n) ? value : n; }
    if (kind === 'num') { var x = Number(value); return isNaN(x) ? value : x; }
    return value;
  }

  function blankDefinition(cfg) {
    return { key: cfg.form || 'form', label: { en: cfg.form || 'Form' }, fields: [],
      layout: { sections: [{ id: 'main', label: '', columns: 1, fields: [] }] }, settings: {}, rules: [] };
  }

  /* Make sure layout.sections exists and holds every live field exactly once. */
  function normalize(def) {
    def.fields = Array.isArray(def.fields) ? def.fields : [];
    def.layout = def.layout && typeof def.layout === 'object' ? def.layout : {};
    if (!Array.isArray(def.layout.sections) || !def.layout.sections.length) {
      def.layout.sections = [{ id: 'main', label: '', columns: 1, fields: [] }];
    }
    if (!Array.isArray(def.rules)) def.rules = [];
    var placed = {};
    var live = {};
    def.fields.forEach(function (f) { if (!f.deleted) live[f.id] = true; });
    def.layout.sections.forEach(function (s) {
      s.fields = Array.isArray(s.fields) ? s.fields : [];
      s.fields = s.fields.filter(function (id) { if (placed[id] || !live[id]) return false; placed[id] = true; return true; });
    });
    def.fields.forEach(function (f) {
      if (!f.deleted && !placed[f.id]) def.layout.sections[def.layout.sections.length - 1].fields.push(f.id);
    });
    return def;
  }

  /* The definition as the server stores it: no empty section labels (the schema wants a label or none). */
  function forServer(def) {
    var out = window.formflow.clone(def);
    ((out.layout && out.layout.sections) || []).forEach(function (s) {
      if (s.label === '' || s.label === null || (s.label && typeof s.label === 'object' && !Object.keys(s.label).some(function (k) { return s.label[k]; }))) delete s.label;
    });
    return out;
  }

  function designer() {
    var rb = window.formflowRuleBuilder ? window.formflowRuleBuilder.mixin() : {};
    var self = {
      cfg: {},
      def: null,
      loading: true,
      loadError: '',
      tab: 'design',
      previewMode: 'desktop',
      paletteQuery: '',
      selectedId: null,
      moveMenuFor: null,
      jsonEditing: false,
      jsonText: '',
      jsonError: '',
      status: '',
      statusKind: '',
      dirty: false,
      busy: false,
      errors: [],
      undoStack: [],
      redoStack: [],
      lastTouchKey: null,
      lastTouchAt: 0,
      diff: null,
      revision: null,
      fieldAccess: {},
      autoKeys: {},
      typeNamedLabel: {},  // field id -> the language whose label is still the type's name the palette gave it
      usageDialog: null,

      init: function () {
        this.cfg = window.formflow.readJSON('designer-config', {});
        this.cfg.api_base = this.cfg.api_base || ('/api/apps/' + this.cfg.app + '/forms/' + this.cfg.form);
        this.cfg.forms = this.cfg.forms || [];
        learnTypes(this.cfg.field_types);
        var self_ = this;
        window.addEventListener('keydown', function (e) { self_.onKey(e); });
        window.addEventListener('beforeunload', function (e) { if (self_.dirty) { e.preventDefault(); e.returnValue = ''; } });
        if (this.cfg.definition) {
          this.def = normalize(window.formflow.clone(this.cfg.definition));
          this.takeRevision(this.cfg);
          this.loading = false;
          this.initPaletteSortable();
          this.loadFieldAccess();
          return;
        }
        this.load();
      },

      load: function () {
        var self_ = this;
        this.loading = true;
        window.formflow.api('GET', this.cfg.api_base + '/draft').then(function (r) {
          self_.loading = false;
          if (!r.ok) {
            self_.loadError = (r.data && r.data.error && r.data.error.message) || t('designer.load_failed');
            self_.def = normalize(blankDefinition(self_.cfg));
          } else {
            self_.def = normalize(self_.unwrap(r.data));
            self_.takeRevision(r.data);
          }
          self_.initPaletteSortable();
        });
        this.loadFieldAccess();
      },

      /* what each published derived field's visibility follows (GET …/field-access); none for a form never published */
      loadFieldAccess: function () {
        var self_ = this;
        if (!(this.cfg.fixed_keys || []).length) { this.fieldAccess = {}; return; }  // never published: nothing to ask (it was a 404)
        window.formflow.api('GET', this.cfg.api_base + '/field-access').then(function (r) {
          var byId = {};
          if (r.ok && r.data && r.data.items) r.data.items.forEach(function (item) { byId[item.field_id] = item; });
          self_.fieldAccess = byId;
        });
      },
      visibilityFollows: function () {
        var f = this.selected();
        var item = f ? this.fieldAccess[f.id] : null;
        if (!item || !item.derived || item.granted || !(item.sources || []).length) return '';
        var own = this.cfg.form;
        return item.sources.map(function (src) {
          var name = window.formflow.label(src.label, src.field);
          return src.form === own ? name : name + ' (' + window.formflow.label(src.form_label, src.form) + ')';
        }).join(', ');
      },
      hasVisibilityNote: function () { return this.visibilityFollows() !== ''; },

      /* the draft revision from GET/PUT …/draft, sent back as If-Match so another tab's save is never overwritten */
      takeRevision: function (data) {
        if (data && data.draft_revision !== undefined) this.revision = data.draft_revision;
      },
      revisionHeaders: function () {
        return this.revision === null || this.revision === undefined ? {} : { 'If-Match': '"' + this.revision + '"' };
      },
      unwrap: function (data) {
        if (data && data.definition && typeof data.definition === 'object') return data.definition;
        if (data && data.draft && typeof data.draft === 'object') return data.draft;
        return data || blankDefinition(this.cfg);
      },

      /* ---- history ---- */
      snapshot: function () { return JSON.stringify(this.def); },
      touch: function (key) {
        var now = Date.now();
        if (key && key === this.lastTouchKey && now - this.lastTouchAt < COALESCE_MS) { this.lastTouchAt = now; return; }
        this.lastTouchKey = key || null;
        this.lastTouchAt = now;
        this.undoStack.push(this.snapshot());
        if (this.undoStack.length > MAX_UNDO) this.undoStack.shift();
        this.redoStack = [];
      },
      changed: function () {
        this.dirty = true;
        this.status = t('designer.unsaved');
        this.statusKind = 'warn';
      },
      restore: function (snap) {
        this.def = JSON.parse(snap);
        this.ruleUi = {};
        this.lastTouchKey = null;
        if (this.selectedId && !this.fieldById(this.selectedId)) this.selectedId = null;
        this.changed();
      },
      canUndo: function () { return this.undoStack.length > 0; },
      canRedo: function () { return this.redoStack.length > 0; },
      cannotUndo: function () { return this.undoStack.length === 0; },
      cannotRedo: function () { return this.redoStack.length === 0; },
      undo: function () {
        if (!this.undoStack.length) return;
        this.redoStack.push(this.snapshot());
        this.restore(this.undoStack.pop());
      },
      redo: function () {
        if (!this.redoStack.length) return;
        this.undoStack.push(this.snapshot());
        this.restore(this.redoStack.pop());
      },
      onKey: function (e) {
        if (!(e.ctrlKey || e.metaKey) || (e.key !== 'z' && e.key !== 'Z' && e.key !== 'y')) return;
        // the JSON textarea keeps the browser's own undo
        if (e.target && e.target.tagName === 'TEXTAREA' && this.jsonEditing) return;
        e.preventDefault();
        if (e.key === 'y' || e.shiftKey) this.redo(); else this.undo();
      },

      /* ---- lookups ---- */
      fieldById: function (id) {
        if (!this.def) return null;
        for (var i = 0; i < this.def.fields.length; i++) if (this.def.fields[i].id === id) return this.def.fields[i];
        return null;
      },
      sections: function () { return this.def ? this.def.layout.sections : []; },
      sectionFields: function (section) {
        // one pass over the fields (not a lookup per id): cards call this several times each
        var byId = {};
        this.def.fields.forEach(function (f) { byId[f.id] = f; });
        return section.fields.map(function (id) { return byId[id]; })
          .filter(function (f) { return f && !f.deleted; });
      },
      sectionOf: function (id) {
        var secs = this.sections();
        for (var i = 0; i < secs.length; i++) if (secs[i].fields.indexOf(id) >= 0) return secs[i];
        return null;
      },
      deletedFields: function () { return this.def ? this.def.fields.filter(function (f) { return f.deleted; }) : []; },
      hasDeleted: function () { return this.deletedFields().length > 0; },
      selected: function () { return this.selectedId ? this.fieldById(this.selectedId) : null; },
      hasSelection: function () { return !!this.selected(); },
      selectedType: function () { var f = this.selected(); return f ? f.type : ''; },
      isType: function () {
        var ty = this.selectedType();
        for (var i = 0; i < arguments.length; i++) if (arguments[i] === ty) return true;
        return false;
      },

      /* ---- palette ---- */
      /* the palette is plain server-rendered markup (Sortable moves its nodes); filter it directly */
      setPaletteQuery: function (v) {
        var q = (v || '').trim().toLowerCase();
        this.paletteQuery = q;
        this.$root.querySelectorAll('.palette-item').forEach(function (el) {
          var hay = (el.getAttribute('data-type') + ' ' + el.textContent).toLowerCase();
          el.hidden = !!q && hay.indexOf(q) < 0;
        });
      },
      paletteClick: function (e) {
        var item = e.target && e.target.closest ? e.target.closest('.palette-item') : null;
        if (item) this.addFromPalette(item.getAttribute('data-type'));
      },
      typeIcon: function (type) { return typeInfo(type).glyph; },  // the type's own glyph (GET /api/field-types)
      typeLabel: function (type) { return t('type.' + type); },

      /* ---- field operations ---- */
      newId: function (base) {
        var id = base, n = 1;
        while (this.fieldById(id)) { n += 1; id = base + '_' + n; }
        return id;
      },
      targetSection: function () {
        var s = this.selectedId ? this.sectionOf(this.selectedId) : null;
        var secs = this.sections();
        return s || secs[secs.length - 1];
      },
      sectionById: function (sid) {
        var found = null;
        this.sections().forEach(function (s) { if (s.id === sid) found = s; });
        return found;
      },
      addField: function (type, sectionId, index) {
        var section = (sectionId && this.sectionById(sectionId)) || this.targetSection();
        this.touch();
        var id = this.newId(type);
        var field = { id: id, name: id, label: { en: t('type.' + type) }, type: type, required: false };
        if (window.formflow.locale() === 'zh-CN') field.label = { 'zh-CN': t('type.' + type) };
        this.typeNamedLabel[id] = Object.keys(field.label)[0];
        var start = typeInfo(type).default_options;
        if (start && Object.keys(start).length) field.options = window.formflow.clone(start);
        this.def.fields.push(field);
        this.autoKeys[id] = true;  // the key follows the label until the user names it (or the form is published)
        var live = this.sectionFields(section).map(function (f) { return f.id; }).filter(function (x) { return x !== id; });
        var pos = (typeof index === 'number' && index >= 0 && index <= live.length) ? index : live.length;
        var anchor = live[pos];
        section.fields.splice(anchor ? section.fields.indexOf(anchor) : section.fields.length, 0, id);
        this.selectedId = id;
        this.changed();
        this.focusCard(id);
        return id;
      },
      addFromPalette: function (type) { this.addField(type, null, undefined); },
      selectField: function (id) { this.selectedId = id; this.moveMenuFor = null; },
      isSelected: function (id) { return this.selectedId === id; },
      cardClass: function (id) {
        return (this.selectedId === id ? 'selected ' : '') + (this.hasFieldErrors(id) ? 'has-error' : '');
      },
      duplicateField: function (id) {
        var f = this.fieldById(id);
        if (!f) return;
        this.touch();
        var copy = window.formflow.clone(f);
        copy.id = this.newId(f.id + '_copy');
        copy.name = copy.id;
        this.def.fields.push(copy);
        var s = this.sectionOf(id);
        s.fields.splice(s.fields.indexOf(id) + 1, 0, copy.id);
        this.selectedId = copy.id;
        this.changed();
        this.focusCard(copy.id);
      },
      /* ask the server which places use the field (the definition on screen); warn before deleting when some do */
      deleteField: function (id) {
        var f = this.fieldById(id);
        if (!f) return;
        var self_ = this;
        window.formflow.api('POST', this.cfg.api_base + '/field-usage', { field: id, definition: forServer(this.def) }).then(function (r) {
          var items = (r.ok && r.data && r.data.items) || [];
          if (items.length) {
            self_.usageDialog = { id: id, title: self_.fieldTitle(f), items: items };
            var root = self_.$root;
            self_.$nextTick(function () { var b = root.querySelector('[data-testid="keep-field"]'); if (b) b.focus(); });
          } else self_.removeField(id);
        });
      },
      usageTitle: function () { return this.usageDialog ? t('designer.used_by_title', { field: this.usageDialog.title }) : ''; },
      usageItems: function () { return this.usageDialog ? this.usageDialog.items : []; },
      usageKind: function (p) { return named(USAGE_NAMES, p.kind); },
      usageLabel: function (p) { return window.formflow.label(p.label, p.key); },
      confirmDelete: function () { var id = this.usageDialog.id; this.usageDialog = null; this.removeField(id); },
      cancelDelete: function () { var id = this.usageDialog.id; this.usageDialog = null; this.focusCard(id); },
      removeField: function (id) {
        var f = this.fieldById(id);
        if (!f) return;
        this.touch();
        f.deleted = true;
        var s = this.sectionOf(id);
        if (s) s.fields.splice(s.fields.indexOf(id), 1);
        if (this.selectedId === id) this.selectedId = null;
        this.changed();
      },
      restoreField: function (id) {
        var f = this.fieldById(id);
        if (!f) return;
        this.touch();
        delete f.deleted;
        var secs = this.sections();
        secs[secs.length - 1].fields.push(id);
        this.selectedId = id;
        this.changed();
        this.focusCard(id);
      },
      /* move to position liveIndex among the live fields of a section (keyboard or drag) */
      moveField: function (id, toSectionId, liveIndex) {
        var from = this.sectionOf(id);
        var to = this.sectionById(toSectionId);
        if (!from || !to) return;
        this.touch();
        from.fields.splice(from.fields.indexOf(id), 1);
        var live = this.sectionFields(to).map(function (f) { return f.id; });
        var pos = Math.max(0, Math.min(typeof liveIndex === 'number' ? liveIndex : live.length, live.length));
        var anchor = live[pos];
        to.fields.splice(anchor ? to.fields.indexOf(anchor) : to.fields.length, 0, id);
        this.changed();
      },
      liveIndex: function (id) {
        var s = this.sectionOf(id);
        return s ? this.sectionFields(s).map(function (f) { return f.id; }).indexOf(id) : -1;
      },
      cannotMoveUp: function (id) {
        return !(this.liveIndex(id) > 0 || this.sections().indexOf(this.sectionOf(id)) > 0);
      },
      cannotMoveDown: function (id) {
        var s = this.sectionOf(id), secs = this.sections();
        return !(s && (this.liveIndex(id) < this.sectionFields(s).length - 1 || secs.indexOf(s) < secs.length - 1));
      },
      moveUp: function (id) {
        var s = this.sectionOf(id), i = this.liveIndex(id), secs = this.sections();
        if (i > 0) this.moveField(id, s.id, i - 1);
        else if (secs.indexOf(s) > 0) { var prev = secs[secs.indexOf(s) - 1]; this.moveField(id, prev.id, this.sectionFields(prev).length); }
        this.focusCard(id);
      },
      moveDown: function (id) {
        var s = this.sectionOf(id), i = this.liveIndex(id), secs = this.sections();
        if (i < this.sectionFields(s).length - 1) this.moveField(id, s.id, i + 1);
        else if (secs.indexOf(s) < secs.length - 1) this.moveField(id, secs[secs.indexOf(s) + 1].id, 0);
        this.focusCard(id);
      },
      toggleMoveMenu: function (id) { this.moveMenuFor = this.moveMenuFor === id ? null : id; },
      isMoveMenuOpen: function (id) { return this.moveMenuFor === id; },
      otherSections: function (id) {
        var s = this.sectionOf(id);
        return this.sections().filter(function (x) { return x !== s; });
      },
      hasOtherSections: function (id) { return this.otherSections(id).length > 0; },
      moveToSection: function (id, sectionId) {
        this.moveField(id, sectionId);
        this.moveMenuFor = null;
        this.focusCard(id);
      },
      focusCard: function (id, button) {
        var root = this.$root;
        this.$nextTick(function () {
          var card = root.querySelector('[data-testid="field-' + id + '"]');
          if (!card) return;
          var target = button ? card.querySelector('[data-testid="' + button + '"]') : null;
          if (target && target.disabled) target = null;
          (target || card).focus();
        });
      },
      onCardKey: function (e, id) {
        // Alt+Up/Down move the card from anywhere on it (its buttons too); the other keys act on the card itself
        if (e.altKey && e.key === 'ArrowUp') { e.preventDefault(); if (!this.cannotMoveUp(id)) this.moveUp(id); return; }
        if (e.altKey && e.key === 'ArrowDown') { e.preventDefault(); if (!this.cannotMoveDown(id)) this.moveDown(id); return; }
        if (e.target !== e.currentTarget) return;
        if (e.key === 'Delete') { e.preventDefault(); this.deleteField(id); }
        else if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); this.selectField(id); }
      },

      /* ---- sections ---- */
      addSection: function () {
        this.touch();
        var n = this.sections().length + 1, id = 'section_' + n;
        while (this.sectionById(id)) { n += 1; id = 'section_' + n; }
        this.def.layout.sections.push({ id: id, label: '', columns: 1, fields: [] });
        this.changed();
      },
      removeSection: function (sectionId) {
        var secs = this.sections();
        if (secs.length < 2) return;
        this.touch();
        var idx = secs.indexOf(this.sectionById(sectionId));
        var gone = secs.splice(idx, 1)[0];
        var into = secs[Math.max(0, idx - 1)];
        into.fields = into.fields.concat(gone.fields);
        this.changed();
      },
      cannotRemoveSection: function () { return this.sections().length < 2; },
      sectionLabel: function (s) { return window.formflow.label(s.label, ''); },
      /* the section as a person names it: its label, or its number when it has none */
      sectionTitle: function (s) { return this.sectionLabel(s) || String(this.sections().indexOf(s) + 1); },
      /* a per-item button's accessible name carries its item ('Delete field Phone'), so no two read the same */
      itemActionName: function (action, name) { return named(ACTION_NAMES, action, { name: name }); },
      setSectionLabel: function (s, value) {
        this.touch('section-label:' + s.id);
        if (s.label && typeof s.label === 'object') s.label[window.formflow.locale()] = value; else s.label = value;
        this.changed();
      },
      setColumns: function (s, value) { this.touch(); s.columns = Number(value) || 1; this.changed(); },
      columnsValue: function (s) { return String(s.columns || 1); },
      columnsClass: function (s) { return 'section-fields cols-' + (s.columns || 1); },
      gridClass: function (s) { return 'form-grid cols-' + (s.columns || 1); },
      isEmptySection: function (s) { return this.sectionFields(s).length === 0; },
      sectionTestId: function (s) { return 'section-' + s.id; },
      fieldTestId: function (f) { return 'field-' + f.id; },

      /* ---- drag and drop (SortableJS) ---- */
      initPaletteSortable: function () {
        var self_ = this;
        if (!window.Sortable) return;
        this.$nextTick(function () {
          var pal = self_.$root.querySelector('[data-palette]');
          if (!pal || pal._sortable) return;
          pal._sortable = window.Sortable.create(pal, {
            group: { name: 'fields', pull: 'clone', put: false }, sort: false, draggable: '.palette-item',
            onEnd: function (evt) {
              if (evt.to === evt.from) return;
              // where it was dropped, among the cards of the target (Sortable's own index counts palette items: always 0)
              var at = cardIndex(evt.to, evt.item);
              // put the real item back, drop Sortable's copy, and let Alpine render the new field
              if (evt.clone && evt.clone.parentNode) { evt.clone.parentNode.insertBefore(evt.item, evt.clone); evt.clone.parentNode.removeChild(evt.clone); }
              self_.addField(evt.item.getAttribute('data-type'), evt.to.getAttribute('data-section'), at);
            }
          });
        });
      },
      initSectionSortable: function (el) {
        var self_ = this;
        if (!window.Sortable || el._sortable) return;
        el._sortable = window.Sortable.create(el, {
          group: 'fields', draggable: '.field-card', filter: 'button, input, select', preventOnFilter: false,
          ghostClass: 'sortable-ghost', chosenClass: 'sortable-chosen', animation: 120,
          onStart: function (evt) { evt.item._ffNext = evt.item.nextSibling; evt.item._ffFrom = evt.from; },
          onEnd: function (evt) {
            var from = evt.item._ffFrom;
            if (!from) return;
            var at = cardIndex(evt.to, evt.item);
            // undo Sortable's DOM move; the model change re-renders the list in the right order
            from.insertBefore(evt.item, evt.item._ffNext);
            evt.item._ffFrom = null;
            if (evt.from === evt.to && evt.oldDraggableIndex === at) return;
            self_.moveField(evt.item.getAttribute('data-id'), evt.to.getAttribute('data-section'), at);
          }
        });
      },

      /* ---- properties ---- */
      labelIn: function (f, loc) {
        if (!f) return '';
        if (f.label && typeof f.label === 'object') return f.label[loc] || '';
        return loc === 'en' ? (f.label || '') : '';
      },
      selLabel: function (loc) { return this.labelIn(this.selected(), loc); },
      setLabel: function (loc, value) {
        var f = this.selected();
        if (!f) return;
        this.touch('label:' + loc + ':' + f.id);
        if (!f.label || typeof f.label !== 'object') f.label = { en: f.label || '' };
        f.label[loc] = value;
        var named = this.typeNamedLabel[f.id];
        if (named === loc) delete this.typeNamedLabel[f.id];  // typed by the admin now
        else if (named && String(value || '').trim() && f.label[named] === t('type.' + f.type)) {
          /* a label of the admin's own in another language: the type's name the palette put in was a placeholder, not a
             label ('客户名称' alone: no English 'Single line text'; English readers get the Chinese, as every label falls
             back). The mark stays: an undo brings the type's name back, still not a label the key is made from */
          delete f.label[named];
        }
        this.clearErrorsFor(f.id, 'label');
        this.changed();
        this.followLabel(f);
      },
      /* ---- field keys: made from the label (POST …/field-key, pinyin for Chinese) until the first publish ---- */
      isKeyFixed: function (id) { return (this.cfg.fixed_keys || []).indexOf(id) >= 0; },
      selKeyFixed: function () { var f = this.selected(); return !!f && this.isKeyFixed(f.id); },
      keyHint: function () { return this.selKeyFixed() ? t('designer.key_fixed') : t('designer.key_follows_label'); },
      /* the key comes from the English label when there is one, else the Chinese (the server picks): not from
         whichever language was typed last, and not from the type's name the palette put in (setLabel drops it once the
         admin types a label in the other language: a field labelled only '客户名称' has the key kehu_mingcheng) */
      followLabel: function (f) {
        var label = (f.label && typeof f.label === 'object') ? window.formflow.clone(f.label) : { en: String(f.label || '') };
        if (this.typeNamedLabel[f.id]) delete label[this.typeNamedLabel[f.id]];
        var any = Object.keys(label).some(function (k) { return String(label[k] || '').trim(); });
        if (!this.autoKeys[f.id] || this.isKeyFixed(f.id) || !any) return;
        var self_ = this, asked = f.id;
        clearTimeout(this.keyTimer);
        this.keyTimer = setTimeout(function () {
          var taken = self_.def.fields.filter(function (x) { return x !== f; }).map(function (x) { return x.id; });
          window.formflow.api('POST', self_.cfg.api_base + '/field-key', { label: label, taken: taken }).then(function (r) {
            if (r.ok && r.data && r.data.key && f.id === asked && self_.autoKeys[asked]) self_.renameKey(f, r.data.key);
          });
        }, 250);
      },
      /* give a never-published field another key: its layout place, selection and rules follow */
      renameKey: function (f, key) {
        var old = f.id;
        if (old === key || this.isKeyFixed(old)) return;
        this.sections().forEach(function (s) { var i = s.fields.indexOf(old); if (i >= 0) s.fields[i] = key; });
        var re = new RegExp('(^|[^A-Za-z0-9_.\'"])' + old.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '(?![A-Za-z0-9_])', 'g');
        (this.def.rules || []).forEach(function (r) { if (r.when) r.when = r.when.replace(re, '$1' + key); });
        if (this.def.settings && this.def.settings.title_field === old) this.def.settings.title_field = key;
        (this.def.validations || []).forEach(function (v) {  // submit validations name fields the same way
          ['when', 'condition'].forEach(function (k) { if (v[k]) v[k] = v[k].replace(re, '$1' + key); });
          (v.fields || []).forEach(function (x, i) { if (x === old) v.fields[i] = key; });
        });
        f.id = key;
        f.name = key;
        if (this.autoKeys[old]) { delete this.autoKeys[old]; this.autoKeys[key] = true; }
        if (this.typeNamedLabel[old]) { this.typeNamedLabel[key] = this.typeNamedLabel[old]; delete this.typeNamedLabel[old]; }
        if (this.selectedId === old) this.selectedId = key;
        this.reparseRules();
      },
      fieldTitle: function (f) { return window.formflow.label(f.label, f.name || f.id); },
      fieldMeta: function (f) { return this.typeLabel(f.type) + ' · ' + (f.name || f.id); },
      prop: function (path) {
        var f = this.selected();
        var v = f ? getPath(f, path) : undefined;
        return v === undefined || v === null ? '' : v;
      },
      propBool: function (path) { return !!this.prop(path); },
      setProp: function (path, value, kind) {
        var f = this.selected();
        if (!f) return;
        this.touch('prop:' + path + ':' + f.id);
        setPath(f, path, coerce(value, kind));
        this.clearErrorsFor(f.id, path);
        this.changed();
      },
      setName: function (value) {
        var f = this.selected();
        if (!f || this.isKeyFixed(f.id)) return;
        delete this.autoKeys[f.id];  // named by hand: the label no longer makes it
        if (/^[a-z][a-z0-9_]*$/.test(value) && !this.fieldById(value)) { this.touch('prop:name:' + f.id); this.renameKey(f, value); this.changed(); return; }
        var old = f.name;
        this.touch('prop:name:' + f.id);
        f.name = value;
        // rules use names: follow a rename where the old name stands as a whole word
        if (old && value && old !== value) {
          var re = new RegExp('(^|[^A-Za-z0-9_.\'"])' + old.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '(?![A-Za-z0-9_])', 'g');
          (this.def.rules || []).forEach(function (r) { if (r.when) r.when = r.when.replace(re, '$1' + value); });
          this.reparseRules();
        }
        this.clearErrorsFor(f.id, 'name');
        this.changed();
      },
      /* the default value's input, as the selected field's type describes it */
      defaultInput: function () { return typeInfo(this.selectedType()).default_input; },
      showDefault: function () { return this.hasSelection() && !!this.defaultInput(); },
      defaultIsBool: function () { return this.defaultInput() === 'switch'; },
      defaultIsInput: function () { return this.showDefault() && this.defaultInput() !== 'switch'; },
      defaultInputType: function () { return this.defaultInput() || 'text'; },
      setDefault: function (value) {
        if (this.defaultIsBool()) { this.setProp('default', value === 'true' ? true : (value === 'false' ? false : ''), null); return; }
        this.setProp('default', value, this.defaultInput() === 'number' ? 'num' : null);
      },

      /* type-specific properties, from the selected type's descriptors (GET /api/field-types) */
      typeProps: function () {
        return typeInfo(this.selectedType()).properties.filter(function (p) { return SIMPLE_KINDS[p.kind]; });
      },
      hasEditor: function (kind) {
        return typeInfo(this.selectedType()).properties.some(function (p) { return p.kind === kind; });
      },
      isKind: function (p, kind) { return p.kind === kind; },
      isInputKind: function (p) { return p.kind === 'int' || p.kind === 'number' || p.kind === 'text' || p.kind === 'code'; },
      propId: function (p) { return 'p-' + p.key.replace(/\./g, '-'); },
      propText: function (p) { return window.formflow.label(p.label, p.key); },
      propHelp: function (p) { return p.help ? window.formflow.label(p.help, '') : ''; },
      propInputType: function (p) { return (p.kind === 'int' || p.kind === 'number') ? 'number' : 'text'; },
      propInputClass: function (p) { return (p.kind === 'code' ? 'mono ' : '') + this.inputClass(p.key); },
      propAttr: function (p, name) { return (p.attrs && p.attrs[name] !== undefined) ? p.attrs[name] : null; },
      propOptionText: function (o) { return window.formflow.label(o.label, String(o.value)); },
      propSelected: function (p, o) { return o.value === this.prop(p.key); },
      setPropFrom: function (p, value) { this.setProp(p.key, value, SET_MODES[p.kind] || null); },
      defaultChoice: function () { var v = this.prop('default'); return v === true ? 'true' : (v === false ? 'false' : ''); },

      /* choices editor (select / multiselect) */
      choices: function () { var f = this.selected(); return (f && f.options && f.options.choices) || []; },
      choiceLabel: function (c, loc) { return c.label && typeof c.label === 'object' ? (c.label[loc] || '') : (loc === 'en' ? (c.label || '') : ''); },
      setChoice: function (i, key, value) {
        var f = this.selected();
        this.touch('choice:' + f.id + ':' + i + ':' + key);
        var c = f.options.choices[i];
        if (key === 'value') c.value = value;
        else {
          if (!c.label || typeof c.label !== 'object') c.label = { en: c.label || '' };
          c.label[key] = value;
        }
        this.clearErrorsFor(f.id, 'options.choices');
        this.changed();
      },
      addChoice: function () {
        var f = this.selected();
        this.touch();
        f.options = f.options || {};
        f.options.choices = f.options.choices || [];
        var n = f.options.choices.length + 1;
        f.options.choices.push({ value: 'option_' + n, label: { en: 'Option ' + n, 'zh-CN': '选项' + n } });
        this.changed();
      },
      removeChoice: function (i) { var f = this.selected(); this.touch(); f.options.choices.splice(i, 1); this.changed(); },
      choiceErrors: function (i) { return this.propError('options.choices.' + i); },
      /* each row's boxes named by number: 'Choice 2 value', 'Remove choice 2' */
      choiceName: function (part, i) { return named(CHOICE_NAMES, part, { n: i + 1 }); },

      /* sub-table columns */
      subfields: function () { var f = this.selected(); return (f && f.options && f.options.fields) || []; },
      subfieldTypes: function () {
        return FIELD_TYPES.filter(function (d) { return d.in_subtable; }).map(function (d) { return { type: d.type, label: t('type.' + d.type) }; });
      },
      addSubfield: function () {
        var f = this.selected();
        this.touch();
        f.options = f.options || {};
        f.options.fields = f.options.fields || [];
        var n = f.options.fields.length + 1, id = 'col_' + n;
        while (f.options.fields.some(function (x) { return x.id === id; })) { n += 1; id = 'col_' + n; }
        f.options.fields.push({ id: id, name: id, type: this.subfieldTypes()[0].type, label: { en: 'Column ' + n, 'zh-CN': '列' + n } });
        this.changed();
      },
      setSubfield: function (i, key, value) {
        var f = this.selected();
        this.touch('sub:' + f.id + ':' + i + ':' + key);
        var sf = f.options.fields[i];
        if (key === 'label') {
          if (!sf.label || typeof sf.label !== 'object') sf.label = { en: sf.label || '' };
          sf.label[window.formflow.locale()] = value;
        } else if (key === 'id') { sf.id = value; sf.name = value; } else sf[key] = value;
        this.changed();
      },
      subfieldLabel: function (sf) { return this.labelIn(sf, window.formflow.locale()); },
      removeSubfield: function (i) { var f = this.selected(); this.touch(); f.options.fields.splice(i, 1); this.changed(); },
      /* a reference's target: options.app (another app of the workspace; empty: this one), then a form of that app */
      targetAppKey: function () { var f = this.selected(); return (f && f.options && f.options.app) || ''; },
      otherApps: function () {
        var own = this.cfg.app;
        return (this.cfg.apps || []).filter(function (a) { return a.key !== own; })
          .map(function (a) { return { key: a.key, label: window.formflow.label(a.label, a.key) }; });
      },
      setTargetApp: function (p, value) {
        var f = this.selected();
        if (!f || (f.options && (f.options.app || '') === value)) return;
        this.touch('prop:' + p.key + ':' + f.id);
        f.options = f.options || {};
        if (value) f.options.app = value; else delete f.options.app;
        f.options.form = '';  // a form key means nothing in another app: pick the form again
        this.clearErrorsFor(f.id, p.key);
        this.changed();
      },
      targetFormList: function () {
        var app = this.targetAppKey();
        if (!app || app === this.cfg.app) return this.cfg.forms;
        var found = (this.cfg.apps || []).filter(function (a) { return a.key === app; })[0];
        return found ? found.forms : [];
      },
      targetForms: function () {
        return this.targetFormList().map(function (fm) { return { key: fm.key, label: window.formflow.label(fm.label, fm.key) }; });
      },
      hasTargetForms: function () { return this.targetFormList().length > 0; },
      noTargetForms: function () { return this.targetFormList().length === 0; },

      /* ---- errors ---- */
      /* [{path, field_id, message, position?}] -> kept with a normalized path, the field id and the property */
      setErrors: function (list) {
        var self_ = this;
        this.errors = (list || []).map(function (e) {
          var p = normPath(e.path);
          var fid = e.field_id || null;
          var prop = '';
          var m = /^fields\.(\d+)(?:\.(.*))?$/.exec(p);
          if (m) {
            var f = self_.def.fields[Number(m[1])];
            if (!fid && f) fid = f.id;
            prop = m[2] || '';
          } else if (fid && p && p.indexOf('rules') !== 0 && p.indexOf('layout') !== 0) {
            prop = p.replace(/^fields\.[^.]+\.?/, '');
          }
          if (fid && !self_.fieldById(fid)) fid = null;
          return { path: e.path, normPath: p, field_id: fid, prop: prop, message: e.message || String(e), position: e.position,
            place: e.place || null,  // a place outside the form still using a deleted field: linked in the summary
            where: e.where || null };  // the server's name of the place ("Validation “x” — condition"), per language
        });
        if (this.setRuleErrors) this.setRuleErrors(this.errors);
        var first = this.errors.filter(function (e) { return e.field_id; })[0];
        if (first && this.tab === 'design') this.selectedId = first.field_id;
      },
      clearErrorsFor: function (fid, path) {
        this.errors = this.errors.filter(function (e) {
          return !(e.field_id === fid && (e.prop === path || e.prop.indexOf(path + '.') === 0));
        });
      },
      fieldErrors: function (id) { return this.errors.filter(function (e) { return e.field_id === id; }); },
      hasFieldErrors: function (id) { return this.fieldErrors(id).length > 0; },
      propErrors: function (path) {
        var id = this.selectedId;
        return this.errors.filter(function (e) { return e.field_id === id && (e.prop === path || e.prop.indexOf(path + '.') === 0); });
      },
      propError: function (path) { return this.propErrors(path).map(function (e) { return e.message; }).join(' '); },
      hasPropError: function (path) { return this.propErrors(path).length > 0; },
      inputClass: function (path) { return this.hasPropError(path) ? 'has-error' : ''; },
      fieldOnlyErrors: function () {
        // errors on the selected field that no property input shows
        var shown = ['label', 'name', 'help', 'required', 'default', 'options', 'fetch'];
        var id = this.selectedId;
        return this.errors.filter(function (e) {
          return e.field_id === id && !shown.some(function (s) { return e.prop === s || e.prop.indexOf(s + '.') === 0; });
        });
      },
      hasErrors: function () { return this.errors.length > 0; },
      errorCountText: function () { return t('designer.errors_count', { count: this.errors.length }); },
      /* each broken place as a person reads it: the field, or the server's name of the place (a validation, an
         automation's mapping); the bare path only when neither is known. The path stays in errorPath (tooltip). */
      errorLabel: function (e) {
        var f = e.field_id ? this.fieldById(e.field_id) : null;
        var where = e.where ? window.formflow.label(e.where, '') : '';
        return (f && !where ? this.fieldTitle(f) + ': ' : (where ? where + ': ' : (e.normPath ? e.normPath + ': ' : ''))) + e.message;
      },
      errorPath: function (e) { return e.normPath || ''; },
      goToError: function (e) {
        if (e.field_id) { this.tab = 'design'; this.selectedId = e.field_id; this.focusCard(e.field_id); }
        else if (e.normPath.indexOf('rules') === 0) this.tab = 'rules';
      },

      /* ---- server ---- */
      handleFailure: function (r, fallbackKey) {
        var err = (r.data && r.data.error) || {};
        var list = err.errors || [];
        this.setErrors(list.length ? list : (err.message ? [{ path: '', message: err.message }] : []));
        this.status = t(fallbackKey);
        this.statusKind = 'error';
      },
      saveDraft: function () {
        var self_ = this;
        if (this.jsonEditing && !this.applyJson()) return Promise.resolve(false);
        this.busy = true;
        var sent = this.snapshot();
        return window.formflow.api('PUT', this.cfg.api_base + '/draft', forServer(this.def), this.revisionHeaders()).then(function (r) {
          self_.busy = false;
          if (r.status === 412) {  // saved elsewhere meanwhile: keep this tab's work, say so where the status shows
            self_.status = t('designer.stale_draft');
            self_.statusKind = 'error';
            self_.loadError = ((r.data && r.data.error && r.data.error.message) || '');
            return false;
          }
          if (r.ok) {
            self_.takeRevision(r.data);
            self_.loadError = '';
            self_.errors = [];
            self_.ruleErrors = {};
            // adopt the server's normalized draft only if nothing changed while saving
            if (self_.snapshot() === sent) {
              var saved = self_.unwrap(r.data);
              if (saved && Array.isArray(saved.fields)) self_.def = normalize(saved);
              self_.dirty = false;
            }
            self_.status = t('designer.saved_at');
            self_.statusKind = 'ok';
            return true;
          }
          self_.handleFailure(r, 'designer.save_failed');
          return false;
        });
      },
      publish: function () {
        var self_ = this;
        var go = function () {
          self_.busy = true;
          return window.formflow.api('POST', self_.cfg.api_base + '/publish', {}).then(function (r) {
            self_.busy = false;
            if (r.ok) {
              self_.errors = [];
              self_.status = t('designer.published') + (r.data && r.data.version ? ' · v' + r.data.version : '');
              self_.statusKind = 'ok';
              return true;
            }
            self_.handleFailure(r, 'designer.publish_failed');
            return false;
          });
        };
        // publishing publishes the saved draft: save first when there are changes
        if (this.dirty) return this.saveDraft().then(function (ok) { return ok ? go() : false; });
        return go();
      },
      /* what publishing the state ON SCREEN (saved or not) would change: sentences in the page's language, grouped
         (POST …/diff/readable); each group is a heading item followed by its sentences */
      loadDiff: function () {
        var self_ = this;
        this.diff = { loading: true, items: [], raw: '' };
        var body = { definition: forServer(this.def), locale: window.formflow.locale() === 'zh-CN' ? 'zh-CN' : 'en' };
        window.formflow.api('POST', this.cfg.api_base + '/diff/readable', body).then(function (r) {
          var d = r.data || {};
          if (!r.ok) { self_.diff = { loading: false, items: [], raw: (d.error && d.error.message) || t('common.error') }; return; }
          var items = [];
          (d.groups || []).forEach(function (g) {
            items.push({ key: g.group, kind: 'group', text: g.title });
            g.items.forEach(function (c, i) { items.push({ key: g.group + i, kind: 'change', text: c.text }); });
          });
          self_.diff = { loading: false, raw: '', items: items };
        });
      },
      closeDiff: function () { this.diff = null; },
      hasDiff: function () { return this.diff !== null; },
      diffItems: function () { return this.diff ? this.diff.items : []; },
      diffRaw: function () { return this.diff ? this.diff.raw : ''; },
      diffLoading: function () { return !!(this.diff && this.diff.loading); },
      diffEmpty: function () { return !!(this.diff && !this.diff.loading && !this.diff.items.length && !this.diff.raw); },
      diffClass: function (item) { return item.kind; },

      /* ---- JSON view ---- */
      jsonPretty: function () { return this.def ? JSON.stringify(this.def, null, 2) : ''; },
      startJsonEdit: function () { this.jsonText = this.jsonPretty(); this.jsonError = ''; this.jsonEditing = true; },
      cancelJsonEdit: function () { this.jsonEditing = false; this.jsonError = ''; },
      setJsonText: function (v) { this.jsonText = v; this.jsonError = ''; },
      notJsonEditing: function () { return !this.jsonEditing; },
      applyJson: function () {
        var parsed;
        try { parsed = JSON.parse(this.jsonText); } catch (e) {
          this.jsonError = t('designer.json_parse_error', { message: e.message });
          return false;
        }
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
          this.jsonError = t('designer.json_parse_error', { message: 'not an object' });
          return false;
        }
        this.touch();
        this.def = normalize(parsed);
        this.ruleUi = {};
        this.jsonEditing = false;
        this.changed();
        return true;
      },

      /* ---- tabs / preview ---- */
      setTab: function (name) { this.tab = name; this.moveMenuFor = null; },
      isTab: function (name) { return this.tab === name; },
      tabSelected: function (name) { return this.tab === name ? 'true' : 'false'; },
      tabIndex: function (name) { return this.tab === name ? '0' : '-1'; },
      setPreview: function (mode) { this.previewMode = mode; },
      isPreview: function (mode) { return this.previewMode === mode ? 'true' : 'false'; },
      previewClass: function () { return 'preview-frame ' + this.previewMode; },
      formTitle: function () { return this.def ? window.formflow.label(this.def.label, this.def.key) : ''; },

      /* ---- rules tab (rulebuilder.js mixin supplies the condition editing) ---- */
      rulesList: function () { return this.def ? this.def.rules : []; },
      fieldsForRules: function () {
        return this.def ? this.def.fields.filter(function (f) { return !f.deleted; }).map(function (f) {
          return { id: f.id, name: f.name || f.id, type: f.type, label: window.formflow.label(f.label, f.name || f.id),
            choices: ((f.options && f.options.choices) || []).map(function (c) { return { value: c.value, label: window.formflow.label(c.label, c.value) }; }) };
        }) : [];
      },
      hasRules: function () { return this.rulesList().length > 0; },
      addRule: function () {
        this.touch();
        var n = this.def.rules.length + 1, id = 'r' + n;
        while (this.def.rules.some(function (r) { return r.id === id; })) { n += 1; id = 'r' + n; }
        this.def.rules.push({ id: id, name: '', when: '', effects: [] });
        this.changed();
      },
      removeRule: function (ri) { this.touch(); this.def.rules.splice(ri, 1); this.ruleUi = {}; this.ruleErrors = {}; this.changed(); },
      ruleNameIn: function (rule, loc) { return window.formflow.textIn(rule.name, loc); },
      ruleTitle: function (rule) { return window.formflow.label(rule.name, rule.id); },
      setRuleName: function (ri, loc, value) {
        this.touch('rule-name:' + loc + ':' + ri);
        var name = window.formflow.withText(this.def.rules[ri].name, loc, value);
        if (name) this.def.rules[ri].name = name; else delete this.def.rules[ri].name;
        this.changed();
      },
      ruleEffects: function (rule) { return rule.effects || []; },
      addEffect: function (ri) {
        var first = this.fieldsForRules()[0];
        this.touch();
        this.def.rules[ri].effects = this.def.rules[ri].effects || [];
        this.def.rules[ri].effects.push({ field: first ? first.id : '', visible: true });
        this.changed();
      },
      removeEffect: function (ri, ei) { this.touch(); this.def.rules[ri].effects.splice(ei, 1); this.changed(); },
      effectTri: function (eff, key) { return eff[key] === true ? 'true' : (eff[key] === false ? 'false' : ''); },
      setEffect: function (ri, ei, key, value) {
        var eff = this.def.rules[ri].effects[ei];
        this.touch('effect:' + ri + ':' + ei + ':' + key);
        if (key === 'field') eff.field = value;
        else if (key === 'value') { if (value === '') delete eff.value; else eff.value = value; }
        else if (key === 'options') {
          var list = value.split(',').map(function (s) { return s.trim(); }).filter(Boolean);
          if (list.length) eff.options = list; else delete eff.options;
        } else if (value === '') delete eff[key];
        else eff[key] = value === 'true';
        this.changed();
      },
      effectOptions: function (eff) { return Array.isArray(eff.options) ? eff.options.join(', ') : ''; },
      effectValue: function (eff) { return eff.value === undefined || eff.value === null ? '' : String(eff.value); },
      ruleDomId: function (ri, part) { return 'rule-' + ri + '-' + part; }
    };
    Object.keys(rb).forEach(function (k) { if (!(k in self)) self[k] = rb[k]; });
    // panels in their own modules (designer_history.js, designer_preview.js) add their methods the same way
    (window.formflowDesignerPanels || []).forEach(function (panel) {
      var part = panel();
      Object.keys(part).forEach(function (k) { if (!(k in self)) self[k] = part[k]; });
    });
    return self;
  }

  window.formflowDesigner = { forServer: forServer, normalize: normalize, normPath: normPath, FIELD_TYPES: FIELD_TYPES };
  document.addEventListener('alpine:init', function () {
    window.Alpine.data('formDesigner', designer);
  });
})();
