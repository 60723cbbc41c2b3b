/** The dashboard's entry point, bundled to /assets/app.js by scripts/build-web.mjs. */
import { Dashboard } from './dashboard.js';

function boot(): void {
  new Dashboard().start().catch((err: unknown) => {
    const banner = document.getElementById('banner');
    if (banner) {
      banner.textContent = `The dashboard failed to start: ${err instanceof Error ? err.message : String(err)}`;
      banner.hidden = false;
    }
  });
}

// app.js is deferred, so the DOM is parsed (Plotly may still be coming: the dashboard waits for it before
// drawing); the guard covers other embeddings.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
