package api

import "github.com/gofiber/fiber/v2"

// bridgeJS is the one script of the bridge pages (login, launch, new-window
// handoff). It is served from /lti/bridge.js so the pages work under the
// app's CSP (script-src 'self') without inline script; each page passes its
// values in data- attributes of <main id="bridge">.
//
// Platform storage (1EdTech lti-cs-oidc / lti-pm-s v0.1): lti.capabilities goes
// to the parent (or opener) with targetOrigin "*" and may name the storage
// frame; lti.put_data / lti.get_data go to that frame with targetOrigin = the
// platform's OIDC auth origin ("*" for Canvas, which does not support the
// origin yet), and only answers from that origin with the same message_id
// count (checklist 42). Subjects may carry the older "org.imsglobal." prefix.
const bridgeJS = `"use strict";
(function () {
  var root = document.getElementById("bridge");
  if (!root) { return; }
  var d = root.dataset;
  var timeoutMs = parseInt(d.timeout || "3000", 10);
  var platformOrigin = d.platformOrigin || "";
  var sendOrigin = d.anyOrigin === "1" ? "*" : platformOrigin;

  function el(id) { return document.getElementById(id); }
  function say(text) { var s = el("status"); if (s) { s.textContent = text; } }
  function newID() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var a = new Uint32Array(4); crypto.getRandomValues(a); return Array.prototype.join.call(a, "-");
  }
  function platformWindow() { return window.parent !== window ? window.parent : window.opener; }

  // ask posts msg to win and resolves with the answer carrying the same
  // message_id and subject + ".response", from acceptOrigin (or from win when
  // acceptOrigin is empty). Anything else is ignored; silence is a timeout.
  function ask(win, msg, targetOrigin, acceptOrigin) {
    return new Promise(function (resolve, reject) {
      if (!win) { reject(new Error("no platform window")); return; }
      var id = newID();
      msg.message_id = id;
      var timer = setTimeout(function () { done(); reject(new Error("timeout")); }, timeoutMs);
      function done() { clearTimeout(timer); window.removeEventListener("message", onMessage); }
      function onMessage(event) {
        var r = event.data;
        if (!r || typeof r !== "object" || r.message_id !== id || r.subject !== msg.subject + ".response") { return; }
        if (acceptOrigin ? event.origin !== acceptOrigin : event.source !== win) { return; }
        done();
        if (r.error) { reject(new Error(String(r.error.code || "error"))); } else { resolve(r); }
      }
      window.addEventListener("message", onMessage);
      try { win.postMessage(msg, targetOrigin); } catch (e) { done(); reject(e); }
    });
  }

  // first resolves with the first promise that resolves, or rejects when all reject.
  function first(promises) {
    return new Promise(function (resolve, reject) {
      var left = promises.length;
      promises.forEach(function (p) { p.then(resolve, function (e) { if (--left === 0) { reject(e); } }); });
    });
  }

  // storage finds the platform storage: which frame, which subject spelling.
  function storage() {
    var parentWin = platformWindow();
    function caps(prefix) {
      return ask(parentWin, { subject: prefix + "lti.capabilities" }, "*", "").then(function (r) {
        var found = { prefix: null, frame: d.target };
        (r.supported_messages || []).forEach(function (m) {
          if (!m || typeof m.subject !== "string") { return; }
          var s = m.subject.replace(/^org\.imsglobal\./, "");
          if (s === "lti.put_data") {
            found.prefix = m.subject.slice(0, m.subject.length - s.length);
            if (m.frame) { found.frame = m.frame; }
          }
        });
        if (found.prefix === null) { throw new Error("no put_data"); }
        return found;
      });
    }
    return first([caps(""), caps("org.imsglobal.")]).then(function (found) {
      var target = (!found.frame || found.frame === "_parent") ? parentWin : parentWin.frames[found.frame];
      if (!target) { throw new Error("no storage frame"); }
      return { win: target, prefix: found.prefix };
    });
  }

  function put(st, key, value) {
    return ask(st.win, { subject: st.prefix + "lti.put_data", key: key, value: value }, sendOrigin, platformOrigin);
  }
  function get(st, key) {
    return ask(st.win, { subject: st.prefix + "lti.get_data", key: key }, sendOrigin, platformOrigin).then(function (r) {
      if (r.key !== key || typeof r.value !== "string") { throw new Error("no value"); }
      return r.value;
    });
  }

  // fallback explains the problem and offers the new window, whose handoff is
  // created first so that the click can open the window at once.
  function fallback() {
    say("");
    var box = el("fallback"), button = el("open-window"), note = el("fallback-status");
    box.hidden = false;
    var body = new URLSearchParams();
    body.set("state", d.state);
    fetch(d.handoffUrl, { method: "POST", body: body, credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("handoff " + r.status); }
      return r.json();
    }).then(function (h) {
      var popup = null;
      window.addEventListener("message", function (event) {
        var m = event.data;
        if (!popup || event.source !== popup || event.origin !== window.location.origin) { return; }
        if (!m || m.subject !== "ltibox.handoff.ready" || m.handoff !== h.id) { return; }
        popup.postMessage({ subject: "ltibox.handoff.key", handoff: h.id, key: h.key }, window.location.origin);
        note.textContent = "The activity continues in the new window.";
      });
      button.disabled = false;
      button.addEventListener("click", function () {
        popup = window.open(h.url, "_blank");
        note.textContent = popup ? "Opening a new window…" : "Your browser blocked the new window. Allow pop-ups for this site and try again.";
      });
    }).catch(function () {
      note.textContent = "This launch has expired. Go back to your course and open the activity again.";
    });
  }

  function checkCookie() {
    var body = new URLSearchParams();
    body.set("state", d.state);
    return fetch(d.cookieUrl, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (j) { return j.cookie === true; }, function () { return false; });
  }

  function login() {
    checkCookie().then(function (ok) {
      if (ok) { return true; }
      if (!d.target) { throw new Error("no platform storage"); }
      say("Saving the launch in your LMS…");
      return storage().then(function (st) {
        return put(st, "state_" + d.state, d.state).then(function () { return put(st, "nonce_" + d.nonce, d.nonce); });
      });
    }).then(function () {
      window.location.href = d.authUrl;
    }).catch(fallback);
  }

  function launch() {
    storage().then(function (st) {
      return get(st, "state_" + d.state).then(function (state) {
        return get(st, "nonce_" + d.nonce).then(function (nonce) { return [state, nonce]; });
      });
    }).then(function (values) {
      var form = el("complete");
      form.elements.bound_state.value = values[0];
      form.elements.bound_nonce.value = values[1];
      form.submit();
    }).catch(fallback);
  }

  function handoff() {
    var opener = window.opener;
    function fail() {
      say("");
      el("handoff-error").hidden = false;
    }
    if (!opener) { fail(); return; }
    var timer = setTimeout(fail, timeoutMs);
    window.addEventListener("message", function (event) {
      var m = event.data;
      if (event.source !== opener || event.origin !== window.location.origin) { return; }
      if (!m || m.subject !== "ltibox.handoff.key" || m.handoff !== d.handoff || typeof m.key !== "string") { return; }
      clearTimeout(timer);
      var form = el("continue");
      form.elements.key.value = m.key;
      form.submit();
    });
    try { opener.postMessage({ subject: "ltibox.handoff.ready", handoff: d.handoff }, window.location.origin); } catch (e) { clearTimeout(timer); fail(); }
  }

  if (d.step === "login") { login(); } else if (d.step === "launch") { launch(); } else if (d.step === "handoff") { handoff(); }
})();
`

// bridgeScript serves bridgeJS.
func bridgeScript(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.SendString(bridgeJS)
}
