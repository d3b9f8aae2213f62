// Swagger UI over Parley's generated OpenAPI document; a file, since the CSP allows no inline script.
const root = document.getElementById("api-docs");
window.SwaggerUIBundle({ url: root.dataset.specUrl, domNode: root, deepLinking: true });
