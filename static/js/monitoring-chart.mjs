// Draw a metric's trend chart from the table already on the page (progressive enhancement: the
// table is what a browser without JavaScript shows, and it stays visible for everyone).
// Chart.js is loaded before this module by a classic <script>, which sets window.Chart.

const GOVUK_BLUE = "#1d70b8";
const GOVUK_TEXT = "#0b0c0c";

function readTable(table) {
  const labels = [];
  const values = [];
  for (const row of table.tBodies[0].rows) {
    const header = row.querySelector("th");
    const cell = row.querySelector("td[data-value]");
    if (!header || !cell) continue;
    labels.push(header.textContent.trim());
    const raw = cell.dataset.value;
    values.push(raw === "" ? null : Number(raw));
  }
  return { labels, values };
}

function draw(canvas) {
  const table = document.getElementById(canvas.dataset.source);
  if (!table || !window.Chart) return;
  const { labels, values } = readTable(table);
  // The table's own typeface and size, so the chart reads like the table beneath it.
  window.Chart.defaults.font.family = getComputedStyle(table).fontFamily;
  window.Chart.defaults.font.size = 16;
  const container = canvas.parentElement;
  // Shown only now: without JavaScript an empty canvas would be all there is to see.
  container.hidden = false;
  // Set through the CSSOM, which the page's Content Security Policy allows (inline styles not).
  container.style.position = "relative";
  container.style.height = "20rem";
  container.style.maxWidth = "48rem";
  const isPercentage = canvas.dataset.kind === "percentage";
  const isCount = canvas.dataset.kind === "count" || canvas.dataset.kind === "yes_no";
  new window.Chart(canvas, {
    type: canvas.dataset.kind === "yes_no" ? "bar" : "line",
    data: {
      labels,
      datasets: [{
        label: canvas.dataset.label,
        data: values,
        borderColor: GOVUK_BLUE,
        backgroundColor: GOVUK_BLUE,
        pointRadius: 4,
        spanGaps: false,
      }],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      color: GOVUK_TEXT,
      scales: {
        y: {
          beginAtZero: true,
          suggestedMax: isPercentage ? 100 : undefined,
          ticks: {
            color: GOVUK_TEXT,
            precision: isCount ? 0 : undefined,
            callback: (value) => (isPercentage ? `${value}%` : value),
          },
        },
        x: { ticks: { color: GOVUK_TEXT } },
      },
      plugins: { legend: { labels: { color: GOVUK_TEXT } } },
    },
    plugins: [{
      id: "registryReady",
      // Browser tests wait for this before looking at the chart.
      afterRender: () => { canvas.dataset.chartReady = "true"; },
    }],
  });
}

for (const canvas of document.querySelectorAll("canvas[data-trend-chart]")) {
  draw(canvas);
}
