// Quick entry of a call (相談記録), loaded on every page from base.html:
// Alt+N opens the form from anywhere (on a case page: for that case); in the form Enter in a
// single-line field saves, the summary is multi-line (Enter is a new line) and Ctrl+Enter or
// ⌘+Enter saves from there. Enter that confirms an IME conversion is left to the IME.
(function () {
  "use strict";

  function quickEntryForm() {
    return document.querySelector("form[data-quick-entry-form]");
  }

  function onGlobalKey(event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.code !== "KeyN" || event.isComposing) return;
    var form = quickEntryForm();
    if (form) {
      // Already here: do not reload and lose what is typed; start again at the first field.
      event.preventDefault();
      form.querySelector("select, input:not([type=hidden]), textarea").focus();
      return;
    }
    // A page about one case offers quick entry for that case; elsewhere the navigation's.
    var link =
      document.querySelector("a[data-quick-entry-here]") ||
      document.querySelector("a[data-quick-entry]");
    if (!link) return;
    event.preventDefault();
    window.location.assign(link.href);
  }

  function personRadios(form) {
    return Array.prototype.slice.call(form.querySelectorAll("#person-results input[name=person]"));
  }

  // Picks the first search result when the call is still "unknown"; true if it did.
  function pickFirstPerson(form, search) {
    var radios = personRadios(form);
    var chosen = radios.filter(function (r) { return r.checked; })[0];
    var first = radios.filter(function (r) { return r.value !== ""; })[0];
    if (!first || !search.value.trim() || (chosen && chosen.value !== "")) return false;
    first.checked = true;
    first.dispatchEvent(new Event("change", { bubbles: true }));
    first.focus();
    return true;
  }

  function setUpForm(form) {
    var consulter = form.querySelector("[name=consulter]");
    var relationField = document.getElementById("relation-field");
    function syncRelation() {
      if (consulter && relationField) relationField.hidden = consulter.value !== "family";
    }
    if (consulter) consulter.addEventListener("change", syncRelation);
    syncRelation();

    var search = form.querySelector("[data-person-search]");
    if (search) {
      search.addEventListener("keydown", function (event) {
        if (event.key === "ArrowDown" && !event.isComposing) {
          var first = personRadios(form).filter(function (r) { return r.value !== ""; })[0];
          if (first) {
            event.preventDefault();
            first.checked = true;
            first.dispatchEvent(new Event("change", { bubbles: true }));
            first.focus();
          }
        }
      });
    }

    form.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing || event.keyCode === 229) return;
      var target = event.target;
      var saveKey = event.ctrlKey || event.metaKey;
      if (target.tagName === "TEXTAREA") {
        if (!saveKey || event.altKey) return;
        event.preventDefault();
        form.requestSubmit();
        return;
      }
      if (event.altKey || saveKey) return;
      if (target.tagName === "BUTTON" || target.tagName === "A") return;
      event.preventDefault();
      if (target === search && pickFirstPerson(form, search)) return;
      form.requestSubmit();
    });

    var errors = document.getElementById("quick-entry-errors");
    if (errors) errors.focus();
  }

  document.addEventListener("keydown", onGlobalKey);
  document.addEventListener("DOMContentLoaded", function () {
    var form = quickEntryForm();
    if (form) setUpForm(form);
  });
})();
