/* Rule builder: turns rows of field -> operator -> value, grouped by All/Any,
   into rule-engine expression text (`enable_reminder == true and (method ==
   'visit' or method == 'call')`) and back. Expressions the builder cannot
   represent stay editable as raw text. Server errors carry a `position` in the
   text; each condition remembers its [start, end) span so the error lands on
   the row that produced it.

   Exposes window.formflowRuleBuilder = {parse, serialize, OPERATORS, mixin}
   and registers the Alpine component 'ruleBuilder' for a standalone editor. */
(function () {
  'use strict';

  // an operator's name: its catalogue key (name) written out in full, so tests/core/test_client_messages.py finds and checks each
  var OPERATORS = [
    { key: 'eq', name: 'op.eq', text: '==', needsValue: true },
    { key: 'ne', name: 'op.ne', text: '!=', needsValue: true },
    { key: 'gt', name: 'op.gt', text: '>', needsValue: true },
    { key: 'ge', name: 'op.ge', text: '>=', needsValue: true },
    { key: 'lt', name: 'op.lt', text: '<', needsValue: true },
    { key: 'le', name: 'op.le', text: '<=', needsValue: true },
    { key: 'contains', name: 'op.contains', text: 'in', needsValue: true },
    { key: 'empty', name: 'op.empty', text: '== null', needsValue: false },
    { key: 'not_empty', name: 'op.not_empty', text: '!= null', needsValue: false },
    { key: 'true', name: 'op.true', text: '== true', needsValue: false },
    { key: 'false', name: 'op.false', text: '== false', needsValue: false }
  ];
  var BY_KEY = {};
  OPERATORS.forEach(function (o) { BY_KEY[o.key] = o; });
  var CMP = { '==': 'eq', '!=': 'ne', '>': 'gt', '>=': 'ge', '<': 'lt', '<=': 'le' };

  function newCondition(field) { return { kind: 'cond', field: field || '', op: 'eq', value: '' }; }
  function newGroup(join) { return { kind: 'group', join: join || 'and', items: [] }; }

  /* ---- literal formatting ---- */
  function quote(s) { return "'" + String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'"; }

  /* a typed value as rule text; `kind` is how the field's type writes one (its form.rule_literal) */
  function literal(value, kind) {
    if (value === null || value === undefined) return 'null';
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    if (typeof value === 'number') return String(value);
    var s = String(value);
    if (kind === 'date') return 'd' + quote(s);
    if (kind === 'number' && /^-?\d+(\.\d+)?$/.test(s.trim())) return s.trim();
    if (kind === 'boolean' && (s === 'true' || s === 'false')) return s;
    return quote(s);
  }
  function facts(typeName) { return window.formflow.fieldType(typeName).form; }

  /* ---- serialize: tree -> {text, spans: [{path, start, end}]} ---- */
  function serialize(tree, fieldTypes) {
    var spans = [];
    var out = '';
    fieldTypes = fieldTypes || {};
    function cond(c, path) {
      var op = BY_KEY[c.op] || BY_KEY.eq;
      var name = c.field || '?';
      var text;
      if (!op.needsValue) text = name + ' ' + op.text;
      else if (c.op === 'contains') text = literal(c.value, 'text') + ' in ' + name;
      else text = name + ' ' + op.text + ' ' + literal(c.value, facts(fieldTypes[c.field]).rule_literal);
      spans.push({ path: path, start: out.length, end: out.length + text.length });
      out += text;
    }
    function group(g, path, nested) {
      var items = (g.items || []).filter(function (it) { return it.kind === 'cond' ? !!it.field : (it.items || []).length; });
      var paren = nested && items.length > 1;
      if (paren) out += '(';
      items.forEach(function (it, i) {
        if (i) out += ' ' + (g.join === 'or' ? 'or' : 'and') + ' ';
        var p = path.concat([g.items.indexOf(it)]);
        if (it.kind === 'group') group(it, p, true); else cond(it, p);
      });
      if (paren) out += ')';
    }
    group(tree, [], false);
    return { text: out, spans: spans };
  }

  /* ---- parse: text -> tree, or null when the builder cannot show it ---- */
  function tokenize(text) {
    var tokens = [], i = 0, m;
    var re = {
      ws: /^\s+/,
      dstr: /^d(['"])((?:\\.|(?!\1).)*)\1/,
      str: /^(['"])((?:\\.|(?!\1).)*)\1/,
      num: /^-?\d+(?:\.\d+)?/,
      op: /^(==|!=|>=|<=|>|<)/,
      paren: /^[()]/,
      ident: /^[A-Za-z_][A-Za-z0-9_.]*/
    };
    while (i < text.length) {
      var rest = text.slice(i);
      if ((m = re.ws.exec(rest))) { i += m[0].length; continue; }
      if ((m = re.dstr.exec(rest))) { tokens.push({ t: 'lit', v: m[2].replace(/\\(.)/g, '$1'), pos: i }); i += m[0].length; continue; }
      if ((m = re.str.exec(rest))) { tokens.push({ t: 'lit', v: m[2].replace(/\\(.)/g, '$1'), pos: i }); i += m[0].length; continue; }
      if ((m = re.num.exec(rest))) { tokens.push({ t: 'lit', v: Number(m[0]), pos: i }); i += m[0].length; continue; }
      if ((m = re.op.exec(rest))) { tokens.push({ t: 'op', v: m[0], pos: i }); i += m[0].length; continue; }
      if ((m = re.paren.exec(rest))) { tokens.push({ t: m[0], pos: i }); i += 1; continue; }
      if ((m = re.ident.exec(rest))) {
        var w = m[0];
        if (w === 'and' || w === 'or') tokens.push({ t: 'join', v: w, pos: i });
        else if (w === 'in') tokens.push({ t: 'in', pos: i });
        else if (w === 'true' || w === 'false') tokens.push({ t: 'lit', v: w === 'true', pos: i });
        else if (w === 'null') tokens.push({ t: 'lit', v: null, pos: i });
        else tokens.push({ t: 'ident', v: w, pos: i });
        i += w.length; continue;
      }
      return null;
    }
    return tokens;
  }

  function parse(text) {
    if (!text || !String(text).trim()) return newGroup('and');
    var tokens = tokenize(String(text));
    if (!tokens) return null;
    var p = 0;
    function peek() { return tokens[p]; }
    function comparison() {
      var a = tokens[p], b = tokens[p + 1], c = tokens[p + 2];
      if (!a || !b || !c) return null;
      if (a.t === 'ident' && b.t === 'op' && c.t === 'lit') {
        p += 3;
        var v = c.v;
        if (v === null) return { kind: 'cond', field: a.v, op: b.v === '==' ? 'empty' : (b.v === '!=' ? 'not_empty' : null), value: '' };
        if (v === true && b.v === '==') return { kind: 'cond', field: a.v, op: 'true', value: '' };
        if (v === false && b.v === '==') return { kind: 'cond', field: a.v, op: 'false', value: '' };
        return { kind: 'cond', field: a.v, op: CMP[b.v], value: typeof v === 'number' ? String(v) : v };
      }
      if (a.t === 'lit' && b.t === 'in' && c.t === 'ident') {
        p += 3;
        return { kind: 'cond', field: c.v, op: 'contains', value: a.v === null ? '' : String(a.v) };
      }
      return null;
    }
    function term() {
      var tok = peek();
      if (!tok) return null;
      if (tok.t === '(') {
        p++;
        var g = expr();
        if (!g || !peek() || peek().t !== ')') return null;
        p++;
        return g;
      }
      return comparison();
    }
    function expr() {
      var first = term();
      if (!first) return null;
      var g = newGroup('and');
      g.items.push(first);
      var join = null;
      while (peek() && peek().t === 'join') {
        var j = peek().v;
        if (join && j !== join) return null;  // mixed and/or without parentheses
        join = j; p++;
        var next = term();
        if (!next) return null;
        g.items.push(next);
      }
      g.join = join || 'and';
      // a group holding a single group is that group
      if (g.items.length === 1 && g.items[0].kind === 'group') return g.items[0];
      return g;
    }
    var tree = expr();
    if (!tree || p !== tokens.length) return null;
    if (tree.kind !== 'group') { var root = newGroup('and'); root.items.push(tree); tree = root; }
    return tree;
  }

  function getAt(tree, path) {
    var node = tree;
    for (var i = 0; i < path.length; i++) node = node.items[path[i]];
    return node;
  }

  /* Methods mixed into a component that has `rulesList()` (the rules array),
     `fieldsForRules()` ([{name, id, type, label}]), `touch(key)` (before a
     change, for undo) and `changed()` (after). UI state lives in ruleUi. */
  function mixin() {
    return {
      ruleUi: {},          // rule id -> {mode, tree, notice}
      ruleErrors: {},      // rule index -> [{message, position, row}]

      /* an effect on a field that is no longer live (deleted, say, before a refused publish): its select names that
         field under "Deleted fields" instead of showing the first field as if it were chosen */
      effectFieldGone: function (eff) {
        var id = eff && eff.field;
        return !!id && !this.fieldsForRules().some(function (f) { return f.id === id; });
      },
      /* fields by label, the key beside (issue 21 #5): an option reads as its label, so a person (and a screen
         reader) picks by name; two fields with one label add their keys to tell them apart */
      fieldOptionText: function (f) {
        var same = this.fieldsForRules().filter(function (x) { return x.label === f.label; }).length > 1;
        return same ? f.label + ' (' + f.name + ')' : f.label;
      },
      /* the key of the field a condition (by name) or an effect (by id) names, shown as secondary text beside its select */
      condFieldKey: function (name) { return name || ''; },
      effectFieldKey: function (eff) {
        var id = eff && eff.field;
        var f = this.fieldsForRules().filter(function (x) { return x.id === id; })[0];
        return f ? f.name : String(id || '');
      },
      effectFieldGoneLabel: function (eff) {
        var id = eff && eff.field, fields = (this.def && this.def.fields) || [];
        var f = fields.filter(function (x) { return x.id === id; })[0];
        return f ? window.formflow.label(f.label, f.name || f.id) + ' (' + f.id + ')' : String(id || '');
      },

      ruleState: function (rule) {
        var id = rule.id;
        if (!this.ruleUi[id]) {
          var tree = parse(rule.when || '');
          this.ruleUi[id] = tree ? { mode: 'builder', tree: tree, notice: '' }
            : { mode: 'raw', tree: newGroup('and'), notice: 'rules.unparsable' };
        }
        return this.ruleUi[id];
      },
      /* the rules' text changed under the builder (a field's key followed its label, a name was renamed): parse the
         trees again when next shown, but a rule being edited as text stays text (switching back parses it anew) */
      reparseRules: function () {
        var ui = this.ruleUi, kept = {};
        Object.keys(ui).forEach(function (id) { if (ui[id].mode === 'raw') kept[id] = ui[id]; });
        this.ruleUi = kept;
      },
      ruleMode: function (rule) { return this.ruleState(rule).mode; },
      ruleNotice: function (rule) { var n = this.ruleState(rule).notice; return n ? window.formflow.t(n) : ''; },
      ruleTreeRows: function (rule) {
        // flatten to [{path, depth, node, kind}] so templates need no recursion
        var rows = [];
        function walk(g, path, depth) {
          rows.push({ key: 'g' + path.join('.'), path: path, depth: depth, node: g, kind: 'group' });
          g.items.forEach(function (it, i) {
            var p = path.concat([i]);
            if (it.kind === 'group') walk(it, p, depth + 1);
            else rows.push({ key: 'c' + p.join('.'), path: p, depth: depth, node: it, kind: 'cond' });
          });
          rows.push({ key: 'e' + path.join('.'), path: path, depth: depth, node: g, kind: 'end' });
        }
        walk(this.ruleState(rule).tree, [], 0);
        return rows;
      },
      ruleFieldTypes: function () {
        var types = {};
        this.fieldsForRules().forEach(function (f) { types[f.name] = f.type; });
        return types;
      },
      syncRuleText: function (rule) {
        var st = this.ruleState(rule);
        var out = serialize(st.tree, this.ruleFieldTypes());
        st.spans = out.spans;
        rule.when = out.text;
      },
      ruleEdit: function (ri, fn) {
        var rule = this.rulesList()[ri];
        this.touch('rule:' + ri);
        fn.call(this, rule, this.ruleState(rule));
        this.changed();
      },
      setRuleMode: function (ri, mode) {
        var rule = this.rulesList()[ri];
        var st = this.ruleState(rule);
        if (mode === 'builder') {
          var tree = parse(rule.when || '');
          if (!tree) { st.notice = 'rules.unparsable'; return; }
          st.tree = tree; st.notice = '';
        }
        st.mode = mode;
      },
      setRuleRaw: function (ri, text) {
        this.ruleEdit(ri, function (rule) { rule.when = text; });
        this.clearRuleErrors(ri);
      },
      setGroupJoin: function (ri, path, join) {
        this.ruleEdit(ri, function (rule, st) { getAt(st.tree, path).join = join; this.syncRuleText(rule); });
      },
      addCondition: function (ri, path) {
        var first = this.fieldsForRules()[0];
        this.ruleEdit(ri, function (rule, st) { getAt(st.tree, path).items.push(newCondition(first ? first.name : '')); this.syncRuleText(rule); });
      },
      addGroup: function (ri, path) {
        var first = this.fieldsForRules()[0];
        this.ruleEdit(ri, function (rule, st) {
          var g = newGroup(getAt(st.tree, path).join === 'and' ? 'or' : 'and');
          g.items.push(newCondition(first ? first.name : ''));
          getAt(st.tree, path).items.push(g);
          this.syncRuleText(rule);
        });
      },
      removeNode: function (ri, path) {
        this.ruleEdit(ri, function (rule, st) {
          var parent = getAt(st.tree, path.slice(0, -1));
          parent.items.splice(path[path.length - 1], 1);
          this.syncRuleText(rule);
        });
      },
      setCond: function (ri, path, key, value) {
        this.ruleEdit(ri, function (rule, st) {
          var c = getAt(st.tree, path);
          c[key] = value;
          if (key === 'field') {
            var ops = facts(this.ruleFieldTypes()[value]).rule_operators;  // an operator the field has not: its first
            if (ops.indexOf(c.op) < 0 && ops.indexOf('eq') < 0) c.op = ops[0];
          }
          this.syncRuleText(rule);
        });
        this.clearRuleErrors(ri);
      },
      opNeedsValue: function (op) { return !!(BY_KEY[op] && BY_KEY[op].needsValue); },
      operatorsFor: function (fieldName) {
        var keys = facts(this.ruleFieldTypes()[fieldName]).rule_operators;  // the field type's (engine/fields)
        return keys.map(function (k) { return { key: k, label: BY_KEY[k] ? window.formflow.t(BY_KEY[k].name) : k }; });
      },
      choicesFor: function (fieldName) {
        var f = this.fieldsForRules().filter(function (x) { return x.name === fieldName; })[0];
        return (f && f.choices) || [];
      },
      hasChoices: function (fieldName) { return this.choicesFor(fieldName).length > 0; },
      groupJoinLabel: function (join) { return window.formflow.t(join === 'or' ? 'rules.match_any' : 'rules.match_all'); },

      /* errors from the server: [{path: "rules.0.when", message, position}] */
      clearRuleErrors: function (ri) { if (this.ruleErrors[ri]) delete this.ruleErrors[ri]; },
      setRuleErrors: function (list) {
        var byRule = {};
        var self = this;
        list.forEach(function (e) {
          var m = /rules\.(\d+)/.exec(e.normPath || '');
          if (!m) return;
          var ri = Number(m[1]);
          var rule = self.rulesList()[ri];
          var row = null;
          if (rule && typeof e.position === 'number') {
            var st = self.ruleState(rule);
            if (st.mode === 'builder') {
              if (!st.spans) self.syncRuleTextSpansOnly(rule);
              (st.spans || []).forEach(function (s) { if (e.position >= s.start && e.position <= s.end) row = s.path.join('.'); });
            }
          }
          (byRule[ri] = byRule[ri] || []).push({ message: e.message, position: e.position, row: row });
        });
        this.ruleErrors = byRule;
      },
      syncRuleTextSpansOnly: function (rule) {
        var st = this.ruleState(rule);
        var out = serialize(st.tree, this.ruleFieldTypes());
        if (out.text === rule.when) st.spans = out.spans;
      },
      ruleErrorList: function (ri) { return this.ruleErrors[ri] || []; },
      ruleRowErrors: function (ri, path) {
        var key = path.join('.');
        return (this.ruleErrors[ri] || []).filter(function (e) { return e.row === key; });
      },
      ruleTextErrors: function (ri) {
        return (this.ruleErrors[ri] || []).filter(function (e) { return e.row === null; });
      },
      errorText: function (e) {
        return typeof e.position === 'number' ? e.message + ' (@' + e.position + ')' : e.message;
      },
      rowIndentClass: function (row) { return 'depth-' + Math.min(row.depth, 4); }
    };
  }

  window.formflowRuleBuilder = { parse: parse, serialize: serialize, OPERATORS: OPERATORS, mixin: mixin, newGroup: newGroup, newCondition: newCondition };

  /* Standalone editor over one expression: reads fields from #rule-fields
     ([{id, name, type, label, choices}]) and writes into a hidden input named
     by data-target, e.g. for validations and automation triggers. */
  document.addEventListener('alpine:init', function () {
    window.Alpine.data('ruleBuilder', function () {
      var base = mixin();
      base.rules = [];
      base.fieldsList = [];
      base.init = function () {
        this.fieldsList = window.formflow.readJSON('rule-fields', []);
        var target = this.$el.getAttribute('data-target');
        this.target = target ? document.getElementById(target) : null;
        this.rules = [{ id: 'expr', when: this.target ? this.target.value : '' }];
      };
      base.rulesList = function () { return this.rules; };
      base.fieldsForRules = function () { return this.fieldsList; };
      base.touch = function () {};
      base.changed = function () { if (this.target) this.target.value = this.rules[0].when; };
      return base;
    });
  });
})();
