// The door scanner's service worker (served from /desk/door-sw.js, scope /desk/door, after the lines
// that give SHELL_VERSION, SHELL_ASSETS and PAGE_URL). It keeps the page and its assets so that the
// door opens without the network; the roster and the scans live in the page's IndexedDB, never here.
"use strict";
var CACHE = "summit-door-" + SHELL_VERSION;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    // The page is kept as the signed-in member of staff sees it; the assets as they are.
    return Promise.all([
      cache.addAll(SHELL_ASSETS),
      fetch(PAGE_URL, { credentials: "same-origin" }).then(function (response) {
        if (keepable(response)) return cache.put(PAGE_URL, response);
      })
    ]);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("summit-door-") === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function keepable(response) {
  var url = new URL(response.url);
  return response.ok && !response.redirected && response.type === "basic" && url.pathname === PAGE_URL;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === PAGE_URL) {
    // The network first (a fresh page, a fresh CSRF token); the kept page when there is none.
    event.respondWith(fetch(request).then(function (response) {
      if (keepable(response)) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(PAGE_URL, copy); });
      }
      return response;
    }).catch(function () {
      return caches.open(CACHE).then(function (cache) { return cache.match(PAGE_URL, { ignoreVary: true, ignoreSearch: true }); }).then(function (kept) {
        return kept || Response.error();
      });
    }));
    return;
  }
  if (SHELL_ASSETS.indexOf(url.pathname + url.search) >= 0 || SHELL_ASSETS.indexOf(url.pathname) >= 0) {
    // The shell's assets: what is kept, else the network.
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(request, { ignoreVary: true }).then(function (kept) { return kept || fetch(request); });
    }));
  }
  // Everything else (the roster, the manifest, other desk pages) goes to the network as usual.
});
