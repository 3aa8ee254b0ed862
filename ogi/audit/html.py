"""audit.html: one self-contained offline page for supervisors.

No internet, no CDN: inline CSS and a little vanilla JS. The page is built
here in full (agencies, findings, tables as printed) and the script only
filters: by province, city, rule and severity. Agencies are listed by number
of findings, re-sorted and re-counted as the filters change; the cells of
the findings on show are highlighted (red; dark red for a suggested fix) in
each report's tables, rebuilt from `values` (row, col, raw). Clicking a
finding outlines its own cells.
"""
from __future__ import annotations

import json
from html import escape

import pandas as pd

from .catalogue import catalogue, rule_order
from .grids import TABLE_NAMES, grids, records_by_report
from .identity import agency_key

SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
CAUSE_ZH = {"report": "报告本身", "extraction": "提取存疑"}

CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em} h2{font-size:1.15em;margin:.2em 0} h3{font-size:1em;margin:.8em 0 .3em;color:#444}
#filters{position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #ccc;z-index:2}
#filters select{margin-right:.8em}
section.agency{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;margin:.8em 0}
.region{color:#666;font-weight:normal;font-size:.9em;margin-left:.5em}
.count{display:inline-block;min-width:1.6em;text-align:center;background:#c00;color:#fff;border-radius:1em;
 padding:0 .5em;margin-left:.5em;font-size:.85em}
table{border-collapse:collapse;margin:.3em 0}
table.findings td{border-top:1px solid #eee;padding:.25em .5em;vertical-align:top;font-size:.92em}
tr.finding{cursor:pointer} tr.finding.focus{background:#fff3cd}
.sev-error{color:#b00;font-weight:bold} .sev-warning{color:#b60} .sev-info{color:#06b}
.cause-extraction{color:#777;font-style:italic}
table.grid td,table.grid th{border:1px solid #bbb;padding:.1em .4em;font-size:.85em;text-align:center}
table.grid td.lab{text-align:left;max-width:28em}
table.grid th{background:#eee;font-weight:normal}
table.grid caption{text-align:left;font-weight:bold;font-size:.9em}
td.v.hit{background:#ffc7ce} td.v.fix{background:#ff7c80;font-weight:bold}
td.v.focus{outline:3px solid #c00}
details{margin:.3em 0}
"""

JS = """
(function(){
  var box=document.getElementById('agencies');
  var agencies=Array.prototype.slice.call(box.querySelectorAll('section.agency'));
  agencies.forEach(function(a,i){a.dataset.i=i;});
  var $=function(id){return document.getElementById(id);};
  function apply(){
    var p=$('f-province').value,c=$('f-city').value,r=$('f-rule').value,s=$('f-severity').value;
    var total=0,shown=0;
    agencies.forEach(function(ag){
      var region=(!p||ag.dataset.province===p)&&(!c||ag.dataset.city===c);
      var n=0;
      ag.querySelectorAll('div.report').forEach(function(rep){
        var m=0,hits={},fixes={};
        rep.querySelectorAll('tr.finding').forEach(function(tr){
          var ok=region&&(!r||tr.dataset.rule===r)&&(!s||tr.dataset.severity===s);
          tr.hidden=!ok;
          if(ok){m++;JSON.parse(tr.dataset.cells).forEach(function(k){hits[k]=1;});
                 if(tr.dataset.fix){fixes[tr.dataset.fix]=1;}}
        });
        rep.hidden=(m===0);
        rep.querySelectorAll('td.v').forEach(function(td){
          td.classList.toggle('hit',!!hits[td.dataset.k]);td.classList.toggle('fix',!!fixes[td.dataset.k]);
        });
        n+=m;
      });
      ag.hidden=(n===0);ag.dataset.n=n;ag.querySelector('.count').textContent=n;
      total+=n;if(n){shown++;}
    });
    agencies.slice().sort(function(a,b){return (b.dataset.n-a.dataset.n)||(a.dataset.i-b.dataset.i);})
      .forEach(function(ag){box.appendChild(ag);});
    $('stats').textContent='显示 '+total+' 条问题，'+shown+' 个机构';
  }
  function cities(){
    var p=$('f-province').value;
    Array.prototype.forEach.call($('f-city').options,function(o){
      if(o.value){o.hidden=!!p&&o.dataset.province!==p;}
    });
    var cur=$('f-city').selectedOptions[0];
    if(cur&&cur.hidden){$('f-city').value='';}
  }
  $('f-province').addEventListener('change',function(){cities();apply();});
  ['f-city','f-rule','f-severity'].forEach(function(id){$(id).addEventListener('change',apply);});
  box.addEventListener('click',function(e){
    var tr=e.target.closest('tr.finding');if(!tr){return;}
    var rep=tr.closest('div.report'),on=!tr.classList.contains('focus');
    rep.querySelectorAll('tr.finding.focus').forEach(function(x){x.classList.remove('focus');});
    rep.querySelectorAll('td.v.focus').forEach(function(x){x.classList.remove('focus');});
    if(on){tr.classList.add('focus');JSON.parse(tr.dataset.cells).forEach(function(k){
      rep.querySelectorAll('td.v').forEach(function(td){if(td.dataset.k===k){td.classList.add('focus');}});});}
  });
  apply();
})();
"""


def _s(v) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return ""
    return str(v)


def _cells_keys(cells_json: str) -> list[str]:
    return [f"{c.get('report_id')}|{c['field']}" for c in json.loads(cells_json or "[]")]


def _finding_row(f: dict) -> str:
    keys = _cells_keys(f["cells"])
    fix = ""
    if f["suggestion"]:
        fix = f"{f['report_id']}|{f['suggestion'].split(' = ')[0]}"
    sev = f["severity"]
    return (f'<tr class="finding" data-rule="{escape(f["rule"])}" data-severity="{escape(sev)}" '
            f'data-cells="{escape(json.dumps(keys, ensure_ascii=False))}" data-fix="{escape(fix)}">'
            f'<td>{escape(f["rule"])}</td><td class="sev-{escape(sev)}">{SEVERITY_ZH.get(sev, sev)}</td>'
            f'<td class="cause-{escape(f["cause"])}">{CAUSE_ZH.get(f["cause"], f["cause"])}</td>'
            f'<td>{escape(f["message"])}</td>'
            f'<td>{"建议：" + escape(f["suggestion"]) if f["suggestion"] else ""}</td></tr>')


def _grid_html(rid: str, grid) -> str:
    out = [f'<table class="grid"><caption>{escape(TABLE_NAMES.get(grid.table, grid.table))}</caption>']
    for gr in grid.rows:
        if gr.header:
            out.append("<tr><th></th>" + "".join(f"<th>{escape(h)}</th>" for h in gr.header) + "</tr>")
        tds = []
        for i in range(grid.n_cols):
            if i in gr.cells:
                raw, fid = gr.cells[i]
                tds.append(f'<td class="v" data-k="{escape(rid)}|{escape(fid)}" title="{escape(fid)}">'
                           f'{escape(raw)}</td>')
            else:
                tds.append("<td></td>")
        out.append(f'<tr><td class="lab">{escape(gr.label)}</td>{"".join(tds)}</tr>')
    out.append("</table>")
    return "".join(out)


def _options(values, label: str, attr: dict | None = None) -> str:
    opts = [f'<option value="">{escape(label)}</option>']
    for v in values:
        extra = f' data-province="{escape(attr[v])}"' if attr else ""
        opts.append(f'<option value="{escape(v)}"{extra}>{escape(v)}</option>')
    return "".join(opts)


# Above this many agencies with findings one page is no longer readable (nor openable):
# only the first MAX_AGENCIES by number of findings get their detailed block, and the
# page says so. findings.csv / audit.xlsx always hold every finding.
MAX_AGENCIES = 5000


def _agencies(findings: pd.DataFrame, meta: dict[str, dict]) -> list[dict]:
    """Agency key → reports (in year order) → findings, agencies by number of findings."""
    agencies: dict[str, dict] = {}
    for f in findings.to_dict("records"):
        rid = str(f["report_id"])
        m = meta.get(rid, {"agency": f["agency"]})
        key = agency_key(m)
        ag = agencies.setdefault(key, {"name": f["agency"], "province": _s(m.get("province")),
                                       "city": _s(m.get("city")), "county": _s(m.get("county")),
                                       "reports": {}})
        ag["reports"].setdefault(rid, {"year": f["year"], "source": f["source"], "findings": []})["findings"].append(f)
        year = -1 if pd.isna(f["year"]) else int(f["year"])
        if year >= ag.setdefault("latest", -1):      # agencies are shown under their latest name
            ag["latest"], ag["name"] = year, f["agency"]
    return sorted(agencies.values(), key=lambda a: (-sum(len(r["findings"]) for r in a["reports"].values()),
                                                    a["name"]))


def _block(ag: dict, grids_of) -> str:
    n = sum(len(r["findings"]) for r in ag["reports"].values())
    region = " ".join(x for x in (ag["province"], ag["city"], ag["county"]) if x)
    parts = [f'<section class="agency" data-province="{escape(ag["province"])}" data-city="{escape(ag["city"])}"'
             f' data-n="{n}"><h2><span class="name">{escape(ag["name"])}</span>'
             f'<span class="region">{escape(region)}</span><span class="count">{n}</span></h2>']
    for rid, rep in sorted(ag["reports"].items(), key=lambda kv: (_s(kv[1]["year"]), kv[0])):
        year = _s(rep["year"])
        parts.append(f'<div class="report" data-report="{escape(rid)}"><h3>{escape(year)}年 · {escape(rid)}'
                     f' · {escape(_s(rep["source"]))}</h3><table class="findings">')
        parts.extend(_finding_row(f) for f in rep["findings"])
        parts.append("</table>")
        tables = grids_of(rid)
        if tables:
            parts.append("<details open><summary>表格（按原样重建，红色为问题所涉单元格）</summary>")
            parts.extend(_grid_html(rid, g) for _, g in sorted(tables.items()))
            parts.append("</details>")
        parts.append("</div>")
    parts.append("</section>")
    return "".join(parts)


def pieces(findings: pd.DataFrame, meta: dict[str, dict], grids_of, n_reports: int,
           limit: int = MAX_AGENCIES):
    """The page as consecutive strings: head, one per agency block, tail (so it can stream to a file)."""
    ordered = _agencies(findings, meta)
    shown = ordered[:limit]
    provinces = sorted({a["province"] for a in shown if a["province"]})
    city_province = {a["city"]: a["province"] for a in shown if a["city"]}
    rules = sorted(set(findings["rule"]), key=rule_order) if len(findings) else []
    cat = catalogue()
    rule_opts = ['<option value="">全部规则</option>'] + [
        f'<option value="{escape(r)}">{escape(r)} {escape(cat[r].wording_zh[:16]) if r in cat else ""}</option>'
        for r in rules]
    sev_opts = ['<option value="">全部级别</option>'] + [
        f'<option value="{s}">{SEVERITY_ZH[s]}</option>' for s in SEVERITY_ZH]
    capped = ""
    if len(ordered) > len(shown):
        capped = (f"<p>机构过多，本页仅列出问题最多的前 {len(shown)} 个机构；"
                  f"全部问题见 findings.csv 与 audit.xlsx。</p>\n")
    yield f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>政府信息公开工作年度报告审核结果</title><style>{CSS}</style></head>
<body>
<h1>政府信息公开工作年度报告审核结果</h1>
<p>共审核 {n_reports} 份报告，发现 {len(findings)} 条问题，涉及 {len(ordered)} 个机构。</p>
{capped}<div id="filters">
<select id="f-province">{_options(provinces, "全部省份")}</select>
<select id="f-city">{_options(sorted(city_province), "全部城市", city_province)}</select>
<select id="f-rule">{"".join(rule_opts)}</select>
<select id="f-severity">{"".join(sev_opts)}</select>
<span id="stats"></span>
</div>
<div id="agencies">"""
    for ag in shown:
        yield _block(ag, grids_of)
    yield f"""</div>
<script>{JS}</script>
</body></html>
"""


def write_page(path, findings: pd.DataFrame, meta: dict[str, dict], grids_of, n_reports: int) -> None:
    """audit.html block by block: only one agency's tables are in memory at a time."""
    with open(path, "w", encoding="utf-8") as f:
        for piece in pieces(findings, meta, grids_of, n_reports):
            f.write(piece)


def render(findings: pd.DataFrame, reports: pd.DataFrame, values: pd.DataFrame, summary=None) -> str:
    """The whole page as one string, from in-memory tables (`summary` is not needed any more)."""
    from .outputs import reports_meta

    by_report = records_by_report(values)
    meta = reports_meta(reports)
    return "".join(pieces(findings, meta, lambda rid: grids(by_report.get(rid)), len(meta)))
