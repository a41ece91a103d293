// Quality checks run on every screen: each control has an accessible name,
// nothing scrolls sideways at phone width, text meets WCAG AA contrast, and
// keyboard focus is visible.

/** Returns a list of problems (empty when the screen passes). */
export async function auditScreen(page) {
  return page.evaluate(() => {
    const problems = [];
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none';
    };
    const describe = (el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''} "${(el.textContent || el.value || '').trim().slice(0, 30)}"`;

    // Labels: form fields need a <label> (or aria-label/labelledby); buttons and links need text.
    for (const el of document.querySelectorAll('input, textarea, select')) {
      if (el.type === 'hidden' || !visible(el)) continue;
      const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!named) problems.push(`no label: ${describe(el)}`);
    }
    for (const el of document.querySelectorAll('button, a[href], [role="tab"]')) {
      if (!visible(el)) continue;
      const name = (el.getAttribute('aria-label') || el.textContent || '').trim()
        || [...el.querySelectorAll('img[alt]')].map((i) => i.alt).join('').trim();
      if (!name) problems.push(`no accessible name: ${describe(el)}`);
    }
    for (const img of document.querySelectorAll('img')) {
      if (!img.hasAttribute('alt')) problems.push(`img without alt: ${img.src}`);
    }

    // No horizontal scrolling.
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth) problems.push(`horizontal scroll: ${doc.scrollWidth}px content in a ${doc.clientWidth}px viewport`);
    for (const el of document.body.querySelectorAll('*')) {
      if (!visible(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.right > doc.clientWidth + 1 && getComputedStyle(el).position !== 'fixed') {
        // Scrollable code blocks and tables are allowed to overflow inside their own box.
        if (!el.closest('pre, table')) problems.push(`sticks out to ${Math.round(r.right)}px: ${describe(el)}`);
      }
    }

    // Contrast (WCAG 2.x relative luminance) of every visible text run.
    const parse = (c) => {
      const m = c.match(/rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/);
      return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : null;
    };
    const lum = ([r, g, b]) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c[3] >= 0.99) return c;
        if (getComputedStyle(e).backgroundImage !== 'none') return null; // cannot judge images
      }
      return [255, 255, 255, 1];
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || seen.has(el) || !n.textContent.trim() || !visible(el)) continue;
      if (el.closest('[hidden], noscript, script, style, .visually-hidden, [aria-hidden="true"]')) continue;
      seen.add(el);
      const cs = getComputedStyle(el);
      const fg = parse(cs.color);
      const bg = background(el);
      if (!fg || !bg) continue;
      const opacity = [...(function* up(e) { for (; e; e = e.parentElement) yield Number(getComputedStyle(e).opacity); })(el)].reduce((a, b) => a * b, 1);
      if (opacity < 1 && el.closest('button[disabled]')) continue; // disabled controls are exempt (WCAG 1.4.3)
      const a = lum(fg) + 0.05;
      const b = lum(bg) + 0.05;
      const ratio = Math.max(a, b) / Math.min(a, b);
      const size = parseFloat(cs.fontSize);
      const bold = Number(cs.fontWeight) >= 700;
      const large = size >= 24 || (bold && size >= 18.66);
      const need = large ? 3 : 4.5;
      if (ratio < need) problems.push(`contrast ${ratio.toFixed(2)} < ${need}: ${describe(el)} (${cs.color} on rgb(${bg.slice(0, 3).join(',')}))`);
    }
    return problems;
  });
}

/** Tabs to the first focusable control and checks the focus ring is visible. */
export async function focusRingVisible(page) {
  await page.keyboard.press('Tab');
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'nothing took the focus';
    const cs = getComputedStyle(el);
    const width = parseFloat(cs.outlineWidth);
    return cs.outlineStyle !== 'none' && width >= 2 ? '' : `focused ${el.tagName} has no visible outline (${cs.outlineStyle} ${cs.outlineWidth})`;
  });
}
