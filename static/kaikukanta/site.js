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
      document.documentElement.classList.remove("text-size-normal", "text-size-large", "text-size-larger");
      document.documentElement.classList.add("text-size-" + size);
      document.cookie = "text_size=" + size + ";path=/;max-age=31536000;samesite=lax";
      form.querySelectorAll("button[name=size]").forEach(function (b) {
        b.setAttribute("aria-pressed", b === button ? "true" : "false");
      });
    });
  });
})();
