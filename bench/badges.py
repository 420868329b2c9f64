"""Badge rendering benchmark (not a test): N badges through the app's renderer, beside bare WeasyPrint.

    .venv/bin/python bench/badges.py            # 1,000 badges
    .venv/bin/python bench/badges.py -n 200

Each measurement runs in a fresh process (so peak RSS is its own), on a
throw-away SQLite database with delegates whose names cover the scripts badges
must print:

  floor      bare WeasyPrint: the same badge HTML and stylesheets, one FontConfiguration,
             written chunk by chunk (no database, no QR codes, no templates, no joining)
  app-1      a badge job on one process (run_badge_job, BADGE_RENDER_PROCESSES=1)
  app-2      a badge job using both cores (BADGE_RENDER_PROCESSES=2); RSS is the job
             process plus its peak helper
  one        one badge on demand (render_badges for a single delegate), median of 20
"""
from __future__ import annotations

import argparse
import json
import os
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


def measure(mode: str, db_path: Path, n: int) -> dict:
    from summit.plumbing.extensions import db
    from summit.models import BadgeJob, Delegate
    from summit.services.badges import jobs as badge_jobs, documents as badges
    from summit.services.badges.renderer import ASSET_BASE
    from summit.services.badges.selection import Selection, select_delegates
    from summit.services.summits.current import current_summit

    app = make_app(db_path, processes=2 if mode == "app-2" else 1)
    with app.app_context():
        summit = current_summit()
        layout = badges.LAYOUTS["a6"]
        # warm up: fontconfig and the fonts, as a long-running worker would be
        warm = db.session.scalars(db.select(Delegate).limit(len(NAMES))).all()
        badges.render_badges(warm, layout, summit)
        if mode == "one":
            one = warm[:1]
            times = []
            for _ in range(20):
                start = time.perf_counter()
                badges.render_badges(one, layout, summit)
                times.append(time.perf_counter() - start)
            return {"ms_one": statistics.median(times) * 1000, "rss_mb": peak_rss_mb()}
        if mode == "floor":
            from weasyprint import HTML

            r = badges.renderer()
            sheets = badges._stylesheets(layout)
            people = select_delegates(summit, Selection("all"))
            size = badges.chunk_size(layout)
            htmls = [badges.badge_html(people[i:i + size], summit, layout) for i in range(0, len(people), size)]
            del people
            out = Path(tempfile.mkdtemp())
            start = time.perf_counter()
            for k, html in enumerate(htmls):
                HTML(string=html, base_url=ASSET_BASE,
                     url_fetcher=r.fetcher).write_pdf(out / f"{k}.pdf", stylesheets=sheets, font_config=r.font_config)
            total = time.perf_counter() - start
            return {"seconds": total, "ms_per_badge": total / n * 1000, "rss_mb": peak_rss_mb()}
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
        return {"seconds": total, "ms_per_badge": total / n * 1000, "rss_mb": peak_rss_mb(),
                "helper_rss_mb": peak_rss_mb(children=True),
                "pdf_mb": badge_jobs.result_file(job).stat().st_size / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="badges to render (default 1,000)")
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(measure(args.mode, Path(args.db), args.n)))
        return

    with tempfile.TemporaryDirectory(prefix="summit-bench-") as tmp:
        db_path = Path(tmp) / "bench.sqlite3"
        setup(db_path, args.n)
        results = {}
        for mode in ("floor", "app-1", "app-2", "one"):
            out = subprocess.run([sys.executable, __file__, "--mode", mode, "--db", str(db_path), "-n", str(args.n)],
                                 capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONWARNINGS": "ignore"})
            if out.returncode:
                sys.exit(f"{mode} failed:\n{out.stderr[-3000:]}")
            results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    floor, one_proc, two_proc = results["floor"], results["app-1"], results["app-2"]
    print(f"{args.n} badges, A6, {os.cpu_count()} CPUs")
    print(f"  bare WeasyPrint (floor)   {floor['ms_per_badge']:6.1f} ms/badge  {floor['seconds']:6.1f} s  "
          f"peak RSS {floor['rss_mb']:.0f} MB")
    print(f"  app, 1 process            {one_proc['ms_per_badge']:6.1f} ms/badge  {one_proc['seconds']:6.1f} s  "
          f"peak RSS {one_proc['rss_mb']:.0f} MB   ({one_proc['ms_per_badge'] / floor['ms_per_badge']:.2f}x floor)")
    print(f"  app, 2 processes          {two_proc['ms_per_badge']:6.1f} ms/badge  {two_proc['seconds']:6.1f} s  "
          f"peak RSS {two_proc['rss_mb']:.0f} MB + helper {two_proc['helper_rss_mb']:.0f} MB")
    print(f"  one badge on demand       {results['one']['ms_one']:6.1f} ms")
    print(f"  result PDF                {one_proc['pdf_mb']:.1f} MB")


if __name__ == "__main__":
    main()
