// The gallery's entry point. esbuild bundles this file, and the stylesheet it imports, into the
// two hashed assets index.html links (scripts/build-web.ts).
import { html, render } from 'htm/preact';
import { App } from './app.ts';
import './styles.css';

const root = document.getElementById('app');
if (root !== null) {
  root.textContent = '';
  render(html`<${App} />`, root);
}
