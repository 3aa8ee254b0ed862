"""audit.html: one offline page to triage a batch of reports, fast at 10,000 of them.

No internet, no CDN: inline CSS and vanilla JS. The page holds its data once,
as JSON (page_data.py): every report of the batch (clean ones, files that
could not be read, duplicate agency-years) with its checks run and passed,
every finding in words, and each report's cells. Nothing is drawn at load
but the overview's first page; a report's details (its findings, its tables
as the template prints them, the agency's other years side by side) are
drawn when it is opened, from its own cells block and those of the agency's
other reports, each parsed only then.

Decisions (确认 / 驳回 / 已发送 / 已整改) are stored in OUT/reviews.csv
(ogi/review.py). Opened through `ogi review OUT --serve`, the page records
them there directly; opened as a file, it keeps them in the browser
(localStorage, per OUT folder) and 导出决定 downloads them in reviews.csv's
format for `ogi review OUT --import` (review.py says why both exist). The
decisions sit in their own script block near the end, rewritten in place
when they change.
"""
from __future__ import annotations

import json
from typing import Callable, Iterable

import pandas as pd

from ogi.review import REVIEW_COLUMNS

from . import page_data as pd_
from .page_data import CAUSE_ZH, SEVERITY_ZH

REVIEW_MARK = ('<script id="reviews" type="application/json">', "</script>")

CSS = """
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;color:#222;font-size:14px}
header{padding:.8em 1.2em .4em;border-bottom:1px solid #ddd}
h1{font-size:1.3em;margin:0 0 .3em} h2{font-size:1.15em;margin:.2em 0} h3{font-size:1em;margin:1em 0 .3em;color:#333}
#bar{position:sticky;top:0;background:#fafafa;padding:.5em 1.2em;border-bottom:1px solid #ccc;z-index:3}
#bar select,#bar input{margin:.15em .5em .15em 0;font-size:13px;padding:.15em}
#bar input[type=search]{width:16em}
#main{padding:.5em 1.2em}
table{border-collapse:collapse}
table.ov{width:100%}
table.ov th{background:#eee;cursor:pointer;user-select:none;text-align:left;padding:.3em .5em;white-space:nowrap;
 position:sticky;top:2.6em}
table.ov th.sorted-asc::after{content:" ▲"} table.ov th.sorted-desc::after{content:" ▼"}
table.ov td{border-top:1px solid #eee;padding:.25em .5em;vertical-align:top}
table.ov tr.rep{cursor:pointer} table.ov tr.rep:hover{background:#f3f7ff} table.ov tr.open{background:#e6efff}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.e{color:#b00;font-weight:bold} .w{color:#a55c00} .i{color:#06b}
.failed{color:#b00} .muted{color:#888}
.pager{margin:.5em 0} .pager button{margin-right:.4em}
#detail{border:2px solid #9ab;border-radius:6px;padding:.6em 1em;margin:.8em 0;background:#fff}
#detail .close{float:right}
.finding{border-left:5px solid #ccc;padding:.35em .6em;margin:.4em 0;background:#fcfcfc;cursor:pointer}
.finding.sev-error{border-color:#d33} .finding.sev-warning{border-color:#e0a020} .finding.sev-info{border-color:#39c}
.finding.focus{background:#fff6d8}
.finding .meta{font-size:.85em;color:#666}
.finding .sugg{margin-top:.2em;color:#05602a}
.finding .tag{display:inline-block;border-radius:3px;padding:0 .35em;margin-right:.4em;font-size:.85em;color:#fff}
.tag.error{background:#c62828} .tag.warning{background:#d08a00} .tag.info{background:#1e78b4}
.review{margin-top:.3em;font-size:.9em}
.review button{font-size:.85em;margin-right:.3em}
.state{display:inline-block;padding:0 .4em;border:1px solid #999;border-radius:3px;margin-right:.4em}
.state.s-确认{background:#ffe0e0} .state.s-驳回{background:#e8e8e8;text-decoration:line-through}
.state.s-已发送{background:#e0ecff} .state.s-已整改{background:#dff5df}
.cmd{font-family:monospace;font-size:.85em;background:#f3f3f3;padding:.2em .4em;display:block;margin-top:.2em;
 user-select:all}
table.grid{margin:.3em 0 .8em}
table.grid td,table.grid th{border:1px solid #bbb;padding:.1em .4em;font-size:12.5px;text-align:center}
table.grid th{background:#f0f0f0;font-weight:normal}
table.grid td.lab{text-align:left;max-width:30em}
table.grid td.parent{text-align:left;font-weight:bold;background:#fafafa}
table.grid caption{text-align:left;font-weight:bold}
table.grid caption.layout{outline:2px dashed #d08a00}
td.v.k-I,td.v.k-D{color:#777;font-style:italic;background:repeating-linear-gradient(45deg,#fff,#fff 4px,#f2f2f2 4px,#f2f2f2 8px)}
td.v.k-b{background:#fbfbfb}
td.v sup{color:#888;font-size:.7em;margin-left:1px}
td.v.hit-error{background:#ffc7ce} td.v.hit-warning{background:#ffe8a8} td.v.hit-info{background:#cfe8fb}
td.v.focus{outline:3px solid #333;outline-offset:-2px}
td.v .fix{color:#05602a;font-weight:bold;margin-left:.2em}
.wide{overflow-x:auto;max-width:100%}
table.yoy th.y{font-size:11px;padding:.1em .3em} table.yoy th.cur,table.yoy td.cur{font-weight:bold}
table.yoy td.v{min-width:2.6em}
td.chg,span.chg{background:#fff0b3}
td.ring-error,span.ring-error{box-shadow:inset 0 0 0 2px #d33} td.ring-warning,span.ring-warning{box-shadow:inset 0 0 0 2px #e0a020}
td.ring-info{box-shadow:inset 0 0 0 2px #39c}
.delta{display:block;font-size:.8em;color:#666}
table.beside{margin:.3em 0} table.beside sup{color:#888;margin-left:.3em}
.local{display:inline-block;padding:0 .3em;margin-right:.4em;border:1px dashed #d08a00;color:#a55c00;font-size:.85em}
.checks{margin:.2em 0;color:#05602a} .checks.some-failed{color:#a55c00}
#offline{margin-left:.6em} #offline button{font-weight:bold}
.legend span{margin-right:1em}
.resolved{background:#f4fff4;border:1px solid #bdb;padding:.4em .8em;margin:.5em 0}
"""

JS = r"""
(function(){
var $=function(id){return document.getElementById(id);};
function J(id){var el=$(id);return el?JSON.parse(el.textContent):null;}
var M=J('meta'),R=J('reports'),F=J('findings'),V=J('reviews')||{d:{},resolved:[]};
function cells(i){return J('c'+i)||[];}
var SEV={error:'错误',warning:'警告',info:'提示'},CAUSE={report:'报告本身',extraction:'提取存疑'};
var STATES=['确认','驳回','已发送','已整改'],PENDING='待审';
var SERVED=location.protocol.indexOf('http')===0;
var PAGE=100,page=0,sortKey='issues',sortDir=-1,open=-1,focus=-1;
var byReport=[],FPI={};R.forEach(function(){byReport.push([]);});
F.forEach(function(f,i){byReport[f[0]].push(i);FPI[f[7]]=i;});
var byKey={};R.forEach(function(r,i){if(r[12]>=0){(byKey[r[12]]=byKey[r[12]]||[]).push(i);}});
function esc(s){return String(s==null?'':s).replace(/[&<>"]/g,function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c];});}
// ---- decisions: the file's own (reviews.csv when it was written) and, opened as a file, those made here
// since, kept in this browser (localStorage, per OUT folder) until exported and imported (ogi review --import)
var OUT=decodeURIComponent(location.pathname).replace(/\/[^\/]*$/,'')||'OUT';   // the page lives in OUT
var LS=SERVED?null:'ogi.reviews:'+OUT,L={};
function loadLocal(){
  if(!LS){return;}
  try{L=JSON.parse(localStorage.getItem(LS)||'{}')||{};}catch(e){L={};}
  // a local decision the file now holds (imported, then rebuilt), or one recorded later elsewhere, is done
  Object.keys(L).forEach(function(fp){var d=V.d[fp];if(d&&d[2]>=L[fp][2]){delete L[fp];}});
  saveLocal();
}
function saveLocal(){if(LS){try{localStorage.setItem(LS,JSON.stringify(L));}catch(e){alert('未能保存在本浏览器：'+e);}}}
function dec(fp){return L[fp]||V.d[fp];}
function state(f){var d=dec(f[7]);return d?d[0]:PENDING;}
function pendingFps(){return Object.keys(L).filter(function(fp){return fp in FPI;});}
function now(){var d=new Date(),p=function(n){return (n<10?'0':'')+n;};
  return d.getFullYear()+'-'+p(d.getMonth()+1)+'-'+p(d.getDate())+'T'+p(d.getHours())+':'+p(d.getMinutes())+':'+p(d.getSeconds());}
function outArg(){return /^[\w.\/:-]+$/.test(OUT)?OUT:'"'+OUT+'"';}
// reviews.csv's own format (ogi/review.py REVIEW_COLUMNS), UTF-8 with a BOM, quoted as Python's csv module does
function exportCsv(){
  var fps=pendingFps().sort(function(a,b){return L[a][2]<L[b][2]?-1:L[a][2]>L[b][2]?1:(a<b?-1:1);});
  if(!fps.length){return;}
  var q=function(v){var s=String(v==null?'':v);return /[",\r\n]/.test(s)?'"'+s.replace(/"/g,'""')+'"':s;};
  var lines=[M.reviewColumns.join(',')].concat(fps.map(function(fp){var f=F[FPI[fp]],r=R[f[0]],l=L[fp];
    return [fp,l[0],l[1],l[2],r[0],r[1],r[7]==null?'':r[7],f[1],f[4]].map(q).join(',');}));
  var blob=new Blob(['\ufeff'+lines.join('\r\n')+'\r\n'],{type:'text/csv;charset=utf-8'});
  var a=document.createElement('a');a.href=URL.createObjectURL(blob);
  a.download='reviews-'+now().replace(/[-:]/g,'').replace('T','-')+'.csv';
  document.body.appendChild(a);a.click();
  setTimeout(function(){URL.revokeObjectURL(a.href);a.remove();},1000);
}
function offlineBar(){
  if(SERVED){return;}
  var n=pendingFps().length;$('offline').hidden=false;$('export').disabled=!n;$('export').textContent='导出决定（'+n+'）';
  $('pending').textContent=n?n+' 条决定只保存在本浏览器：导出后运行 ogi review '+outArg()+' --import 导出的文件':'';
}
function region(r){return [r[4],r[5],r[6]].filter(Boolean).join(' ');}
function opt(sel,vals,all){sel.innerHTML='<option value="">'+all+'</option>'+vals.map(function(v){
  return '<option value="'+esc(v[0])+'">'+esc(v[1])+'</option>';}).join('');}
function uniq(a){var s={};a.forEach(function(x){if(x){s[x]=1;}});return Object.keys(s).sort();}
// ---- filters
function fill(){
  opt($('f-province'),uniq(R.map(function(r){return r[4];})).map(function(v){return [v,v];}),'全部省份');
  cities();
  var rules=uniq(F.map(function(f){return f[1];})).sort(function(a,b){return (+a.slice(1))-(+b.slice(1));});
  opt($('f-rule'),rules.map(function(r){return [r,r+' '+(M.rules[r]||'').slice(0,18)];}),'全部规则');
  opt($('f-severity'),[['error','错误'],['warning','警告'],['info','提示'],['none','无问题'],['failed','未能读取']],'全部级别');
  opt($('f-cause'),[['report','报告本身'],['extraction','提取存疑']],'全部原因');
  opt($('f-review'),[[PENDING,PENDING]].concat(STATES.map(function(s){return [s,s];})),'全部审核状态');
  opt($('f-level'),uniq(R.map(function(r){return r[2];})).map(function(v){return [v,v];}),'全部层级');
}
function cities(){
  var p=$('f-province').value,c=$('f-city').value;
  opt($('f-city'),uniq(R.filter(function(r){return !p||r[4]===p;}).map(function(r){return r[5];})).map(function(v){return [v,v];}),'全部城市');
  if(c){$('f-city').value=c;}
  var cc=$('f-county').value;
  opt($('f-county'),uniq(R.filter(function(r){return (!p||r[4]===p)&&(!$('f-city').value||r[5]===$('f-city').value);})
    .map(function(r){return r[6];})).map(function(v){return [v,v];}),'全部区县');
  if(cc){$('f-county').value=cc;}
}
function current(){
  var q=$('f-search').value.trim(),p=$('f-province').value,c=$('f-city').value,k=$('f-county').value,
      ru=$('f-rule').value,s=$('f-severity').value,ca=$('f-cause').value,rv=$('f-review').value,lv=$('f-level').value;
  var fsel=!!(ru||ca||rv||(s&&s!=='none'&&s!=='failed'));
  var rows=[];
  R.forEach(function(r,i){
    if(p&&r[4]!==p||c&&r[5]!==c||k&&r[6]!==k||lv&&r[2]!==lv){return;}
    if(q&&(r[1]+' '+r[11]+' '+region(r)).indexOf(q)<0){return;}
    if(s==='failed'&&r[9]!=='failed'){return;}
    if(s==='none'&&(byReport[i].length||r[9]==='failed')){return;}
    var hits=byReport[i].filter(function(j){var f=F[j];
      return (!ru||f[1]===ru)&&(!ca||f[3]===ca)&&(!rv||state(f)===rv)&&(!s||s==='none'||s==='failed'||f[2]===s);});
    if(fsel&&!hits.length){return;}
    var n={error:0,warning:0,info:0},pend=0;
    hits.forEach(function(j){n[F[j][2]]++;if(state(F[j])===PENDING){pend++;}});
    rows.push({i:i,n:n,hits:hits,pend:pend});
  });
  var key={agency:function(x){return R[x.i][1];},level:function(x){return M.levels.indexOf(R[x.i][2]);},
    region:function(x){return region(R[x.i]);},year:function(x){return R[x.i][7]||0;},format:function(x){return R[x.i][8];},
    coverage:function(x){return R[x.i][10];},error:function(x){return x.n.error;},warning:function(x){return x.n.warning;},
    info:function(x){return x.n.info;},review:function(x){return x.pend;},
    checks:function(x){var r=R[x.i];return r[16]==null?-1:r[16]-r[17];},
    issues:function(x){return (R[x.i][9]==='failed'?1e6:0)+x.n.error*1e4+x.n.warning*100+x.n.info;}}[sortKey];
  rows.sort(function(a,b){var x=key(a),y=key(b);
    return (x<y?-1:x>y?1:0)*sortDir||(a.i-b.i);});
  return rows;
}
var ROWS=[];
function draw(){
  ROWS=current();
  var pages=Math.max(1,Math.ceil(ROWS.length/PAGE));if(page>=pages){page=pages-1;}
  var out=[],nf=0;ROWS.forEach(function(x){nf+=x.hits.length;});
  ROWS.slice(page*PAGE,(page+1)*PAGE).forEach(function(x){
    var r=R[x.i],failed=r[9]==='failed',rv=x.hits.length?(x.pend?PENDING+' '+x.pend:'已审'):'—';
    out.push('<tr class="rep'+(x.i===open?' open':'')+'" data-i="'+x.i+'"><td class="name">'+esc(r[1])+
      (failed?' <span class="failed">未能读取</span>':'')+'</td><td>'+esc(r[2])+'</td><td>'+esc(region(r))+'</td><td>'+
      esc(r[7]==null?'':r[7])+'</td><td>'+esc(r[8])+'</td><td>'+esc(failed?r[15]:r[10]+(r[9]&&r[9]!=='complete'?'（'+r[9]+'）':''))+
      '</td><td class="n e">'+(x.n.error||'')+'</td><td class="n w">'+(x.n.warning||'')+'</td><td class="n i">'+(x.n.info||'')+
      '</td><td class="n" title="'+esc(checksText(r))+'">'+(r[16]==null?'':r[17]+'/'+r[16])+'</td><td>'+esc(rv)+'</td></tr>');
  });
  $('ov-body').innerHTML=out.join('')||'<tr><td colspan="11" class="muted">无符合条件的报告</td></tr>';
  $('stats').textContent='显示 '+ROWS.length+' 份报告（共 '+R.length+' 份），'+nf+' 条问题';
  $('pageinfo').textContent='第 '+(page+1)+' / '+pages+' 页';
  document.querySelectorAll('table.ov th').forEach(function(th){
    th.className=th.dataset.k===sortKey?(sortDir>0?'sorted-asc':'sorted-desc'):'';});
}
// ---- a report's details
// field index -> [raw, kind code ('' number, b, d, t, D, I, o; +f fuzzy label), page]
function cellMap(i){
  var c=cells(i),m={};if(!c.k){return m;}
  var raws=c.r.split('\t'),pages={},fuzzy={},page=0;
  c.p.forEach(function(x){pages[x[0]]=x[1];});c.f.forEach(function(x){fuzzy[x]=1;});
  for(var fi=0;fi<c.k.length;fi++){
    if(fi in pages){page=pages[fi];}
    var k=c.k.charAt(fi);if(k==='.'){continue;}
    m[fi]=[raws[fi],(k==='n'?'':k)+(fuzzy[fi]?'f':''),page];
  }
  return m;
}
// the mark after a value that was not simply printed and read: inferred, derived (a sum), OCR, label matched fuzzily
function markOf(k){return k.indexOf('I')>=0?'<sup>推</sup>':k.indexOf('D')>=0?'<sup>Σ</sup>':k.indexOf('o')>=0?'<sup>OCR</sup>':
  k.indexOf('f')>=0?'<sup>?</sup>':'';}
function marks(i,list){
  var order={error:0,warning:1,info:2},hit={},fix={};
  list.forEach(function(j){var f=F[j];f[8].forEach(function(c){
    if(c[0]!==i||c[2]==='layout'){return;}
    if(!(c[1] in hit)||order[f[2]]<order[hit[c[1]]]){hit[c[1]]=f[2];}
    if(c[2]==='suggested'){var m=/应为 (\S+)$/.exec(f[5]);if(m){fix[c[1]]=m[1];}}});});
  return {hit:hit,fix:fix};
}
function layoutFor(t,r){var tpl=t==='t2'?r[13]:(t==='t3'?r[14]:'2021');return M.layouts[t][tpl==='2019'?'2019':'2021'];}
function gridHtml(i,t,cm,mk,layoutMarked){
  var r=R[i],blocks=layoutFor(t,r),used={},any=false,out=[];
  blocks.forEach(function(b){b.rows.forEach(function(row){if(row[2]){row[2].forEach(function(fi){if(fi>=0&&cm[fi]){any=true;}});}});});
  if(!any){return '<p class="muted">'+esc(M.titles[t])+'：未读到</p>';}
  out.push('<table class="grid" data-t="'+t+'"><caption'+(layoutMarked?' class="layout" title="格式问题涉及此表"':'')+'>'+esc(M.titles[t])+'</caption>');
  blocks.forEach(function(b){
    var ncol=1;b.rows.forEach(function(row){if(row[2]){ncol=row[2].length;}});
    b.head.forEach(function(h,li){
      out.push('<tr>'+(li===0?'<th rowspan="'+b.head.length+'">'+esc(b.title)+'</th>':'')+
        h.map(function(c){return '<th colspan="'+c[1]+'" rowspan="'+c[2]+'">'+esc(c[0])+'</th>';}).join('')+'</tr>');});
    b.rows.forEach(function(row){
      var shown=row[2]&&row[2].some(function(fi){return fi>=0&&cm[fi];});
      if(!shown&&(!row[2]||row[2].every(function(fi){return !(fi>=0)||M.fields[fi][3];}))){
        out.push('<tr><td class="parent" colspan="'+(ncol+1)+'" style="padding-left:'+(row[1]*1.2+.4)+'em">'+esc(row[0])+'</td></tr>');return;}
      out.push('<tr><td class="lab" style="padding-left:'+(row[1]*1.2+.4)+'em">'+esc(row[0])+'</td>'+row[2].map(function(fi){
        if(fi<0){return '<td></td>';}
        used[fi]=1;var c=cm[fi];if(!c){return '<td class="v k-missing" title="'+esc(M.fields[fi][2])+'：未取得"></td>';}
        var k=c[1],cls='v k-'+(k.replace('f','')||'n')+(mk.hit[fi]?' hit-'+mk.hit[fi]:''),mark=markOf(k),
          tip=M.fields[fi][2]+(c[2]?' · 第'+c[2]+'页':'')+(k.indexOf('I')>=0?' · 推断值（未印出，按表内勾稽关系推得）':'')+
            (k.indexOf('D')>=0?' · 合计值（由各分项相加，未印出）':'')+(k.indexOf('b')>=0?' · 空白':'');
        return '<td class="'+cls+'" data-f="'+fi+'" title="'+esc(tip)+'">'+esc(c[0])+mark+
          (mk.fix[fi]!=null?'<span class="fix">→'+esc(mk.fix[fi])+'</span>':'')+'</td>';}).join('')+'</tr>');
    });
  });
  out.push('</table>');
  var extra=Object.keys(cm).filter(function(fi){return M.fields[fi][1]===t&&!used[fi];});
  if(extra.length){out.push('<p class="muted">格式外单元格：'+extra.map(function(fi){
    return esc(M.fields[fi][2])+' '+esc(cm[fi][0]);}).join('；')+'</p>');}
  return out.join('');
}
function findingHtml(j,i){
  var f=F[j],st=state(f),d=dec(f[7]);
  var h='<div class="finding sev-'+f[2]+'" data-j="'+j+'"><div><span class="tag '+f[2]+'">'+SEV[f[2]]+'</span>'+
    esc(f[4])+(f[6]?'（'+esc(f[6])+'）':'')+'</div>'+
    (f[5]?'<div class="sugg">建议：'+esc(f[5])+'</div>':'')+
    '<div class="meta">'+esc(f[1])+' '+esc(M.rules[f[1]]||'')+' · 原因：'+esc(CAUSE[f[3]]||f[3])+'</div>';
  h+=besideTable(f,i);
  h+='<div class="review"><span class="state s-'+st+'">'+st+'</span>'+
    (L[f[7]]?'<span class="local" title="只保存在本浏览器：用“导出决定”导出后以 ogi review --import 记录">未导入</span>':'')+
    (d&&d[1]?'备注：'+esc(d[1])+' ':'')+
    STATES.map(function(s){return '<button data-s="'+s+'">'+s+'</button>';}).join('')+
    '<button data-s="">撤销</button><input class="note" placeholder="备注（驳回请写理由）" size="24">'+
    '<span class="cmd" hidden></span></div></div>';
  return h;
}
// ---- year over year: the agency's reports (same agency key) side by side, tables as the opened report's
// template prints them, each printed column split into one sub-column per year (a table of one printed row,
// table 4, gets one row per year instead); a cell that differs from the year before is yellow, a cell one of
// this report's findings names is framed in its severity's colour.
function norm(c){return c?String(c[0]).normalize('NFKC').replace(/[\s,]/g,''):'';}   // ４５６, 8,341 as numbers
// two years' cells differ: by their number when both print one (a unit word after it ignored: 0件 = 0),
// else by their text
var NUMBER=/^-?\d+(\.\d+)?\D*$/;
function differs(a,b){
  if(!a||!b){return false;}                  // not read in one of the years: nothing to compare
  var x=norm(a),y=norm(b);
  return NUMBER.test(x)&&NUMBER.test(y)?parseFloat(x)!==parseFloat(y):x!==y;
}
// a cell's number for the key numbers and rates: blank and dash count as 0, a text is no number
function num(m,fi){var c=m[fi];if(!c){return null;}var x=norm(c);
  return NUMBER.test(x)?parseFloat(x):(c[1].indexOf('b')>=0||c[1].indexOf('d')>=0?0:null);}
function yearTh(xs,i,k,short){var x=xs[k],y=(R[x][7]||'?')+'年',dup=xs.filter(function(z){return R[z][7]===R[x][7];}).length>1;
  return '<th class="y'+(x===i?' cur':'')+'" title="'+esc(R[x][11])+(x===i?'（本报告）':'')+'">'+esc(y)+
    (dup?'·'+esc(R[x][11].replace(/^.*[\/\\]/,'')):'')+(x===i&&!short?' 本报告':'')+'</th>';}
function yoyTd(fi,k,xs,maps,hit,i){
  var c=maps[k][fi],x=xs[k],h=hit[x+':'+fi];
  var cls=(c?'v k-'+(c[1].replace('f','')||'n'):'v k-missing')+(k>0&&differs(c,maps[k-1][fi])?' chg':'')+
    (h?' ring-'+h:'')+(x===i?' cur':'');
  var tip=M.fields[fi][2]+' · '+(R[x][7]||'?')+'年'+(c&&c[2]?' · 第'+c[2]+'页':'')+(c?'':' · 未取得')+
    (k>0&&maps[k-1][fi]?' · 上一年 '+maps[k-1][fi][0]:'');
  return '<td class="'+cls+'" data-f="'+fi+'" data-y="'+(R[x][7]||'')+'" title="'+esc(tip)+'">'+(c?esc(c[0])+markOf(c[1]):'')+'</td>';
}
function yoyGrid(t,i,xs,maps,hit){
  var Y=xs.length,blocks=layoutFor(t,R[i]),used={},out=[],any=false;
  maps.forEach(function(m){Object.keys(m).forEach(function(fi){if(M.fields[fi][1]===t){any=true;}});});
  if(!any){return '';}
  out.push('<div class="wide"><table class="grid yoy" data-t="'+t+'"><caption>'+esc(M.titles[t])+'</caption>');
  blocks.forEach(function(b){
    var data=b.rows.filter(function(row){return row[2]&&row[2].some(function(fi){return fi>=0;});}),ncol=1;
    b.rows.forEach(function(row){if(row[2]){ncol=row[2].length;}});
    if(data.length===1&&ncol>1){                // one wide printed row: the header as printed, a row per year
      var row=data[0];row[2].forEach(function(fi){used[fi]=1;});
      b.head.forEach(function(h,li){
        out.push('<tr>'+(li===0?'<th rowspan="'+b.head.length+'">'+esc(b.title||row[0]||'年度')+'</th>':'')+
          h.map(function(c){return '<th colspan="'+c[1]+'" rowspan="'+c[2]+'">'+esc(c[0])+'</th>';}).join('')+'</tr>');});
      xs.forEach(function(x,k){out.push('<tr>'+yearTh(xs,i,k)+row[2].map(function(fi){
        return fi<0?'<td></td>':yoyTd(fi,k,xs,maps,hit,i);}).join('')+'</tr>');});
      return;
    }
    b.head.forEach(function(h,li){
      out.push('<tr>'+(li===0?'<th rowspan="'+(b.head.length+1)+'">'+esc(b.title)+'</th>':'')+
        h.map(function(c){return '<th colspan="'+c[1]*Y+'" rowspan="'+c[2]+'">'+esc(c[0])+'</th>';}).join('')+'</tr>');});
    var years=[];for(var ci=0;ci<ncol;ci++){for(var k=0;k<Y;k++){years.push(yearTh(xs,i,k,true));}}
    out.push('<tr>'+years.join('')+'</tr>');
    b.rows.forEach(function(row){
      var pad=' style="padding-left:'+(row[1]*1.2+.4)+'em"';
      if(!row[2]||row[2].every(function(fi){return !(fi>=0)||M.fields[fi][3]&&!maps.some(function(m){return m[fi];});})){
        out.push('<tr><td class="parent" colspan="'+(ncol*Y+1)+'"'+pad+'>'+esc(row[0])+'</td></tr>');return;}
      out.push('<tr><td class="lab"'+pad+'>'+esc(row[0])+'</td>'+row[2].map(function(fi){
        if(fi<0){return new Array(Y+1).join('<td></td>');}
        used[fi]=1;return xs.map(function(x,k){return yoyTd(fi,k,xs,maps,hit,i);}).join('');}).join('')+'</tr>');
    });
  });
  out.push('</table></div>');
  // cells of another year's template (2019 and 2021 print different rows): listed, one row each
  var extra=[],seen={};
  maps.forEach(function(m){Object.keys(m).forEach(function(fi){
    if(M.fields[fi][1]===t&&!used[fi]&&!seen[fi]){seen[fi]=1;extra.push(+fi);}});});
  if(extra.length){
    out.push('<table class="grid yoy extra"><caption class="muted">其他年份格式的单元格</caption><tr><th></th>'+
      xs.map(function(x,k){return yearTh(xs,i,k);}).join('')+'</tr>'+extra.sort(function(a,b){return a-b;}).map(function(fi){
        return '<tr><td class="lab">'+esc(M.fields[fi][2])+'</td>'+xs.map(function(x,k){return yoyTd(fi,k,xs,maps,hit,i);}).join('')+'</tr>';
      }).join('')+'</table>');
  }
  return out.join('');
}
function keyNumbers(i,xs,maps){
  var h='<table class="grid yoy keys"><caption>主要数字与比率</caption><tr><th></th>'+
    xs.map(function(x,k){return yearTh(xs,i,k);}).join('')+'</tr>';
  function row(name,vals,fmt,title){
    return '<tr><td class="lab" title="'+esc(title)+'">'+esc(name)+'</td>'+vals.map(function(v,k){
      var prev=k>0?vals[k-1]:null,chg=v!=null&&prev!=null&&v!==prev;
      if(v===undefined){return '<td class="muted" title="分母过小，比率无意义">—</td>';}
      return '<td class="v'+(chg?' chg':'')+(xs[k]===i?' cur':'')+'">'+(v==null?'':fmt(v))+
        (chg&&typeof prev==='number'?'<span class="delta">'+(v>prev?'+':'')+fmt(v-prev,1)+'</span>':'')+'</td>';}).join('')+'</tr>';
  }
  M.keys.forEach(function(kn){
    h+=row(kn[0],maps.map(function(m){var n=0;for(var a=0;a<kn[1].length;a++){var v=num(m,kn[1][a]);if(v==null){return null;}n+=v;}
      return n;}),function(v){return String(+v.toFixed(2));},kn[1].map(function(fi){return M.fields[fi][2];}).join(' + '));});
  M.indicators.forEach(function(ind){
    if(!ind[2].length){return;}               // a count, not a rate: the key numbers show it
    h+=row(ind[0],maps.map(function(m){
      var n=0,d=0;
      for(var a=0;a<ind[1].length;a++){var v=num(m,ind[1][a]);if(v==null){return null;}n+=v;}
      for(var b=0;b<ind[2].length;b++){var w=num(m,ind[2][b]);if(w==null){return null;}d+=w;}
      return d<ind[3]||!d?undefined:Math.round(1000*n/d)/10;}),
      function(v,delta){return v.toFixed(1)+(delta?'':'%');},'分母不足 '+ind[3]+' 时不计');
  });
  return h+'</table>';
}
function yoy(i){
  var xs=(byKey[R[i][12]]||[]).filter(function(x){return R[x][9]!=='failed';});
  if(xs.length<2){return '';}
  xs.sort(function(a,b){return (R[a][7]||0)-(R[b][7]||0)||a-b;});
  var maps=xs.map(cellMap),hit={},order={error:0,warning:1,info:2};
  byReport[i].forEach(function(j){F[j][8].forEach(function(c){
    if(c[1]<0||c[2]==='layout'){return;}var k=c[0]+':'+c[1];
    if(!(k in hit)||order[F[j][2]]<order[hit[k]]){hit[k]=F[j][2];}});});
  var h='<h3 id="yoy">历年对比（'+esc(R[i][1])+'，'+xs.length+' 份报告）</h3>'+keyNumbers(i,xs,maps);
  ['t2','t3','t4'].forEach(function(t){h+=yoyGrid(t,i,xs,maps,hit);});
  return h+'<p class="muted legend"><span class="chg">黄色</span>为与上一年印得不同的单元格；'+
    '<span class="ring-error">红框</span>/<span class="ring-warning">橙框</span>为本报告的问题所涉单元格；加粗列为本报告。</p>';
}
// a finding that names cells of more than one report (R7/R8): every named cell in each report's column
function besideTable(f,i){
  var cols=[],fis=[],named={};
  f[8].forEach(function(c){if(c[1]<0||c[2]==='layout'){return;}
    if(cols.indexOf(c[0])<0){cols.push(c[0]);}if(fis.indexOf(c[1])<0){fis.push(c[1]);}named[c[0]+':'+c[1]]=c;});
  if(cols.length<2){return '';}
  cols.sort(function(a,b){return (a>=0?R[a][7]||0:-1)-(b>=0?R[b][7]||0:-1);});   // -1: a report of an earlier dataset
  var maps=cols.map(function(x){return x>=0?cellMap(x):{};});
  return '<table class="grid beside"><tr><th>单元格</th>'+cols.map(function(x){
      return '<th>'+(x>=0?esc((R[x][7]||'?')+'年')+(x===i?'（本报告）':'')+'<br><span class="muted">'+
        esc(R[x][11].replace(/^.*[\/\\]/,''))+'</span>':'上年报告')+'</th>';}).join('')+'</tr>'+
    fis.map(function(fi){return '<tr><td class="lab">'+esc(M.fields[fi][2])+'</td>'+cols.map(function(x,k){
      var c=named[x+':'+fi],m=maps[k][fi],txt=c?c[3]:(m?m[0]:''),pg=c?c[4]:(m?m[2]:0);
      return '<td class="v'+(c?' hit-'+f[2]:'')+'" title="'+(c?'本问题所涉单元格':'同一单元格，供对照')+'">'+esc(txt)+
        (pg?'<sup>第'+pg+'页</sup>':'')+'</td>';}).join('')+'</tr>';}).join('')+'</table>';
}
function checksText(r){
  if(r[16]==null){return '';}
  return r[17]===r[16]?r[16]+' 项校验全部通过':r[16]+' 项校验，'+r[17]+' 项通过，'+(r[16]-r[17])+' 项未通过';
}
function detail(i,keep){
  open=i;focus=-1;var r=R[i],box=$('detail');
  var h='<button class="close">关闭</button><h2>'+esc(r[1])+' <span class="muted">'+esc((r[7]||'')+'年 · '+region(r)+' · '+r[2]+' · '+r[8])+'</span></h2>'+
    '<div class="muted">文件：'+esc(r[11])+(r[0]?' · 编号 '+esc(r[0]):'')+'</div>'+
    (r[16]!=null?'<div class="checks'+(r[17]<r[16]?' some-failed':'')+'">'+esc(checksText(r))+'</div>':'');
  if(r[9]==='failed'){h+='<p class="failed">未能读取：'+esc(r[15])+'</p>';box.innerHTML=h;box.hidden=false;draw();return;}
  var list=byReport[i];
  h+='<h3>问题（'+list.length+' 条）</h3>'+(list.length?list.map(function(j){return findingHtml(j,i);}).join(''):'<p>未发现问题。</p>');
  var cm=cellMap(i),mk=marks(i,list),lay={};
  list.forEach(function(j){F[j][8].forEach(function(c){if(c[2]==='layout'&&c[1]>=0){lay[M.fields[c[1]][1]]=1;}});});
  h+='<h3>表格（按模板重建，数值照原样；<span class="legend"><span style="background:#ffc7ce">错误</span><span style="background:#ffe8a8">警告</span>'+
    '<span style="background:#cfe8fb">提示</span><span>推 推断值</span><span>Σ 合计值</span><span>→ 建议值</span></span>）</h3>';
  ['t2','t3','t4'].forEach(function(t){h+=gridHtml(i,t,cm,mk,lay[t]);});
  h+=yoy(i);
  box.innerHTML=h;box.hidden=false;draw();
  if(!keep){window.scrollTo(0,box.getBoundingClientRect().top+window.pageYOffset-$('bar').offsetHeight-6);}
}
function focusFinding(j){
  var box=$('detail');focus=focus===j?-1:j;
  box.querySelectorAll('.finding').forEach(function(el){el.classList.toggle('focus',+el.dataset.j===focus);});
  var want={};if(focus>=0){F[focus][8].forEach(function(c){if(c[0]===open&&c[2]!=='layout'){want[c[1]]=1;}});}
  box.querySelectorAll('td.v').forEach(function(td){td.classList.toggle('focus',!!want[td.dataset.f]);});
}
function decide(j,s,note,el){
  var f=F[j];
  if(s==='驳回'&&!note.trim()){alert('驳回请在备注中写明理由');el.querySelector('.note').focus();return;}
  if(!SERVED){                       // kept here until exported; the command line is the other way to record it
    if(s){L[f[7]]=[s,note,now()];}else{delete L[f[7]];}
    saveLocal();detail(open,true);offlineBar();draw();
    var cmd=$('detail').querySelector('.finding[data-j="'+j+'"] .cmd');cmd.hidden=false;
    cmd.textContent='ogi review '+outArg()+' '+f[7]+(s?' --set '+s+(note?' --note "'+note.replace(/"/g,'')+'"':''):' --clear');
    cmd.title='已保存在本浏览器，用“导出决定”导出后以 ogi review --import 记录；或在命令行运行此命令';return;}
  fetch('/api/review',{method:'POST',headers:{'Content-Type':'application/json'},
    body:JSON.stringify({fingerprint:f[7],state:s,note:note})}).then(function(res){
      if(!res.ok){throw new Error('HTTP '+res.status);}
      if(s){V.d[f[7]]=[s,note,now()];}else{delete V.d[f[7]];}
      detail(open,true);}).catch(function(e){alert('未能保存：'+e);});
}
function resolved(){
  var x=V.resolved||[];if(!x.length){$('resolved').hidden=true;return;}
  $('resolved').hidden=false;
  $('resolved').innerHTML='<b>已解决 '+x.length+' 条</b>（已记录决定的问题在本次审核中不再出现）<ul>'+x.map(function(r){
    return '<li>'+esc(r[0]+' '+r[1]+'年 '+r[2]+' 〔'+r[3]+'〕 '+r[5])+'</li>';}).join('')+'</ul>';
}
// ---- events
document.addEventListener('click',function(e){
  var t=e.target;
  if(t.closest('.close')){$('detail').hidden=true;open=-1;draw();return;}
  var th=t.closest('table.ov th');if(th){var k=th.dataset.k;if(k===sortKey){sortDir=-sortDir;}else{sortKey=k;sortDir=(k==='agency'||k==='region'||k==='level'||k==='format')?1:-1;}draw();return;}
  var tr=t.closest('tr.rep');if(tr){detail(+tr.dataset.i);return;}
  var b=t.closest('.review button');if(b){var fd=b.closest('.finding');decide(+fd.dataset.j,b.dataset.s,fd.querySelector('.note').value,fd);return;}
  if(t.closest('.review')){return;}
  var fd2=t.closest('.finding');if(fd2){focusFinding(+fd2.dataset.j);}
});
$('prev').onclick=function(){if(page>0){page--;draw();}};
$('next').onclick=function(){page++;draw();};
$('f-province').onchange=function(){$('f-city').value='';$('f-county').value='';cities();page=0;draw();};
$('f-city').onchange=function(){$('f-county').value='';cities();page=0;draw();};
['f-county','f-rule','f-severity','f-cause','f-review','f-level'].forEach(function(id){$(id).onchange=function(){page=0;draw();};});
var timer;$('f-search').oninput=function(){clearTimeout(timer);timer=setTimeout(function(){page=0;draw();},150);};
$('export').onclick=exportCsv;
fill();loadLocal();resolved();offlineBar();draw();
if(SERVED){fetch('/api/reviews').then(function(r){return r.json();}).then(function(v){V=v;resolved();draw();});}
$('mode').textContent=SERVED?'决定将直接保存到 reviews.csv':
  '以文件方式打开：决定先保存在本浏览器，用“导出决定”导出后运行 ogi review OUT --import 文件 记录（或用 ogi review OUT --serve 打开本页直接记录）';
document.body.dataset.ready='1';window.ogiReadyMs=performance.now();
})();
"""


def _json(value) -> str:
    """JSON safe inside a <script> block."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def _head(n_reports: int, n_findings: int, n_failed: int) -> str:
    heads = [("agency", "机构"), ("level", "层级"), ("region", "地区"), ("year", "年度"), ("format", "格式"),
             ("coverage", "读取情况"), ("error", "错误"), ("warning", "警告"), ("info", "提示"),
             ("checks", "校验通过"), ("review", "审核")]
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>政府信息公开工作年度报告审核结果</title><style>{CSS}</style></head>
<body>
<header><h1>政府信息公开工作年度报告审核结果</h1>
<p>共 {n_reports + n_failed} 个文件：读取 {n_reports} 份报告，未能读取 {n_failed} 个；发现 {n_findings} 条问题。
<span id="mode" class="muted"></span></p><div id="resolved" class="resolved" hidden></div></header>
<div id="bar">
<input type="search" id="f-search" placeholder="按机构名称或文件名搜索">
<select id="f-province"></select><select id="f-city"></select><select id="f-county"></select>
<select id="f-level"></select><select id="f-rule"></select><select id="f-severity"></select>
<select id="f-cause"></select><select id="f-review"></select>
<span id="stats"></span>
<span id="offline" hidden><button id="export" disabled>导出决定</button> <span id="pending" class="muted"></span></span>
</div>
<div id="main">
<div id="detail" hidden></div>
<table class="ov"><thead><tr>{"".join(f'<th data-k="{k}">{t}</th>' for k, t in heads)}</tr></thead>
<tbody id="ov-body"></tbody></table>
<div class="pager"><button id="prev">上一页</button><button id="next">下一页</button><span id="pageinfo"></span></div>
</div>
"""


def page_meta() -> dict:
    from ogi.normalize.schema import table_titles

    return {"fields": pd_.field_list(), "layouts": pd_.layouts(), "rules": pd_.rule_wording(),
            "titles": table_titles(), "indicators": pd_.indicator_list(), "keys": pd_.key_numbers(), "levels": list(pd_.LEVEL_ORDER),
            "severity": SEVERITY_ZH, "cause": CAUSE_ZH, "reviewColumns": REVIEW_COLUMNS}


def pieces(findings: pd.DataFrame, meta: dict[str, dict], cells_of: Callable[[str], list],
           errors: pd.DataFrame | None = None, reviews_json: str = '{"d":{},"resolved":[]}') -> Iterable[str]:
    """The page as consecutive strings (streamed to the file): markup, data blocks, script.

    meta: report_id → report metadata, every report audited (report_meta);
    cells_of(report_id) → page_data.cells_payload of its values.
    """
    keys: dict[str, int] = {}
    # one order however the audit was chunked: agency, year, report
    others = meta                      # every report a finding may name, last year's included
    meta = {rid: m for rid, m in meta.items() if not m.get("previous")}
    ids = sorted(meta, key=lambda rid: (pd_._s(meta[rid].get("agency")), pd_.year_of(meta[rid].get("year")) or 0,
                                        rid))
    index = {rid: i for i, rid in enumerate(ids)}
    rows = [pd_.report_row(meta[rid], keys) for rid in ids]
    failed = [] if errors is None or not len(errors) else errors.to_dict("records")
    rows += [pd_.error_row(e) for e in failed]
    found = [pd_.finding_row(f, index, others) for f in findings.to_dict("records") if str(f["report_id"]) in index]
    yield _head(len(ids), len(found), len(failed))
    yield f'<script id="meta" type="application/json">{_json(page_meta())}</script>\n'
    yield f'<script id="reports" type="application/json">{_json(rows)}</script>\n'
    yield f'<script id="findings" type="application/json">{_json(found)}</script>\n'
    # one block per report: opening a report parses its own cells only
    for i, rid in enumerate(ids):
        yield f'<script id="c{i}" type="application/json">{_json(cells_of(rid))}</script>\n'
    yield f"{REVIEW_MARK[0]}{reviews_json}{REVIEW_MARK[1]}\n"
    yield f"<script>{JS}</script>\n</body></html>\n"


def write_page(path, findings: pd.DataFrame, meta: dict[str, dict], cells_of: Callable[[str], list],
               errors: pd.DataFrame | None = None, reviews_json: str = '{"d":{},"resolved":[]}') -> None:
    """audit.html piece by piece: one report's cells in memory at a time."""
    with open(path, "w", encoding="utf-8") as f:
        for piece in pieces(findings, meta, cells_of, errors, reviews_json):
            f.write(piece)
