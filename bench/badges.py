"""Badge rendering benchmark (not a test): the app's badges beside the ceiling, bare WeasyPrint.

    .venv/bin/python bench/badges.py               # 200 badges a round, 3 rounds, then a 1,000-badge batch
    .venv/bin/python bench/badges.py -n 100 --rounds 2 --batch 500

The ceiling is what WeasyPrint alone costs for a badge's worth of text: a
simple A6 page per delegate, in normal flow, with the same text (the names in
their scripts, the organisation, the country, a category band, an empty square
where the QR goes), the same fonts, one FontConfiguration and the same chunk
size. It is not the app's HTML, so the ratio shows what the badge's design
(the QR, the patterns, the fixed boxes, the text fitting, the template) costs
on top of WeasyPrint itself.

Every measurement runs in a fresh process, on a throw-away SQLite database
whose delegates' names cover the scripts badges must print:

  ceiling    the simple page, chunk by chunk (HTML built beforehand, not timed)
  app        the app's own chunks, one process (render_chunk: badge_document, WeasyPrint, compose), timed whole
  profile    app under cProfile: self time by bucket
  batch      a badge job of --batch badges on both cores (BADGE_RENDER_PROCESSES=2), from the
             console's create_job until the job is done; RSS is the job process and its peak helper
  one        one badge on demand (render_badges for a single delegate), median of 20

ceiling and app alternate (--rounds times) so that both see the same load; the
ratio is taken per round and its median printed.
"""
from __future__ import annotations

import argparse
import cProfile
import html as html_lib
import io
import json
import os
import pstats
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAMES = [
    ("Wei", "Zhang", "张伟", "CN"), ("Ivan", "Petrov", "Иван Петров", "RU"), ("Layla", "Haddad", "ليلى حداد", "JO"),
    ("Somchai", "Srisuk", "สมชาย ศรีสุข", "TH"), ("Bounmy", "Phommachanh", "ບຸນມີ ພົມມະຈັນ", "LA"),
    ("Sokha", "Chan", "សុខា ចាន់", "KH"), ("Nimal", "Perera", "නිමල් පෙරේරා", "LK"),
    ("Kumar", "Raman", "குமார் ராமன்", "IN"), ("Priya", "Sharma", "प्रिया शर्मा", "NP"),
    ("Abebe", "Bekele", "አበበ በቀለ", "ET"), ("Bat-Erdene", "Dorj", "Бат-Эрдэнэ Доржийн", "MN"),
    ("Ánh", "Nguyễn", "Nguyễn Thị Ngọc Ánh", "VN"), ("Maria", "Fernández García", "", "ES"),
]
CATEGORIES = ("government", "international_organisation", "enterprise", "academia", "media", "other")

#: cProfile self time, bucketed by the file a function lives in (first match wins)
BUCKETS = [
    ("text fitting (Pango measuring)", ("summit/services/badges/text.py",)),
    ("frames and QR codes put in (compose.py, pikepdf, segno)", ("summit/services/badges/compose.py", "pikepdf",
                                                                  "segno")),
    ("badge_html (views, template)", ("summit/", "jinja2", "markupsafe", "babel", "itsdangerous",
                                      "sqlalchemy", "flask")),
    ("font subsetting", ("fontTools",)),
    ("PDF writing", ("weasyprint/pdf", "pydyf", "zlib", "pikepdf")),
    ("SVG", ("weasyprint/svg",)),
    ("images", ("weasyprint/images", "PIL")),
    ("drawing", ("weasyprint/draw", "weasyprint/stacking")),
    ("layout", ("weasyprint/layout", "weasyprint/formatting_structure", "weasyprint/text")),
    ("HTML and CSS parsing, styles", ("weasyprint/css", "weasyprint/html", "tinycss2", "cssselect2", "html5lib",
                                      "weasyprint/__init__", "webencodings", "xml")),
]


def make_app(db_path: Path, processes: int = 1):
    from summit import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "bench",
                       "BADGE_RENDER_PROCESSES": processes, "REDIS_URL": None})


def setup(db_path: Path, n: int) -> None:
    from flask_migrate import upgrade

    from summit.plumbing.extensions import db
    from summit.models import Delegate, utcnow
    from summit.services.summits.seeding import seed_summit
    from summit.services.summits.current import current_summit

    app = make_app(db_path)
    with app.app_context():
        upgrade()
        seed_summit()
        summit = current_summit()
        for i in range(n):
            given, family, native, country = NAMES[i % len(NAMES)]
            db.session.add(Delegate(
                summit_id=summit.id, given_name=given, family_name=f"{family} {i}", native_name=native,
                email=f"d{i}@bench.example", organisation=f"Ministry of Transport and Logistics, office {i}",
                country=country, category=CATEGORIES[i % len(CATEGORIES)], language="en", consent_at=utcnow(),
                manage_token_hash=secrets.token_hex(32)))
        db.session.commit()


def peak_rss_mb(children: bool = False) -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    return usage.ru_maxrss / 1024


CEILING_CSS = """
@page { size: 105mm 148mm; margin: 7mm; }
html { font-family: %(families)s; font-size: 10pt; line-height: 1.25; color: #14231f; }
body { margin: 0; }
p { margin: 0 0 2mm; }
.page { page-break-after: always; }
.page:last-child { page-break-after: auto; }
.summit { font-weight: 700; color: #0b5d4b; border-bottom: .25mm solid #0b5d4b; padding-bottom: 2mm; }
.name { font-size: 24pt; font-weight: 700; }
.native { font-size: 20pt; }
.org { font-size: 14pt; font-weight: 700; }
.square { width: 28mm; height: 28mm; border: .3mm solid #000; }
.band { height: 10mm; line-height: 10mm; text-align: center; font-weight: 700; background: #0b5d4b;
        color: #fff; }
"""


def ceiling_html(rows: list[tuple[str, str, str, str, str, str]], summit_name: str) -> str:
    """The simple page: one per delegate, the same words as their badge, in normal flow."""
    e = html_lib.escape
    pages = "".join(
        f'<div class="page"><p class="summit">{e(summit_name)}</p><p class="name">{e(name)}</p>'
        f'<p class="native">{e(native)}</p><p class="org">{e(org)}</p>'
        f'<div class="square"></div><p>{e(country_en)} <span lang="zh-Hans">{e(country_zh)}</span></p>'
        f'<div class="band">{e(category)}</div></div>'
        for name, native, org, country_en, country_zh, category in rows)
    return f'<!doctype html><html lang="en"><meta charset="utf-8"><body>{pages}</body></html>'


def app_chunks(summit, people, layout):
    from summit.services.badges import documents as badges
    size = badges.chunk_size(layout)
    return [people[i:i + size] for i in range(0, len(people), size)]


def render_app(summit, chunks, layout, out: Path) -> float:
    """Seconds for the app's own chunks, badge_html included (what a one-process batch does per chunk)."""
    from summit.services.badges import documents as badges

    start, cpu = time.perf_counter(), time.process_time()
    for k, chunk in enumerate(chunks):
        badges.render_chunk(chunk, summit, layout, str(out / f"{k}.pdf"))
    return time.perf_counter() - start, time.process_time() - cpu


def bucketed(profile: cProfile.Profile) -> dict[str, float]:
    stats = pstats.Stats(profile, stream=io.StringIO())
    total = 0.0
    split = {name: 0.0 for name, _ in BUCKETS}
    split["other"] = 0.0
    def bucket(path: str, func: str) -> str:
        where = f"{path}:{func}"
        for name, needles in BUCKETS:
            if any(needle in where for needle in needles):
                return name
        return "other"

    for (path, _line, func), (_cc, _nc, tottime, _ct, callers) in stats.stats.items():
        total += tottime
        if path != "~" or not callers:
            split[bucket(path, func)] += tottime
            continue
        # a built-in (a C call: Pango through cffi, zlib, re…) counts where it was called from
        spent = sum(c[2] for c in callers.values()) or 1.0
        for (caller_path, _l, caller_func), c in callers.items():
            split[bucket(caller_path, caller_func)] += tottime * c[2] / spent
    return {name: seconds / total for name, seconds in split.items()}


def measure(mode: str, db_path: Path, n: int) -> dict:
    from summit.plumbing.extensions import db
    from summit.models import BadgeJob, Delegate
    from summit.services.badges import jobs as badge_jobs, documents as badges
    from summit.services.badges.selection import Selection, select_delegates
    from summit.services.summits.current import current_summit

    app = make_app(db_path, processes=2 if mode == "batch" else 1)
    with app.app_context():
        summit = current_summit()
        layout = badges.LAYOUTS["a6"]
        # warm up: fontconfig and the fonts, as a long-running worker would be
        warm = db.session.scalars(db.select(Delegate).limit(len(NAMES))).all()
        badges.render_badges(warm, layout, summit)
        out = Path(tempfile.mkdtemp(prefix="summit-bench-out-"))
        if mode == "one":
            one = warm[:1]
            times, cpus = [], []
            for _ in range(20):
                start, cpu = time.perf_counter(), time.process_time()
                badges.render_badges(one, layout, summit)
                times.append(time.perf_counter() - start)
                cpus.append(time.process_time() - cpu)
            return {"ms_one": statistics.median(times) * 1000, "cpu_ms_one": statistics.median(cpus) * 1000,
                    "rss_mb": peak_rss_mb()}
        if mode == "ceiling":
            from weasyprint import CSS, HTML
            from summit.services.badges.text import FONT_FAMILIES

            r = badges.renderer()
            css = CSS(string=CEILING_CSS % {"families": badges._css_families(FONT_FAMILIES)},
                      font_config=r.font_config)
            people = select_delegates(summit, Selection("all"))[:n]
            rows = []
            for d in people:
                en, zh = badges.country_names(d.country)
                rows.append((f"{d.given_name} {d.family_name.upper()}", d.native_name or "", d.organisation, en, zh,
                             " ".join(badges.category_labels(d.category))))
            size = badges.chunk_size(layout)
            htmls = [ceiling_html(rows[i:i + size], summit.name_en) for i in range(0, len(rows), size)]
            start, cpu = time.perf_counter(), time.process_time()
            for k, text in enumerate(htmls):
                HTML(string=text).write_pdf(out / f"{k}.pdf", stylesheets=[css], font_config=r.font_config)
            total, cpu = time.perf_counter() - start, time.process_time() - cpu
            return {"seconds": total, "ms_per_badge": total / n * 1000, "cpu_ms_per_badge": cpu / n * 1000,
                    "rss_mb": peak_rss_mb(),
                    "pdf_kb_per_badge": sum(p.stat().st_size for p in out.iterdir()) / n / 1024}
        if mode in ("app", "profile"):
            people = badges.load_for_badges([d.id for d in select_delegates(summit, Selection("all"))[:n]])
            chunks = app_chunks(summit, people, layout)
            if mode == "profile":
                profile = cProfile.Profile()
                profile.enable()
                total, _cpu = render_app(summit, chunks, layout, out)
                profile.disable()
                return {"seconds": total, "split": bucketed(profile)}
            total, cpu = render_app(summit, chunks, layout, out)
            return {"seconds": total, "ms_per_badge": total / n * 1000, "cpu_ms_per_badge": cpu / n * 1000,
                    "rss_mb": peak_rss_mb(),
                    "pdf_kb_per_badge": sum(p.stat().st_size for p in out.iterdir()) / n / 1024}
        # batch: the console's path, both cores
        start = time.perf_counter()
        job = badge_jobs.create_job(summit, Selection("all"), "a6", None)
        # create_job started a worker thread; wait for it like the console's progress bar does
        while True:
            db.session.rollback()
            job = db.session.get(BadgeJob, job.id)
            if job.status in ("done", "failed"):
                break
            time.sleep(0.05)
        total = time.perf_counter() - start
        assert job.status == "done", job.error
        return {"seconds": total, "ms_per_badge": total / job.total * 1000, "badges": job.total,
                "rss_mb": peak_rss_mb(), "helper_rss_mb": peak_rss_mb(children=True)}


def run(mode: str, db_path: Path, n: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--mode", mode, "--db", str(db_path), "-n", str(n)],
                         capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if out.returncode:
        sys.exit(f"{mode} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="badges a round of ceiling and app (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="ceiling/app rounds, alternating (default 3)")
    parser.add_argument("--batch", type=int, default=1000, help="badges in the two-core batch (default 1,000; 0: none)")
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(measure(args.mode, Path(args.db), args.n)))
        return

    with tempfile.TemporaryDirectory(prefix="summit-bench-") as tmp:
        db_path = Path(tmp) / "bench.sqlite3"
        setup(db_path, max(args.n, args.batch))
        rounds = []
        for _ in range(args.rounds):
            ceiling = run("ceiling", db_path, args.n)
            app = run("app", db_path, args.n)
            rounds.append((ceiling, app))
            print(f"  round: ceiling {ceiling['ms_per_badge']:.1f} ms ({ceiling['cpu_ms_per_badge']:.1f} CPU), "
                  f"app {app['ms_per_badge']:.1f} ms ({app['cpu_ms_per_badge']:.1f} CPU): "
                  f"{app['ms_per_badge'] / ceiling['ms_per_badge']:.2f}x wall, "
                  f"{app['cpu_ms_per_badge'] / ceiling['cpu_ms_per_badge']:.2f}x CPU", flush=True)
        profile = run("profile", db_path, args.n)
        one = run("one", db_path, args.n)
        batch = run("batch", db_path, args.batch) if args.batch else None
    ceiling_ms = statistics.median(c["ms_per_badge"] for c, _ in rounds)
    app_ms = statistics.median(a["ms_per_badge"] for _, a in rounds)
    ratio = statistics.median(a["ms_per_badge"] / c["ms_per_badge"] for c, a in rounds)
    cpu_ratio = statistics.median(a["cpu_ms_per_badge"] / c["cpu_ms_per_badge"] for c, a in rounds)
    print(f"{args.n} badges a round, {args.rounds} rounds, A6, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    cpu = {k: statistics.median(r[i]["cpu_ms_per_badge"] for r in rounds) for i, k in enumerate(("c", "a"))}
    print(f"  ceiling: bare WeasyPrint, simple page  {ceiling_ms:6.1f} ms/badge ({cpu['c']:.1f} CPU)  peak RSS "
          f"{max(c['rss_mb'] for c, _ in rounds):.0f} MB  PDF {rounds[0][0]['pdf_kb_per_badge']:.0f} KB/badge")
    print(f"  app's badges, one process             {app_ms:6.1f} ms/badge ({cpu['a']:.1f} CPU)  peak RSS "
          f"{max(a['rss_mb'] for _, a in rounds):.0f} MB  PDF {rounds[0][1]['pdf_kb_per_badge']:.0f} KB/badge")
    print(f"  ratio (median of the rounds)          {ratio:6.2f}x the ceiling in wall time, {cpu_ratio:.2f}x in CPU "
          "time (goal <= 1.5x)")
    print(f"  one badge on demand                   {one['ms_one']:6.1f} ms ({one['cpu_ms_one']:.1f} CPU; "
          "goal <= 150 ms)")
    if batch:
        print(f"  batch of {batch['badges']} on 2 processes         {batch['seconds']:6.1f} s "
              f"({batch['ms_per_badge']:.1f} ms/badge; goal <= 10 s)  peak RSS {batch['rss_mb']:.0f} MB job "
              f"+ {batch['helper_rss_mb']:.0f} MB largest helper (goal <= 400 MB)")
    print("  where the app's CPU goes (cProfile self time, one process):")
    for name, share in sorted(profile["split"].items(), key=lambda kv: -kv[1]):
        print(f"    {share * 100:5.1f} %  {name}")


if __name__ == "__main__":
    main()
