#!/usr/bin/env bash
# Re-copies the vendored front-end files from the npm registry (no CDN at run time).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
cd "$tmp"
npm pack bootstrap@5.3.8 htmx.org@2.0.7 axe-core@4.10.3 echarts@6.1.0 tom-select@2.6.2 >/dev/null
for f in *.tgz; do mkdir -p "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done
cp bootstrap-5.3.8/package/dist/css/bootstrap.min.css* bootstrap-5.3.8/package/dist/js/bootstrap.bundle.min.js* "$here/bootstrap/"
cp htmx.org-2.0.7/package/dist/htmx.min.js "$here/htmx/"
cp axe-core-4.10.3/package/axe.min.js "$here/axe/"
# ECharts: the "common" build (bar, line, pie, scatter; canvas and SVG renderers). Its minified file
# has no source map (none is published for it); no map data or tiles are vendored or fetched.
cp echarts-6.1.0/package/dist/echarts.common.min.js echarts-6.1.0/package/LICENSE echarts-6.1.0/package/NOTICE "$here/echarts/"
# Tom Select: searchable long choice lists (static/js/searchable.js loads it only where needed)
mkdir -p "$here/tom-select"
cp tom-select-2.6.2/package/dist/js/tom-select.complete.min.js* tom-select-2.6.2/package/dist/css/tom-select.bootstrap5.min.css* tom-select-2.6.2/package/LICENSE "$here/tom-select/"
rm -rf "$tmp"
echo "vendored files updated"
