// The offline recording page: saves uses on this device while the network is
// down and sends them to the register when it is back. Each saved use has a
// random ID that the register uses as its idempotency key, so sending twice
// records once; an entry leaves the list only when the register has answered
// for it with a final answer (recorded, already there, or refused by a rule).
//
// The queue goes out in batches of at most the server's limit, oldest first.
// What the page does with an answer:
// - an entry answered "retry" (the register was busy), a 5xx, a 408 or 429,
//   no answer at all or a timeout: the uses stay waiting and are sent again by
//   themselves, with a growing pause (capped), and the page says when;
// - the login page or a 401/403: the cashier is asked to log in again;
// - any other 4xx for the whole request: a problem to report, shown as such,
//   never taken as "sent" and never retried silently in a loop.
// The page keeps no list of refusal codes: the server says per entry whether
// an answer is final.
(function () {
  "use strict";

  var root = document.getElementById("offline");
  var dataElement = document.getElementById("offline-data");
  if (!root || !dataElement) { return; }
  var data = JSON.parse(dataElement.textContent);
  var msg = root.dataset;
  var storageKey = "kaikukanta-offline-" + data.user;
  var CARD_ID = /^[A-Z0-9-]{4,20}$/;
  var FINAL = ["recorded", "already", "refused"];
  // The pause before the next try doubles from FIRST_PAUSE up to MAX_PAUSE.
  var FIRST_PAUSE = 5000;
  var MAX_PAUSE = 5 * 60 * 1000;
  // A request that has not answered by then counts as not answered at all.
  var REQUEST_TIMEOUT = 60000;

  var siteSelect = document.getElementById("offline-site");
  var daySelect = document.getElementById("offline-day");
  var offeringSelect = document.getElementById("offline-offering");
  var cardInput = document.getElementById("offline-card");
  var childrenInput = document.getElementById("offline-children");
  var cardError = document.getElementById("offline-card-error");
  var network = document.getElementById("offline-network");
  var problemBox = document.getElementById("offline-problem");
  var problemDetails = document.getElementById("offline-problem-details");
  var queueBody = document.getElementById("offline-queue");
  var columns = Array.prototype.map.call(queueBody.closest("table").tHead.rows[0].cells, function (th) {
    return th.textContent.trim();
  });

  // Without a limit in the page (an old cached copy), the server's answer to
  // too large a request teaches it.
  var limit = Number(data.sync_limit) > 0 ? Number(data.sync_limit) : Infinity;
  var sync = {
    sending: false,
    attempt: 0,      // rounds in a row that left uses to send again
    retryAt: 0,      // when the next automatic try is due (0: none scheduled)
    timer: null,
    reason: "",      // why uses are still waiting
    login: false,
    problem: null,   // {status, time, detail}: a whole request refused
    note: ""
  };

  function load() {
    try { return JSON.parse(localStorage.getItem(storageKey)) || []; } catch (e) { return []; }
  }
  function store(queue) { localStorage.setItem(storageKey, JSON.stringify(queue)); }
  function isWaiting(entry) { return FINAL.indexOf(entry.status) === -1; }

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (all, name) { return String(values[name]); });
  }

  function clock(time) {
    var options = { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };
    var lang = document.documentElement.lang;
    try {
      return new Date(time).toLocaleTimeString(lang, Object.assign({ timeZone: data.time_zone }, options));
    } catch (e) {
      return new Date(time).toLocaleTimeString(lang, options);
    }
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function normalise(raw) { return raw.replace(/\s+/g, "").toUpperCase().replace(/^\*+|\*+$/g, ""); }

  function option(select, value, label) {
    var element = document.createElement("option");
    element.value = value;
    element.textContent = label;
    select.appendChild(element);
  }

  function currentSite() {
    var id = Number(siteSelect.value);
    return data.sites.filter(function (s) { return s.id === id; })[0] || data.sites[0];
  }

  function fillSites() {
    data.sites.forEach(function (site) { option(siteSelect, site.id, site.name); });
    if (data.site) { siteSelect.value = data.site; } // where the person last worked
  }

  // A day as the reader writes it: the server's label, else day.month.year.
  function dayText(day) {
    var parts = String(day).split("-");
    return (data.day_labels && data.day_labels[day]) ||
      (parts.length === 3 ? Number(parts[2]) + "." + Number(parts[1]) + "." + parts[0] : day);
  }

  function fillDays() {
    data.days.forEach(function (day) { option(daySelect, day, dayText(day)); });
    daySelect.value = data.today;
  }

  function fillOfferings() {
    offeringSelect.textContent = "";
    var day = daySelect.value;
    var offerings = currentSite().offerings.filter(function (o) { return o.days.indexOf(day) !== -1; });
    if (!offerings.length) { option(offeringSelect, "", msg.msgNoOffering); }
    offerings.forEach(function (o) {
      option(offeringSelect, o.id, o.label);
      offeringSelect.lastChild.dataset.course = o.course ? "1" : "";
    });
    limitChildren();
  }

  function limitChildren() {
    var chosen = offeringSelect.selectedOptions[0];
    var course = chosen && chosen.dataset.course === "1";
    childrenInput.max = course ? 0 : data.max_children;
    if (course) { childrenInput.value = 0; }
  }

  function label(entry) {
    var site = data.sites.filter(function (s) { return s.id === entry.site; })[0];
    var offering = site && site.offerings.filter(function (o) { return o.id === entry.offering; })[0];
    return offering ? offering.label : msg.msgNoOffering;
  }

  // One element in the cell, so that on a narrow screen the column's name
  // (the cell's ::before) and the content sit side by side.
  function stateCell(cell, entry) {
    var state = document.createElement("div");
    cell.appendChild(state);
    if (!isWaiting(entry)) {
      state.textContent = msg["msg" + entry.status.charAt(0).toUpperCase() + entry.status.slice(1)];
      if (entry.message) { state.textContent += ": " + entry.message; }
      return;
    }
    state.textContent = msg.msgWaiting;
    var why = [entry.message, sync.retryAt ? fill(msg.msgNextTry, { time: clock(sync.retryAt) }) : ""];
    why = why.filter(Boolean).join(" ");
    if (why) {
      var detail = document.createElement("div");
      detail.className = "small";
      detail.textContent = why;
      state.appendChild(detail);
    }
  }

  function removeButton(entry) {
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn btn-link btn-sm p-0";
    remove.textContent = msg.msgRemove;
    remove.addEventListener("click", function () {
      store(load().filter(function (e) { return e.id !== entry.id; }));
      render();
    });
    return remove;
  }

  function render() {
    queueBody.textContent = "";
    load().forEach(function (entry) {
      var row = queueBody.insertRow();
      [entry.card, dayText(entry.date), label(entry), String(entry.children)].forEach(function (text) {
        row.insertCell().textContent = text;
      });
      stateCell(row.insertCell(), entry);
      var actions = row.insertCell();
      actions.className = "offline-actions";
      if (!isWaiting(entry)) { actions.appendChild(removeButton(entry)); }
      Array.prototype.forEach.call(row.cells, function (cell, index) {
        cell.dataset.label = columns[index] || "";
      });
    });
  }

  // The status line says the one thing that matters most just now.
  function showStatus() {
    var text = sync.note || msg.msgOnline;
    var warn = false;
    if (!navigator.onLine) {
      text = msg.msgOffline;
    } else if (sync.sending) {
      text = msg.msgSending;
    } else if (sync.login) {
      text = msg.msgLogin;
      warn = true;
    } else if (sync.retryAt) {
      text = sync.reason + " " + fill(msg.msgRetry, { time: clock(sync.retryAt) });
      warn = true;
    } else if (sync.problem) {
      text = msg.msgNotAllSent;
      warn = true;
    }
    network.textContent = text;
    network.classList.toggle("alert-warning", warn);
    network.classList.toggle("alert-secondary", !warn);
    problemBox.hidden = !sync.problem;
    if (sync.problem) {
      problemDetails.textContent = [
        fill(msg.msgProblemDetails, { status: sync.problem.status, time: clock(sync.problem.time) }),
        sync.problem.detail
      ].filter(Boolean).join(" ");
    }
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Retry-After in seconds or as an HTTP date, in milliseconds from now.
  function retryAfter(response) {
    var value = response.headers.get("Retry-After");
    if (!value) { return 0; }
    var seconds = Number(value);
    if (!isNaN(seconds)) { return Math.max(0, seconds * 1000); }
    var when = Date.parse(value);
    return isNaN(when) ? 0 : Math.max(0, when - Date.now());
  }

  // What an answer to a whole request means for the page.
  function read(response, sent) {
    var status = response.status;
    if (response.type === "opaqueredirect" || status === 401 || status === 403) {
      return Promise.resolve({ kind: "login" });
    }
    return response.json().catch(function () { return null; }).then(function (body) {
      if (response.ok && body && Array.isArray(body.results)) {
        return { kind: "answered", body: body };
      }
      if (response.ok) {  // not the register's answer (a captive portal's page, say)
        return { kind: "temporary", reason: msg.msgNoAnswer };
      }
      if (status === 408 || status === 429 || status >= 500) {
        return { kind: "temporary", reason: fill(msg.msgServerError, { status: status }), wait: retryAfter(response) };
      }
      if (body && body.code === "too_many_entries" && body.limit > 0 && body.limit < sent) {
        return { kind: "smaller", limit: body.limit };
      }
      return { kind: "problem", status: status, time: Date.now(), detail: body && body.error ? String(body.error) : "" };
    });
  }

  function post(batch) {
    var controller = window.AbortController ? new AbortController() : null;
    var timeout = controller && window.setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT);
    return fetch(root.dataset.syncUrl, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ entries: batch }),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return read(response, batch.length);
    }, function () {
      return { kind: "temporary", reason: msg.msgNoAnswer };  // no network, or the timeout
    }).then(function (outcome) {
      window.clearTimeout(timeout);
      return outcome;
    });
  }

  // Writes the register's answers into the queue (which another tab may have
  // changed meanwhile); returns how many of the batch are to be sent again.
  function apply(body, batch) {
    if (Number(body.limit) > 0) { limit = Number(body.limit); }
    var byId = {};
    body.results.forEach(function (r) { if (r && r.id) { byId[r.id] = r; } });
    store(load().map(function (entry) {
      var result = byId[entry.id];
      if (!result) { return entry; }
      // "retry", or a status this page does not know: the use stays waiting.
      entry.status = FINAL.indexOf(result.status) !== -1 ? result.status : "waiting";
      entry.message = result.message || "";
      return entry;
    }));
    return batch.filter(function (entry) {
      var result = byId[entry.id];
      return !result || FINAL.indexOf(result.status) === -1;
    }).length;
  }

  function cancelRetry() {
    window.clearTimeout(sync.timer);
    sync.timer = null;
    sync.retryAt = 0;
  }

  function scheduleRetry(left) {
    sync.attempt += 1;
    var pause = Math.min(MAX_PAUSE, FIRST_PAUSE * Math.pow(2, sync.attempt - 1));
    // A little spread, so that devices that lost the network together do not
    // all come back at the same second; the server's Retry-After is a floor.
    pause = Math.max(Math.min(MAX_PAUSE, pause * (0.8 + Math.random() * 0.4)), left.wait || 0);
    sync.reason = left.reason;
    sync.retryAt = Date.now() + pause;
    sync.timer = window.setTimeout(function () {
      cancelRetry();
      if (navigator.onLine) { send(); } else { showStatus(); render(); }
    }, pause);
  }

  // One round: every waiting use, in batches, oldest first. `now` (the cashier
  // pressed "Send now", or the network came back) skips a scheduled pause.
  function send(now) {
    if (sync.sending || (sync.timer && !now) || !load().some(isWaiting)) { return; }
    cancelRetry();
    sync.sending = true;
    sync.login = false;
    sync.problem = null;
    sync.note = "";
    showStatus();
    var tried = {};
    var left = null;

    function next() {
      var batch = load().filter(function (e) { return isWaiting(e) && !tried[e.id]; }).slice(0, limit);
      if (!batch.length) { return Promise.resolve(); }
      return post(batch).then(function (outcome) {
        if (outcome.kind === "smaller") {
          limit = outcome.limit;
          return next();
        }
        if (outcome.kind === "answered") {
          batch.forEach(function (e) { tried[e.id] = true; });
          if (apply(outcome.body, batch)) { left = left || { reason: msg.msgNotAllSent }; }
          render();
          return next();
        }
        // The rest of the round would meet the same answer: stop here.
        if (outcome.kind === "temporary") { left = outcome; }
        if (outcome.kind === "login") { sync.login = true; }
        if (outcome.kind === "problem") { sync.problem = outcome; }
      });
    }

    next().then(function () {
      sync.sending = false;
      if (left) {
        scheduleRetry(left);
      } else if (!sync.login && !sync.problem) {
        sync.attempt = 0;
        sync.note = msg.msgSent;
      }
      render();
      showStatus();
    });
  }

  document.getElementById("offline-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var card = normalise(cardInput.value);
    if (!CARD_ID.test(card)) {
      cardError.textContent = msg.msgBadCard;
      cardInput.setAttribute("aria-invalid", "true");
      cardInput.focus();
      return;
    }
    cardError.textContent = "";
    cardInput.removeAttribute("aria-invalid");
    var queue = load();
    queue.push({
      id: newId(),
      site: currentSite().id,
      date: daySelect.value,
      offering: offeringSelect.value ? Number(offeringSelect.value) : null,
      card: card,
      children: Math.max(0, Math.min(Number(childrenInput.value) || 0, Number(childrenInput.max))),
      status: "waiting",
      message: ""
    });
    store(queue);
    render();
    if (!sync.retryAt && !sync.problem) { sync.note = msg.msgSaved; }
    showStatus();
    cardInput.value = "";
    childrenInput.value = 0;
    cardInput.focus();
    // A scheduled retry takes the new use along; until then it waits.
    if (navigator.onLine) { send(); }
  });

  siteSelect.addEventListener("change", fillOfferings);
  daySelect.addEventListener("change", fillOfferings);
  offeringSelect.addEventListener("change", limitChildren);
  document.getElementById("offline-send").addEventListener("click", function () { send(true); });
  window.addEventListener("online", function () {
    sync.attempt = 0;
    showStatus();
    send(true);
  });
  window.addEventListener("offline", showStatus);
  // Another tab saved or sent uses: show the queue as it is now.
  window.addEventListener("storage", function (event) { if (event.key === storageKey) { render(); } });

  fillSites();
  fillDays();
  fillOfferings();
  render();
  showStatus();
  if (navigator.serviceWorker) { navigator.serviceWorker.register(root.dataset.swUrl); }
  if (navigator.onLine) { send(); }
})();
