// The studio's shared script (no framework, no CDN; the page's CSP allows no inline script).
// `studio.post(url, body)`: a same-origin POST carrying the page's CSRF token.
window.studio = {
  csrf: () => document.querySelector('meta[name="csrf-token"]')?.content ?? "",
  post: (url, body, type = "application/json") =>
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": type, "X-CSRF-Token": window.studio.csrf() },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
};
