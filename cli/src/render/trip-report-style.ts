/**
 * The trip report's inline stylesheet: system fonts only (no web font to fetch), text contrast at least
 * 7:1 on white (WCAG 2.2 SC 1.4.6), state never shown by colour alone (the words ok/failed/VERIFIED carry
 * it, SC 1.4.1), and an A4 print layout (CSS Paged Media @page) that keeps tables and the chart unbroken.
 */
export const TRIP_REPORT_CSS = `
:root{--ink:#1a1a1a;--muted:#444;--rule:#c8c8c8;--ok:#0b5d1e;--ok-bg:#e6f4ea;--bad:#a50e0e;--bad-bg:#fce8e6;--band:#d55e00}
*{box-sizing:border-box}
body{margin:0;background:#f3f3f3;color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.report{max-width:1040px;margin:24px auto;background:#fff;padding:32px 40px;box-shadow:0 1px 4px rgba(0,0,0,.15)}
h1{font-size:22px;margin:0}
h2{font-size:15px;text-transform:uppercase;letter-spacing:.04em;border-bottom:2px solid var(--ink);padding-bottom:3px;margin:26px 0 10px}
code{font:12px/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid var(--rule)}
thead th{font-size:12px;text-transform:uppercase;color:var(--muted);border-bottom:1px solid var(--ink)}
td.num{text-align:right;white-space:nowrap}
.head .title{display:flex;justify-content:space-between;align-items:baseline;border-bottom:3px solid var(--ink);padding-bottom:6px;margin-bottom:10px;gap:16px;flex-wrap:wrap}
.sscc{margin:0;font-size:16px}
.facts th{width:110px;color:var(--muted);font-weight:600}
.zones{margin:4px 0 0;padding-left:18px}
.verdict{margin-top:18px;border:2px solid;padding:10px 14px}
.verdict.verified{border-color:var(--ok);background:var(--ok-bg)}
.verdict.failed{border-color:var(--bad);background:var(--bad-bg)}
.overall{margin:0 0 8px;font-size:15px}
.badge{display:inline-block;font-weight:800;font-size:18px;letter-spacing:.08em;padding:2px 10px;color:#fff;margin-right:8px}
.verified .badge{background:var(--ok)}.failed .badge{background:var(--bad)}
.checks td:first-child{font-weight:600;white-space:nowrap}
.checks .state{font-weight:700;white-space:nowrap}
.check-ok .state{color:var(--ok)}.check-failed .state{color:var(--bad)}.check-skipped .state{color:var(--muted)}
.checks td,.checks th{border-bottom-color:rgba(0,0,0,.15)}
.problems{margin:4px 0 0;padding-left:18px;font-size:12px}
.bad{color:var(--bad)}
.chart{margin:0}
.chart svg{width:100%;height:auto;display:block}
.chart .plot-area{fill:none;stroke:var(--ink);stroke-width:1}
.chart .grid{stroke:#e2e2e2;stroke-width:1}
.chart .tick{font-size:12px;fill:var(--muted)}
.chart .out-of-range{fill:#fbe3e3}
.chart .limit{stroke:var(--bad);stroke-width:1.5;stroke-dasharray:6 4}
.chart .limit-label{font-size:12px;font-weight:600;fill:var(--bad)}
.chart .excursion rect{fill:var(--band);fill-opacity:.28;stroke:var(--band);stroke-width:1}
.chart .excursion text{font-size:11px;font-weight:700;fill:#7a2e00}
.chart .series{fill:none;stroke-width:1.4;stroke-linejoin:round}
figcaption{display:flex;flex-wrap:wrap;gap:14px;font-size:12px;color:var(--muted);margin-top:4px}
.legend-item{display:inline-flex;align-items:center;gap:5px}
.swatch{display:inline-block;width:18px;height:4px}
.limit-swatch{height:0;border-top:2px dashed var(--bad)}
.excursion-swatch{height:10px;background:rgba(213,94,0,.28);border:1px solid var(--band)}
.excursions{font-size:12px}
.excursions th,.excursions td{padding:4px 5px}
.scroll{overflow-x:auto}
.nw{white-space:nowrap}
th.num{text-align:right}
.timeline{list-style:none;margin:0;padding:0 0 0 18px;border-left:3px solid var(--rule)}
.step{position:relative;padding:2px 0 10px 12px}
.step::before{content:"";position:absolute;left:-27px;top:6px;width:12px;height:12px;border-radius:50%;background:#fff;border:3px solid var(--ink)}
.step .at{font-size:12px;color:var(--muted)}
.small{font-size:12px;color:var(--muted)}
.tx{word-break:break-all}
.none{color:var(--muted)}
.limits li{margin-bottom:3px}
.cmd{background:#f1f1f1;padding:1px 5px;border:1px solid var(--rule)}
.sign-lines{display:grid;grid-template-columns:2fr 1fr 2fr;gap:28px;margin:40px 0 8px}
.sign-lines div{font-size:12px;color:var(--muted)}
.sign-lines .line{display:block;border-bottom:1px solid var(--ink);height:36px;margin-bottom:4px}
.footer{margin-top:16px}
.cmd{word-break:normal;overflow-wrap:anywhere}
@media (max-width:860px){.report{margin:0;padding:20px 16px}.excursions th,.excursions td{padding:3px 3px}}
@media (max-width:640px){.report{margin:0;padding:16px}.sign-lines{grid-template-columns:1fr}}
@page{size:A4;margin:14mm 12mm}
@media print{body{background:#fff;font-size:11px}.report{box-shadow:none;margin:0;padding:0;max-width:none}
section,.chart,table,tr,.step{break-inside:avoid}h2{break-after:avoid}
.verdict,.badge,.chart .out-of-range,.chart .excursion rect{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
`;
