// Passkeys: create one (data-passkey="register") or confirm a login with one
// (data-passkey="verify"), through django-otp-webauthn's JSON endpoints. The
// section stays hidden where the browser has no passkeys or JavaScript is off:
// the codes work without it. Messages come from the page, in its language.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) { return; }

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(binary, function (c) { return c.charCodeAt(0); }).buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : (match ? decodeURIComponent(match[1]) : "");
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { throw new Error(data.detail || String(response.status)); }
        return data;
      });
    });
  }

  function creationOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    (options.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return { publicKey: options };
  }

  function requestOptions(options) {
    options.challenge = toBytes(options.challenge);
    (options.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
    return { publicKey: options };
  }

  function registrationJSON(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: toBase64url(response.clientDataJSON),
        attestationObject: toBase64url(response.attestationObject),
        transports: response.getTransports ? response.getTransports() : []
      }
    };
  }

  function assertionJSON(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: toBase64url(response.clientDataJSON),
        authenticatorData: toBase64url(response.authenticatorData),
        signature: toBase64url(response.signature),
        userHandle: response.userHandle ? toBase64url(response.userHandle) : null
      }
    };
  }

  function withNext(url, next) {
    return next ? url + "?next=" + encodeURIComponent(next) : url;
  }

  function run(box) {
    var ceremony = box.dataset.passkey;
    var status = box.querySelector(".passkey-status");
    var button = box.querySelector("button");
    var next = box.dataset.next || "";

    function say(key) { status.textContent = box.dataset[key] || ""; }

    button.disabled = true;
    say("msgWaiting");
    post(box.dataset.beginUrl)
      .then(function (options) {
        return ceremony === "register"
          ? navigator.credentials.create(creationOptions(options)).then(registrationJSON)
          : navigator.credentials.get(requestOptions(options)).then(assertionJSON);
      })
      .then(function (credential) {
        return post(withNext(box.dataset.completeUrl, next), credential);
      })
      .then(function (result) {
        say("msgDone");
        window.location.assign(result.redirect_url || next || "/");
      })
      .catch(function (error) {
        say(error && (error.name === "NotAllowedError" || error.name === "AbortError")
          ? "msgCancelled" : "msgFailed");
        button.disabled = false;
        button.focus();
      });
  }

  document.querySelectorAll("[data-passkey]").forEach(function (box) {
    var section = box.closest(".passkey-section");
    if (section) { section.hidden = false; }
    box.hidden = false;
    box.querySelector("button").addEventListener("click", function () { run(box); });
  });
})();
