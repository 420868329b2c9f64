"""The door scanner on a phone-class CPU: the bundled jsQR's decode time per camera frame, and the door's local
decision time, in headless Chromium with the CPU throttled 4× (CDP Emulation.setCPUThrottlingRate).

    .venv/bin/python bench/door_qr_decode.py            # a fresh SQLite database in a temp folder
    .venv/bin/python bench/door_qr_decode.py --frames 60 --delegates 3000 --rate 4

1. A real badge code (services.checkin.codes.checkin_code of a delegate of GSTF 2024, seeded in a temp database
   with --delegates delegates) is drawn as its QR by segno, at the size a phone held at arm's length sees a badge,
   into a 640×480 frame (grey surround, a little noise: a camera is never clean).
2. Each frame the page does what static/door/door.js does with a video frame: draw it into a canvas, read its
   pixels (getImageData) and run jsQR on them with the door's options. ms/frame (median, p95) is printed.
   Goal: ≤ 300 ms a frame.
3. The local decision (static/door/decide.js: SHA-256 of the code with crypto.subtle, the roster lookup, the
   verdict) against the zone's real roster (services.checkin.roster.zone_roster, every delegate) is timed per
   scan, for known and unknown codes. Goal: well under 100 ms from scan to verdict.
"""
from __future__ import annotations

import argparse
import base64
import io
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

CHROMIUM = "/usr/bin/chromium"
ORIGIN = "http://127.0.0.1:9/"  # served by the bench's own route: a secure context (crypto.subtle), no network

PAGE = """<!doctype html><meta charset="utf-8"><title>door bench</title>
<canvas id="frame" width="640" height="480"></canvas>"""

#: draws the badge's QR into a camera-like 640×480 frame, once, as an ImageBitmap the frames are drawn from
MAKE_FRAME = """async ([qrDataUri, size]) => {
  const img = new Image();
  img.src = qrDataUri;
  await img.decode();
  const c = document.createElement("canvas");
  c.width = 640; c.height = 480;
  const g = c.getContext("2d");
  g.fillStyle = "#8a8f8c"; g.fillRect(0, 0, 640, 480);
  g.fillStyle = "#f4f1ea"; g.fillRect(170, 90, 300, 320);           // the badge's card
  g.imageSmoothingEnabled = true;
  g.drawImage(img, 320 - size / 2, 250 - size / 2, size, size);
  const pixels = g.getImageData(0, 0, 640, 480);
  let seed = 7;
  for (let i = 0; i < pixels.data.length; i += 4) {                // sensor noise, ±12
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const n = (seed % 25) - 12;
    pixels.data[i] += n; pixels.data[i + 1] += n; pixels.data[i + 2] += n;
  }
  g.putImageData(pixels, 0, 0);
  window.benchFrame = await createImageBitmap(c);
  return true;
}"""

#: one frame as door.js reads it: drawImage, getImageData, jsQR
DECODE_FRAMES = """async (frames) => {
  const canvas = document.getElementById("frame");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const times = []; let text = null;
  for (let i = 0; i < frames; i++) {
    const started = performance.now();
    context.drawImage(window.benchFrame, 0, 0, 640, 480);
    const found = jsQR(context.getImageData(0, 0, 640, 480).data, 640, 480, { inversionAttempts: "dontInvert" });
    times.push(performance.now() - started);
    text = found ? found.data : null;
    await new Promise(r => setTimeout(r, 0));
  }
  return { times, text };
}"""

#: the local decision, per scan: SHA-256 → roster entry → verdict (and the "in" set, as the page keeps it)
DECIDE = """async ([entries, codes, timeZone]) => {
  const D = window.SummitDoorDecide;
  const index = D.indexRoster(entries);
  const inside = Object.create(null);
  const times = []; const colours = {};
  for (const code of codes) {
    const started = performance.now();
    const hash = await D.sha256Hex(code);
    const entry = index[hash];
    const day = D.localDay(new Date(), timeZone);
    const key = entry ? day + "|" + entry.delegate_id : null;
    const verdict = D.decide(entry, key ? inside[key] || null : null, day, timeZone);
    if (verdict.colour === "green") inside[key] = new Date().toISOString();
    times.push(performance.now() - started);
    colours[verdict.colour] = (colours[verdict.colour] || 0) + 1;
  }
  return { times, colours };
}"""


def prepare(delegates: int):
    """A temp database with GSTF 2024 and ``delegates`` delegates: one real badge code, and the venue's roster."""
    from flask_migrate import upgrade

    from support.bulk_delegates import insert_delegates
    from summit import create_app
    from summit.models import Delegate
    from summit.plumbing.extensions import db
    from summit.services.checkin import roster
    from summit.services.checkin.codes import checkin_code
    from summit.services.summits.current import current_summit
    from summit.services.summits.seeding import seed_summit

    folder = tempfile.mkdtemp(prefix="door-bench-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "SECRET_KEY": "bench",
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        seed_summit()
        summit = current_summit()
        insert_delegates(summit.id, delegates)
        people = db.session.scalars(db.select(Delegate).where(Delegate.summit_id == summit.id)
                                    .order_by(Delegate.id)).all()
        codes = [checkin_code(d) for d in people]
        body = roster.zone_roster(summit, "venue", None)
        return codes, body["entries"], summit.timezone


def qr_data_uri(code: str) -> str:
    import segno

    buffer = io.BytesIO()
    # The badge's QR as the printed badge has it (error correction M), rendered at 1 px a module: the page
    # scales it to the size the camera sees.
    segno.make(code, error="m", micro=False).save(buffer, kind="png", scale=1, border=4)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {max(times):.1f} ms (n={len(times)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--delegates", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=4, help="CPU throttling rate (4: a phone-class CPU)")
    parser.add_argument("--qr-size", type=int, default=240, help="the QR's side in the 640×480 frame, px")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    codes, entries, time_zone = prepare(args.delegates)
    code = codes[len(codes) // 2]
    forged = [c[:-3] + "abc" for c in codes[:200]]
    scans = codes[:400] + codes[:100] + forged  # first scans (green), repeats (amber), forged codes (red)
    print(f"badge code: {len(code)} characters; roster: {len(entries)} entries; CPU throttled {args.rate:g}×")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        page.route(ORIGIN, lambda route: route.fulfill(status=200, content_type="text/html", body=PAGE))
        page.goto(ORIGIN)
        page.add_script_tag(path=str(ROOT / "static" / "vendor" / "jsqr" / "jsQR.js"))
        page.add_script_tag(path=str(ROOT / "static" / "door" / "decide.js"))
        page.evaluate(MAKE_FRAME, [qr_data_uri(code), args.qr_size])
        cdp = page.context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.rate})

        page.evaluate(DECODE_FRAMES, 3)  # warm up (JIT)
        decoded = page.evaluate(DECODE_FRAMES, args.frames)
        if decoded["text"] != code:
            raise SystemExit(f"jsQR did not read the badge: {decoded['text']!r}")
        print(f"QR decode, 640×480 frame, jsQR (bundled): {summary(decoded['times'])}  [goal ≤ 300 ms/frame]")

        page.evaluate(DECIDE, [entries, scans[:20], time_zone])  # warm up (crypto.subtle's first digest, JIT)
        decided = page.evaluate(DECIDE, [entries, scans, time_zone])
        print(f"local decision (SHA-256 + roster lookup + verdict), {len(entries)}-entry roster: "
              f"{summary(decided['times'])}  {decided['colours']}  [goal well under 100 ms]")
        browser.close()


if __name__ == "__main__":
    main()
