// What a reader sees in an email laid out by the browser, measured from the layout itself.
//
// Text is read character by character with Range.getClientRects(), grouped by the block that
// lays it out (the nearest ancestor that is not inline), and split into the lines the browser
// actually drew. From that: lines of headlines (font-size >= 20px) and buttons (links with a
// background), brand names and amounts split across two lines, katakana words split, and
// horizontal overflow. With images blocked, every image's alt text is checked as the browser
// draws it in place of the picture: fits its box, >= 12px, contrast >= 4.5:1.
//
// Called as page.evaluate(script, {locale, alt, text}): alt checks the alt text, text reads the
// lines (images do not change where text wraps, so the images-off view skips it). Returns JSON.
({ locale, alt, text: readLines }) => {
  const BRANDS = ["Air Tahiti Nui", "エア タヒチ ヌイ", "Moana Premium", "Club Tiare"];
  // "5,000 miles", "5,000 bonus miles", "5 000 miles", "5,000マイル", "XPF 152,000",
  // "152 000 FCFP", "-30 %".
  const AMOUNTS = new RegExp(
    String.raw`(?:XPF|JPY|EUR|USD|¥|€|\$) ?\d+(?:[ ,.]\d{3})*` +
      String.raw`|\d+(?:[ ,.]\d{3})*(?:[.,]\d+)? ?(?:(?:bonus|award|qualifying) )?` +
      String.raw`(?:miles?|マイル|FCFP|XPF|%)`,
    "g",
  );
  // Katakana words (the middle dot ・ separates words, so it is not part of one).
  const KATAKANA = /[\u30A1-\u30FA\u30FC-\u30FF]{2,}/g;
  const HEADLINE_PX = 20;
  const MIN_ALT_PX = 12;
  const MIN_CONTRAST = 4.5;

  const view = window.innerWidth;
  const root = document.documentElement;
  const scrollWidth = Math.max(root.scrollWidth, document.body ? document.body.scrollWidth : 0);

  const snippet = (text) => text.replace(/\s+/g, " ").trim().slice(0, 80);
  const isSpace = (ch) => /[\s\u00a0\u202f]/.test(ch);

  // --- text flows: characters with the line the browser put them on ---------------------
  const flowOf = (node) => {
    let el = node.parentElement;
    while (el && el !== document.body) {
      const display = getComputedStyle(el).display;
      if (display !== "inline" && display !== "contents") return el;
      el = el.parentElement;
    }
    return document.body;
  };

  const flows = new Map(); // element -> [{ch, top, bottom}]
  const range = document.createRange();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = readLines ? walker.nextNode() : null; node; node = walker.nextNode()) {
    const text = node.data;
    if (!text.trim()) continue;
    const parent = node.parentElement;
    if (!parent || !parent.getClientRects().length) continue; // not rendered
    const flow = flowOf(node);
    let chars = flows.get(flow);
    if (!chars) flows.set(flow, (chars = []));
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === "\u200b" || ch === "\u2060" || ch === "\ufeff") continue; // zero width
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rects = range.getClientRects();
      if (!rects.length) continue; // collapsed white space
      const r = rects[rects.length - 1];
      if (r.width === 0 && r.height === 0) continue;
      chars.push({ ch, top: r.top, bottom: r.bottom });
    }
  }

  const lineOf = (chars) => {
    // A character starts a new line when it sits below the current line's middle.
    const lines = [];
    let current = null;
    for (const c of chars) {
      const middle = (c.top + c.bottom) / 2;
      if (!current || middle > current.bottom) {
        current = { top: c.top, bottom: c.bottom, text: "" };
        lines.push(current);
      } else {
        current.top = Math.min(current.top, c.top);
        current.bottom = Math.max(current.bottom, c.bottom);
      }
      c.line = lines.length - 1;
      current.text += c.ch;
    }
    return lines;
  };

  const isButton = (el) => {
    const link = el.closest("a");
    if (!link) return false;
    const filled = (e) => e && colour(getComputedStyle(e).backgroundColor)[3] > 0;
    return filled(link) || filled(link.parentElement);
  };

  const found = {
    headline_lines: [],
    button_lines: [],
    brand_splits: [],
    amount_splits: [],
    katakana_splits: [],
  };

  for (const [flow, chars] of flows) {
    if (!chars.length) continue;
    const lines = lineOf(chars);
    // The flow's text with white space normalised, and each position's character index.
    let joined = "";
    const at = [];
    chars.forEach((c, i) => {
      const ch = isSpace(c.ch) ? " " : c.ch;
      if (ch === " " && joined.endsWith(" ")) return;
      joined += ch;
      at.push(i);
    });
    const splitAt = (start, end) => chars[at[start]].line !== chars[at[end - 1]].line;
    const where = snippet(joined);

    for (const brand of BRANDS) {
      for (let i = joined.indexOf(brand); i !== -1; i = joined.indexOf(brand, i + 1)) {
        if (splitAt(i, i + brand.length)) found.brand_splits.push({ brand, where });
      }
    }
    for (const m of joined.matchAll(AMOUNTS)) {
      const amount = m[0].trim();
      const start = m.index + m[0].indexOf(amount);
      if (splitAt(start, start + amount.length)) found.amount_splits.push({ amount, where });
    }
    if (locale === "ja") {
      for (const m of joined.matchAll(KATAKANA)) {
        if (splitAt(m.index, m.index + m[0].length)) {
          found.katakana_splits.push({ word: m[0], where });
        }
      }
    }
    const kind =
      parseFloat(getComputedStyle(flow).fontSize) >= HEADLINE_PX || /^H[1-3]$/.test(flow.tagName)
        ? "headline"
        : isButton(flow)
          ? "button"
          : null;
    if (kind) {
      found[`${kind}_lines`].push({
        lines: lines.map((l) => l.text.replace(/[\s\u00a0\u202f]+/g, " ").trim()),
      });
    }
  }

  // --- horizontal overflow: which boxes stick out --------------------------------------
  const overflowing = [];
  if (scrollWidth > view) {
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.right > view + 0.5 && r.width > 0) {
        overflowing.push(`${el.tagName.toLowerCase()}.${el.className || ""} ${Math.round(r.right)}px`);
        if (overflowing.length >= 5) break;
      }
    }
  }

  // --- alt text as drawn in place of a blocked image -----------------------------------
  function colour(css) {
    const m = css.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 0];
    const parts = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  }
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const backdrop = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = colour(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reverse().reduce((bottom, top) => over(top, bottom), [255, 255, 255, 1]);
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };

  const altText = [];
  if (alt) {
    const probe = document.createElement("div");
    probe.style.cssText =
      "position:absolute;left:-10000px;top:0;visibility:hidden;overflow:visible;" +
      "word-break:normal;overflow-wrap:normal;white-space:normal;";
    document.body.appendChild(probe);
    for (const img of document.images) {
      const text = img.getAttribute("alt");
      const box = img.getBoundingClientRect();
      const style = getComputedStyle(img);
      if (style.display === "none" || style.visibility === "hidden" || !img.getClientRects().length) {
        continue; // not shown in this layout at all
      }
      if (text === null) {
        altText.push({ alt: null, src: img.getAttribute("src"), problems: ["no alt attribute"] });
        continue;
      }
      if (!text.trim()) continue; // decorative: nothing to read
      const problems = [];
      const size = parseFloat(style.fontSize);
      if (size < MIN_ALT_PX) problems.push(`font-size ${size}px < ${MIN_ALT_PX}px`);
      const family = style.fontFamily.replace(/"/g, "").split(",")[0].trim().toLowerCase();
      if (["times new roman", "times", "serif"].includes(family)) {
        problems.push(`the browser's default serif (${style.fontFamily})`);
      }
      const bg = backdrop(img.parentElement);
      const fg = over(colour(style.color), bg);
      const ratio = contrast(fg, bg);
      if (ratio < MIN_CONTRAST) {
        problems.push(`contrast ${ratio.toFixed(2)}:1 (${style.color} on rgb(${bg.slice(0, 3)}))`);
      }
      // Chromium draws a 16px broken-image icon, then the alt text, clipped to the box.
      for (const prop of ["fontFamily", "fontSize", "fontWeight", "fontStyle", "lineHeight",
        "letterSpacing", "textTransform"]) {
        probe.style[prop] = style[prop];
      }
      probe.style.width = `${box.width}px`;
      probe.innerHTML = "";
      const icon = document.createElement("span");
      icon.style.cssText = "display:inline-block;width:16px;height:0;";
      probe.append(icon, document.createTextNode(text));
      // A single line's leading may be cut (Chromium sizes a one-line box to its icon).
      const slack = 2 + 0.35 * size;
      if (probe.scrollWidth > box.width + 1 || probe.scrollHeight > box.height + slack) {
        problems.push(
          `clipped: needs ${probe.scrollWidth}x${probe.scrollHeight}px, ` +
            `box is ${Math.round(box.width)}x${Math.round(box.height)}px`,
        );
      }
      if (problems.length) altText.push({ alt: text, src: img.getAttribute("src"), problems });
    }
    probe.remove();
  }

  return {
    viewport: view,
    scroll_width: scrollWidth,
    overflowing,
    ...found,
    alt_problems: altText,
    images: document.images.length,
  };
}
