/* Site-wide behaviour kept out of the templates so that the Content-Security-Policy can
   forbid inline scripts, inline event handlers and style attributes:
   - data-style="width: 40%"    -> the declarations are set through the CSSOM (progress bars, heat maps);
   - form data-confirm="..."    -> asks before submitting. Plain JS, no dependencies. */
(function () {
  function applyStyles(root) {
    var nodes = root.querySelectorAll("[data-style]");
    for (var n = 0; n < nodes.length; n++) {
      var el = nodes[n];
      var decls = (el.getAttribute("data-style") || "").split(";");
      for (var d = 0; d < decls.length; d++) {
        var i = decls[d].indexOf(":");
        if (i > 0) el.style.setProperty(decls[d].slice(0, i).trim(), decls[d].slice(i + 1).trim());
      }
    }
  }
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form && form.getAttribute && form.hasAttribute("data-confirm") &&
        !window.confirm(form.getAttribute("data-confirm"))) {
      ev.preventDefault();
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { applyStyles(document); });
  } else {
    applyStyles(document);
  }
})();
