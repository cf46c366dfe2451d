// The staff page: plain HTML, CSS and one small script, embedded in the binary at build time.
import html from "./page.html" with { type: "text" };
import css from "./page.css" with { type: "text" };
import script from "./page.js" with { type: "text" };
import desk from "./desk.js" with { type: "text" };
import visits from "./visits.js" with { type: "text" };

// bun-types types an .html import as a bundle for Bun.serve's routes; with type "text" it is the file's text.
export const page_assets = { html: html as unknown as string, css, script, desk, visits };
