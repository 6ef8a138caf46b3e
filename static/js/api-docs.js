/* /api/v1/docs: render the OpenAPI document with the vendored Swagger UI (no inline script: CSP). */
(function () {
  "use strict";
  function start() {
    var el = document.getElementById("swagger-ui");
    if (!el || typeof window.SwaggerUIBundle !== "function") { return; }
    window.SwaggerUIBundle({
      url: el.getAttribute("data-spec-url"),
      dom_id: "#swagger-ui",
      deepLinking: false,
      validatorUrl: null,          /* never call an outside validator */
      persistAuthorization: false, /* a pasted token is forgotten with the page */
      defaultModelsExpandDepth: 0,
      docExpansion: "list"
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
