// @ts-check
/** DOM helpers of the dashboard page: elements by id, the status line, table rows, figures. */

/** @template {HTMLElement} T @param {string} id @returns {T} */
export const $ = (id) => /** @type {T} */ (document.getElementById(id));

export const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 });
export const count = new Intl.NumberFormat('en-US');

/** The status line (announced to screen readers). @param {string} text @param {boolean} [error] */
export function say(text, error = false) {
  const status = $('status');
  status.textContent = text;
  status.classList.toggle('error', error);
}

/**
 * A table body from rows of cells; a cell is text, or a Node to insert as is.
 * @param {HTMLTableSectionElement} tbody @param {(string | Node)[][]} rows @param {string} [empty]
 */
export function fillRows(tbody, rows, empty = 'Nothing in this range') {
  if (!rows.length) {
    const td = cellOf(empty);
    td.colSpan = tbody.closest('table')?.querySelectorAll('th').length ?? 1;
    const tr = document.createElement('tr');
    tr.append(td);
    tbody.replaceChildren(tr);
    return;
  }
  tbody.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement('tr');
      tr.append(...cells.map(cellOf));
      return tr;
    }),
  );
}

/** @param {string | Node} content */
export function cellOf(content) {
  const td = document.createElement('td');
  td.append(content);
  return td;
}

/** @param {string} text @param {number} value the exact figure, kept for readers and tests */
export function figure(text, value) {
  const span = document.createElement('span');
  span.textContent = text;
  span.dataset.value = String(value);
  return span;
}

