// One template's page: every control re-renders through POST {preview_url}, the ESP's path.
// No framework; the page's CSP allows no inline script, so all wiring is here.
(() => {
  const data = JSON.parse(document.getElementById("studio-data").textContent);
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs = {}, text = "") => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text) node.textContent = text;
    return node;
  };
  const VIEW_LABELS = {
    light: "Light: as most clients show it",
    forced_inversion: "Dark, forced inversion: colours flipped by the client, as the Gmail app and Outlook.com do",
    own_dark: "Dark, the email's own styles: its prefers-color-scheme: dark rules applied, as Apple Mail does",
    images_off: "Images off: alt text where images were, as Outlook shows mail by default",
  };
  const params = new URLSearchParams(location.search);
  const state = {
    locale: data.locales.includes(params.get("locale")) ? params.get("locale") : data.locales[0],
    side: false,
    view: "light",
    lastShown: {},
  };

  // Controls ------------------------------------------------------------------------------
  $("version").textContent = `version ${data.version}`;
  $("description").textContent = data.description;
  $("side-label").textContent = `${data.locales.join(" | ")} side by side`;
  for (const locale of data.locales) {
    const id = `locale-${locale}`;
    const input = el("input", { type: "radio", name: "locale", id, value: locale });
    input.checked = locale === state.locale;
    input.addEventListener("change", () => { state.locale = locale; refresh(); });
    const label = el("label", { for: id }, locale);
    $("locales").append(input, label);
  }
  for (const sample of data.samples) {
    const option = el("option", { value: sample.key }, `${sample.label} (${sample.key})`);
    option.selected = sample.key === (params.get("recipient") || data.sample);
    $("sample").append(option);
  }
  if (data.arms.length) {
    $("variant-picker").hidden = false;
    for (const arm of data.arms) {
      const value = `${arm.experiment}:${arm.variant}`;
      $("variant").append(el("option", { value }, `${arm.experiment}: ${arm.variant}`));
    }
  }
  const clientNames = {};
  for (const client of data.clients) {
    clientNames[client.key] = client.name;
    $("lint-client").append(el("option", { value: client.key }, client.name));
  }

  const loadSample = () => {
    const sample = data.samples.find((s) => s.key === $("sample").value);
    $("recipient-json").value = sample ? JSON.stringify(sample.recipient, null, 2) : "{}";
    $("sample-description").textContent = sample ? sample.description : "";
  };
  loadSample();

  $("sample").addEventListener("change", () => { loadSample(); refresh(); });
  $("variant").addEventListener("change", () => refresh());
  $("side-by-side").addEventListener("change", (e) => { state.side = e.target.checked; refresh(); });
  $("view").addEventListener("change", (e) => { state.view = e.target.value; showAll(); });
  $("lint-client").addEventListener("change", () => showLint(state.lastShown[state.locale]));
  let typing = null;
  $("recipient-json").addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(refresh, 300);
  });
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    tab.addEventListener("click", () => {
      for (const t of document.querySelectorAll('[role="tab"]')) t.setAttribute("aria-selected", String(t === tab));
      for (const panel of document.querySelectorAll("[data-panel]")) {
        const mine = panel.dataset.panel === tab.dataset.tab;
        panel.hidden = !mine || (panel.id === "side" ? !state.side : panel.id === "frames" && state.side);
      }
    });
  }

  // Recipient JSON and its errors -------------------------------------------------------
  const lineOf = (text, position) => text.slice(0, position).split("\n").length;
  // The line where a field such as "recipient.booking.destination" is written.
  const fieldLine = (field) => {
    const text = $("recipient-json").value;
    const parts = (field || "").replace(/^recipient\.?/, "").split(".").filter(Boolean);
    let from = 0;
    for (const part of parts) {
      const at = text.indexOf(`"${part.replace(/\[\d+\]$/, "")}"`, from);
      if (at < 0) return null;
      from = at;
    }
    return parts.length ? lineOf(text, from) : null;
  };
  const showErrors = (errors) => {
    const list = $("recipient-errors");
    list.replaceChildren();
    $("recipient-json").classList.toggle("has-error", errors.length > 0);
    for (const e of errors) {
      const line = e.file ? null : e.line ?? fieldLine(e.field);
      const where = [e.field, line ? `line ${line}` : null].filter(Boolean).join(", ");
      list.append(el("li", { "data-field": e.field || "" }, where ? `${where}: ${e.message}` : e.message));
    }
  };

  // Rendering -----------------------------------------------------------------------------
  let sequence = 0;
  // The JSON goes as typed: the server parses it and says on which line it breaks.
  const ask = async (locale, text) => {
    const response = await window.studio.post(data.preview_url, {
      locale, recipient_json: text, variant: $("variant").value,
    });
    const body = await response.json().catch(() => ({ title: `HTTP ${response.status}` }));
    return { ok: response.ok, body };
  };
  const problemErrors = (problem) => {
    // A template's own error names its file and line; a recipient's, its field.
    const items = (problem.errors || []).map((e) => (e.template
      ? { field: `${e.template}${e.line ? ` line ${e.line}` : ""}`, message: e.message, line: null, file: true }
      : { field: e.field, message: e.message, line: e.line }));
    return items.length ? items : [{ field: null, message: `${problem.title}: ${problem.detail || ""}` }];
  };
  async function refresh() {
    const text = $("recipient-json").value;
    const mine = ++sequence;
    $("status").textContent = "rendering…";
    const locales = state.side ? data.locales : [state.locale];
    const results = await Promise.all(locales.map((l) => ask(l, text)));
    if (mine !== sequence) return; // a newer edit is on its way
    const failed = results.find((r) => !r.ok);
    if (failed) {
      showErrors(problemErrors(failed.body));
      $("status").textContent = failed.body.title || "error";
      document.body.dataset.problem = String(mine); // the render was refused: the list says why
      return;
    }
    delete document.body.dataset.problem;
    showErrors([]);
    state.lastShown = {};
    locales.forEach((l, i) => { state.lastShown[l] = results[i].body; });
    const version = results[0].body.template_version;
    $("version").textContent = `version ${version}`;
    document.body.dataset.version = version; // live reload compares the library's with it
    $("status").textContent = "";
    state.axe = { pending: true, findings: [] };
    showAll();
    afterRender();
    document.body.dataset.rendered = String(mine); // for tests and for people: a render landed
  }
  window.studioRefresh = refresh;

  // The frames show the email counting nothing (no pixel, links straight to their
  // destinations); the "HTML as sent" tab shows the real thing.
  const htmlFor = (shown) => (state.view === "light" ? shown.frame_html : shown.views[state.view]);
  const fill = (frame, shown) => {
    frame.srcdoc = htmlFor(shown);
  };
  function showAll() {
    $("view-label").textContent = VIEW_LABELS[state.view] +
      (state.view === "own_dark" && state.lastShown[state.locale] && !state.lastShown[state.locale].views.has_own_dark
        ? " (this email has no dark styles of its own: it looks as in light mode)" : "");
    const current = state.lastShown[state.locale] || Object.values(state.lastShown)[0];
    if (!current) return;
    $("frames").hidden = state.side || currentTab() !== "preview";
    $("side").hidden = !state.side || currentTab() !== "preview";
    if (state.side) {
      $("side").replaceChildren();
      for (const [locale, shown] of Object.entries(state.lastShown)) {
        const figure = el("figure", { class: "device mobile", "data-locale": locale });
        figure.append(el("figcaption", {}, `${locale}: ${shown.subject}`));
        const frame = el("iframe", { title: `${locale} preview`, sandbox: "allow-same-origin" });
        figure.append(frame);
        $("side").append(figure);
        fill(frame, shown);
      }
    } else {
      fill($("desktop"), current);
      fill($("mobile"), current);
    }
    showInbox(current);
    $("html-source").textContent = current.html;
    $("text-source").textContent = current.text;
    const rows = $("headers").querySelector("tbody");
    rows.replaceChildren();
    const headers = { Subject: current.subject, From: current.from_name, ...current.headers };
    for (const [name, value] of Object.entries(headers)) {
      const row = el("tr");
      row.append(el("th", { scope: "row" }, name), el("td", {}, value));
      rows.append(row);
    }
    showLint(current);
  }
  function afterRender() {
    const current = state.lastShown[state.locale] || Object.values(state.lastShown)[0];
    if (current) runAxe(current);
  }
  const currentTab = () => document.querySelector('[role="tab"][aria-selected="true"]').dataset.tab;

  function showInbox(shown) {
    const body = $("inbox").querySelector("tbody");
    body.replaceChildren();
    for (const line of shown.inbox) {
      const row = el("tr", { "data-inbox": line.inbox });
      const text = el("td");
      text.append(el("strong", {}, line.subject));
      if (line.preheader) text.append(el("span", { class: "muted" }, ` – ${line.preheader}`));
      row.append(el("th", { scope: "row" }, line.label), el("td", {}, line.sender), text);
      body.append(row);
    }
  }

  function showLint(shown) {
    if (!shown) return;
    const lint = shown.lint;
    const kib = (lint.size_bytes / 1024).toFixed(1);
    $("lint-size").textContent = `${kib} KiB as sent${lint.clipped ? " – Gmail clips it" : ""}; ${lint.errors} errors, ${lint.warnings} warnings`;
    const client = $("lint-client").value;
    const list = $("lint-findings");
    list.replaceChildren();
    const axeState = state.axe || { pending: true, findings: [] };
    const findings = [...lint.findings, ...axeState.findings]
      .filter((f) => !client || !f.client || f.client === client);
    const axeNote = axeState.pending ? "axe-core: running…"
      : axeState.error ? `axe-core did not run: ${axeState.error}`
      : `axe-core: ${axeState.findings.length} finding${axeState.findings.length === 1 ? "" : "s"}`;
    $("lint-size").textContent += `; ${axeNote}`;
    if (!findings.length) list.append(el("li", { class: "good" }, client ? `nothing for ${clientNames[client]}` : "no findings"));
    for (const f of findings) {
      const item = el("li", { class: f.severity, "data-check": f.check, "data-client": f.client || "" });
      const who = f.client ? `${clientNames[f.client] || f.client}: ` : "";
      item.append(el("strong", {}, `${f.severity} · ${f.check}`), document.createTextNode(` ${who}${f.message}`));
      if (f.where) item.append(el("code", {}, f.where));
      if (f.help) item.append(el("a", { href: f.help, target: "_blank", rel: "noreferrer" }, "how to fix"));
      list.append(item);
    }
  }

  // Accessibility in a real browser: axe-core (vendored, static/vendor/) run on the email
  // as sent, in an off-screen frame of desktop width (the preview frames are sandboxed
  // without scripts; this one only runs our own axe: the page's CSP blocks any other).
  const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
  // Page rules that do not apply to an email: it is an article inside the mail client's
  // page, which has the main landmark and the h1 (Parcel turns these off too).
  const AXE_OFF = { "landmark-one-main": { enabled: false }, "page-has-heading-one": { enabled: false }, region: { enabled: false } };
  let axeRun = 0;
  const runAxe = (shown) => {
    const mine = ++axeRun;
    state.axe = { pending: true, findings: [] };
    const frame = el("iframe", { title: "accessibility check", "aria-hidden": "true", tabindex: "-1", class: "axe-frame" });
    const script = '<script src="/studio/static/vendor/axe.min.js"></' + "script>";
    const html = shown.frame_html;
    const at = html.toLowerCase().indexOf("</head>");
    frame.srcdoc = at >= 0 ? html.slice(0, at) + script + html.slice(at) : script + html;
    frame.addEventListener("load", async () => {
      try {
        const axe = frame.contentWindow.axe;
        if (!axe) throw new Error("axe-core did not load");
        const result = await axe.run(frame.contentDocument, {
          runOnly: { type: "tag", values: AXE_TAGS }, rules: AXE_OFF, resultTypes: ["violations"],
        });
        if (mine !== axeRun) return;
        state.axe = {
          pending: false,
          findings: result.violations.flatMap((v) => v.nodes.slice(0, 5).map((node) => ({
            check: `axe:${v.id}`,
            severity: v.impact === "critical" || v.impact === "serious" ? "error" : "warning",
            message: `${v.help} (axe-core ${axe.version}, ${v.impact})`,
            where: node.html.slice(0, 200),
            client: null,
            help: v.helpUrl,
          }))),
        };
      } catch (err) {
        if (mine === axeRun) state.axe = { pending: false, findings: [], error: String(err) };
      } finally {
        frame.remove();
        if (mine === axeRun) { showLint(state.lastShown[state.locale]); document.body.dataset.axe = String(mine); }
      }
    });
    document.body.append(frame);
  };

  // Mobile must not scroll sideways: say so when it does.
  $("mobile").addEventListener("load", () => {
    const doc = $("mobile").contentDocument;
    if (!doc) return;
    const wide = doc.documentElement.scrollWidth > doc.documentElement.clientWidth + 1;
    $("mobile-scroll").textContent = wide ? "scrolls sideways" : "";
    $("mobile-scroll").className = wide ? "small bad" : "small";
  });
  const desktop = document.querySelector(".device.desktop .resizable");
  new ResizeObserver(() => { $("desktop-width").textContent = `${Math.round(desktop.clientWidth)} px`; }).observe(desktop);

  // Send a test: the same request as the preview, and the address.
  $("send-test").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("send-status").textContent = "sending…";
    const response = await window.studio.post(data.preview_url.replace(/preview$/, "send"), {
      locale: state.locale, recipient_json: $("recipient-json").value,
      variant: $("variant").value, to: $("send-to").value,
    });
    const body = await response.json().catch(() => ({}));
    $("send-status").className = response.ok ? "good" : "bad";
    $("send-status").textContent = response.ok
      ? `sent to ${body.to}: "${body.subject}" (${(body.size_bytes / 1024).toFixed(1)} KiB)`
      : `${body.title || response.status}: ${body.detail || ""}`;
  });

  document.addEventListener("studio:changed", () => refresh());
  refresh();
})();
