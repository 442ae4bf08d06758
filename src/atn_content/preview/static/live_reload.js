// Live reload: a saved template, block or catalog re-renders the open page
// (the template page listens for "studio:changed"; other pages reload).
(() => {
  const source = new EventSource("/studio/events");
  source.addEventListener("change", (message) => {
    const change = JSON.parse(message.data);
    const note = document.getElementById("status");
    if (note) note.textContent = change.error || `reloaded: ${change.files.join(", ")}`;
    if (document.getElementById("studio-data")) {
      document.dispatchEvent(new CustomEvent("studio:changed", { detail: change }));
    } else {
      location.reload();
    }
  });
})();
