/* The officer's verify page, offline (issue 11.4): served from /verify/sw.js by
 * portal.views_licenses, scope /verify/. Caches the page, its scripts and the published
 * keys so that once opened the page reloads and verifies with the network off.
 *   page: network first (a 4 s wait at most, a roadside link may be slow), else the copy;
 *   keys: network first, the copy when offline (refreshed on every online load);
 *   scripts and styles: from the cache, whose name carries their digest (CONFIG.version).
 */
"use strict";

const CONFIG = {{ config }};
const CACHE = "yiwang-verify-" + CONFIG.version;
const PAGE_WAIT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll([CONFIG.page, ...CONFIG.assets]);
      // The keys are welcome but not required to install: the page fetches them too.
      try {
        const keys = await fetch(CONFIG.keys, { cache: "no-store" });
        if (keys.ok) await cache.put(CONFIG.keys, keys);
      } catch (error) {
        /* offline at install: the page's own fetch caches them later */
      }
      await self.skipWaiting();
    })()
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      const old = names.filter((name) => name.startsWith("yiwang-verify-") && name !== CACHE);
      // The keys outlive a new version of the scripts: carry them over before dropping.
      for (const name of old) {
        const keys = await (await caches.open(name)).match(CONFIG.keys);
        if (keys) await (await caches.open(CACHE)).put(CONFIG.keys, keys);
        await caches.delete(name);
      }
      await self.clients.claim();
    })()
  );
});

function timeout(ms) {
  return new Promise((resolve, reject) => setTimeout(() => reject(new Error("slow")), ms));
}

async function networkFirst(request, cacheKey, waitMs) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then(async (response) => {
    if (response.ok) await cache.put(cacheKey, response.clone());
    return response;
  });
  try {
    const response = await (waitMs ? Promise.race([network, timeout(waitMs)]) : network);
    if (response.ok) return response;
    const copy = await cache.match(cacheKey);
    return copy || response;
  } catch (error) {
    network.catch(() => undefined); // a slow answer still refreshes the copy later
    const copy = await cache.match(cacheKey);
    if (copy) return copy;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // the verify POSTs go to the network as they are
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === CONFIG.page) {
    event.respondWith(networkFirst(request, CONFIG.page, PAGE_WAIT_MS));
  } else if (url.pathname === CONFIG.keys) {
    event.respondWith(networkFirst(request, CONFIG.keys, 0));
  } else if (CONFIG.assets.includes(url.pathname)) {
    event.respondWith(
      caches.match(url.pathname).then((copy) => copy || fetch(request))
    );
  }
});
