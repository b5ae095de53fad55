// Date fields take what people type (令和7年4月1日, R7.4.1, 2025/4/1) and a calendar picker.
// Beside each `[data-date-input]` text box: a calendar button that opens the browser's own
// date picker, and a line that reads the typed date back in 和暦 so a slip is seen at once.
(function () {
  "use strict";
  var ERAS = [
    ["令和", "R", "2019-05-01"], ["平成", "H", "1989-01-08"], ["昭和", "S", "1926-12-25"],
    ["大正", "T", "1912-07-30"], ["明治", "M", "1868-01-25"]
  ];

  function toHalfWidth(text) {
    return text.replace(/[！-～]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    }).replace(/　/g, " ").trim();
  }

  function isoOf(y, m, d) {
    var date = new Date(Date.UTC(y, m - 1, d));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
      return null;
    }
    return date.toISOString().slice(0, 10);
  }

  // The same notations the server reads (tsunagu/core/eras.py); the server stays the judge.
  function parse(text) {
    var t = toHalfWidth(text), m;
    if ((m = t.match(/^(\d{4})[-\/.](\d{1,2})[-\/.](\d{1,2})$/)) ||
        (m = t.match(/^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$/)) ||
        (m = t.match(/^(\d{4})(\d{2})(\d{2})$/))) {
      return isoOf(+m[1], +m[2], +m[3]);
    }
    m = t.match(/^(令和|平成|昭和|大正|明治|[RHSTMrhstm])\s*(元|\d{1,2})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|[-\/.](\d{1,2})[-\/.](\d{1,2}))$/);
    if (!m) { return null; }
    var key = m[1].toUpperCase(), year = m[2] === "元" ? 1 : +m[2];
    for (var i = 0; i < ERAS.length; i++) {
      if (ERAS[i][0] === key || ERAS[i][1] === key) {
        return isoOf(+ERAS[i][2].slice(0, 4) + year - 1, +(m[3] || m[5]), +(m[4] || m[6]));
      }
    }
    return null;
  }

  function wareki(iso) {
    for (var i = 0; i < ERAS.length; i++) {
      if (iso >= ERAS[i][2]) {
        var y = +iso.slice(0, 4) - +ERAS[i][2].slice(0, 4) + 1;
        return ERAS[i][0] + (y === 1 ? "元" : y) + "年" + +iso.slice(5, 7) + "月" + +iso.slice(8, 10) + "日";
      }
    }
    return iso;
  }

  function enhance(input) {
    if (input.dataset.dateEnhanced) { return; }
    input.dataset.dateEnhanced = "1";
    var wrapper = input.parentNode;
    var echo = wrapper.querySelector(".date-input-wareki");
    var picker = document.createElement("input");
    picker.type = "date";
    picker.tabIndex = -1;
    picker.className = "date-input-picker";
    picker.setAttribute("aria-hidden", "true");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-secondary date-input-button";
    button.textContent = "📅";
    button.setAttribute("aria-label", wrapper.dataset.pickerLabel || "");
    button.title = wrapper.dataset.pickerLabel || "";
    wrapper.insertBefore(button, echo);
    wrapper.insertBefore(picker, echo);

    function show() {
      var iso = parse(input.value);
      if (echo) { echo.textContent = iso ? wareki(iso) : ""; }
      if (iso) { picker.value = iso; }
    }
    button.addEventListener("click", function () {
      if (typeof picker.showPicker === "function") { picker.showPicker(); } else { picker.focus(); }
    });
    picker.addEventListener("change", function () {
      if (picker.value) { input.value = picker.value; show(); input.dispatchEvent(new Event("change", { bubbles: true })); }
    });
    input.addEventListener("input", show);
    show();
  }

  function enhanceAll(root) {
    (root || document).querySelectorAll("input[data-date-input]").forEach(enhance);
  }
  document.addEventListener("DOMContentLoaded", function () { enhanceAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhanceAll(event.target); });
})();
