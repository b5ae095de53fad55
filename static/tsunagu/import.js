// Import screen: a form sent once shows that it is working and cannot be sent twice
// (a second upload or a second confirmation of a large file would only queue more work).
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-import-form]")) return;
    if (form.dataset.sent === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    var button = form.querySelector("button[type=submit]");
    if (button) {
      button.setAttribute("aria-disabled", "true");
      button.classList.add("disabled");
      if (button.dataset.busyLabel) button.textContent = button.dataset.busyLabel;
    }
  });
})();
