// The offline door scanner: decides at the door from the zone's roster kept in IndexedDB, queues every
// scan with a UUID, and syncs the queue through the desk's session whenever the network is there.
// Every word it shows comes translated from the page (data-door); it builds the verdict with textContent.
(function () {
  "use strict";
  var root = document.querySelector("[data-door]");
  if (!root) return;
  var config = JSON.parse(root.getAttribute("data-door"));
  var W = config.words;
  var D = window.SummitDoorDecide;

  var CAMERA_REPEAT_MS = 3000;      // the same badge held in front of the camera is one scan
  var ROSTER_REFRESH_MS = 60000;    // while online
  var SYNC_RETRY_MS = 15000;        // while scans wait
  var SYNC_BATCH = 500;

  var el = {
    net: root.querySelector("[data-net]"),
    netText: root.querySelector("[data-net-text]"),
    age: root.querySelector("[data-roster-age]"),
    queue: root.querySelector("[data-queue]"),
    zone: root.querySelector("[data-zone]"),
    verdict: root.querySelector("[data-verdict]"),
    form: root.querySelector("[data-code-form]"),
    input: root.querySelector("#door-code"),
    video: root.querySelector("video.camera"),
    camState: root.querySelector("[data-camera-state]"),
    camButton: root.querySelector("[data-start-camera]"),
    conflicts: root.querySelector("[data-conflicts]"),
    conflictList: root.querySelector("[data-conflict-list]"),
    syncNow: root.querySelector("[data-sync-now]"),
    syncState: root.querySelector("[data-sync-state]")
  };

  var state = {
    db: null,
    zone: "",
    roster: null,      // {zone, generated_at, fetched_at, entries}
    index: Object.create(null),
    inside: Object.create(null),   // "day|delegate_id" → ISO time this device let them in (current zone)
    queued: 0,
    syncing: false,
    csrf: (document.querySelector("meta[name=csrf-token]") || {}).content || config.csrf_token || "",
    device: "",
    lastCode: "", lastAt: 0
  };

  // What the bench and the tests read: scan→verdict times (ms), never shown on the page.
  var door = window.summitDoor = { timings: [], lastMs: null, ready: null, synced: 0, scan: null };

  function fill(text, params) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return params && key in params ? params[key] : ""; });
  }

  var clockFormat = new Intl.DateTimeFormat(config.lang === "zh" ? "zh-CN" : "en-GB",
    { timeZone: config.timezone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  function clock(iso) { return iso ? clockFormat.format(new Date(iso)) : ""; }
  function today() { return D.localDay(new Date(), config.timezone); }

  // ------------------------------------------------------------------ IndexedDB

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("summit-door-" + config.summit, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        db.createObjectStore("meta");
        db.createObjectStore("rosters", { keyPath: "zone" });
        db.createObjectStore("queue", { keyPath: "id" });
        db.createObjectStore("inside", { keyPath: "key" }).createIndex("zone", "zone");
        db.createObjectStore("conflicts", { keyPath: "id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function tx(stores, mode, work) {
    return new Promise(function (resolve, reject) {
      var t = state.db.transaction(stores, mode);
      var result;
      t.oncomplete = function () { resolve(result); };
      t.onerror = t.onabort = function () { reject(t.error); };
      result = work(t);
    });
  }

  function get(store, key) {
    return new Promise(function (resolve, reject) {
      var r = state.db.transaction(store).objectStore(store).get(key);
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }

  function all(store, query, index) {
    return new Promise(function (resolve, reject) {
      var source = state.db.transaction(store).objectStore(store);
      if (index) source = source.index(index);
      var r = source.getAll(query);
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }

  function count(store) {
    return new Promise(function (resolve, reject) {
      var r = state.db.transaction(store).objectStore(store).count();
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }

  // ------------------------------------------------------------------ status line

  function online() { return navigator.onLine !== false; }

  function showNet() {
    var on = online();
    el.net.classList.toggle("is-online", on);
    el.net.classList.toggle("is-offline", !on);
    el.netText.textContent = on ? W.online : W.offline;
  }

  function showAge() {
    var r = state.roster;
    if (!r) {
      el.age.textContent = W.roster_none;
      el.age.removeAttribute("data-generated-at");
      el.age.removeAttribute("data-zone");
      return;
    }
    var minutes = Math.max(0, Math.floor((Date.now() - new Date(r.generated_at).getTime()) / 60000));
    var badges = r.entries.filter(function (e) { return e.status !== "revoked"; }).length;  // not a reissue's old codes
    el.age.textContent = fill(W.roster_age, { time: clock(r.generated_at), minutes: minutes, count: badges });
    el.age.setAttribute("data-generated-at", r.generated_at);
    el.age.setAttribute("data-zone", r.zone);
  }

  function showQueue() {
    return count("queue").then(function (n) {
      state.queued = n;
      el.queue.textContent = fill(W.queued, { n: n });
      el.queue.setAttribute("data-count", String(n));
      el.queue.classList.toggle("has-queue", n > 0);
    });
  }

  // ------------------------------------------------------------------ the zone and its roster

  function useZone(code) {
    state.zone = code;
    state.roster = null;
    state.index = Object.create(null);
    state.inside = Object.create(null);
    if (!code) { showAge(); return Promise.resolve(); }
    return Promise.all([get("rosters", code), all("inside", code, "zone")]).then(function (found) {
      if (state.zone !== code) return;
      if (found[0]) { state.roster = found[0]; state.index = D.indexRoster(found[0].entries); }
      var day = today();
      found[1].forEach(function (row) {
        if (row.day === day) state.inside[row.day + "|" + row.delegate_id] = row.at;
      });
      showAge();
    });
  }

  function jsonFrom(response) {
    var type = response.headers.get("Content-Type") || "";
    if (response.redirected || type.indexOf("json") < 0) {
      var signedOut = new Error("signed out");
      signedOut.signedOut = true;
      throw signedOut;
    }
    return response.json().then(function (body) {
      if (!response.ok) { var e = new Error(body.error || response.status); e.body = body; throw e; }
      return body;
    });
  }

  function refreshRoster() {
    var code = state.zone;
    if (!code || !online()) return Promise.resolve();
    if (!state.roster) el.age.textContent = W.roster_loading;
    return fetch(config.zone_roster_url.replace("ZONE", encodeURIComponent(code)),
                 { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(jsonFrom)
      .then(function (body) {
        if (body.csrf_token) state.csrf = body.csrf_token;
        var roster = { zone: code, generated_at: body.generated_at, fetched_at: new Date().toISOString(),
                       entries: body.entries };
        return tx(["rosters"], "readwrite", function (t) { t.objectStore("rosters").put(roster); })
          .then(function () {
            if (state.zone !== code) return;
            state.roster = roster;
            state.index = D.indexRoster(roster.entries);
            showAge();
          });
      })
      .catch(function (error) {
        el.syncState.textContent = error && error.signedOut ? W.signed_out : W.roster_failed;
        showAge();
      });
  }

  // ------------------------------------------------------------------ the verdict

  var ICONS = { green: "✓", amber: "!", red: "✗" };

  function verdictWords(verdict) {
    switch (verdict.kind) {
      case "admit": return [W.green, W.green_why];
      case "already": return [W.amber_already, fill(W.amber_already_why, { time: clock(verdict.at) })];
      case "revoked": return [W.amber_revoked, verdict.at ? fill(W.amber_revoked_why, { time: clock(verdict.at) })
                                                         : W.amber_revoked_why_untimed];
      case "not_accredited": return [W.amber_not_accredited, W.amber_not_accredited_why];
      case "not_admitted": return [W.red_not_admitted, W.red_not_admitted_why];
      default: return [W.red_unknown, W.red_unknown_why];
    }
  }

  function node(tag, className, text) {
    var n = document.createElement(tag);
    if (className) n.className = className;
    if (text) n.textContent = text;
    return n;
  }

  function showVerdict(verdict, entry) {
    var words = verdictWords(verdict);
    var box = node("div", "verdict door-verdict-box door-" + verdict.colour + " door-kind-" + verdict.kind);
    box.setAttribute("role", "status");
    box.setAttribute("data-colour", verdict.colour);
    box.setAttribute("data-kind", verdict.kind);
    var head = node("p", "verdict-head");
    head.appendChild(node("span", "door-icon", ICONS[verdict.colour])).setAttribute("aria-hidden", "true");
    head.appendChild(node("span", "door-word", words[0]));
    box.appendChild(head);
    box.appendChild(node("p", "verdict-why", words[1]));
    if (entry) {
      box.appendChild(node("p", "verdict-name", entry.name));
      if (entry.native_name) {
        var native = node("p", "verdict-native", entry.native_name);
        native.setAttribute("dir", "auto");
        box.appendChild(native);
      }
      var country = entry.country ? (config.countries || {})[entry.country] || entry.country : "";
      var facts = [entry.organisation, country].filter(Boolean).join(" · ");
      if (facts) { var f = node("p", "door-facts", facts); f.setAttribute("dir", "auto"); box.appendChild(f); }
    }
    el.verdict.replaceChildren(box);
  }

  function scan(raw, fromCamera) {
    var started = performance.now();
    var code = (raw || "").trim();
    if (!code) return Promise.resolve(null);
    if (!state.zone) { el.syncState.textContent = W.no_zone; el.zone.focus(); return Promise.resolve(null); }
    if (fromCamera) {
      var now = Date.now();
      if (code === state.lastCode && now - state.lastAt < CAMERA_REPEAT_MS) return Promise.resolve(null);
      state.lastCode = code; state.lastAt = now;
    } else {
      state.lastCode = ""; state.lastAt = 0;
    }
    var zone = state.zone;
    var tooLong = code.length > 200;
    return (tooLong ? Promise.resolve("") : D.sha256Hex(code)).then(function (hash) {
      var entry = state.index[hash];
      var day = today();
      var key = entry ? day + "|" + entry.delegate_id : null;
      var verdict = D.decide(entry, key ? state.inside[key] || null : null, day, config.timezone);
      var at = new Date().toISOString();
      if (verdict.colour === "green") state.inside[key] = at;  // at once: the next scan sees it
      showVerdict(verdict, entry);
      var elapsed = performance.now() - started;
      door.lastMs = elapsed;
      door.timings.push(elapsed);
      if (tooLong) return verdict;
      var item = { id: crypto.randomUUID(), code: code, zone: zone, scanned_at: at, local: verdict.outcome,
                   delegate_id: entry ? entry.delegate_id : null, name: entry ? entry.name : "" };
      return tx(["queue", "inside"], "readwrite", function (t) {
        t.objectStore("queue").put(item);
        if (verdict.colour === "green") {
          t.objectStore("inside").put({ key: zone + "|" + key, zone: zone, day: day, delegate_id: entry.delegate_id, at: at });
        }
      }).then(showQueue).then(function () { if (online()) syncSoon(); return verdict; });
    });
  }
  door.scan = scan;

  // ------------------------------------------------------------------ sync

  var syncTimer = null;
  function syncSoon() {
    clearTimeout(syncTimer);
    syncTimer = setTimeout(sync, 300);
  }

  function sync() {
    if (state.syncing || !online()) return Promise.resolve();
    state.syncing = true;
    return all("queue").then(function (items) {
      if (!items.length) return null;
      items.sort(function (a, b) { return a.scanned_at < b.scanned_at ? -1 : 1; });
      var batch = items.slice(0, SYNC_BATCH);
      var byId = {};
      batch.forEach(function (item) { byId[item.id] = item; });
      return fetch(config.sync_url, {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": state.csrf },
        body: JSON.stringify({ device: state.device, scans: batch.map(function (item) {
          return { id: item.id, code: item.code, zone: item.zone, scanned_at: item.scanned_at };
        }) })
      }).then(jsonFrom).then(function (body) {
        if (body.csrf_token) state.csrf = body.csrf_token;
        return tx(["queue", "conflicts"], "readwrite", function (t) {
          body.results.forEach(function (result) {
            var item = byId[result.id];
            if (!item) return;
            t.objectStore("queue").delete(item.id);  // a result, once returned, is final
            if (result.outcome !== item.local) {
              t.objectStore("conflicts").put({ id: item.id, name: item.name, zone: item.zone,
                scanned_at: item.scanned_at, local: item.local, server: result.outcome,
                checked_in_at: result.checked_in_at || null });
            }
          });
        }).then(function () {
          door.synced += body.results.length;
          el.syncState.textContent = fill(W.synced, { time: clock(new Date().toISOString()) });
          return items.length > batch.length ? "more" : "done";
        });
      });
    }).catch(function (error) {
      el.syncState.textContent = error && error.signedOut ? W.signed_out : W.sync_failed;
      return null;
    }).then(function (outcome) {
      state.syncing = false;
      return Promise.all([showQueue(), showConflicts()]).then(function () {
        if (outcome === "more") return sync();
        if (outcome === "done") return refreshRoster();  // the server's record of who is in, with others' scans
      });
    });
  }
  door.sync = sync;

  function outcomeWord(outcome) { return W["outcome_" + outcome] || outcome; }

  function showConflicts() {
    return all("conflicts").then(function (rows) {
      rows.sort(function (a, b) { return a.scanned_at < b.scanned_at ? 1 : -1; });
      el.conflictList.replaceChildren.apply(el.conflictList, rows.slice(0, 50).map(function (row) {
        var li = node("li", "door-conflict", fill(W.conflict_row, {
          name: row.name || W.unknown_name, time: clock(row.scanned_at),
          local: outcomeWord(row.local), server: outcomeWord(row.server) }));
        li.setAttribute("data-server", row.server);
        li.setAttribute("data-local", row.local);
        return li;
      }));
      el.conflicts.hidden = rows.length === 0;
      door.conflicts = rows.length;
    });
  }

  // ------------------------------------------------------------------ camera

  function sayCamera(text) { el.camState.textContent = text; }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) {
      sayCamera(W.camera_unavailable); return;
    }
    sayCamera(W.camera_starting);
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment", width: { ideal: 640 },
                                                   height: { ideal: 480 } }, audio: false })
      .then(function (stream) {
        el.video.srcObject = stream;
        el.video.hidden = false;
        el.camButton.hidden = true;
        return el.video.play();
      })
      .then(function () {
        sayCamera(W.camera_scanning);
        var canvas = document.createElement("canvas");
        var context = canvas.getContext("2d", { willReadFrequently: true });
        (function frame() {
          var w = el.video.videoWidth, h = el.video.videoHeight;
          if (el.video.readyState >= 2 && w && h) {
            canvas.width = w; canvas.height = h;
            context.drawImage(el.video, 0, 0, w, h);
            var found = window.jsQR(context.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: "dontInvert" });
            if (found && found.data) scan(found.data, true);
          }
          requestAnimationFrame(frame);
        })();
      })
      .catch(function () { sayCamera(W.camera_unavailable); });
  }

  // ------------------------------------------------------------------ wiring

  function deviceId() {
    return get("meta", "device").then(function (id) {
      if (id) return id;
      id = "door-" + crypto.randomUUID().slice(0, 8);
      return tx(["meta"], "readwrite", function (t) { t.objectStore("meta").put(id, "device"); }).then(function () { return id; });
    });
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator)) return Promise.resolve();
    // Offline, the worker that served this page stays; its update is checked when the network is back.
    if (!online() && navigator.serviceWorker.controller) return Promise.resolve();
    return navigator.serviceWorker.register(config.worker_url, { scope: config.scope })
      .then(function () { return navigator.serviceWorker.ready; })
      .catch(function () { /* the page still works while it is open */ });
  }

  door.ready = openDb().then(function (db) {
    state.db = db;
    return Promise.all([deviceId(), get("meta", "zone")]);
  }).then(function (found) {
    state.device = found[0];
    var zone = found[1] || "";
    if (zone && el.zone.querySelector('option[value="' + CSS.escape(zone) + '"]')) el.zone.value = zone;
    showNet();
    return Promise.all([useZone(el.zone.value), showQueue(), showConflicts()]);
  }).then(function () {
    el.zone.addEventListener("change", function () {
      var code = el.zone.value;
      tx(["meta"], "readwrite", function (t) { t.objectStore("meta").put(code, "zone"); });
      useZone(code).then(refreshRoster);
    });
    el.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = el.input.value;
      el.input.value = "";
      scan(value, false);
      el.input.focus();
    });
    el.camButton.addEventListener("click", startCamera);
    el.syncNow.addEventListener("click", function () { sync(); });
    window.addEventListener("online", function () { showNet(); sync().then(refreshRoster); });
    window.addEventListener("offline", showNet);
    setInterval(function () { if (online()) refreshRoster(); }, ROSTER_REFRESH_MS);
    setInterval(function () { if (online() && state.queued) sync(); }, SYNC_RETRY_MS);
    setInterval(showAge, 30000);
    root.setAttribute("data-ready", "true");
    var work = [registerWorker()];
    if (online()) work.push(sync().then(refreshRoster));
    return Promise.all(work);
  }).then(function () {
    root.setAttribute("data-settled", "true");
  });
})();
