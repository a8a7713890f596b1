/* Confirmation before the actions that cannot be undone (submit, approve, reject, issue,
   close the year). A submit button with data-confirm="question" asks the question with the
   browser's own dialog; "Cancel" keeps the page as it is and sends nothing. Any form gets it
   by that one attribute. Without this file the forms still work (the server checks anyway). */
(function () {
  "use strict";

  function submitterOf(event) {
    if (event.submitter) {
      return event.submitter;
    }
    // Older browsers without SubmitEvent.submitter: the form's only confirming button.
    var buttons = event.target.querySelectorAll("[type=submit][data-confirm]");
    return buttons.length === 1 ? buttons[0] : null;
  }

  document.addEventListener("submit", function (event) {
    var button = submitterOf(event);
    var question = button && button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
}());
