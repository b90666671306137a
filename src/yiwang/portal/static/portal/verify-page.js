/*
 * The officer's verify page: glue between the DOM, the camera (qr-scanner), the pure
 * verifier (verify.js) and the server (POST /api/v1/licenses/verify).
 *
 * Every check is verified here first (instant, works without a network); online it is
 * then posted to the server, whose answer (revoked, suspended, superseded, ...) wins and
 * which logs the check; offline, or when the post fails, the check is queued in
 * localStorage and posted with checked_at / location / offline_result when the browser
 * says it is online again.
 */
(function () {
  "use strict";

  var root = document.getElementById("verify");
  if (!root) return;
  var V = window.YiwangVerify;
  var sm2 = window.SmCryptoV2 && window.SmCryptoV2.sm2;
  var sm3 = window.SmCryptoV2 && window.SmCryptoV2.sm3;

  var QUEUE_KEY = "yiwang.verify.queue";
  var KEYS_KEY = "yiwang.verify.keys";
  var LOCATION_KEY = "yiwang.verify.location";
  var QUEUE_LIMIT = 1000; // a long shift's checks; the oldest go first past that
  var POST_WAIT_MS = 8000;

  var keysUrl = root.dataset.keysUrl;
  var verifyUrl = root.dataset.verifyUrl;
  var el = function (id) {
    return document.getElementById(id);
  };
  var text = {};
  Array.prototype.forEach.call(el("verify-text").querySelectorAll("li"), function (li) {
    text[li.dataset.key] = li.textContent;
  });

  // ----------------------------------------------------------------- storage

  function load(key, fallback) {
    try {
      var value = window.localStorage.getItem(key);
      return value === null ? fallback : JSON.parse(value);
    } catch (error) {
      return fallback;
    }
  }

  function store(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (error) {
      /* private mode or full: the check still shows, it just is not kept */
    }
  }

  var keys = load(KEYS_KEY, null); // {document, fetchedAt}

  function showKeys() {
    el("verify-keys").textContent =
      keys && keys.document ? text.keys_at + new Date(keys.fetchedAt).toLocaleString() : text.no_keys;
  }

  function refreshKeys() {
    return fetch(keysUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("keys " + response.status);
        return response.json();
      })
      .then(function (document_) {
        if (!document_ || !Array.isArray(document_.keys)) throw new Error("keys document");
        keys = { document: document_, fetchedAt: new Date().toISOString() };
        store(KEYS_KEY, keys);
      })
      .catch(function () {
        /* offline: the stored copy (or the service worker's) stays in use */
      })
      .then(showKeys);
  }

  // ------------------------------------------------------------------ server

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /** POST one check; resolves to the server's JSON, rejects when it could not be told. */
  function post(body) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller
      ? setTimeout(function () {
          controller.abort();
        }, POST_WAIT_MS)
      : null;
    return fetch(verifyUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        if (timer) clearTimeout(timer);
        if (response.ok) return response.json();
        var error = new Error("verify " + response.status);
        error.status = response.status;
        throw error;
      })
      .catch(function (error) {
        if (timer) clearTimeout(timer);
        throw error;
      });
  }

  // ------------------------------------------------------------------- queue

  function queue() {
    var items = load(QUEUE_KEY, []);
    return Array.isArray(items) ? items : [];
  }

  function enqueue(check) {
    var items = queue();
    items.push(check);
    store(QUEUE_KEY, items.slice(-QUEUE_LIMIT));
    showQueue();
  }

  function showQueue(justSynced) {
    var count = queue().length;
    el("verify-queue").textContent = count ? text.queued + count : justSynced ? text.synced : "";
  }

  var syncing = false;

  /** Post the queued checks one by one; each leaves the queue once the server took it.
   * A refusal that will never change (400, 422) drops the check; anything else
   * (no network, 403 after a sign-out, 429, 5xx) keeps it for the next try. */
  function sync() {
    if (syncing || !navigator.onLine) return Promise.resolve();
    syncing = true;
    var sent = 0;
    function next() {
      var items = queue();
      if (!items.length) return Promise.resolve();
      return post(items[0]).then(
        function () {
          sent += 1;
          store(QUEUE_KEY, queue().slice(1));
          return next();
        },
        function (error) {
          if (error.status === 400 || error.status === 422) {
            store(QUEUE_KEY, queue().slice(1));
            return next();
          }
          return undefined;
        }
      );
    }
    return next().then(function () {
      syncing = false;
      showQueue(sent > 0);
    });
  }

  // ----------------------------------------------------------------- display

  function fact(list, term, value) {
    var dt = document.createElement("dt");
    dt.textContent = term;
    var dd = document.createElement("dd");
    dd.textContent = value;
    list.appendChild(dt);
    list.appendChild(dd);
  }

  function say(message) {
    var line = el("verify-message");
    line.textContent = message || "";
    line.hidden = !message;
  }

  function show(result, outcome, online, answer) {
    say("");
    var section = el("verify-result");
    section.hidden = false;
    section.dataset.result = result;
    section.dataset.mode = online ? "online" : "offline";
    el("verify-verdict").textContent = text[result] || result;
    var note = result === "unknown" ? text.note_unknown : online ? text.note_online : text.note_offline;
    el("verify-note").textContent = result === "tampered" ? "" : note;
    var list = el("verify-facts");
    list.textContent = "";
    var payload = outcome.payload;
    if (payload && result !== "tampered") {
      payload.fields.forEach(function (field) {
        fact(list, field.label, field.value);
      });
      fact(list, text.identifier, payload.identifier);
      fact(list, text.version, payload.version);
      fact(
        list,
        text.validity,
        V.displayDate(payload.validFrom) + " — " + (payload.validUntil ? V.displayDate(payload.validUntil) : text.no_expiry)
      );
      // The authority whose key verified: the server's answer online, the cached key offline.
      var authority = online && answer && answer.authority_name ? answer.authority_name : outcome.key && outcome.key.authority_name;
      if (authority) fact(list, text.issuer, authority);
    }
    section.scrollIntoView({ block: "start" });
  }

  function check(payloadText) {
    var trimmed = (payloadText || "").trim();
    if (!trimmed) {
      el("verify-payload").focus();
      say(text.empty);
      return;
    }
    var location_ = el("verify-location").value.trim();
    store(LOCATION_KEY, location_);
    var outcome = V.verifyOffline(trimmed, keys && keys.document, sm2, V.todayInChina(), sm3);
    var offlineCheck = {
      payload: trimmed,
      checked_at: new Date().toISOString(),
      location: location_,
      offline_result: outcome.result,
    };
    if (!navigator.onLine) {
      show(outcome.result, outcome, false);
      enqueue(offlineCheck);
      return;
    }
    show(outcome.result, outcome, false); // at once; the server's answer follows
    post({ payload: trimmed, location: location_ }).then(
      function (answer) {
        show(answer && answer.result ? answer.result : outcome.result, outcome, true, answer);
      },
      function (error) {
        // No answer (or a refusal that may pass later): keep it as an offline check.
        if (error.status !== 400 && error.status !== 422) enqueue(offlineCheck);
      }
    );
  }

  // -------------------------------------------------------------- the camera

  var scanner = null;

  function stopScan() {
    if (scanner) scanner.stop();
    el("verify-camera").hidden = true;
    el("verify-stop").hidden = true;
    el("verify-scan").hidden = false;
  }

  function startScan() {
    if (!window.QrScanner) return;
    if (!scanner) {
      scanner = new window.QrScanner(
        el("verify-video"),
        function (found) {
          stopScan();
          el("verify-payload").value = found.data;
          check(found.data);
        },
        { returnDetailedScanResult: true, preferredCamera: "environment", highlightScanRegion: true }
      );
    }
    el("verify-camera").hidden = false;
    el("verify-scan").hidden = true;
    el("verify-stop").hidden = false;
    scanner.start().catch(function () {
      stopScan();
      say(text.no_camera);
    });
  }

  function scanImage(file) {
    if (!window.QrScanner || !file) return;
    window.QrScanner.scanImage(file, { returnDetailedScanResult: true }).then(
      function (found) {
        el("verify-payload").value = found.data;
        check(found.data);
      },
      function () {
        el("verify-result").hidden = true;
        say(text.no_qr);
      }
    );
  }

  // ------------------------------------------------------------------ wiring

  function showNetwork() {
    var line = el("verify-network");
    line.textContent = navigator.onLine ? text.online : text.offline;
    line.dataset.online = navigator.onLine ? "1" : "0";
  }

  el("verify-form").addEventListener("submit", function (event) {
    event.preventDefault();
    check(el("verify-payload").value);
  });
  el("verify-scan").addEventListener("click", startScan);
  el("verify-stop").addEventListener("click", stopScan);
  el("verify-image").addEventListener("change", function (event) {
    scanImage(event.target.files && event.target.files[0]);
    event.target.value = "";
  });
  window.addEventListener("online", function () {
    showNetwork();
    refreshKeys().then(sync);
  });
  window.addEventListener("offline", showNetwork);

  el("verify-location").value = load(LOCATION_KEY, "") || "";
  showNetwork();
  showKeys();
  showQueue();
  if (window.QrScanner) {
    window.QrScanner.hasCamera().then(function (has) {
      el("verify-scan").hidden = !has;
    });
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.swUrl, { scope: root.dataset.swScope }).catch(function () {
      /* no worker (private mode, http): the page still works while it stays open */
    });
  }
  var ready = navigator.onLine ? refreshKeys().then(sync) : Promise.resolve();
  ready.then(function () {
    root.dataset.ready = "1"; // for the browser tests: keys loaded, queue tried
  });
})();
