// Searchable multi-selects: typing in a list's filter box hides the options that do not
// contain the text (compared after NFKC and case folding, so ｶﾀｶﾅ and full-width letters match).
(function () {
  "use strict";

  function fold(text) {
    return (text || "").normalize("NFKC").toLowerCase();
  }

  function setUp(list) {
    var input = list.querySelector("[data-filter-input]");
    var items = Array.prototype.slice.call(list.querySelectorAll("[data-filter-item]"));
    var count = list.querySelector("[data-filter-count]");
    if (!input) return;
    function apply() {
      var wanted = fold(input.value.trim());
      var shown = 0;
      items.forEach(function (item) {
        var match = !wanted || fold(item.textContent).indexOf(wanted) !== -1;
        // A checked option stays visible: what is chosen is never hidden.
        var checked = item.querySelector("input:checked");
        item.hidden = !(match || checked);
        if (!item.hidden) shown += 1;
      });
      if (count) count.textContent = wanted ? shown + " / " + items.length : "";
    }
    input.addEventListener("input", apply);
    input.addEventListener("keydown", function (event) {
      // Enter in the filter must not submit the form half-filled.
      if (event.key === "Enter" && !event.isComposing) event.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-filter-list]"), setUp);
  });
})();
