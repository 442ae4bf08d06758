// Live reload: a saved template, block or catalog re-renders the open page
// (the template page listens for "studio:changed"; other pages reload).
// A template page says which version it shows: if the library has another by the time the
// stream starts (saved while the page loaded), the stream says so at once.
(() => {
  const data = document.getElementById("studio-data");
  const page = data ? JSON.parse(data.textContent) : null;
  const url = () => {
    if (!page) return "/studio/events";
    const version = document.body.dataset.version ?? page.version; // the last render's
    return `/studio/events?${new URLSearchParams({ template: page.template, version })}`;
  };
  const open = () => {
    const source = new EventSource(url());
    source.addEventListener("change", (message) => {
      const change = JSON.parse(message.data);
      const note = document.getElementById("status");
      const files = change.files.length ? change.files.join(", ") : change.template;
      if (note) note.textContent = change.error || `reloaded: ${files}`;
      if (data) {
        document.dispatchEvent(new CustomEvent("studio:changed", { detail: change }));
      } else {
        location.reload();
      }
    });
    // A stream that ended is opened again with the version shown now (EventSource's own
    // retry would repeat the first URL); one refused (the login page) stays closed.
    source.addEventListener("error", () => {
      if (source.readyState === EventSource.CLOSED) return;
      source.close();
      setTimeout(open, 1000);
    });
  };
  open();
})();
