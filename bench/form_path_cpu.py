"""The delegate's form path in-process: CPU a delegate for GET /register, its POST and her own page.

    python bench/form_path_cpu.py [N] [--prof]      (PROF_PAGE=get|post|manage to profile one page; SORT, LINES)

The app over Flask's test client on a scratch SQLite file, GSTF 2024 seeded, mail to the log; five delegates
to warm up, then N (default 50). Prints the CPU (process time) a delegate, split by page, beside the same three
requests to a bare Flask "hello world" over the same test client (the ceiling). No server and no
network: this is the app's own cost, the part issue 19 asks to bring to 6 ms; bench/flash_crowd.py measures
the same path under gunicorn.
"""
import os, re, sys, time, cProfile, pstats, tempfile
ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("DATA_KEY", __import__("support.data_key", fromlist=["x"]).TEST_DATA_KEY)
from summit import create_app
from summit.plumbing.extensions import db
from flask_migrate import upgrade
path = tempfile.mktemp(suffix=".db")
app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "x", "RATELIMIT_ENABLED": False,
                  "MAIL_DELIVERY": "inline", "MAIL_OUTBOX_DELIVERY": "inline"})
with app.app_context():
    upgrade()
    from summit.services.summits.seeding import seed_summit
    seed_summit(); db.session.commit()
import collections
split = collections.defaultdict(float)
def one(i, client, stats):
    t0 = time.process_time()
    if PROF_PAGE == "get" and stats is not None: stats.enable()
    page = client.get("/register")
    if PROF_PAGE == "get" and stats is not None: stats.disable()
    t1 = time.process_time(); split["get"] += t1 - t0
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    data = {"csrf_token": token, "given_name": "Ada", "family_name": "Love" + "abcdefghij"[i % 10] + "abcdefghij"[i // 10 % 10], "email": f"a{i}@ex.org",
            "organisation": "Org", "country": "GB", "category": "government", "consent": "y", "language": "en"}
    t1 = time.process_time()
    if PROF_PAGE == "post" and stats is not None: stats.enable()
    r = client.post("/register", data=data)
    if PROF_PAGE == "post" and stats is not None: stats.disable()
    t2 = time.process_time(); split["post"] += t2 - t1
    loc = r.headers.get("Location")
    if r.status_code != 302:
        print(r.status_code, r.get_data(as_text=True)[:2000]); sys.exit(1)
    if PROF_PAGE == "manage" and stats is not None: stats.enable()
    client.get(loc)
    if PROF_PAGE == "manage" and stats is not None: stats.disable()
    split["manage"] += time.process_time() - t2
PROF_PAGE = os.environ.get("PROF_PAGE")
N = int(sys.argv[1]) if len(sys.argv) > 1 else 50
for i in range(5):
    one(1000 + i, app.test_client(), None)
split.clear()  # the split is of the measured delegates only (the first ones compile the templates)
t = time.process_time()
prof = cProfile.Profile()
if "--prof" in sys.argv and not PROF_PAGE: prof.enable()
for i in range(N):
    one(i, app.test_client(), prof if PROF_PAGE else None)
if "--prof" in sys.argv and not PROF_PAGE: prof.disable()
ours = (time.process_time() - t) * 1000 / N
# The ceiling in the same run: a bare Flask "hello world" (bench/hello_app.py) over the same test client,
# three requests a "delegate" (GET, POST, GET), so the figure above reads against what Flask itself costs.
sys.path.insert(0, str(ROOT / "bench"))
from hello_app import app as hello
hello_client = hello.test_client()
t = time.process_time()
for i in range(N):
    hello_client.get("/"); hello_client.post("/", data={"x": "y"}); hello_client.get("/")
floor = (time.process_time() - t) * 1000 / N
print("CPU ms per delegate (3 pages):", round(ours, 2), f"; hello world's 3 requests: {floor:.2f} (ours is {ours / floor:.1f}×)")
print({k: round(v * 1000 / N, 2) for k, v in split.items()})
if "--prof" in sys.argv:
    prof.dump_stats("/tmp/form.prof") if os.environ.get("DUMP") else None
    pstats.Stats(prof).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(int(os.environ.get("LINES", "45")))
