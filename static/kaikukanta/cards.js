// The card registration form: show only the background fields of the chosen
// kind of card. Without JavaScript both sets are shown and the server checks
// that a community card has no personal background data.
(function () {
  "use strict";
  var form = document.querySelector(".card-register-form");
  if (!form) { return; }
  var personal = document.getElementById("personal-fields");
  var community = document.getElementById("community-fields");
  if (!personal || !community) { return; }

  function update() {
    var chosen = form.querySelector("input[name=kind]:checked");
    var isCommunity = Boolean(chosen && chosen.value === "community");
    // A disabled fieldset's fields are not sent, so the hidden set cannot
    // carry values typed before the kind was changed.
    personal.hidden = isCommunity;
    personal.disabled = isCommunity;
    community.hidden = !isCommunity;
    community.disabled = !isCommunity;
  }

  form.querySelectorAll("input[name=kind]").forEach(function (radio) {
    radio.addEventListener("change", update);
  });
  update();
})();
