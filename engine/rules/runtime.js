/* formflow rule runtime for the browser (and node). Loaded once; compiled rules are
 * `function(values, ctx){...}` sources that call into `FormflowRules`.
 * Mirrors engine/rules/runtime.py helper by helper: datetimes and durations are numbers of
 * milliseconds (UTC), dates are midnight UTC, numbers are IEEE doubles, null is null. */
(function (root) {
  "use strict";
  function RuleEvaluationError(message) { this.name = "RuleEvaluationError"; this.message = message; }
  RuleEvaluationError.prototype = Object.create(Error.prototype);
  function fail(msg) { throw new RuleEvaluationError(msg); }
  function bad(v, what) { var s; try { s = JSON.stringify(v); } catch (e) { s = String(v); }
    if (s && s.length > 40) s = s.slice(0, 37) + "..."; fail("the record holds " + s + " where " + what + " was expected"); }
  var DAY = 86400000;
  var MONEY_RE = /^-?[0-9]+(\.[0-9]+)?$/;
  var DT_RE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?(Z|([+-])([0-9]{2}):?([0-9]{2}))?)?$/;
  var DATE_RE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
  function isLeap(y) { return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0; }
  function validYmd(y, mo, d) { if (mo < 1 || mo > 12 || d < 1) return false;
    var dim = [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]; return d <= dim && y >= 1; }
  function utc(y, mo, d, h, mi, s, ms) { var t = new Date(0); t.setUTCFullYear(y, mo - 1, d); t.setUTCHours(h, mi, s, ms); return t.getTime(); }
  function parseDatetime(v, what) {
    var m = DT_RE.exec(v); if (!m) bad(v, what);
    var y = +m[1], mo = +m[2], d = +m[3], h = m[4] ? +m[4] : 0, mi = m[5] ? +m[5] : 0, s = m[6] ? +m[6] : 0;
    if (!validYmd(y, mo, d) || h > 23 || mi > 59 || s > 59) bad(v, what);
    var ms = m[7] ? Math.floor(+(m[7] + "000000").slice(0, 6) / 1000) : 0;
    var t = utc(y, mo, d, h, mi, s, ms);
    if (m[8] && m[8] !== "Z") { var oh = +m[10], om = +m[11]; if (oh > 23 || om > 59) bad(v, what);
      t -= (m[9] === "-" ? -1 : 1) * (oh * 60 + om) * 60000; }
    return t;
  }
  var cv = {
    text: function (v) { if (v === null || v === undefined) return null; if (typeof v === "string") return v; bad(v, "a text"); },
    number: function (v) { if (v === null || v === undefined) return null; if (typeof v === "number") return v; bad(v, "a number"); },
    money: function (v) { if (typeof v === "string") { if (MONEY_RE.test(v)) return parseFloat(v); bad(v, "an amount"); } return cv.number(v); },
    boolean: function (v) { if (v === null || v === undefined) return null; if (v === true || v === false) return v; bad(v, "true or false"); },
    datetime: function (v) { if (v === null || v === undefined) return null; if (typeof v === "string") return parseDatetime(v, "a date and time");
      if (v instanceof Date) return v.getTime(); bad(v, "a date and time"); },
    date: function (v) { if (v === null || v === undefined) return null;
      if (typeof v === "string") { var m = DATE_RE.exec(v); if (!m || !validYmd(+m[1], +m[2], +m[3])) bad(v, "a date"); return utc(+m[1], +m[2], +m[3], 0, 0, 0, 0); }
      if (v instanceof Date) return utc(v.getUTCFullYear(), v.getUTCMonth() + 1, v.getUTCDate(), 0, 0, 0, 0); bad(v, "a date"); },
    id: function (v) { if (v === null || v === undefined) return null; if (typeof v === "number" && Number.isInteger(v)) return v; bad(v, "a record or user id"); },
    text_list: function (v) { return listOf(v, cv.text, "a list of choices"); },
    id_list: function (v) { return listOf(v, cv.id, "a list of ids"); },
    rows: function (v) { if (v === null || v === undefined) return null; if (!Array.isArray(v)) bad(v, "a list of rows");
      for (var i = 0; i < v.length; i++) { var r = v[i]; if (r === null || typeof r !== "object" || Array.isArray(r)) bad(r, "a row"); } return v.slice(); }
  };
  function listOf(v, conv, what) { if (v === null || v === undefined) return null; if (!Array.isArray(v)) bad(v, what);
    var out = []; for (var i = 0; i < v.length; i++) { var x = conv(v[i]); if (x === null) bad(v, what); out.push(x); } return out; }
  function loadRef(ctx, form, rid) {
    if (rid === null || rid === undefined) return null;
    if (typeof rid !== "number" || !Number.isInteger(rid)) bad(rid, "a record id");
    if (!ctx.load_reference) fail("this rule needs referenced records but none can be loaded here");
    var d = ctx.load_reference(form, rid); if (d === undefined || d === null) return null;
    if (typeof d !== "object" || Array.isArray(d)) bad(d, "a referenced record"); return d;
  }
  function loadRefs(ctx, form, ids) {
    if (ids === null || ids === undefined) return null; if (!Array.isArray(ids)) bad(ids, "a list of record ids");
    var out = []; for (var i = 0; i < ids.length; i++) { var d = loadRef(ctx, form, ids[i]);
      if (d === null) fail("referenced record " + ids[i] + " was not found"); out.push(d); } return out;
  }
  function getField(obj, fid, safe) {
    if (obj === null || obj === undefined) { if (safe) return null; fail("a field of an empty reference or row was used (use &. to allow empty)"); }
    var v = obj[fid]; return v === undefined ? null : v;
  }
  function kindOf(v) { return v === null ? "null" : Array.isArray(v) ? "array" : typeof v; }
  function ordered(a, b) { if (kindOf(a) !== kindOf(b)) fail(a === null || b === null ? "cannot compare an empty value" : "cannot compare values of different kinds"); }
  function lt(a, b) { if (a === null && b === null) return false; ordered(a, b); return a < b; }
  function le(a, b) { if (a === null && b === null) return true; ordered(a, b); return a <= b; }
  function gt(a, b) { if (a === null && b === null) return false; ordered(a, b); return a > b; }
  function ge(a, b) { if (a === null && b === null) return true; ordered(a, b); return a >= b; }
  function eq(a, b) {
    if (a === b) return true;
    if (Array.isArray(a) && Array.isArray(b)) { if (a.length !== b.length) return false;
      for (var i = 0; i < a.length; i++) if (!eq(a[i], b[i])) return false; return true; }
    return false;
  }
  function nn(v) { if (v === null || v === undefined) fail("an empty value was used in a calculation"); return v; }
  function add(a, b) { nn(a); nn(b); if (typeof a !== typeof b) fail("cannot add values of different kinds"); return a + b; }
  function sub(a, b) { return nn(a) - nn(b); }
  function mul(a, b) { return nn(a) * nn(b); }
  function div(a, b) { nn(a); if (nn(b) === 0) fail("division by zero"); return a / b; }
  function fmod(a, b) { nn(a); if (nn(b) === 0) fail("division by zero"); return a % b; }
  function fdiv(a, b) { nn(a); if (nn(b) === 0) fail("division by zero"); return Math.trunc(a / b); }
  function power(a, b) { var r = Math.pow(nn(a), nn(b)); if (isNaN(r) && !isNaN(a) && !isNaN(b)) fail("invalid power"); if (!isFinite(r) && isFinite(a) && isFinite(b)) fail("number too large"); return r; }
  function neg(a) { return -nn(a); }
  function contains(c, m) {
    if (c === null) fail("cannot look inside an empty value");
    if (typeof c === "string") { if (typeof m !== "string") fail("only a text can be looked up inside a text"); return c.indexOf(m) !== -1; }
    for (var i = 0; i < c.length; i++) if (eq(c[i], m)) return true;
    return false;
  }
  function regexMatch(rx, s) { if (s === null) return false; if (typeof s !== "string") bad(s, "a text"); return rx.test(s); }
  function chars(s) { return Array.from(s); }
  function item(c, i, safe) {
    if (c === null) { if (safe) return null; fail("an item of an empty value was used"); }
    if (i === null || i !== Math.floor(i)) fail("an item index must be a whole number");
    var seq = typeof c === "string" ? chars(c) : c, k = i < 0 ? seq.length + i : i;
    if (k < 0 || k >= seq.length) { if (safe) return null; fail("item index out of range"); }
    return seq[k];
  }
  function slice(c, start, stop, safe) {
    if (c === null) { if (safe) return null; fail("a slice of an empty value was used"); }
    [start, stop].forEach(function (b) { if (b !== null && b !== Math.floor(b)) fail("slice bounds must be whole numbers"); });
    var seq = typeof c === "string" ? chars(c) : c, n = seq.length;
    function norm(b, dflt) { if (b === null) return dflt; if (b < 0) b = Math.max(0, n + b); return Math.min(b, n); }
    var out = seq.slice(norm(start, 0), norm(stop, n));
    return typeof c === "string" ? out.join("") : out;
  }
  function iter(v) { if (!Array.isArray(v)) fail("a list was expected"); return v; }
  function safe(fn, v, a) { return v === null ? null : fn(v, a); }
  function need(v, kind, fname) { var ok = kind === "array" ? Array.isArray(v) : typeof v === kind; if (!ok || v === null) fail("$" + fname + " got an empty or wrong value"); }
  function len(v) { nn(v); return typeof v === "string" ? chars(v).length : v.length; }
  function d(v) { return new Date(nn(v)); }
  var TRIM_RE = /^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g;
  var attr = {
    length: len,
    is_empty: function (v) { return len(v) === 0; },
    as_lower: function (v) { return nn(v).toLowerCase(); },
    as_upper: function (v) { return nn(v).toUpperCase(); },
    ceiling: function (v) { return Math.ceil(nn(v)); },
    floor: function (v) { return Math.floor(nn(v)); },
    year: function (v) { return d(v).getUTCFullYear(); },
    month: function (v) { return d(v).getUTCMonth() + 1; },
    day: function (v) { return d(v).getUTCDate(); },
    hour: function (v) { return d(v).getUTCHours(); },
    minute: function (v) { return d(v).getUTCMinutes(); },
    second: function (v) { return d(v).getUTCSeconds(); },
    date: function (v) { return nn(v) - (((v % DAY) + DAY) % DAY); },
    to_epoch: function (v) { return nn(v) / 1000; },
    days: function (v) { return Math.floor(nn(v) / DAY); },
    total_seconds: function (v) { return nn(v) / 1000; }
  };
  function sameKind(v, x, name) { if (x === null || kindOf(x) !== kindOf(v)) fail(name + " needs a value of the same kind"); }
  var method = {
    starts_with: function (v, p) { nn(v); sameKind(v, p, "starts_with"); return typeof v === "string" ? v.slice(0, p.length) === p : eq(v.slice(0, p.length), p); },
    ends_with: function (v, p) { nn(v); sameKind(v, p, "ends_with"); var s = v.slice(Math.max(0, v.length - p.length)); if (p.length > v.length) return false;
      return typeof v === "string" ? s === p : eq(s, p); }
  };
  var fn = {
    abs: function (x) { need(x, "number", "abs"); return Math.abs(x); },
    min: function (xs) { need(xs, "array", "min"); if (!xs.length) fail("$min of an empty list"); xs.forEach(function (x) { need(x, "number", "min"); }); return Math.min.apply(null, xs); },
    max: function (xs) { need(xs, "array", "max"); if (!xs.length) fail("$max of an empty list"); xs.forEach(function (x) { need(x, "number", "max"); }); return Math.max.apply(null, xs); },
    sum: function (xs) { need(xs, "array", "sum"); var t = 0; xs.forEach(function (x) { need(x, "number", "sum"); t += x; }); return t; },
    any: function (xs) { need(xs, "array", "any"); return xs.some(function (x) { return !!x; }); },
    all: function (xs) { need(xs, "array", "all"); return xs.every(function (x) { return !!x; }); },
    round: function (x, digits) { if (digits === undefined) digits = 0; need(x, "number", "round"); need(digits, "number", "round");
      if (digits !== Math.floor(digits) || digits < 0 || digits > 10) fail("$round digits must be a whole number from 0 to 10");
      if (!isFinite(x)) return x; var p = Math.pow(10, digits), r = Math.floor(Math.abs(x) * p + 0.5) / p; return x < 0 || Object.is(x, -0) ? -r : r; },
    trim: function (s) { need(s, "string", "trim"); return s.replace(TRIM_RE, ""); },
    lower: function (s) { need(s, "string", "lower"); return s.toLowerCase(); },
    upper: function (s) { need(s, "string", "upper"); return s.toUpperCase(); },
    is_empty: function (v) { if (v === null || v === undefined) return true; if (typeof v === "string" || Array.isArray(v)) return len(v) === 0; return false; },
    days_between: function (a, b) { need(a, "number", "days_between"); need(b, "number", "days_between"); return Math.floor((b - a) / DAY); },
    add_days: function (t, n) { need(t, "number", "add_days"); need(n, "number", "add_days");
      if (n !== Math.floor(n) || Math.abs(n) > 1000000) fail("$add_days needs a whole number of days"); return t + n * DAY; }
  };
  var fmtCache = {};
  function todayIn(nowMs, tz) {
    var f = fmtCache[tz] || (fmtCache[tz] = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }));
    var p = {}; f.formatToParts(new Date(nowMs)).forEach(function (x) { p[x.type] = x.value; });
    return utc(+p.year, +p.month, +p.day, 0, 0, 0, 0);
  }
  /* ctx: {now: Date|ISO string|ms, tz: "Asia/Shanghai", user_id: int|null, load_reference: function(formKey, id) -> data|null} */
  function context(opts) {
    var now = opts.now instanceof Date ? opts.now.getTime() : typeof opts.now === "string" ? parseDatetime(opts.now, "a date and time") : opts.now;
    var tz = opts.tz || "UTC";
    return { now: now, today: todayIn(now, tz), tz: tz, user_id: opts.user_id === undefined ? null : opts.user_id,
             load_reference: opts.load_reference || null };
  }
  function compile(source) { return (new Function("return (" + source + ");"))(); }
  var api = { RuleEvaluationError: RuleEvaluationError, fail: fail, cv: cv, loadRef: loadRef, loadRefs: loadRefs, getField: getField,
    lt: lt, le: le, gt: gt, ge: ge, eq: eq, add: add, sub: sub, mul: mul, div: div, fmod: fmod, fdiv: fdiv, power: power, neg: neg,
    contains: contains, regexMatch: regexMatch, item: item, slice: slice, iter: iter, safe: safe, attr: attr, method: method, fn: fn,
    context: context, compile: compile, parseDatetime: parseDatetime };
  root.FormflowRules = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
