// "/" puts the cursor in the page's search box (unless one is already typing somewhere).
document.addEventListener("keydown", function (event) {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  var target = event.target;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  var box = document.querySelector("[data-search-shortcut]");
  if (box) {
    event.preventDefault();
    box.focus();
    box.select();
  }
});
