// Starts Swagger UI on the committed spec. The spec's bearerAuth scheme is
// an apiKey in the Authorization header (Swagger 2.0 has no bearer type), so
// the request interceptor adds the "Bearer " prefix when the token was
// pasted without it: Authorize accepts either form and always sends
// `Authorization: Bearer <token>`.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "swagger.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    requestInterceptor: function (req) {
      var auth = req.headers && req.headers.Authorization;
      if (auth && !/^Bearer\s/i.test(auth)) {
        req.headers.Authorization = "Bearer " + auth.trim();
      }
      return req;
    },
  });
});
