// The launch form: a chosen TOML file is read into the textarea (nothing is uploaded
// until Launch is pressed, so the text can be checked and edited first).
(() => {
  const input = document.getElementById("toml-file");
  if (!input) return;
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (file) document.getElementById("toml").value = await file.text();
  });
})();
