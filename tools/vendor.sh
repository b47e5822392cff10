#!/usr/bin/env bash
# Re-create designer_ui/static/vendor/ from the npm registry (never a CDN).
# Each package is fetched with `npm pack` at a pinned version, its integrity is
# checked against `npm view <pkg>@<ver> dist.integrity`, and only the minified
# dist file(s) and the licence are copied. manifest.json records what came from where.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/designer_ui/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# name|npm spec|licence|files (tarball path:dest name, comma separated)|licence file in tarball (or "-")
PACKAGES=(
  "htmx.org|htmx.org@2.0.11|0BSD|package/dist/htmx.min.js:htmx.min.js|package/LICENSE"
  "alpinejs-csp|@alpinejs/csp@3.17.4|MIT|package/dist/cdn.min.js:alpine-csp.min.js|-"
  "sortablejs|sortablejs@1.15.7|MIT|package/Sortable.min.js:Sortable.min.js|package/LICENSE"
  "chart.js|chart.js@4.6.1|MIT|package/dist/chart.umd.min.js:chart.umd.min.js|package/LICENSE.md"
  "axe-core|axe-core@4.14.1|MPL-2.0|package/axe.min.js:axe.min.js|package/LICENSE"
  "signature_pad|signature_pad@5.1.4|MIT|package/dist/signature_pad.umd.min.js:signature_pad.umd.min.js|package/LICENSE"
  "tabulator|tabulator-tables@6.5.3|MIT|package/dist/js/tabulator.min.js:tabulator.min.js,package/dist/css/tabulator.min.css:tabulator.min.css|package/LICENSE"
  "fullcalendar|fullcalendar@6.1.22|MIT|package/index.global.min.js:index.global.min.js|package/LICENSE.md"
  # the same version's zh-CN texts and week (Monday first): loaded by the calendar page only (records_calendar.html)
  "fullcalendar-locales|@fullcalendar/core@6.1.22|MIT|package/locales/zh-cn.global.min.js:zh-cn.global.min.js|package/LICENSE.md"
)

rm -rf "$DEST"
mkdir -p "$DEST"
entries=()
for row in "${PACKAGES[@]}"; do
  IFS='|' read -r name spec licence files licfile <<<"$row"
  mkdir -p "$WORK/$name" "$DEST/$name"
  tgz="$(cd "$WORK/$name" && npm pack --silent "$spec" 2>/dev/null | tail -n1)"
  integrity="$(npm view "$spec" dist.integrity 2>/dev/null)"
  shasum="$(npm view "$spec" dist.shasum 2>/dev/null)"
  actual="sha512-$(openssl dgst -sha512 -binary "$WORK/$name/$tgz" | base64 -w0)"
  if [[ "$actual" != "$integrity" ]]; then
    echo "integrity mismatch for $spec: $actual != $integrity" >&2
    exit 1
  fi
  tar xzf "$WORK/$name/$tgz" -C "$WORK/$name"
  copied=()
  IFS=',' read -ra pairs <<<"$files"
  for pair in "${pairs[@]}"; do
    src="${pair%%:*}"; dst="${pair##*:}"
    cp "$WORK/$name/$src" "$DEST/$name/$dst"
    copied+=("\"$dst\"")
  done
  if [[ "$name" == "fullcalendar" ]]; then
    # FullCalendar 6 injects its styles at run time, which our CSP (style-src 'self') refuses: kept as a file instead
    node "$ROOT/tools/fullcalendar_css.js" "$WORK/$name/package/index.global.js" >"$DEST/$name/fullcalendar.css"
    copied+=("\"fullcalendar.css\"")
  fi
  if [[ "$licfile" != "-" ]]; then
    cp "$WORK/$name/$licfile" "$DEST/$name/LICENSE"
  else
    # @alpinejs/csp ships no licence file; its package.json says MIT. The
    # bundled build also contains @vue/reactivity (MIT).
    cat >"$DEST/$name/LICENSE" <<'LIC'
The MIT License (MIT)

Copyright © 2019-2025 Caleb Porzio and contributors
(the bundled @vue/reactivity: Copyright (c) 2018-present, Yuxi (Evan) You and Vue contributors)

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
LIC
  fi
  copied+=("\"LICENSE\"")
  pkg="${spec%@*}"; ver="${spec##*@}"
  entries+=("  {\"name\": \"$name\", \"package\": \"$pkg\", \"version\": \"$ver\", \"source\": {\"tarball\": \"$tgz\", \"integrity\": \"$integrity\", \"shasum\": \"$shasum\"}, \"licence\": \"$licence\", \"files\": [$(IFS=,; echo "${copied[*]}" | sed 's/,/, /g')]}")
done

{
  echo '{"packages": ['
  (IFS=$'\n'; echo "${entries[*]}" | sed '$!s/$/,/')
  echo ']}'
} >"$DEST/manifest.json"
python3 -m json.tool "$DEST/manifest.json" >"$WORK/m.json" && mv "$WORK/m.json" "$DEST/manifest.json"
echo "vendored into $DEST"
