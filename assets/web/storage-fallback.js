// ltibox: keep the app running when the browser denies web storage.
//
// Inside an LMS iframe, a browser that blocks ltibox's cookies (Chrome's
// per-site cookie block, strict privacy modes) also throws SecurityError on
// any touch of window.localStorage / sessionStorage. go-app reads
// localStorage while it starts (state lookups), so the app would die before
// rendering. This runs before the app and puts an in-memory store in place
// of a storage the page may not use: nothing of ltibox needs to outlive the
// page there (the session token lives in memory; a reload means a relaunch).
"use strict";
(function () {
  function memoryStorage() {
    var items = new Map();
    return {
      get length() { return items.size; },
      key: function (i) { var keys = Array.from(items.keys()); return i < keys.length ? keys[i] : null; },
      getItem: function (k) { k = String(k); return items.has(k) ? items.get(k) : null; },
      setItem: function (k, v) { items.set(String(k), String(v)); },
      removeItem: function (k) { items.delete(String(k)); },
      clear: function () { items.clear(); }
    };
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try {
      var s = window[name];
      s.getItem("ltibox-probe");
    } catch (e) {
      try {
        Object.defineProperty(window, name, { value: memoryStorage(), configurable: true });
      } catch (ignored) { /* nothing more to try: the app will say it cannot start */ }
    }
  });
})();
