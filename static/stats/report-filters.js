// The report filter form: only the fields of the chosen period are active.
// The others are disabled (so they are not sent) and hidden; without this
// file every field shows and the server ignores those the period does not use.
(function () {
  "use strict";

  document.querySelectorAll("form.stats-filters").forEach(function (form) {
    var period = form.querySelector("select[name=period]");
    if (!period) { return; }
    var dependent = form.querySelectorAll("[data-periods]");

    function update() {
      dependent.forEach(function (field) {
        var active = field.getAttribute("data-periods").split(" ").indexOf(period.value) !== -1;
        field.disabled = !active;
        var box = field.closest(".stats-field");
        if (box) { box.hidden = !active; }
      });
    }

    period.addEventListener("change", update);
    update();
  });
})();
