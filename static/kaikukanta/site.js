// Enhancements only: every page works without this file.
(function () {
  "use strict";

  // Text size: apply at once, without a page load; the form posts as before
  // when JavaScript is off.
  document.querySelectorAll(".text-size-control").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || !button.value) { return; }
      event.preventDefault();
      var size = button.value;
      // The root on the app's pages; <body> in the admin (whose <html> is Django's).
      [document.documentElement, document.body].forEach(function (element) {
        element.classList.remove("text-size-normal", "text-size-large", "text-size-larger");
      });
      var root = document.body.classList.contains("admin-text-size") ? document.body : document.documentElement;
      root.classList.add("text-size-" + size);
      document.cookie = "text_size=" + size + ";path=/;max-age=31536000;samesite=lax";
      form.querySelectorAll("button[name=size]").forEach(function (b) {
        b.setAttribute("aria-pressed", b === button ? "true" : "false");
      });
    });
  });
})();
