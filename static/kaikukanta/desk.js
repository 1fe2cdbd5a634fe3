// The cashier's desk, made faster. The page works without this file: checking
// a card, recording and undoing are POST forms (a card ID never goes in a URL).
// With it:
// - a card is checked in place (JSON from usage:desk_card), no page load;
// - choosing another offering updates the chosen offering in the card's state
//   and the children's field (none on a course);
// - recording and undoing update the page's parts in place, so the live
//   regions announce the confirmation or the refusal;
// - a new scan always lands in the card field, wherever the focus is, so that
//   the scanner's Enter never presses "Record" for the previous card;
// - a QR code can be read with the camera (BarcodeDetector, or the vendored
//   jsQR where the browser has no BarcodeDetector).
// Every failure falls back to the plain form, which the server handles alike,
// except when the register cannot be reached: then it offers the offline page.
(function () {
  "use strict";

  var desk = document.getElementById("desk");
  if (!desk || !window.fetch || !window.DOMParser || !window.FormData) { return; }

  var PARTS = ["alert", "status", "record", "recent"];
  var cardForm = document.getElementById("desk-card-form");
  var checks = 0; // answers to older card checks are ignored

  function byId(id) { return document.getElementById(id); }
  function cardInput() { return byId("desk-card"); }

  function focusOn(id) {
    var element = id && byId(id);
    if (!element) { return; }
    element.focus();
    if (element === cardInput()) { element.select(); } // the next scan replaces the ID
  }

  // Put new content into the page's parts. The live regions are emptied first
  // and filled a moment later, so that a repeated message is announced again.
  function applyParts(html, focusId) {
    PARTS.forEach(function (name) {
      var part = desk.querySelector('[data-desk-part="' + name + '"]');
      if (part && typeof html[name] === "string") { part.innerHTML = ""; }
    });
    window.setTimeout(function () {
      PARTS.forEach(function (name) {
        var part = desk.querySelector('[data-desk-part="' + name + '"]');
        if (part && typeof html[name] === "string") { part.innerHTML = html[name]; }
      });
      showChosen();
      focusOn(focusId);
    }, 50);
  }

  function setCard(cardId) {
    cardInput().value = cardId;
    desk.querySelectorAll("[data-desk-card-copy]").forEach(function (input) { input.value = cardId; });
  }

  // --- When the register cannot be reached ----------------------------------

  // A fetch whose network failure or 5xx answer (the register cannot reach its
  // database) rejects with {unreachable: true}.
  function fetchRegister(url, options) {
    return fetch(url, options).then(function (response) {
      if (response.status >= 500) { throw { unreachable: true }; }
      return response;
    }, function () { throw { unreachable: true }; });
  }

  // A card check or a record that could not reach the register is neither the
  // card's fault nor a refusal: say so in the alert area and offer the offline
  // page (usage/desk/_unavailable.html, kept in the page as a <template>),
  // rather than send the plain form into the same failure. Nothing shown for
  // an earlier card stays usable. False for any other failure.
  function offerOffline(failure) {
    var offer = byId("desk-unavailable-template");
    if (!failure || !failure.unreachable || !offer) { return false; }
    var record = byId("desk-record-button");
    if (record) { record.disabled = true; }
    applyParts({ alert: offer.innerHTML, status: "" }, "desk-offline-link");
    return true;
  }

  // --- Checking a card -----------------------------------------------------

  cardForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var check = ++checks;
    fetchRegister(desk.dataset.cardUrl, {
      method: "POST",
      body: new FormData(cardForm), // with the form's CSRF token
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || type.indexOf("application/json") !== 0) { throw new Error("no answer"); }
      return response.json();
    }).then(function (answer) {
      if (check !== checks) { return; }
      setCard(answer.card.card_id);
      applyParts(answer.html, answer.focus);
    }).catch(function (failure) {
      if (offerOffline(failure)) { return; }
      cardForm.submit(); // the plain form; it does not come back here
    });
  });

  // --- Recording and undoing -------------------------------------------------

  // `url`: where a redirect led (the confirmation), to keep in the address bar;
  // a page answered directly (a refusal) leaves the address as it was.
  function swapFrom(text, url) {
    var page = new DOMParser().parseFromString(text, "text/html");
    var fresh = page.getElementById("desk");
    if (!fresh) { return false; }
    var html = {};
    PARTS.forEach(function (name) {
      var part = fresh.querySelector('[data-desk-part="' + name + '"]');
      if (part) { html[name] = part.innerHTML; }
    });
    var freshCard = page.getElementById("desk-card");
    setCard(freshCard ? freshCard.value : "");
    var focused = fresh.querySelector("[autofocus]");
    applyParts(html, focused ? focused.id : "desk-card");
    if (url && window.history && url.indexOf(window.location.origin + "/") === 0) {
      window.history.replaceState(null, "", url);
    }
    return true;
  }

  desk.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-desk-swap")) { return; }
    event.preventDefault();
    if (form.dataset.sending) { return; } // a double click sends once (the key makes a resend safe anyway)
    form.dataset.sending = "1";
    fetchRegister(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.text().then(function (text) {
        if (!swapFrom(text, response.redirected ? response.url : null)) {
          throw new Error("not the desk");
        }
      });
    }).catch(function (failure) {
      if (offerOffline(failure)) { return; }
      // The plain POST. Resending a record is safe: its key returns the first result.
      HTMLFormElement.prototype.submit.call(form);
    });
  });

  // --- The chosen offering; children: none on a course ---------------------------

  function showChosen() {
    var chosen = desk.querySelector('input[name="offering"]:checked');
    var title = byId("desk-chosen-title");
    if (chosen && title) { title.textContent = chosen.dataset.title; }
    var children = byId("desk-children");
    if (!children) { return; }
    var course = Boolean(chosen && chosen.dataset.course === "true");
    children.max = course ? "0" : children.dataset.allowed;
    if (course) { children.value = "0"; }
    children.disabled = course; // not sent: the server reads no children
    desk.querySelectorAll("[data-desk-children-help]").forEach(function (help) {
      help.hidden = (help.dataset.deskChildrenHelp === "course") !== course;
    });
  }

  desk.addEventListener("change", function (event) {
    if (event.target.name === "offering") { showChosen(); }
  });
  showChosen();

  // --- A scan always goes to the card field --------------------------------------

  // Letters, digits, '-' and Code 39's '*' typed while the focus is on a button,
  // a radio or nowhere start a new card ID. Text fields keep their own keys,
  // except that letters never belong in the children field.
  var CARD_KEY = /^[A-Za-z0-9*-]$/;
  var OWN_KEYS = "input[type=text], input[type=date], input[type=search], input:not([type]), select, textarea, [contenteditable]";
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || !CARD_KEY.test(event.key)) { return; }
    var target = event.target;
    var input = cardInput();
    if (target === input || byId("desk-qr-dialog").open) { return; }
    if (target !== document.body && !desk.contains(target)) { return; }
    if (target.matches && target.matches(OWN_KEYS)) { return; }
    if (target.id === "desk-children" && /^[0-9]$/.test(event.key)) { return; }
    event.preventDefault();
    input.value = event.key;
    input.focus();
  });

  // --- Reading a QR code with the camera --------------------------------------------

  var qrButton = byId("desk-qr");
  var dialog = byId("desk-qr-dialog");
  var video = byId("desk-qr-video");
  var qrMessage = byId("desk-qr-message");
  var stream = null;
  var scanning = false;

  function say(text) { qrMessage.textContent = text || ""; }

  function loadJsQR() {
    if (window.jsQR) { return Promise.resolve(window.jsQR); }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = desk.dataset.jsqrSrc;
      script.onload = function () { resolve(window.jsQR); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  // A function that reads the current video frame: the bare ID, or null.
  function makeReader() {
    function withJsQR() {
      return loadJsQR().then(function (jsQR) {
        var canvas = document.createElement("canvas");
        var context = canvas.getContext("2d", { willReadFrequently: true });
        return function () {
          var width = video.videoWidth;
          var height = video.videoHeight;
          if (!width || !height) { return Promise.resolve(null); }
          canvas.width = width;
          canvas.height = height;
          context.drawImage(video, 0, 0, width, height);
          var code = jsQR(context.getImageData(0, 0, width, height).data, width, height,
                          { inversionAttempts: "attemptBoth" });
          return Promise.resolve(code && code.data ? code.data : null);
        };
      });
    }
    if (!("BarcodeDetector" in window)) { return withJsQR(); }
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") < 0) { return withJsQR(); }
      var wanted = ["qr_code", "code_39"].filter(function (f) { return formats.indexOf(f) >= 0; });
      var detector = new window.BarcodeDetector({ formats: wanted });
      return function () {
        return detector.detect(video).then(function (codes) {
          return codes.length ? codes[0].rawValue : null;
        });
      };
    }, withJsQR);
  }

  function scan(read) {
    if (!scanning) { return; }
    read().then(function (value) {
      if (!scanning) { return; }
      if (value && value.trim()) {
        stopCamera();
        setCard(value.trim());
        if (cardForm.requestSubmit) { cardForm.requestSubmit(); } else { cardForm.submit(); }
        return;
      }
      window.setTimeout(function () { scan(read); }, 120);
    }, function () {
      window.setTimeout(function () { scan(read); }, 250);
    });
  }

  function stopCamera() {
    scanning = false;
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    video.srcObject = null;
    if (dialog.open) { dialog.close(); }
  }

  function openCamera() {
    dialog.showModal();
    say(dialog.dataset.msgStarting);
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        if (!dialog.open) { media.getTracks().forEach(function (t) { t.stop(); }); return null; }
        stream = media;
        video.srcObject = media;
        return video.play().then(makeReader);
      })
      .then(function (read) {
        if (!read || !dialog.open) { return; }
        say(dialog.dataset.msgScanning);
        scanning = true;
        scan(read);
      })
      .catch(function () {
        stopCamera();
        dialog.showModal();
        say(dialog.dataset.msgNoCamera);
      });
  }

  if (qrButton && dialog && typeof dialog.showModal === "function" &&
      navigator.mediaDevices && typeof navigator.mediaDevices.getUserMedia === "function") {
    qrButton.hidden = false;
    qrButton.addEventListener("click", openCamera);
    byId("desk-qr-stop").addEventListener("click", stopCamera);
    // Escape closes the dialog (the browser's own "cancel"); the camera stops with it.
    dialog.addEventListener("close", stopCamera);
  }

  // The service worker keeps the offline page ready before the network fails.
  if (desk.dataset.swUrl && navigator.serviceWorker) {
    navigator.serviceWorker.register(desk.dataset.swUrl).catch(function () {});
  }
})();
