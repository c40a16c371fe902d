// Start GOV.UK Frontend's components. Loaded as an external module, so the Content Security
// Policy needs no inline script; browsers without module support never run it and get the
// plain HTML pages, which work on their own.
import { initAll } from "../../govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
