//! The document around the report: one HTML file with its style, its SVG patterns and a few
//! lines of script inline; nothing is fetched. Layer colours, the patterns of hidden bytes
//! and caches, and the sizes' wording live here so every part of the page agrees.

use std::fmt::Write;

use super::escape::image_text;
use crate::units::human_bytes;

/// Layer colours, cycled (`c0`..): light enough for dark text and for print.
pub const PALETTE: [&str; 12] = [
    "#a6cee3", "#b2df8a", "#cab2d6", "#fdbf6f", "#80b1d3", "#ffff99", "#8dd3c7", "#fccde5",
    "#bebada", "#ccebc5", "#d9b38c", "#b3de69",
];

/// The CSS class of a layer's colour.
pub fn layer_class(layer: usize) -> String {
    format!("c{}", layer % PALETTE.len())
}

/// `1.98 MB (1982256 bytes)`: the size as every output writes it, and the exact count.
pub fn exact(n: u64) -> String {
    if n < 1000 {
        format!("{n} bytes")
    } else {
        format!("{} ({n} bytes)", human_bytes(n))
    }
}

/// A `<span>` holding the size as people read it, the exact count on hover.
pub fn size(n: u64) -> String {
    format!("<span title=\"{n} bytes\">{}</span>", human_bytes(n))
}

const STYLE: &str = r#"
:root{--fg:#111;--muted:#444;--line:#999;--bg:#fff;--pass:#1a7f37;--fail:#b42318;}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1200px;padding:16px 20px 40px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #333;padding-bottom:2px}
h3{font-size:15px;margin:16px 0 6px}
code,.mono{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px;word-break:break-all}
table{border-collapse:collapse;margin:6px 0 12px;width:100%}
th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eee}td.n,th.n{text-align:right;white-space:nowrap}
caption{text-align:left;font-weight:600;padding:4px 0}
.muted{color:var(--muted)}
.grid{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px}
.grid dt{font-weight:600}.grid dd{margin:0}
.badge{display:inline-block;border:1.5px solid;border-radius:3px;padding:0 5px;font-weight:700;font-size:12px}
.pass{color:var(--pass)}.fail{color:var(--fail)}.skip{color:#555}.warning{color:#8a4b00}.info{color:#1d4f91}
.sw{display:inline-block;width:14px;height:14px;border:1px solid #333;vertical-align:-2px;margin-right:4px}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:6px 0;font-size:13px}
svg{max-width:100%;height:auto;display:block}
.tm svg,.side svg,#layers > svg{width:100%}
svg text{font-size:11px;fill:#111;paint-order:stroke;stroke:#fff;stroke-width:2.5px;stroke-linejoin:round;pointer-events:none}
svg .hd{font-weight:700}
svg rect{stroke:#fff;stroke-width:.8}
svg rect.dir{fill:#f4f4f4;stroke:#555;stroke-width:1}
svg a:hover rect,svg a:focus rect{stroke:#000;stroke-width:2}
svg rect.rest{fill:#e2e2e2}
svg rect.hidden,.sw.hidden{fill:url(#p-hidden);background:repeating-linear-gradient(45deg,#c0392b 0 2px,#fde0dd 2px 5px)}
svg rect.cache,.sw.cache{fill:url(#p-cache);background:radial-gradient(#8a4500 1.4px,#ffe3bf 1.6px) 0 0/5px 5px}
.sw.rest{background:#e2e2e2}.sw.vis{background:linear-gradient(90deg,#a6cee3 33%,#b2df8a 33% 66%,#cab2d6 66%)}
.tm-view{display:none}
.tm:not(:has(.tm-view:target)) .tm-view.root,.tm-view:target{display:block}
.crumbs{margin:4px 0;font-size:13px}
.finding{border:1px solid #bbb;border-left:5px solid #888;padding:6px 10px;margin:8px 0}
.finding.warning{border-left-color:#8a4b00}.finding.info{border-left-color:#1d4f91}
.finding p{margin:2px 0;color:var(--fg)}
.side{display:grid;grid-template-columns:1fr 1fr;gap:18px}
.delta-up{color:var(--fail)}.delta-down{color:var(--pass)}
tr:target,.finding:target{outline:3px solid #f5a623}
details summary{cursor:pointer}
@media print{.tm-view{display:none!important}.tm-view.root{display:block!important}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}body{max-width:none}}
"#;

// SVG patterns, referenced by `url(#p-hidden)` and `url(#p-cache)` from every SVG of the page.
const PATTERNS: &str = r##"<svg width="0" height="0" style="position:absolute" aria-hidden="true" focusable="false"><defs>
<pattern id="p-hidden" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fde0dd" stroke="none"/><rect width="2.4" height="6" fill="#c0392b" stroke="none"/></pattern>
<pattern id="p-cache" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#ffe3bf" stroke="none"/><circle cx="3" cy="3" r="1.5" fill="#8a4500"/></pattern>
</defs></svg>"##;

// Progressive enhancement only: the treemap zooms with links and `:target` alone. This adds
// "u" or Backspace to go up one folder.
const SCRIPT: &str = r#"(function(){
document.addEventListener('keydown',function(e){
if(e.target&&/INPUT|TEXTAREA/.test(e.target.tagName))return;
if(e.key!=='u'&&e.key!=='Backspace')return;
var v=document.querySelector('.tm-view:target');
if(v&&v.dataset.up){location.hash=v.dataset.up;e.preventDefault();}
});
})();"#;

/// The whole document: `title` (escaped here, it names the image) and the body's markup.
pub fn document(title: &str, body: &str) -> String {
    let mut s = String::with_capacity(body.len() + STYLE.len() + 2048);
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    s.push_str("<meta name=\"generator\" content=\"layerlens\">\n");
    let _ = writeln!(s, "<title>{}</title>", image_text(title));
    s.push_str("<style>");
    s.push_str(STYLE);
    for (i, c) in PALETTE.iter().enumerate() {
        let _ = write!(s, "svg .c{i}{{fill:{c}}}.sw.c{i}{{background:{c}}}");
    }
    s.push_str("</style>\n</head>\n<body>\n");
    s.push_str(PATTERNS);
    s.push_str(body);
    s.push_str("\n<script>");
    s.push_str(SCRIPT);
    s.push_str("</script>\n</body>\n</html>\n");
    s
}

/// The legend of the treemap's and the bars' fills: a swatch and a word for each, so no
/// colour is the only signal.
pub fn legend() -> &'static str {
    "<p class=\"legend\" aria-label=\"Legend\">\
     <span><span class=\"sw vis\"></span>visible: one colour per layer (the layer table's \
     swatches)</span>\
     <span><span class=\"sw hidden\"></span>hidden: written, then deleted or overwritten by a \
     later layer (reclaimable), red stripes</span>\
     <span><span class=\"sw cache\"></span>cache or leftover still in the image, brown dots</span>\
     <span><span class=\"sw rest\"></span>smaller files grouped (grey)</span></p>"
}
