"""A supervisor's decisions on the audit's findings, kept in OUT/reviews.csv across reruns.

    ogi review OUT                                   decisions so far, and those whose finding is gone
    ogi review OUT FINGERPRINT… --set 驳回 --note …  record a decision
    ogi review OUT --serve                           audit.html on 127.0.0.1, decisions made in the page
    ogi review OUT --import reviews-….csv            decisions made in the page opened as a file

Two ways from the page to reviews.csv, because supervisors work in two
settings. Where ogi runs, `--serve` lets the page write each decision at
once. Where it does not (the page e-mailed to a colleague, a desktop without
the right to run a server, a train), the page is a file: its decisions are
kept in that browser (localStorage, per OUT folder) and 导出决定 downloads
them as a CSV in reviews.csv's own format, which `--import` merges into
OUT/reviews.csv: the later decision per fingerprint wins, a row without a
known fingerprint is reported and left out, a file with an invalid row
(an unknown decision, a dismissal without its reason, no time) is refused
whole. After the next build (or the import's own refresh) the page holds
those decisions and forgets its local copies.

A finding is known by its fingerprint: the report's content hash
(report_id is the file's sha256 prefix), the rule instance (`check`, e.g.
R5[review]) and the cells it names. A rerun of the same files gives the same
fingerprints, so a decision stays with its finding; when the report is
corrected and re-read, its hash changes, the finding disappears and its
decision is reported as resolved (已解决).

reviews.csv is plain UTF-8 (BOM, for Excel), one row per fingerprint, with
what the finding was about, so a resolved decision can still be read. Every
change rewrites it atomically and then carries the decisions into
findings.parquet/.csv (columns fingerprint, review, review_note) and into
audit.html's embedded decisions.
"""
from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

STATES = ("确认", "驳回", "已发送", "已整改")
ALIASES = {"confirm": "确认", "confirmed": "确认", "dismiss": "驳回", "dismissed": "驳回", "sent": "已发送",
           "corrected": "已整改", "fixed": "已整改"}
PENDING = "待审"
NEEDS_NOTE = "驳回"            # a dismissal says why
RESOLVED = "已解决"
REVIEW_COLUMNS = ["fingerprint", "state", "note", "time", "report_id", "agency", "year", "rule", "message"]
FILE = "reviews.csv"
# The page's decisions, between these markers in audit.html (rewritten in place when decisions change).
PAGE_MARK = ('<script id="reviews" type="application/json">', "</script>")


def fingerprint(report_id: str, check: str, cells_json: str) -> str:
    """16 hex digits of sha1(report content hash, rule instance, the cells named)."""
    cells = sorted(f"{c.get('report_id')}:{c.get('field')}" for c in json.loads(cells_json or "[]"))
    text = "\x1f".join([str(report_id), str(check), *cells])
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def fingerprints(findings: pd.DataFrame) -> list[str]:
    """One per finding; a repeat within the findings (same rule instance and cells) gets #2, #3 …."""
    out, seen = [], {}
    for rid, check, cells in zip(findings["report_id"], findings["check"], findings["cells"]):
        fp = fingerprint(rid, check, cells)
        seen[fp] = seen.get(fp, 0) + 1
        out.append(fp if seen[fp] == 1 else f"{fp}#{seen[fp]}")
    return out


def state_of(word: str) -> str:
    """确认 / 驳回 / 已发送 / 已整改 from the Chinese word or its English alias."""
    state = ALIASES.get(word.strip().lower(), word.strip())
    if state not in STATES:
        raise ValueError(f"unknown decision {word!r}: one of {', '.join(STATES)} "
                         f"(or {', '.join(sorted(ALIASES))})")
    return state


def read(out) -> dict[str, dict]:
    """fingerprint → its reviews.csv row (empty when there is no file)."""
    path = Path(out) / FILE
    if not path.exists():
        return {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {r["fingerprint"]: {c: r.get(c) or "" for c in REVIEW_COLUMNS} for r in csv.DictReader(f)}


def _write(out, rows: dict[str, dict]) -> None:
    from ogi.files import atomic_write

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.DictWriter(f, fieldnames=REVIEW_COLUMNS)
            w.writeheader()
            for fp in sorted(rows, key=lambda k: (rows[k]["time"], k)):
                w.writerow({c: rows[fp].get(c, "") for c in REVIEW_COLUMNS})

    atomic_write(Path(out) / FILE, write)


def annotate(findings: pd.DataFrame, reviews: dict[str, dict]) -> pd.DataFrame:
    """findings with fingerprint, review (待审 when undecided) and review_note columns."""
    findings = findings.drop(columns=[c for c in ("fingerprint", "review", "review_note") if c in findings])
    fps = fingerprints(findings) if len(findings) else []
    return findings.assign(
        fingerprint=pd.Series(fps, index=findings.index, dtype="object"),
        review=pd.Series([reviews.get(fp, {}).get("state") or PENDING for fp in fps], index=findings.index,
                         dtype="object"),
        review_note=pd.Series([reviews.get(fp, {}).get("note", "") for fp in fps], index=findings.index,
                              dtype="object"))


def resolved(reviews: dict[str, dict], present) -> list[dict]:
    """Decisions whose finding no longer exists: the report was corrected (or is no longer in the batch)."""
    present = set(present)
    return [r for fp, r in reviews.items() if fp not in present]


def page_payload(reviews: dict[str, dict], present) -> str:
    """The JSON the page reads: {fingerprint: [state, note, time]}, and the resolved ones."""
    present = set(present)
    data = {"d": {fp: [r["state"], r["note"], r["time"]] for fp, r in reviews.items() if fp in present},
            "resolved": [[r["agency"], r["year"], r["rule"], r["state"], r["note"], _strip_code(r["message"])]
                         for r in resolved(reviews, present)]}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def _strip_code(message: str) -> str:
    return re.sub(r"^R\d+\s+", "", message or "")


def record(out, fps: list[str], state: str | None, note: str = "", findings: pd.DataFrame | None = None) -> int:
    """Set (or with state None, clear) the decision of these fingerprints; refresh findings and page.

    Returns how many fingerprints were found among the current findings.
    """
    out = Path(out)
    if findings is None:
        findings = load_findings(out)
    known = {}
    if findings is not None and len(findings):
        for r in findings.to_dict("records"):
            known[r["fingerprint"]] = r
    if state is not None and state_of(state) == NEEDS_NOTE and not note.strip():
        raise ValueError(f"{NEEDS_NOTE} needs --note: the reason the finding is not a problem")
    rows = read(out)
    now = _dt.datetime.now().isoformat(timespec="seconds")
    hits = 0
    for fp in fps:
        f = known.get(fp)
        hits += f is not None
        if state is None:
            rows.pop(fp, None)
            continue
        if f is None and fp not in rows:
            raise KeyError(f"no finding with fingerprint {fp} in {out}/findings.parquet")
        base = rows.get(fp) or {}
        about = _about(f) if f is not None else {}
        rows[fp] = {**base, **about, "fingerprint": fp, "state": state_of(state), "note": note, "time": now}
    _write(out, rows)
    refresh(out)
    return hits


@dataclass
class Imported:
    """What `import_decisions` did, fingerprint by fingerprint."""
    applied: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)        # reviews.csv holds a later decision
    unknown: list[str] = field(default_factory=list)     # neither a finding of OUT nor in reviews.csv


# How a spreadsheet writes the time back when the exported file is opened and saved in it.
SHEET_TIMES = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")


def _time(text: str) -> str:
    """A decision's time as reviews.csv writes it (ISO, local, to the second); ValueError when it is none."""
    text = text.strip()
    try:
        t = _dt.datetime.fromisoformat(text)
    except ValueError:
        for form in SHEET_TIMES:
            try:
                t = _dt.datetime.strptime(text, form)
                break
            except ValueError:
                continue
        else:
            raise
    if t.tzinfo is not None:
        t = t.astimezone().replace(tzinfo=None)
    return t.isoformat(timespec="seconds")


def _csv_rows(path) -> list[tuple[int, dict]]:
    """(line number, row) of a reviews.csv-format file (a note may hold line breaks)."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:               # saved again by a spreadsheet in the system code page
        text = raw.decode("gb18030")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in ("fingerprint", "state", "note", "time") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{path}: not a reviews.csv (no column {', '.join(missing)})")
    return [(reader.line_num, r) for r in reader]


def read_decisions(path) -> dict[str, dict]:
    """fingerprint → its decision in a reviews.csv-format file, the latest per fingerprint.

    Raises ValueError listing every invalid row (nothing is taken from such a file).
    """
    problems, out = [], {}
    for line, r in _csv_rows(path):
        fp = (r.get("fingerprint") or "").strip()
        note = r.get("note") or ""
        try:
            if not fp:
                raise ValueError("no fingerprint")
            state = state_of(r.get("state") or "")
            if state == NEEDS_NOTE and not note.strip():
                raise ValueError(f"{NEEDS_NOTE} without a note (the reason the finding is not a problem)")
            try:
                time = _time(r.get("time") or "")
            except ValueError:
                raise ValueError(f"time {r.get('time')!r} is not an ISO time") from None
        except ValueError as exc:
            problems.append(f"{path}, line {line}{' (' + fp + ')' if fp else ''}: {exc}")
            continue
        if fp not in out or out[fp]["time"] <= time:
            out[fp] = {c: r.get(c) or "" for c in REVIEW_COLUMNS} | {"fingerprint": fp, "state": state,
                                                                     "note": note, "time": time}
    if problems:
        raise ValueError("\n".join(problems))
    return out


def import_decisions(out, path) -> Imported:
    """Merge a reviews.csv-format file (the page's 导出决定) into OUT/reviews.csv; refresh findings and page.

    Per fingerprint the later decision wins (a tie goes to the file); a fingerprint that is neither a
    finding of OUT nor already in reviews.csv is reported, not recorded.
    """
    out = Path(out)
    incoming = read_decisions(path)
    findings = load_findings(out)
    known = {} if findings is None else {r["fingerprint"]: r for r in findings.to_dict("records")}
    rows, done = read(out), Imported()
    for fp, new in incoming.items():
        f, old = known.get(fp), rows.get(fp)
        if f is None and old is None:
            done.unknown.append(fp)
        elif old is not None and old.get("time", "") > new["time"]:
            done.kept.append(fp)
        else:
            about = _about(f) if f is not None else {c: old[c] for c in ("report_id", "agency", "year", "rule",
                                                                         "message")}
            rows[fp] = {**new, **about}
            done.applied.append(fp)
    if done.applied:
        _write(out, rows)
        refresh(out)
    return done


def import_lines(done: Imported) -> list[str]:
    """What `ogi review OUT --import FILE` prints about the file."""
    lines = [f"导入 {len(done.applied)} 条决定"]
    if done.kept:
        lines.append(f"{len(done.kept)} 条未改（reviews.csv 中已有更晚的决定）：{' '.join(done.kept)}")
    if done.unknown:
        lines.append(f"{len(done.unknown)} 条不在本批问题中，未导入（报告已更正，或来自另一批）："
                     f"{' '.join(done.unknown)}")
    return lines


def _about(f: dict) -> dict:
    """What a decision was about, from its finding: kept in reviews.csv for when the finding is gone."""
    return {"report_id": f["report_id"], "agency": f["agency"], "year": _year(f["year"]), "rule": f["rule"],
            "message": f["message"]}


def _year(v) -> str:
    return "" if v is None or pd.isna(v) else str(int(v))


def load_findings(out) -> pd.DataFrame | None:
    path = Path(out) / "findings.parquet"
    if not path.exists():
        return None
    findings = pd.read_parquet(path)
    if "fingerprint" not in findings:
        findings = annotate(findings, {})
    return findings


def refresh(out) -> None:
    """Carry reviews.csv into findings.parquet/.csv and audit.html (nothing to do without findings)."""
    from ogi.files import atomic_write
    from ogi.sheetsafe import csv_safe

    out = Path(out)
    findings = load_findings(out)
    if findings is None:
        return
    reviews = read(out)
    findings = annotate(findings, reviews)
    atomic_write(out / "findings.parquet", lambda p: findings.to_parquet(p, index=False))
    atomic_write(out / "findings.csv", lambda p: csv_safe(findings).to_csv(p, index=False, encoding="utf-8-sig"))
    page = out / "audit.html"
    if page.exists():
        patch_page(page, page_payload(reviews, findings["fingerprint"]))


def patch_page(page: Path, payload: str) -> None:
    """Replace the decisions embedded in audit.html (the block sits near the end of the file)."""
    from ogi.files import atomic_write

    html = page.read_text(encoding="utf-8")
    start = html.rfind(PAGE_MARK[0])
    if start < 0:
        return
    body = start + len(PAGE_MARK[0])
    end = html.index(PAGE_MARK[1], body)
    atomic_write(page, lambda p: p.write_text(html[:body] + payload + html[end:], encoding="utf-8"))


def summary_lines(out) -> list[str]:
    """What `ogi review OUT` prints: counts by decision, then every resolved decision."""
    findings = load_findings(out)
    reviews = read(out)
    present = [] if findings is None else list(findings["fingerprint"])
    counts = {s: 0 for s in (PENDING, *STATES)}
    for fp in present:
        counts[reviews.get(fp, {}).get("state") or PENDING] += 1
    lines = [f"{len(present)} 条问题：" + "，".join(f"{s} {n}" for s, n in counts.items())]
    gone = resolved(reviews, present)
    if gone:
        lines.append(f"{RESOLVED} {len(gone)} 条（问题已不再出现）：")
        lines += [f"  {r['fingerprint']}  {r['agency']} {r['year']}年 {r['rule']} 〔{r['state']}〕 "
                  f"{_strip_code(r['message'])[:60]}" for r in gone]
    return lines


# ---------------------------------------------------------------- the page's local server

def serve(out, port: int = 0, ready=None) -> None:
    """audit.html on http://127.0.0.1:PORT/ until interrupted; `ready(url)` once listening."""
    server = make_server(out, port)
    if ready is not None:
        ready(f"http://127.0.0.1:{server.server_port}/")
    try:
        server.serve_forever()
    finally:
        server.server_close()


def make_server(out, port: int = 0):
    """The page's server: GET / (audit.html), GET /api/reviews, POST /api/review → reviews.csv.

    Bound to 127.0.0.1 only; a request whose Host or Origin is not this
    server's own is refused, so another web page open in the browser cannot
    record decisions (cross-site POSTs, DNS rebinding).
    """
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Lock

    out = Path(out)
    lock = Lock()

    class Handler(BaseHTTPRequestHandler):
        def _own(self) -> bool:
            hosts = {f"127.0.0.1:{self.server.server_port}", f"localhost:{self.server.server_port}"}
            origin = self.headers.get("Origin")
            return self.headers.get("Host") in hosts and (origin is None or origin.split("//")[-1] in hosts)

        def _send(self, code: int, body: bytes, kind: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802 (http.server's naming)
            if not self._own():
                return self._send(403, b"forbidden", "text/plain")
            if self.path in ("/", "/audit.html"):
                return self._send(200, (out / "audit.html").read_bytes(), "text/html; charset=utf-8")
            if self.path == "/api/reviews":
                findings = load_findings(out)
                present = [] if findings is None else findings["fingerprint"]
                return self._send(200, page_payload(read(out), present).encode("utf-8"),
                                  "application/json; charset=utf-8")
            self._send(404, b"not found", "text/plain")

        def do_POST(self):  # noqa: N802
            if not self._own() or self.path != "/api/review" or \
                    not self.headers.get("Content-Type", "").startswith("application/json"):
                return self._send(403, b"forbidden", "text/plain")
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                with lock:
                    record(out, [str(body["fingerprint"])], body.get("state") or None, str(body.get("note") or ""))
            except (KeyError, ValueError, TypeError) as exc:
                return self._send(400, str(exc).encode("utf-8"), "text/plain; charset=utf-8")
            self._send(200, b'{"ok":true}', "application/json")

        def log_message(self, *args):
            pass

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)
