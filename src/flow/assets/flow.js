// /_flow in the browser. Mermaid draws the chart at its own size (about 2,900 × 1,600 pixels:
// shrunk to a laptop's width, no label could be read). The viewport shows it at a scale where the
// smallest label is at least MIN_LABEL_PX high, opened on the current state; it pans (drag, scroll,
// arrow keys) and zooms (buttons, + and −, Ctrl+wheel) but never out past that scale. The map
// beside it is the whole chart as a picture, for finding one's way: a click there shows that part.
// Served from 'self' (script-src 'self'); styles are set through the CSSOM, which CSP allows.
'use strict';
(async () => {
  const MIN_LABEL_PX = 11;
  /** Where the page opens: labels about 13.5 px high, and more of the chart around the state. */
  const OPEN_ZOOM = 0.8;
  const MAX_ZOOM = 2;
  const viewport = document.getElementById('viewport');
  const diagram = document.getElementById('diagram');
  const zoomOut = document.getElementById('zoom-out');
  const zoomIn = document.getElementById('zoom-in');
  const zoomShown = document.getElementById('zoom');

  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', state: { useMaxWidth: false } });
  await mermaid.run({ nodes: [diagram] });
  const svg = diagram.querySelector('svg');
  const box = svg.viewBox.baseVal;
  const natural = { width: box.width, height: box.height };
  clearLabels(svg);
  const map = overviewOf(svg);

  /** Mermaid puts the label of an arrow that leaves a composite state near its far end, where it
   *  can cover the state it points to or a composite's title. Such a label is moved to the first
   *  point along its own arrow (from the middle outwards), or else out beyond the arrow's tail
   *  (an arrow from a composite's edge may be shorter than its label), where it covers nothing. */
  function clearLabels(chart) {
    const obstacles = [...chart.querySelectorAll('g.node, .cluster-label, g.edgeLabel')].filter((o) => o.textContent.trim());
    const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const covers = (label) => obstacles.some((other) => other !== label && overlaps(label.getBoundingClientRect(), other.getBoundingClientRect()));
    for (const label of chart.querySelectorAll('g.edgeLabel')) {
      const id = label.querySelector('[data-id]')?.dataset.id;
      const arrow = id && chart.querySelector(`path[data-id="${id}"]`);
      if (!arrow || !label.textContent.trim() || !covers(label)) continue;
      const was = label.getAttribute('transform');
      const length = arrow.getTotalLength();
      const toLabel = label.parentNode.getScreenCTM().inverse().multiply(arrow.getScreenCTM());
      const along = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8].map((f) => arrow.getPointAtLength(length * f));
      const tail = arrow.getPointAtLength(0);
      const next = arrow.getPointAtLength(Math.min(length, 10));
      const norm = Math.hypot(tail.x - next.x, tail.y - next.y) || 1;
      const beyond = Array.from({ length: 30 }, (_, i) => new DOMPoint(tail.x + ((tail.x - next.x) / norm) * 10 * (i + 1), tail.y + ((tail.y - next.y) / norm) * 10 * (i + 1)));
      const placed = [...along, ...beyond].some((point) => {
        const at = point.matrixTransform(toLabel);
        label.setAttribute('transform', `translate(${at.x}, ${at.y})`);
        return !covers(label);
      });
      if (!placed) label.setAttribute('transform', was);
    }
  }

  /** The height of every line of every label, as drawn now. */
  function labelLineHeights() {
    const heights = [];
    for (const label of svg.querySelectorAll('.nodeLabel, .edgeLabel, .cluster-label, text')) {
      const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.textContent.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const rect of range.getClientRects()) heights.push(rect.height);
      }
    }
    return heights;
  }

  let zoom = 1;
  let minZoom = 1;
  sizeTo(1);
  // Measured, not assumed: the smallest label line at full size decides how far out one may zoom.
  minZoom = Math.min(1, Math.ceil((MIN_LABEL_PX / Math.min(...labelLineHeights())) * 100) / 100);
  sizeTo(Math.max(minZoom, OPEN_ZOOM));

  function sizeTo(z) {
    zoom = z;
    svg.style.width = `${natural.width * z}px`;
    svg.style.height = `${natural.height * z}px`;
    zoomShown.textContent = `${Math.round(z * 100)}%`;
    viewport.dataset.zoom = String(z);
    zoomOut.disabled = z <= minZoom;
    zoomIn.disabled = z >= MAX_ZOOM;
  }

  /** Zooms keeping the chart point under (x, y) of the viewport where it is. */
  function zoomTo(z, x = viewport.clientWidth / 2, y = viewport.clientHeight / 2) {
    const next = Math.min(MAX_ZOOM, Math.max(minZoom, Math.round(z * 100) / 100));
    const chartX = (viewport.scrollLeft + x) / zoom;
    const chartY = (viewport.scrollTop + y) / zoom;
    sizeTo(next);
    viewport.scrollTo(chartX * next - x, chartY * next - y);
    showPlace();
  }

  /** Centres the viewport on a point of the chart (its own units). */
  function centreOn(chartX, chartY) {
    viewport.scrollTo(chartX * zoom - viewport.clientWidth / 2, chartY * zoom - viewport.clientHeight / 2);
    showPlace();
  }

  function centreOnCurrent() {
    const current = svg.querySelector('g.current') ?? svg;
    const rect = current.getBoundingClientRect();
    const svgRect = svg.getBoundingClientRect();
    centreOn((rect.left + rect.width / 2 - svgRect.left) / zoom, (rect.top + rect.height / 2 - svgRect.top) / zoom);
  }

  /** The whole chart as an image (labels included, but only as a picture to steer by). */
  function overviewOf(chart) {
    const holder = document.getElementById('map');
    const image = new Image();
    image.alt = 'The whole statechart, small; the framed part is what the chart shows';
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(chart))}`;
    const frame = document.createElement('div');
    frame.className = 'flow-map-view';
    holder.replaceChildren(image, frame);
    holder.addEventListener('click', (event) => {
      const at = image.getBoundingClientRect();
      centreOn(((event.clientX - at.left) / at.width) * natural.width, ((event.clientY - at.top) / at.height) * natural.height);
    });
    return { image, frame };
  }

  /** Frames on the map the part of the chart the viewport shows. */
  function showPlace() {
    const scale = map.image.clientWidth / (natural.width * zoom);
    Object.assign(map.frame.style, {
      left: `${viewport.scrollLeft * scale}px`,
      top: `${viewport.scrollTop * scale}px`,
      width: `${Math.min(viewport.clientWidth, natural.width * zoom) * scale}px`,
      height: `${Math.min(viewport.clientHeight, natural.height * zoom) * scale}px`,
    });
  }

  document.getElementById('show-current').addEventListener('click', () => {
    sizeTo(Math.max(minZoom, OPEN_ZOOM));
    centreOnCurrent();
  });
  document.getElementById('show-all').addEventListener('click', () => {
    sizeTo(minZoom);
    centreOn(natural.width / 2, natural.height / 2);
  });
  zoomIn.addEventListener('click', () => zoomTo(zoom * 1.25));
  zoomOut.addEventListener('click', () => zoomTo(zoom / 1.25));
  viewport.addEventListener('scroll', showPlace, { passive: true });
  window.addEventListener('resize', showPlace);
  map.image.addEventListener('load', showPlace);

  viewport.addEventListener('wheel', (event) => {
    if (!event.ctrlKey) return; // a plain wheel scrolls: that is panning
    event.preventDefault();
    const at = viewport.getBoundingClientRect();
    zoomTo(zoom * (event.deltaY < 0 ? 1.1 : 1 / 1.1), event.clientX - at.left, event.clientY - at.top);
  }, { passive: false });

  viewport.addEventListener('keydown', (event) => {
    const keys = { '+': () => zoomTo(zoom * 1.25), '=': () => zoomTo(zoom * 1.25), '-': () => zoomTo(zoom / 1.25), 0: () => document.getElementById('show-all').click(), Home: () => document.getElementById('show-current').click() };
    if (!Object.hasOwn(keys, event.key)) return; // arrow keys and Page Up/Down scroll by themselves
    const act = keys[event.key];
    event.preventDefault();
    act();
  });

  // Drag to pan.
  let drag;
  viewport.addEventListener('pointerdown', (event) => {
    // Not on the scrollbars, which pan by themselves.
    const at = viewport.getBoundingClientRect();
    if (event.button !== 0 || event.clientX - at.left >= viewport.clientLeft + viewport.clientWidth || event.clientY - at.top >= viewport.clientTop + viewport.clientHeight) return;
    drag = { x: event.clientX, y: event.clientY, left: viewport.scrollLeft, top: viewport.scrollTop };
    viewport.setPointerCapture(event.pointerId);
    viewport.classList.add('dragging');
  });
  viewport.addEventListener('pointermove', (event) => {
    if (!drag) return;
    viewport.scrollTo(drag.left - (event.clientX - drag.x), drag.top - (event.clientY - drag.y));
  });
  const endDrag = () => {
    drag = undefined;
    viewport.classList.remove('dragging');
  };
  viewport.addEventListener('pointerup', endDrag);
  viewport.addEventListener('pointercancel', endDrag);

  centreOnCurrent();
  // For tests and tools: the chart is drawn and placed; the smallest readable zoom is known.
  viewport.dataset.minZoom = String(minZoom);
  viewport.dataset.ready = 'true';
})().catch((error) => {
  document.getElementById('viewport').dataset.error = String(error && error.message);
  throw error;
});
