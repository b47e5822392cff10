/* formflow rule runtime for the browser (and node). Loaded once, after decimal.js and re2js (the bundle
 * engine.rules.JS_RUNTIME and /rules/runtime.js carry all three); compiled rules are `function(values, ctx){...}`
 * sources that call into `FormflowRules`.
 * Mirrors engine/rules/runtime.py and numbers.py helper by helper, as docs/rules.md ("The value model") defines:
 * numbers are decimals (decimal.js, 34 digits, half-even: the Python `decimal` context), datetimes and durations are
 * numbers of milliseconds (UTC) within years 1..9999, dates are midnight UTC, patterns run on RE2 (re2js), null is null. */
(function (root) {
  "use strict";
  /* an evaluation error names its catalogue text, as the server's (engine/rules/errors.py): code "error.eval.<what>"
     and its params; the page reads it in the reader's language (formflow.t(code, params)), the message is the code */
  function RuleEvaluationError(what, params) {
    this.name = "RuleEvaluationError"; this.code = "error.eval." + what; this.params = params || {}; this.message = this.code; }
  RuleEvaluationError.prototype = Object.create(Error.prototype);
  function fail(what, params) { throw new RuleEvaluationError(what, params); }
  function bad(v, kind) { var s; try { s = JSON.stringify(v); } catch (e) { s = String(v); }
    if (s && s.length > 40) s = s.slice(0, 37) + "..."; fail("expected." + kind, { value: s }); }
  var D = root.Decimal.clone({ precision: 34, rounding: 6 /* ROUND_HALF_EVEN */, modulo: 1 /* ROUND_DOWN: sign of the dividend */,
    toExpNeg: -7, toExpPos: 21, minE: -9e15, maxE: 9e15, crypto: false });
  var RE2 = root.RE2JS.RE2JS;
  var ZERO = new D(0), ONE = new D(1), TEN_POW_PRECISION = new D("1e34");
  var MAX_EXPONENT = 307, MIN_EXPONENT = -307, MAX_POWER_EXPONENT = 1000, MAX_DAYS = 3652059;
  var DAY = 86400000;
  var MONEY_RE = /^-?[0-9]{1,40}(\.[0-9]{1,40})?$/;
  var DT_RE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?(Z|([+-])([0-9]{2}):?([0-9]{2}))?)?$/;
  var DATE_RE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
  function isLeap(y) { return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0; }
  function validYmd(y, mo, d) { if (mo < 1 || mo > 12 || d < 1) return false;
    var dim = [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]; return d <= dim && y >= 1; }
  function utc(y, mo, d, h, mi, s, ms) { var t = new Date(0); t.setUTCFullYear(y, mo - 1, d); t.setUTCHours(h, mi, s, ms); return t.getTime(); }
  var MIN_TIME = utc(1, 1, 1, 0, 0, 0, 0), MAX_TIME = utc(9999, 12, 31, 23, 59, 59, 999), MAX_DURATION = MAX_DAYS * DAY;
  function parseDatetime(v, what) {
    var m = DT_RE.exec(v); if (!m) bad(v, what);
    var y = +m[1], mo = +m[2], d = +m[3], h = m[4] ? +m[4] : 0, mi = m[5] ? +m[5] : 0, s = m[6] ? +m[6] : 0;
    if (!validYmd(y, mo, d) || h > 23 || mi > 59 || s > 59) bad(v, what);
    var ms = m[7] ? Math.floor(+(m[7] + "000000").slice(0, 6) / 1000) : 0;
    var t = utc(y, mo, d, h, mi, s, ms);
    if (m[8] && m[8] !== "Z") { var oh = +m[10], om = +m[11]; if (oh > 23 || om > 59) bad(v, what);
      t -= (m[9] === "-" ? -1 : 1) * (oh * 60 + om) * 60000; }
    if (t < MIN_TIME || t > MAX_TIME) bad(v, what);
    return t;
  }
  /* -- numbers (engine/rules/numbers.py) -- */
  function num(d) {
    if (d.isZero()) return ZERO;
    if (!d.isFinite() || d.e > MAX_EXPONENT || d.e < MIN_EXPONENT) fail("number_range");
    return d;
  }
  function fromDouble(v) { if (!isFinite(v)) fail("not_finite"); return num(new D(v)); }
  function fromText(s) { return num(new D(s).toSignificantDigits(34, 6)); }
  var K = Object.create(null);
  function k(s) { return K[s] || (K[s] = new D(s)); }
  function needNums(a, b) { if (!(a instanceof D) || !(b instanceof D)) fail("empty_in_calculation"); }
  function nadd(a, b) { needNums(a, b); return num(a.plus(b)); }
  function nsub(a, b) { needNums(a, b); return num(a.minus(b)); }
  function nmul(a, b) { needNums(a, b); return num(a.times(b)); }
  function ndiv(a, b) { needNums(a, b); if (b.isZero()) fail("division_by_zero"); return num(a.div(b)); }
  function wholeQuotientFits(a, b) { if (b.isZero()) fail("division_by_zero");
    if (!a.isZero() && a.div(b).abs().gte(TEN_POW_PRECISION)) fail("number_range"); }
  function nfdiv(a, b) { needNums(a, b); wholeQuotientFits(a, b); return num(a.divToInt(b)); }
  function nmod(a, b) { needNums(a, b); wholeQuotientFits(a, b); return num(a.mod(b)); }
  function npow(a, b) {
    needNums(a, b);
    if (!b.isInteger() || b.abs().gt(MAX_POWER_EXPONENT)) fail("power_exponent", { max: MAX_POWER_EXPONENT });
    var n = b.toNumber(); if (a.isZero() && n <= 0) fail("power_undefined");
    var result = ONE, base = a, e = Math.abs(n);
    while (e) { if (e % 2 === 1) result = result.times(base); e = Math.floor(e / 2); if (e) base = base.times(base); }
    if (n < 0) result = ONE.div(result);
    return num(result);
  }
  function nneg(a) { if (!(a instanceof D)) fail("empty_in_calculation"); return num(a.neg()); }
  /* -- times and durations: milliseconds -- */
  function needTimes(a, b) { if (typeof a !== "number" || typeof b !== "number") fail("empty_in_calculation"); }
  function tcheck(t) { if (t < MIN_TIME || t > MAX_TIME) fail("date_range"); return t; }
  function dcheck(d) { if (d > MAX_DURATION || d < -MAX_DURATION) fail("duration_range"); return d === 0 ? 0 : d; }
  function tadd(t, d) { needTimes(t, d); return tcheck(t + d); }
  function tsub(t, d) { needTimes(t, d); return tcheck(t - d); }
  function tdiff(a, b) { needTimes(a, b); return dcheck(a - b); }
  function dadd(a, b) { needTimes(a, b); return dcheck(a + b); }
  function dsub(a, b) { needTimes(a, b); return dcheck(a - b); }
  function dneg(a) { if (typeof a !== "number") fail("empty_in_calculation"); return a === 0 ? 0 : -a; }
  function sadd(a, b) { if (typeof a !== "string" || typeof b !== "string") fail("empty_in_calculation"); return a + b; }
  function outNumber(v) { return v === null || v === undefined ? null : v.toNumber(); }
  function outTime(v) { return v === null || v === undefined ? null : new Date(v); }
  function outDuration(v) { return v === null || v === undefined ? null : v / 1000; }
  /* record values are read by own property only: a field id `constructor` or `__proto__` is just a name */
  var hasOwn = Object.prototype.hasOwnProperty;
  function own(obj, fid) { if (obj === null || obj === undefined || !hasOwn.call(obj, fid)) return null; var v = obj[fid]; return v === undefined ? null : v; }
  var cv = {
    text: function (v) { if (v === null || v === undefined) return null; if (typeof v === "string") return v; bad(v, "text"); },
    number: function (v) { if (v === null || v === undefined) return null; if (typeof v === "number") return fromDouble(v); bad(v, "number"); },
    money: function (v) { if (typeof v === "string") { if (MONEY_RE.test(v)) return fromText(v); bad(v, "amount"); } return cv.number(v); },
    boolean: function (v) { if (v === null || v === undefined) return null; if (v === true || v === false) return v; bad(v, "boolean"); },
    datetime: function (v) { if (v === null || v === undefined) return null; if (typeof v === "string") return parseDatetime(v, "datetime");
      if (v instanceof Date) return v.getTime(); bad(v, "datetime"); },
    date: function (v) { if (v === null || v === undefined) return null;
      if (typeof v === "string") { var m = DATE_RE.exec(v); if (!m || !validYmd(+m[1], +m[2], +m[3])) bad(v, "date"); return utc(+m[1], +m[2], +m[3], 0, 0, 0, 0); }
      if (v instanceof Date) return utc(v.getUTCFullYear(), v.getUTCMonth() + 1, v.getUTCDate(), 0, 0, 0, 0); bad(v, "date"); },
    id: function (v) { if (v === null || v === undefined) return null; if (typeof v === "number" && Number.isInteger(v)) return fromDouble(v); bad(v, "id"); },
    text_list: function (v) { return listOf(v, cv.text, "choices"); },
    /* rich text: its words, one line per block (runtime.py: cv_html_text) */
    html_text: function (v) { if (v === null || v === undefined) return null; if (typeof v !== "string") bad(v, "text");
      var t = v.replace(/(<\/(?:p|li|h2|h3|h4|blockquote|pre)>|<br\s*\/?>)/g, "$1\n").replace(/<[^>]*>/g, "").replace(
        /&(?:#(\d+)|#x([0-9a-fA-F]+)|(amp|lt|gt|quot|apos|nbsp));/g, function (m, dec, hex, name) {
          if (name) return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" }[name];
          return String.fromCodePoint(dec ? parseInt(dec, 10) : parseInt(hex, 16)); });
      return t.split("\n").map(function (l) { return l.trim(); }).filter(function (l) { return l; }).join("\n"); },
    id_list: function (v) { return listOf(v, cv.id, "ids"); },
    rows: function (v) { if (v === null || v === undefined) return null; if (!Array.isArray(v)) bad(v, "rows");
      for (var i = 0; i < v.length; i++) { var r = v[i]; if (r === null || typeof r !== "object" || Array.isArray(r)) bad(r, "row"); } return v.slice(); }
  };
  function listOf(v, conv, what) { if (v === null || v === undefined) return null; if (!Array.isArray(v)) bad(v, what);
    var out = []; for (var i = 0; i < v.length; i++) { var x = conv(v[i]); if (x === null) bad(v, what); out.push(x); } return out; }
  function loadRef(ctx, form, rid) {
    if (rid === null || rid === undefined) return null;
    if (rid instanceof D) rid = rid.toNumber();
    if (typeof rid !== "number" || !Number.isInteger(rid)) bad(rid, "record_id");
    if (!ctx.load_reference) fail("no_references");
    var d = ctx.load_reference(form, rid); if (d === undefined || d === null) return null;
    if (typeof d !== "object" || Array.isArray(d)) bad(d, "record"); return d;
  }
  function loadRefs(ctx, form, ids) {
    if (ids === null || ids === undefined) return null; if (!Array.isArray(ids)) bad(ids, "record_ids");
    var out = []; for (var i = 0; i < ids.length; i++) { var d = loadRef(ctx, form, ids[i]);
      if (d === null) fail("reference_missing", { id: String(ids[i]) }); out.push(d); } return out;
  }
  function getField(obj, fid, safe) {
    if (obj === null || obj === undefined) { if (safe) return null; fail("empty_reference"); }
    return own(obj, fid);
  }
  function kindOf(v) { return v === null || v === undefined ? "null" : v instanceof D ? "decimal" : Array.isArray(v) ? "array" : typeof v; }
  function ordered(a, b) { if (kindOf(a) !== kindOf(b)) fail(a === null || b === null ? "compare_empty" : "compare_kinds"); }
  /* texts order by code point (as Python's str), not by UTF-16 unit: surrogates sort above U+E000..U+FFFF */
  function unit(c) { return c >= 0xE000 ? c - 0x800 : c >= 0xD800 ? c + 0x2000 : c; }
  function cmpText(a, b) {
    var n = Math.min(a.length, b.length);
    for (var i = 0; i < n; i++) { var x = a.charCodeAt(i), y = b.charCodeAt(i); if (x !== y) return unit(x) < unit(y) ? -1 : 1; }
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }
  function cmp(a, b) { if (a instanceof D) return a.cmp(b); if (typeof a === "string") return cmpText(a, b); return a < b ? -1 : a > b ? 1 : 0; }
  function lt(a, b) { if (a === null && b === null) return false; ordered(a, b); return cmp(a, b) < 0; }
  function le(a, b) { if (a === null && b === null) return true; ordered(a, b); return cmp(a, b) <= 0; }
  function gt(a, b) { if (a === null && b === null) return false; ordered(a, b); return cmp(a, b) > 0; }
  function ge(a, b) { if (a === null && b === null) return true; ordered(a, b); return cmp(a, b) >= 0; }
  function eq(a, b) {
    if (a === b) return true;
    if (a instanceof D) return b instanceof D && a.eq(b);
    if (Array.isArray(a) && Array.isArray(b)) { if (a.length !== b.length) return false;
      for (var i = 0; i < a.length; i++) if (!eq(a[i], b[i])) return false; return true; }
    return false;
  }
  function nn(v) { if (v === null || v === undefined) fail("empty_in_calculation"); return v; }
  function contains(c, m) {
    if (c === null) fail("look_inside_empty");
    if (typeof c === "string") { if (typeof m !== "string") fail("text_in_text"); return c.indexOf(m) !== -1; }
    for (var i = 0; i < c.length; i++) if (eq(c[i], m)) return true;
    return false;
  }
  function within(m, c) { return contains(c, m); }  /* `m in c`: m is evaluated first, as in Python */
  /* patterns run on RE2 (re2js), as on the server (google-re2): linear time, one dialect */
  var RX = Object.create(null);
  function re2(p) { return RX[p] || (RX[p] = RE2.compile(p)); }
  function regexMatch(rx, s) { if (s === null) return false; if (typeof s !== "string") bad(s, "text"); return rx.matcher(s).lookingAt(); }
  function regexSearch(rx, s) { if (s === null) return false; if (typeof s !== "string") bad(s, "text"); return rx.matcher(s).find(); }
  function chars(s) { return Array.from(s); }
  function item(c, i, safe) {
    if (c === null) { if (safe) return null; fail("empty_item"); }
    if (!(i instanceof D) || !i.isInteger()) fail("index_whole");
    i = i.toNumber();
    var seq = typeof c === "string" ? chars(c) : c, j = i < 0 ? seq.length + i : i;
    if (j < 0 || j >= seq.length) { if (safe) return null; fail("index_range"); }
    return seq[j];
  }
  function slice(c, start, stop, safe) {
    if (c === null) { if (safe) return null; fail("empty_slice"); }
    [start, stop].forEach(function (b) { if (b !== null && !(b instanceof D && b.isInteger())) fail("slice_whole"); });
    var seq = typeof c === "string" ? chars(c) : c, n = seq.length;
    function norm(b, dflt) { if (b === null) return dflt; b = b.toNumber(); if (b < 0) b = Math.max(0, n + b); return Math.min(b, n); }
    var out = seq.slice(norm(start, 0), norm(stop, n));
    return typeof c === "string" ? out.join("") : out;
  }
  function iter(v) { if (!Array.isArray(v)) fail("list_expected"); return v; }
  function safe(fn, v, a) { return v === null ? null : fn(v, a); }
  function need(v, kind, fname) { var ok = kind === "array" ? Array.isArray(v) : kind === "decimal" ? v instanceof D : typeof v === kind;
    if (!ok || v === null) fail("function_value", { name: fname }); }
  function len(v) { nn(v); return typeof v === "string" ? chars(v).length : v.length; }
  function d(v) { return new Date(nn(v)); }
  var TRIM_RE = /^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g;
  var attr = {
    length: function (v) { return new D(len(v)); },
    is_empty: function (v) { return len(v) === 0; },
    as_lower: function (v) { return nn(v).toLowerCase(); },
    as_upper: function (v) { return nn(v).toUpperCase(); },
    ceiling: function (v) { return num(nn(v).ceil()); },
    floor: function (v) { return num(nn(v).floor()); },
    year: function (v) { return new D(d(v).getUTCFullYear()); },
    month: function (v) { return new D(d(v).getUTCMonth() + 1); },
    day: function (v) { return new D(d(v).getUTCDate()); },
    hour: function (v) { return new D(d(v).getUTCHours()); },
    minute: function (v) { return new D(d(v).getUTCMinutes()); },
    second: function (v) { return new D(d(v).getUTCSeconds()); },
    date: function (v) { return nn(v) - (((v % DAY) + DAY) % DAY); },
    to_epoch: function (v) { return num(new D(nn(v)).div(1000)); },
    days: function (v) { return new D(Math.floor(nn(v) / DAY)); },
    total_seconds: function (v) { return num(new D(nn(v)).div(1000)); }
  };
  function sameKind(v, x, name) { if (x === null || kindOf(x) !== kindOf(v)) fail("same_kind", { name: name }); }
  var method = {
    starts_with: function (v, p) { nn(v); sameKind(v, p, "starts_with"); return typeof v === "string" ? v.slice(0, p.length) === p : eq(v.slice(0, p.length), p); },
    ends_with: function (v, p) { nn(v); sameKind(v, p, "ends_with"); var s = v.slice(Math.max(0, v.length - p.length)); if (p.length > v.length) return false;
      return typeof v === "string" ? s === p : eq(s, p); }
  };
  var fn = {
    abs: function (x) { need(x, "decimal", "abs"); return x.abs(); },
    min: function (xs) { need(xs, "array", "min"); if (!xs.length) fail("function_empty_list", { name: "min" }); var m = null;
      xs.forEach(function (x) { need(x, "decimal", "min"); if (m === null || x.lt(m)) m = x; }); return m; },
    max: function (xs) { need(xs, "array", "max"); if (!xs.length) fail("function_empty_list", { name: "max" }); var m = null;
      xs.forEach(function (x) { need(x, "decimal", "max"); if (m === null || x.gt(m)) m = x; }); return m; },
    sum: function (xs) { need(xs, "array", "sum"); var t = ZERO; xs.forEach(function (x) { need(x, "decimal", "sum"); t = nadd(t, x); }); return t; },
    any: function (xs) { need(xs, "array", "any"); return xs.some(function (x) { return !!x; }); },
    all: function (xs) { need(xs, "array", "all"); return xs.every(function (x) { return !!x; }); },
    round: function (x, digits) { if (digits === undefined) digits = ZERO; need(x, "decimal", "round"); need(digits, "decimal", "round");
      if (!digits.isInteger() || digits.lt(0) || digits.gt(10)) fail("round_digits", { low: 0, high: 10 });
      return num(x.toDecimalPlaces(digits.toNumber(), 4 /* ROUND_HALF_UP: half away from zero */)); },
    trim: function (s) { need(s, "string", "trim"); return s.replace(TRIM_RE, ""); },
    lower: function (s) { need(s, "string", "lower"); return s.toLowerCase(); },
    upper: function (s) { need(s, "string", "upper"); return s.toUpperCase(); },
    is_empty: function (v) { if (v === null || v === undefined) return true; if (typeof v === "string" || Array.isArray(v)) return len(v) === 0; return false; },
    days_between: function (a, b) { need(a, "number", "days_between"); need(b, "number", "days_between"); return new D(Math.floor((b - a) / DAY)); },
    add_days: function (t, n) { need(t, "number", "add_days"); need(n, "decimal", "add_days");
      if (!n.isInteger() || n.abs().gt(MAX_DAYS)) fail("add_days_range", { max: "3,652,059" });
      return tcheck(t + n.toNumber() * DAY); }
  };
  var fmtCache = {};
  function todayIn(nowMs, tz) {
    var f = fmtCache[tz] || (fmtCache[tz] = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }));
    var p = {}; f.formatToParts(new Date(nowMs)).forEach(function (x) { p[x.type] = x.value; });
    return utc(+p.year, +p.month, +p.day, 0, 0, 0, 0);
  }
  /* ctx: {now: Date|ISO string|ms, tz: "Asia/Shanghai", user_id: int|null, load_reference: function(formKey, id) -> data|null} */
  function context(opts) {
    var now = opts.now instanceof Date ? opts.now.getTime() : typeof opts.now === "string" ? parseDatetime(opts.now, "datetime") : opts.now;
    var tz = opts.tz || "UTC";
    return { now: now, today: todayIn(now, tz), tz: tz, user_id: opts.user_id === undefined ? null : opts.user_id,
             load_reference: opts.load_reference || null };
  }
  function compile(source) { return (new Function("return (" + source + ");"))(); }
  var api = { RuleEvaluationError: RuleEvaluationError, fail: fail, cv: cv, loadRef: loadRef, loadRefs: loadRefs, getField: getField,
    own: own, lt: lt, le: le, gt: gt, ge: ge, eq: eq, k: k, Decimal: D,
    nadd: nadd, nsub: nsub, nmul: nmul, ndiv: ndiv, nmod: nmod, nfdiv: nfdiv, npow: npow, nneg: nneg,
    tadd: tadd, tsub: tsub, tdiff: tdiff, dadd: dadd, dsub: dsub, dneg: dneg, sadd: sadd,
    outNumber: outNumber, outTime: outTime, outDuration: outDuration,
    contains: contains, within: within, re2: re2, regexMatch: regexMatch, regexSearch: regexSearch, item: item, slice: slice, iter: iter,
    safe: safe, attr: attr, method: method, fn: fn, context: context, compile: compile, parseDatetime: parseDatetime };
  root.FormflowRules = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
