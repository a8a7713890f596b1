/* Applicant portal, progressive enhancement only: every page works without this file.
   - Dossier form: show the filled item rows plus one, with a button to reveal more.
   - Forms marked data-confirm ask before submitting (e.g. removing an uploaded file). */
(function () {
  "use strict";

  function isBlank(row) {
    if (row.querySelector(".is-invalid")) {
      return false;
    }
    var fields = row.querySelectorAll("input, select, textarea");
    for (var i = 0; i < fields.length; i += 1) {
      if (fields[i].value && fields[i].value.trim()) {
        return false;
      }
    }
    return true;
  }

  function setUpItemRows() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("[data-item-row]"));
    var button = document.querySelector("[data-add-item-row]");
    if (!rows.length || !button) {
      return;
    }
    var lastFilled = -1;
    rows.forEach(function (row, index) {
      if (!isBlank(row)) {
        lastFilled = index;
      }
    });
    var shown = Math.max(lastFilled + 1, 1);
    rows.forEach(function (row, index) {
      if (index >= shown) {
        row.classList.add("d-none");
      }
    });
    function refresh() {
      var hidden = rows.filter(function (row) { return row.classList.contains("d-none"); });
      button.classList.toggle("d-none", hidden.length === 0);
    }
    button.addEventListener("click", function () {
      var next = rows.filter(function (row) { return row.classList.contains("d-none"); })[0];
      if (next) {
        next.classList.remove("d-none");
        var first = next.querySelector("select, input");
        if (first) {
          first.focus();
        }
      }
      refresh();
    });
    refresh();
  }

  function setUpConfirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
  }

  setUpItemRows();
  setUpConfirmations();
}());
