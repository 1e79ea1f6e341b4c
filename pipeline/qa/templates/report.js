window.onerror = function (message) { document.body.dataset.error = String(message); };
(function () {
  "use strict";
  var body = document.body;
  var form = document.getElementById("filters");
  var onlyFindings = document.getElementById("only-findings");
  var state = document.getElementById("state-filter");
  var result = document.getElementById("filter-result");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.segment"));
  var files = Array.prototype.slice.call(document.querySelectorAll("section.file"));
  var languages = Array.prototype.slice.call(document.querySelectorAll("section.language"));

  function shown(row) {
    if (onlyFindings.checked && !row.classList.contains("has-findings")) { return false; }
    return !state.value || row.dataset.state === state.value;
  }
  function keeps(section, selector) {
    return section.querySelector(selector + ":not(.filtered-out)") !== null;
  }
  // Rows the filters leave out are hidden (on screen only: print shows them all), and so
  // is a release, or a whole language, with no row left.
  function apply() {
    var left = 0;
    rows.forEach(function (row) {
      var keep = shown(row);
      row.classList.toggle("filtered-out", !keep);
      if (keep) { left += 1; }
    });
    files.forEach(function (section) {
      var whole = !state.value && section.querySelector(".file-findings") !== null;
      section.classList.toggle("filtered-out", !whole && !keeps(section, "tr.segment"));
    });
    languages.forEach(function (section) {
      section.classList.toggle("filtered-out", !keeps(section, "section.file"));
    });
    var filtering = onlyFindings.checked || state.value !== "";
    result.textContent = filtering ? left + " of " + rows.length + " segments shown" : "";
    body.dataset.shown = String(left);
  }
  form.hidden = false;
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  onlyFindings.addEventListener("change", apply);
  state.addEventListener("change", apply);
  apply();
  body.dataset.ready = "yes";
})();
