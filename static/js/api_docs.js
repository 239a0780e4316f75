// The API's documentation page: Swagger UI (static/vendor/swagger-ui) over our own
// OpenAPI description; no inline script, so the page keeps the site's CSP.
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("api-docs");
  window.ui = SwaggerUIBundle({ url: root.dataset.spec, domNode: root, deepLinking: true });
});
