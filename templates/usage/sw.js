// Kaikukanta's service worker: keeps the offline recording page and its assets
// so that the desk can go on recording when the network is down. Scope: /desk/.
"use strict";

const ASSETS = {{ assets|safe }};
const OFFLINE_PAGE = "{% url 'usage:desk_offline' %}";
// A new version of any asset (their URLs carry a content hash in production)
// makes a new cache; the old one is dropped on activation.
const CACHE = "kaikukanta-offline-{{ version }}";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll([...ASSETS, OFFLINE_PAGE]))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;  // records and syncs always go to the network
  }
  const url = new URL(request.url);
  if (request.mode === "navigate" && url.pathname.startsWith("/desk/")) {
    // The network first, so the page is fresh; the offline page when it fails.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (url.pathname === OFFLINE_PAGE && response.ok) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(OFFLINE_PAGE, copy));
          } else if (url.pathname === OFFLINE_PAGE && response.status >= 500) {
            // The register answers but cannot reach its database (503): the
            // offline page kept from before is what the cashier came for.
            return caches.match(OFFLINE_PAGE).then((kept) => kept || response);
          }
          return response;
        })
        .catch(() => caches.match(OFFLINE_PAGE))
    );
    return;
  }
  if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});
