// The door's decision, made on the device from the zone's roster: no network, no server.
// Pure functions (no DOM, no storage), so that the bench can time them on their own.
(function (root) {
  "use strict";

  var HEX = [];
  for (var i = 0; i < 256; i++) HEX.push((i < 16 ? "0" : "") + i.toString(16));

  // The hex SHA-256 of the code's text (UTF-8), as the roster's code_sha256 carries it.
  function sha256Hex(text) {
    var bytes = new TextEncoder().encode(text);
    return root.crypto.subtle.digest("SHA-256", bytes).then(function (buffer) {
      var view = new Uint8Array(buffer), out = "";
      for (var j = 0; j < view.length; j++) out += HEX[view[j]];
      return out;
    });
  }

  // The summit's local date (YYYY-MM-DD) of a moment: a check-in counts once per zone and summit day.
  var dayFormats = {};
  function localDay(moment, timeZone) {
    var format = dayFormats[timeZone] || (dayFormats[timeZone] = new Intl.DateTimeFormat("en-CA", {
      timeZone: timeZone, year: "numeric", month: "2-digit", day: "2-digit" }));
    var parts = {};
    format.formatToParts(moment).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day;
  }

  // Index the roster's entries by hash (a plain object: one lookup per scan).
  function indexRoster(entries) {
    var index = Object.create(null);
    for (var k = 0; k < entries.length; k++) index[entries[k].code_sha256] = entries[k];
    return index;
  }

  function entryStatus(entry) {
    if (entry.status) return entry.status;
    return entry.admitted ? "admitted" : "not_admitted";
  }

  // The verdict for one scan.
  //   entry: the roster's entry for the code's hash, or undefined
  //   insideAt: when this device let the delegate in here today (ISO text), or null
  //   rosterDay: whether the entry's checked_in_at is today's (the server's record)
  // → {colour: green|amber|red, kind, outcome (the sync's word for it), at}
  function decide(entry, insideAt, today, timeZone) {
    if (!entry) return { colour: "red", kind: "unknown", outcome: "unknown_code" };
    var status = entryStatus(entry);
    if (status === "revoked") {
      return { colour: "amber", kind: "revoked", outcome: "badge_revoked", at: entry.reissued_at || null };
    }
    if (status === "not_accredited") return { colour: "amber", kind: "not_accredited", outcome: "not_accredited" };
    if (status !== "admitted" || !entry.admitted) {
      return { colour: "red", kind: "not_admitted", outcome: "not_admitted" };
    }
    if (insideAt) return { colour: "amber", kind: "already", outcome: "already_checked_in", at: insideAt };
    if (entry.checked_in_at && localDay(new Date(entry.checked_in_at), timeZone) === today) {
      return { colour: "amber", kind: "already", outcome: "already_checked_in", at: entry.checked_in_at };
    }
    return { colour: "green", kind: "admit", outcome: "checked_in" };
  }

  root.SummitDoorDecide = { sha256Hex: sha256Hex, localDay: localDay, indexRoster: indexRoster, decide: decide };
})(typeof self !== "undefined" ? self : this);
