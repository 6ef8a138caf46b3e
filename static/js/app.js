/* Site-wide behaviour kept out of the templates so that the Content-Security-Policy can
   forbid inline scripts, inline event handlers and style attributes:
   - data-style="width: 40%"    -> the declarations are set through the CSSOM (progress bars, heat maps);
   - form data-confirm="..."    -> asks before submitting;
   - a table wrapper or code block that scrolls sideways (a wide table on a phone) becomes a
     keyboard stop, a named region (WCAG 2.1.1): tabindex="0", role="region", aria-label from
     the table's caption or the nearest heading;
   - svg.chart-svg drawings scaled below their viewBox width get larger text (--chart-font),
     so their labels stay at least 12 px on screen. Plain JS, no dependencies. */
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
  function scrollLabel(el) {
    var cap = el.querySelector("caption");
    if (cap && cap.textContent.trim()) return cap.textContent.trim();
    for (var p = el; p && p !== document.body; p = p.parentElement) {
      for (var s = p.previousElementSibling; s; s = s.previousElementSibling) {
        if (/^H[1-6]$/.test(s.tagName)) return s.textContent.trim();
        var h = s.querySelector && s.querySelector("h1, h2, h3, h4, h5, h6");
        if (h) return h.textContent.trim();
      }
    }
    return document.title;
  }
  function markScrollers() {
    var hint = document.body.getAttribute("data-scroll-hint") || "";
    var nodes = document.querySelectorAll(".table-wrap, pre, [data-scroll-region]");
    for (var n = 0; n < nodes.length; n++) {
      var el = nodes[n];
      if (el.scrollWidth > el.clientWidth + 1) {
        if (el.hasAttribute("tabindex")) continue;  // the template made it a stop already
        var added = ["tabindex"];
        el.setAttribute("tabindex", "0");
        if (!el.hasAttribute("role")) { el.setAttribute("role", "region"); added.push("role"); }
        if (!el.hasAttribute("aria-label") && !el.hasAttribute("aria-labelledby")) {
          el.setAttribute("aria-label", scrollLabel(el) + (hint ? " (" + hint + ")" : ""));
          added.push("aria-label");
        }
        el.setAttribute("data-scroll-marked", added.join(" "));
      } else if (el.hasAttribute("data-scroll-marked")) {  // wide enough again (a rotated phone)
        var names = el.getAttribute("data-scroll-marked").split(" ");
        for (var k = 0; k < names.length; k++) el.removeAttribute(names[k]);
        el.removeAttribute("data-scroll-marked");
      }
    }
  }
  function scaleChartText() {
    var svgs = document.querySelectorAll("svg.chart-svg[viewBox]");
    for (var n = 0; n < svgs.length; n++) {
      var svg = svgs[n], shown = svg.getBoundingClientRect().width, units = svg.viewBox.baseVal.width;
      if (shown > 0 && units > 0) svg.style.setProperty("--chart-font", Math.max(12, 12 * units / shown).toFixed(1) + "px");
    }
  }
  window.addEventListener("resize", function () { markScrollers(); scaleChartText(); });
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form && form.getAttribute && form.hasAttribute("data-confirm") &&
        !window.confirm(form.getAttribute("data-confirm"))) {
      ev.preventDefault();
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { applyStyles(document); markScrollers(); scaleChartText(); });
  } else {
    applyStyles(document);
    markScrollers();
    scaleChartText();
  }
  window.addEventListener("load", markScrollers);
})();
