// The offline recording page: saves uses on this device while the network is
// down and sends them to the register when it is back. Each saved use has a
// random ID that the register uses as its idempotency key, so sending twice
// records once; an entry leaves the list only when the register has answered.
(function () {
  "use strict";

  var root = document.getElementById("offline");
  var dataElement = document.getElementById("offline-data");
  if (!root || !dataElement) { return; }
  var data = JSON.parse(dataElement.textContent);
  var msg = root.dataset;
  var storageKey = "kaikukanta-offline-" + data.user;
  var CARD_ID = /^[A-Z0-9-]{4,20}$/;

  var siteSelect = document.getElementById("offline-site");
  var daySelect = document.getElementById("offline-day");
  var offeringSelect = document.getElementById("offline-offering");
  var cardInput = document.getElementById("offline-card");
  var childrenInput = document.getElementById("offline-children");
  var cardError = document.getElementById("offline-card-error");
  var network = document.getElementById("offline-network");
  var queueBody = document.getElementById("offline-queue");
  var sending = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(storageKey)) || []; } catch (e) { return []; }
  }
  function store(queue) { localStorage.setItem(storageKey, JSON.stringify(queue)); }

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

  function render() {
    var queue = load();
    queueBody.textContent = "";
    queue.forEach(function (entry) {
      var row = queueBody.insertRow();
      [entry.card, dayText(entry.date), label(entry), String(entry.children)].forEach(function (text) {
        row.insertCell().textContent = text;
      });
      var state = row.insertCell();
      state.textContent = msg["msg" + entry.status.charAt(0).toUpperCase() + entry.status.slice(1)] || entry.status;
      if (entry.message) { state.textContent += ": " + entry.message; }
      var actions = row.insertCell();
      if (entry.status !== "waiting") {
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn btn-link btn-sm p-0";
        remove.textContent = msg.msgRemove;
        remove.addEventListener("click", function () {
          store(load().filter(function (e) { return e.id !== entry.id; }));
          render();
        });
        actions.appendChild(remove);
      }
    });
  }

  function showNetwork(text) { network.textContent = text || (navigator.onLine ? msg.msgOnline : msg.msgOffline); }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function send() {
    var waiting = load().filter(function (e) { return e.status === "waiting"; });
    if (sending || !waiting.length) { return; }
    sending = true;
    fetch(root.dataset.syncUrl, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ entries: waiting })
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 403) { throw new Error("login"); }
      if (!response.ok) { throw new Error("status " + response.status); }
      return response.json();
    }).then(function (answer) {
      var byId = {};
      answer.results.forEach(function (r) { byId[r.id] = r; });
      store(load().map(function (entry) {
        var result = byId[entry.id];
        if (!result) { return entry; }
        entry.status = result.status;
        entry.message = result.message || "";
        return entry;
      }));
      render();
      showNetwork(msg.msgSent);
    }).catch(function (error) {
      showNetwork(error.message === "login" ? msg.msgLogin : undefined);
    }).then(function () { sending = false; });
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
    showNetwork(msg.msgSaved);
    cardInput.value = "";
    childrenInput.value = 0;
    cardInput.focus();
    if (navigator.onLine) { send(); }
  });

  siteSelect.addEventListener("change", fillOfferings);
  daySelect.addEventListener("change", fillOfferings);
  offeringSelect.addEventListener("change", limitChildren);
  document.getElementById("offline-send").addEventListener("click", send);
  window.addEventListener("online", function () { showNetwork(); send(); });
  window.addEventListener("offline", function () { showNetwork(); });

  fillSites();
  fillDays();
  fillOfferings();
  render();
  showNetwork();
  if (navigator.serviceWorker) { navigator.serviceWorker.register(root.dataset.swUrl); }
  if (navigator.onLine) { send(); }
})();
