// The batch-entry grid for typing in a paper form. Enhancements only: without
// this file the page is a plain form with 25 empty rows.
//   Tab         the next column (the browser's own)
//   Enter       the next row, with the date and offering of this one; a new
//               row at the end; the cursor goes to the card ID
//   Ctrl+Enter  check the rows (submit)
(function () {
  "use strict";
  var grid = document.getElementById("entry-grid");
  var template = document.getElementById("entry-row-template");
  var total = document.getElementById("id_rows-TOTAL_FORMS");
  var status = document.getElementById("entry-status");
  if (!grid || !template || !total) { return; }
  var body = grid.querySelector("tbody");
  var form = document.getElementById("entry-form");
  var maxRows = parseInt(grid.getAttribute("data-max-rows"), 10) || 200;

  function field(row, name) {
    return row.querySelector("input[name$='-" + name + "']");
  }

  function announce(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function addRow() {
    var index = parseInt(total.value, 10);
    if (index >= maxRows) {
      announce(status.getAttribute("data-full"));
      return null;
    }
    var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__n__/g, String(index + 1));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    announce(status.getAttribute("data-row-added").replace("__n__", String(index + 1)));
    return body.lastElementChild;
  }

  grid.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.tagName !== "INPUT") { return; }
    event.preventDefault();
    if (event.ctrlKey || event.metaKey) {
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      return;
    }
    var row = event.target.closest("tr");
    var next = row.nextElementSibling || addRow();
    if (!next) { return; }
    ["date", "offering"].forEach(function (name) {
      var from = field(row, name);
      var to = field(next, name);
      if (from && to && !to.value) { to.value = from.value; }
    });
    var target = field(next, "card_id") || next.querySelector("input");
    target.focus();
    target.select();
  });
})();
